"""Import of populated centres from INEI's directory layout (CSV or XLSX; see `COLUMNS`).

Every row is validated first, with the model's own field rules and its code rule (the code is
the district's ubigeo and 4 digits); nothing is written unless every row is valid. A row whose
code matches a centre updates it, any other row creates one, so importing the same file twice
changes nothing the second time. A district's staff import their own district only: a row of
another district is an error of that row. The management command may import many districts.

Validation is per row in Python plus two queries (the districts, the existing centres of the
file's districts); writes are bulk statements, so 100,000 rows import in seconds.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from common import spreadsheets
from common.text import fold
from territory.models import District

from .models import Area, CentreChange, PopulatedCentre
from .services import CENTRE_FIELDS, plain

MAX_ROWS = 120_000

# (field, header as ATO's template writes it, other accepted headers): INEI's directory
# (Directorio Nacional de Centros Poblados) and its open-data copies name the columns in
# several ways; headers are compared without accents, case, spaces or underscores.
COLUMNS: list[tuple[str, Any, tuple[str, ...]]] = [
    ("ubigeo", gettext_lazy("UBIGEO"), ("ubigeo", "cod_ubigeo", "codigo_ubigeo")),
    ("code", gettext_lazy("CODCCPP"), ("codccpp", "idccpp", "cod_ccpp", "codigo", "codigo_ccpp")),
    (
        "name",
        gettext_lazy("NOMCCPP"),
        ("nomccpp", "nombccpp", "nom_ccpp", "centro_poblado", "nombre"),
    ),
    ("area", gettext_lazy("AREA"), ("area", "area_ccpp")),
    (
        "households",
        gettext_lazy("VIVIENDAS"),
        ("viviendas", "viv_total", "vivtotal", "total_viviendas", "hogares"),
    ),
    ("population", gettext_lazy("POBLACION"), ("poblacion", "pob_total", "pobtotal")),
    ("latitude", gettext_lazy("LATITUD"), ("latitud", "lat", "y")),
    ("longitude", gettext_lazy("LONGITUD"), ("longitud", "long", "lon", "x")),
]
EXAMPLE_ROW = ["131101", "1311010012", "Pampas de Jagüey", "2", "64", "231", -7.4652, -78.8213]

# INEI's AREA is 1 (urbano) or 2 (rural); a text says it too.
_AREA = {
    "1": Area.URBAN,
    "2": Area.RURAL,
    "urbano": Area.URBAN,
    "urbana": Area.URBAN,
    "urban": Area.URBAN,
    "rural": Area.RURAL,
}
_LABELS = {f: str(label) for f, label, _aliases in COLUMNS}


def _header_key(text: str) -> str:
    return fold(text).replace(" ", "").replace("_", "").replace(".", "")


_BY_HEADER = {
    _header_key(alias): f for f, label, aliases in COLUMNS for alias in (str(label), f, *aliases)
}


@dataclass
class RowResult:
    line: int
    code: str
    name: str
    district_id: str = ""
    data: dict[str, Any] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    match: PopulatedCentre | None = None


@dataclass
class ImportPreview:
    rows: list[RowResult]
    file_errors: list[str] = field(default_factory=list)

    @property
    def error_rows(self) -> list[RowResult]:
        return [r for r in self.rows if r.errors]

    @property
    def ok(self) -> bool:
        return not self.file_errors and not self.error_rows and bool(self.rows)

    @property
    def to_create(self) -> int:
        return sum(1 for r in self.rows if r.match is None)

    @property
    def to_update(self) -> int:
        return sum(1 for r in self.rows if r.match is not None)


def preview(
    *,
    content: bytes,
    filename: str,
    district_id: str | None,
    max_bytes: int | None = None,
) -> ImportPreview:
    """Each row's errors, or what would be created and updated; nothing is written.
    `district_id` None (the management command only) accepts rows of every district."""
    try:
        rows = spreadsheets.read_rows(
            content, filename=filename, max_rows=MAX_ROWS, max_bytes=max_bytes
        )
        return _preview_rows(rows, district_id)
    except spreadsheets.SpreadsheetRefused as refused:
        return ImportPreview([], [str(refused)])


def _preview_rows(rows: Iterator[spreadsheets.Row], district_id: str | None) -> ImportPreview:
    try:
        header = next(rows, None)
        columns = [_BY_HEADER.get(_header_key(h)) for h in (header.cells if header else [])]
        missing = [
            _LABELS[f] for f in ("code", "name", "households", "population") if f not in columns
        ]
        if "ubigeo" not in columns and district_id is None:
            missing.insert(0, _LABELS["ubigeo"])
        if missing:
            return ImportPreview(
                [],
                [
                    _("La primera fila debe tener las cabeceras del directorio (falta %(h)s).")
                    % {"h": ", ".join(f"«{h}»" for h in missing)}
                ],
            )
        raw_rows = list(rows)
    finally:
        rows.close()
    register = _Register.of(raw_rows, columns, district_id)
    results = [_row_result(row, columns, register) for row in raw_rows]
    file_errors = [] if results else [_("El archivo no tiene filas de datos.")]
    return ImportPreview(results, file_errors)


def _digits(value: str, width: int) -> str:
    """A code as written, or left-padded with zeros when a spreadsheet dropped them (Amazonas'
    ubigeos start with 0: 010101 read as a number is 10101)."""
    value = value.strip()
    if value.endswith(".0") and value[:-2].isdigit():
        value = value[:-2]
    if value.isascii() and value.isdigit() and width - 1 <= len(value) < width:
        return value.zfill(width)
    return value


def _code_of(values: dict[str, str], ubigeo: str) -> str:
    """The 10-digit code; a directory that gives only the centre's 4 digits next to its
    UBIGEO gets the ubigeo in front."""
    code = values.get("code", "").strip()
    if code.isascii() and code.isdigit() and len(code) <= 4 and ubigeo:
        return ubigeo + code.zfill(4)
    return _digits(code, 10)


@dataclass
class _Register:
    """The districts the file may write, the existing centres by code, and the codes read so
    far (to report a code the file repeats)."""

    districts: set[str]
    by_code: dict[str, PopulatedCentre]
    only_district: str | None
    seen: dict[str, int] = field(default_factory=dict)

    @classmethod
    def of(cls, rows, columns, district_id: str | None) -> _Register:
        if district_id is not None:
            districts = {district_id}
        else:
            districts = set(District.objects.values_list("ubigeo", flat=True))
        index = columns.index("ubigeo") if "ubigeo" in columns else None
        named = {
            _digits(row.cells[index], 6)
            for row in rows
            if index is not None and index < len(row.cells)
        } | ({district_id} if district_id else set())
        existing = PopulatedCentre.objects.filter(district_id__in=named & districts).only(
            "pk", "district_id", "retired_on", *CENTRE_FIELDS
        )
        return cls(districts, {c.code: c for c in existing.iterator(2000)}, district_id)


def _row_result(row: spreadsheets.Row, columns: list[str | None], register: _Register) -> RowResult:
    """One row's errors, in the order a reader fixes them (the file, the district, the
    fields, a repeat, a retired match), or the data it would write."""
    line, raw = row.line, row.cells
    if not raw:  # the reader could not split this row into cells
        return RowResult(line=line, code="", name="", errors=row.errors)
    values = {col: (raw[i] if i < len(raw) else "") for i, col in enumerate(columns) if col}
    problems = list(row.errors)
    ubigeo = _digits(values.get("ubigeo", ""), 6) or (register.only_district or "")
    code = _code_of(values, ubigeo)
    result = RowResult(line=line, code=code, name=values.get("name", "").strip())
    if register.only_district is not None and ubigeo != register.only_district:
        problems.append(
            _("El ubigeo %(u)s no es de este distrito (%(d)s): importe solo sus centros poblados.")
            % {"u": ubigeo or "—", "d": register.only_district}
        )
    elif ubigeo not in register.districts:
        problems.append(_("El ubigeo «%(u)s» no es un distrito del Perú.") % {"u": ubigeo})
    else:
        result.district_id = ubigeo
        data, field_errors = _clean(values, code, ubigeo)
        problems += field_errors
        if code in register.seen:
            problems.append(
                _("Código %(c)s repetido (fila %(l)d)") % {"c": code, "l": register.seen[code]}
            )
        register.seen.setdefault(code, line)
        result.match = register.by_code.get(code)
        if result.match is not None and result.match.retired_on is not None:
            problems.append(
                _("%(name)s está dado de baja: es un registro cerrado y no se modifica.")
                % {"name": result.match.name}
            )
        if not problems:
            # Only the file's columns: a column left out does not erase what the register has.
            result.data = {f: data[f] for f in CENTRE_FIELDS if f in values or f == "code"}
    result.errors = problems
    return result


def _clean(values: dict[str, str], code: str, ubigeo: str) -> tuple[dict[str, Any], list[str]]:
    """The model's field rules and its code rule, on an unsaved centre (no query)."""
    problems: list[str] = []
    centre = PopulatedCentre(district_id=ubigeo, code=code)
    for name in CENTRE_FIELDS:
        if name == "code" or name not in values:
            continue
        value = values[name].strip()
        if name == "area":
            area = _AREA.get(fold(value).removesuffix(".0")) if value else Area.RURAL
            if area is None:
                problems.append(
                    _("%(h)s: «%(v)s» no es 1 (urbano) ni 2 (rural)")
                    % {"h": _LABELS["area"], "v": value}
                )
                continue
            value = area
        elif name in ("latitude", "longitude"):
            value = _coordinate(value)
        elif name in ("households", "population"):
            value = value.removesuffix(".0")
        setattr(centre, name, value)
    exclude = {"district", "name_search", "created_at", "updated_at", "retired_on"}
    exclude |= {f for f in CENTRE_FIELDS if f != "code" and f not in values}
    try:
        centre.clean_fields(exclude=exclude)
        centre.clean()
    except ValidationError as error:
        for name, messages in error.message_dict.items():
            label = _LABELS.get(name, "")
            problems += [f"{label}: {m}" if label else m for m in messages]
    return {f: getattr(centre, f) for f in CENTRE_FIELDS}, problems


def _coordinate(value: str) -> str | None:
    """A decimal comma read as a point; GPS readings with more than 6 decimals (INEI gives up
    to 10) rounded to 6 (about 10 cm), which is what the field keeps."""
    if value.count(",") == 1 and "." not in value:
        value = value.replace(",", ".")
    if not value:
        return None
    try:
        number = Decimal(value)
    except InvalidOperation:
        return value  # the field's own rule reports it
    if number.is_finite() and abs(number) < 1000:
        return str(number.quantize(Decimal("0.000001"), ROUND_HALF_UP))
    return value


@transaction.atomic
def apply(*, preview_result: ImportPreview, user) -> tuple[int, int]:
    """Write a validated preview: bulk inserts and updates, one history record per centre
    created or changed."""
    if not preview_result.ok:
        raise ValueError("only a valid preview can be applied")
    now = timezone.now()
    new, changed, records = [], [], []
    update_fields: set[str] = set()
    for row in preview_result.rows:
        if row.match is None:
            centre = PopulatedCentre(district_id=row.district_id, created_at=now, **row.data)
            centre.name_search = fold(centre.name)
            centre.updated_at = now
            new.append(centre)
            continue
        centre = row.match
        changes = {}
        for f, value in row.data.items():
            if getattr(centre, f) != value:
                changes[f] = [plain(getattr(centre, f)), plain(value)]
                setattr(centre, f, value)
                update_fields.add(f)
        if changes:
            centre.name_search = fold(centre.name)
            centre.updated_at = now
            changed.append(centre)
            records.append(_imported(centre, user, changes))
    PopulatedCentre.objects.bulk_create(new, batch_size=2000)
    if changed:
        fields = sorted(update_fields | {"name_search", "updated_at"})
        PopulatedCentre.objects.bulk_update(changed, fields, batch_size=1000)
    for centre in new:
        records.append(
            _imported(
                centre,
                user,
                {
                    f: [None, plain(getattr(centre, f))]
                    for f in CENTRE_FIELDS
                    if getattr(centre, f) not in (None, "")
                },
            )
        )
    CentreChange.objects.bulk_create(records, batch_size=2000)
    return len(new), len(changed)


def _imported(centre: PopulatedCentre, user, changes: dict) -> CentreChange:
    return CentreChange(
        centre=centre,
        user=user,
        action=CentreChange.Action.IMPORTED,
        target=centre.name[:200],
        changes=changes,
    )


def template_rows() -> tuple[list[str], list[Any]]:
    return [str(label) for _f, label, _aliases in COLUMNS], EXAMPLE_ROW
