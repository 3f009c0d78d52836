"""Import of JASS from a CSV or XLSX file with Spanish headers (see `TEMPLATE_COLUMNS`).

Every row is validated first, with the same form rules as the registration page; nothing is
written unless every row is valid. A row whose registry number (N.° de inscripción) matches a
JASS of the district updates it; a row without a number matches an existing JASS of the same
name (accents, case and "JASS"/"de" ignored); any other row creates a JASS. So importing the
same file twice changes nothing the second time.

Validation is per row in Python plus one query for the district's existing JASS; writes are
bulk statements, so 30,000 rows import in seconds rather than one query per row.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from common import spreadsheets
from common.bulk_insert import bulk_insert
from common.text import fold

from .models import ChangeRecord, Jass, JassKind, JassStatus
from .services import DISSOLVE_WITH_ITS_ACTION, JASS_FIELDS, _plain, similar_name_key

MAX_ROWS = 50_000

# (field, Spanish header) in template order.
TEMPLATE_COLUMNS: list[tuple[str, Any]] = [
    ("name", gettext_lazy("Nombre")),
    ("kind", gettext_lazy("Tipo")),
    ("communities", gettext_lazy("Centros poblados")),
    ("households", gettext_lazy("Viviendas atendidas")),
    ("registry_number", gettext_lazy("N.° de inscripción")),
    ("recognition_resolution", gettext_lazy("Resolución de reconocimiento")),
    ("recognized_on", gettext_lazy("Fecha de reconocimiento")),
    ("statute_approved", gettext_lazy("Estatuto aprobado")),
    ("regulation_approved", gettext_lazy("Reglamento aprobado")),
    ("associates", gettext_lazy("Asociados")),
    ("monthly_fee", gettext_lazy("Cuota familiar")),
    ("status", gettext_lazy("Estado")),
    ("latitude", gettext_lazy("Latitud")),
    ("longitude", gettext_lazy("Longitud")),
]
EXAMPLE_ROW = [
    "JASS Santa Rosa",
    "JASS",
    "Santa Rosa, El Alto",
    "85",
    "015-2024",
    "R.A. N.° 120-2024-MDC",
    "2024-05-17",
    "Sí",
    "Sí",
    "85",
    "2.50",
    "Activa",
    Decimal("-7.479444"),  # numbers, not texts: an export quotes a text starting with "-"
    Decimal("-78.819722"),
]

# Accepted spellings (folded) of the choice columns and booleans.
_KIND = {fold(str(label)): code for code, label in JassKind.choices} | {
    c: c for c in JassKind.values
}
_KIND |= {"comite": JassKind.COMMITTEE, "asociacion": JassKind.ASSOCIATION}
_STATUS = {fold(str(label)): code for code, label in JassStatus.choices}
_STATUS |= {c: c for c in JassStatus.values} | {
    "activo": "active",
    "inactivo": "inactive",
    "disuelto": "dissolved",
}
_YES = {"si", "sí", "s", "x", "1", "true", "yes", "verdadero"}
_NO = {"no", "n", "0", "false", "falso", ""}


_MODEL_FIELDS = {name: Jass._meta.get_field(name) for name in JASS_FIELDS}


# Columns whose values repeat from row to row (a kind, a status, a date, a fee): with a cache,
# each distinct value is validated once per file (validation was half of a preview's time).
_REPEATING = frozenset(
    {
        "kind",
        "status",
        "statute_approved",
        "regulation_approved",
        "recognized_on",
        "monthly_fee",
        "households",
        "associates",
    }
)


def clean_row(
    data: dict[str, Any], cache: dict | None = None
) -> tuple[dict[str, Any], dict[str, list[str]]]:
    """The model's own field rules (type, choices, blank, validators such as "not in the
    future" or "inside Peru"), applied field by field: the same rules as the registration form
    and the API, without building a form per row (30,000 forms take half a minute). `cache`
    (one per file) keeps the outcome of each repeating column's values."""
    cleaned: dict[str, Any] = {}
    errors: dict[str, list[str]] = {}
    for name, raw in data.items():
        key = (name, raw) if cache is not None and name in _REPEATING else None
        outcome = cache.get(key) if key is not None else None
        if outcome is None:
            outcome = _clean_value(name, raw)
            if key is not None:
                cache[key] = outcome
        valid, result = outcome
        if valid:
            cleaned[name] = result
        else:
            errors[name] = result
    return cleaned, errors


def _clean_value(name: str, raw: Any) -> tuple[bool, Any]:
    """(True, the cleaned value) or (False, the field's messages)."""
    field = _MODEL_FIELDS[name]
    value = raw
    if isinstance(raw, str):
        value = raw.strip()
        if value == "" and field.null:
            value = None
    try:
        return True, field.clean(value, None)
    except ValidationError as error:
        return False, error.messages


@dataclass
class RowResult:
    line: int
    name: str
    data: dict[str, Any] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    match: Jass | None = None


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


def _date(value: str) -> str:
    """Accepts YYYY-MM-DD and DD/MM/YYYY; returns ISO for the form."""
    parts = value.split("/")
    if len(parts) == 3 and all(p.isdigit() for p in parts):
        day, month, year = (int(p) for p in parts)
        try:
            return dt.date(year, month, day).isoformat()
        except ValueError:
            return value
    return value


def _row_data(values: dict[str, str]) -> tuple[dict[str, Any], list[str]]:
    problems = []
    data: dict[str, Any] = {}
    for name, value in values.items():
        if name == "kind":
            code = _KIND.get(fold(value)) if value else JassKind.JASS
            if code is None:
                problems.append(_("Tipo «%(v)s» no reconocido") % {"v": value})
            data[name] = code or ""
        elif name == "status":
            code = _STATUS.get(fold(value)) if value else JassStatus.ACTIVE
            if code is None:
                problems.append(_("Estado «%(v)s» no reconocido") % {"v": value})
            elif code == JassStatus.DISSOLVED:
                # Dissolving is its own action, with a reason (services.jass_dissolve).
                problems.append(str(DISSOLVE_WITH_ITS_ACTION))
                continue
            data[name] = code or ""
        elif name in ("statute_approved", "regulation_approved"):
            key = fold(value)
            data[name] = key in _YES
            if key not in _YES and key not in _NO:
                problems.append(_("«%(v)s» debe ser Sí o No") % {"v": value})
        elif name == "recognized_on":
            data[name] = _date(value)
        elif name in ("monthly_fee", "latitude", "longitude"):
            data[name] = (
                value.replace(",", ".") if value.count(",") == 1 and "." not in value else value
            )
        else:
            data[name] = value
    return data, problems


def preview(*, content: bytes, filename: str, district_id: str) -> ImportPreview:
    """Each row's errors, or what would be created and updated; nothing is written. The file
    is read through `common.spreadsheets` (size, row, column and cell limits)."""
    rows = spreadsheets.read_rows(content, filename=filename, max_rows=MAX_ROWS)
    try:
        return _preview_rows(rows, district_id)
    except spreadsheets.SpreadsheetRefused as refused:
        return ImportPreview([], [str(refused)])
    finally:
        rows.close()


def _preview_rows(rows: Iterator[spreadsheets.Row], district_id: str) -> ImportPreview:
    header = next(rows, None)
    columns = _header_columns(header)
    if "name" not in columns:
        return ImportPreview(
            [],
            [
                _("La primera fila debe tener las cabeceras de la plantilla (falta «%(h)s»).")
                % {"h": TEMPLATE_COLUMNS[0][1]}
            ],
        )
    register = _DistrictRegister.of(district_id)
    results = [_row_result(row, columns, register) for row in rows]
    file_errors = [] if results else [_("El archivo no tiene filas de datos.")]
    return ImportPreview(results, file_errors)


def _header_columns(header: spreadsheets.Row | None) -> list[str | None]:
    """The field of each column, read from the template's labels (or the field names)."""
    by_header = {fold(str(label)): f for f, label in TEMPLATE_COLUMNS}
    by_header |= {f: f for f, _label in TEMPLATE_COLUMNS}
    return [by_header.get(fold(h)) for h in (header.cells if header else [])]


@dataclass
class _DistrictRegister:
    """The district's JASS, to match each row by registry number (or else by a similar name),
    and the rows read so far, to report a number or name the file repeats."""

    by_number: dict[str, Jass]
    by_name: dict[str, Jass]
    seen_numbers: dict[str, int] = field(default_factory=dict)
    seen_names: dict[str, int] = field(default_factory=dict)
    # The outcome of each repeating column's values (`clean_row`), for this file.
    clean_cache: dict = field(default_factory=dict)

    @classmethod
    def of(cls, district_id: str) -> _DistrictRegister:
        existing = list(
            Jass.objects.filter(district_id=district_id).only(
                "pk", "name", "registry_number", *JASS_FIELDS
            )
        )
        by_number = {j.registry_number: j for j in existing if j.registry_number}
        by_name = {}
        for j in existing:
            by_name.setdefault(similar_name_key(j.name), j)
        return cls(by_number, by_name)

    def match(self, values: dict[str, str], line: int, problems: list[str]) -> Jass | None:
        """The JASS this row updates (None: a new one); a repeat is added to `problems`."""
        number = (values.get("registry_number") or "").strip()
        if number:
            if number in self.seen_numbers:
                problems.append(
                    _("N.° de inscripción %(n)s repetido (fila %(l)d)")
                    % {"n": number, "l": self.seen_numbers[number]}
                )
            self.seen_numbers.setdefault(number, line)
            return self.by_number.get(number)
        key = similar_name_key(values.get("name", ""))
        if key in self.seen_names:
            problems.append(
                _("Nombre repetido sin N.° de inscripción (fila %(l)d)")
                % {"l": self.seen_names[key]}
            )
        self.seen_names.setdefault(key, line)
        return self.by_name.get(key)


def _row_result(
    row: spreadsheets.Row, columns: list[str | None], register: _DistrictRegister
) -> RowResult:
    """One row's errors, in the order a reader fixes them (the file, the values, the fields,
    a repeat, a dissolved match), or the data it would write."""
    line, raw = row.line, row.cells
    if not raw:  # the reader could not split this row into cells
        return RowResult(line=line, name="", errors=row.errors)
    values = {col: (raw[i] if i < len(raw) else "") for i, col in enumerate(columns) if col}
    data, problems = _row_data(values)
    problems[:0] = row.errors
    data.setdefault("kind", JassKind.JASS)
    data.setdefault("status", JassStatus.ACTIVE)
    result = RowResult(line=line, name=values.get("name", ""))
    cleaned, field_errors = clean_row(data, register.clean_cache)
    problems += _field_problems(field_errors)
    result.match = register.match(values, line, problems)
    if result.match is not None and result.match.status == JassStatus.DISSOLVED:
        problems.append(
            _("%(name)s está disuelta: es un registro cerrado y no se modifica.")
            % {"name": result.match.name}
        )
    result.errors = problems
    if not problems:
        # Only the file's columns: a column left out does not erase what the register has.
        result.data = {f: cleaned.get(f) for f in JASS_FIELDS if f in values}
    return result


def _field_problems(field_errors: dict[str, list[str]]) -> list[str]:
    """The form's errors, each headed by its column's label as the template writes it."""
    labels = dict(TEMPLATE_COLUMNS)
    problems = []
    for name, errors in field_errors.items():
        label = str(labels.get(name, ""))
        problems += [f"{label}: {error}" if label else error for error in errors]
    return problems


@transaction.atomic
def apply(*, preview_result: ImportPreview, district_id: str, user) -> tuple[int, int]:
    """Write a validated preview: bulk inserts and updates, one history record per JASS."""
    if not preview_result.ok:
        raise ValueError("only a valid preview can be applied")
    now = timezone.now()
    new, changed, records = [], [], []
    update_fields: set[str] = set()
    for row in preview_result.rows:
        if row.match is None:
            jass = Jass(district_id=district_id, **row.data)
            jass.name_search, jass.communities_search = fold(jass.name), fold(jass.communities)
            new.append(jass)
            continue
        jass = row.match
        changes = {}
        for f, value in row.data.items():
            if getattr(jass, f) != value:
                changes[f] = [_plain(getattr(jass, f)), _plain(value)]
                setattr(jass, f, value)
                update_fields.add(f)
        if changes:
            jass.name_search, jass.communities_search = fold(jass.name), fold(jass.communities)
            jass.updated_at = now
            changed.append(jass)
            records.append(
                ChangeRecord(
                    jass=jass,
                    user=user,
                    action=ChangeRecord.Action.IMPORTED,
                    target=jass.name[:200],
                    changes=changes,
                )
            )
    # New ids come back (PostgreSQL: taken from the sequence before a COPY; SQLite 3.35+
    # returns them from the insert).
    bulk_insert(Jass, new)
    if changed:
        fields = sorted(update_fields | {"name_search", "communities_search", "updated_at"})
        Jass.objects.bulk_update(changed, fields, batch_size=1000)
    for jass in new:
        records.append(
            ChangeRecord(
                jass=jass,
                user=user,
                action=ChangeRecord.Action.IMPORTED,
                target=jass.name[:200],
                changes={
                    f: [None, _plain(getattr(jass, f))]
                    for f in JASS_FIELDS
                    if getattr(jass, f) not in (None, "", False)
                },
            )
        )
    bulk_insert(ChangeRecord, records)
    return len(new), len(changed)


def template_rows() -> tuple[list[str], list[Any]]:
    return [str(label) for _f, label in TEMPLATE_COLUMNS], EXAMPLE_ROW
