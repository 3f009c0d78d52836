"""Writes that touch territory data: the PI category import."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field

from django.db import transaction
from django.utils.translation import gettext as _

from .models import District, DistrictCategory

CATEGORY_COLUMNS = ("ubigeo", "year", "category")


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    errors: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


def categories_import(*, text: str) -> ImportResult:
    """Import `ubigeo,year,category` rows. Every row is checked first; if any row is wrong,
    nothing is written and each wrong row is reported with its line number."""
    result = ImportResult()
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    header = [h.strip().lower() for h in (reader.fieldnames or [])]
    if tuple(header[:3]) != CATEGORY_COLUMNS:
        result.errors.append(
            _("La primera fila debe ser la cabecera: %(columns)s.")
            % {"columns": ",".join(CATEGORY_COLUMNS)}
        )
        return result
    known = set(District.objects.values_list("ubigeo", flat=True))
    wanted: dict[tuple[str, int], str] = {}
    for line, raw in enumerate(reader, start=2):
        row = {k.strip().lower(): (v or "").strip() for k, v in raw.items() if k}
        ubigeo, year, category = row.get("ubigeo", ""), row.get("year", ""), row.get("category", "")
        problems = []
        if len(ubigeo) == 5 and ubigeo.isdigit():
            ubigeo = "0" + ubigeo  # spreadsheets drop the leading zero of Amazonas..Callao
        if not (len(ubigeo) == 6 and ubigeo.isdigit()):
            problems.append(_("el ubigeo «%(v)s» no tiene 6 dígitos") % {"v": ubigeo})
        elif ubigeo not in known:
            problems.append(_("el ubigeo %(v)s no es un distrito del INEI") % {"v": ubigeo})
        if not (year.isdigit() and 2009 <= int(year) <= 2100):
            problems.append(_("el año «%(v)s» no es válido (2009 a 2100)") % {"v": year})
        if not category or len(category) > 8:
            problems.append(_("el tipo de municipalidad está vacío o es demasiado largo"))
        if not problems and (ubigeo, int(year)) in wanted:
            problems.append(
                _("el distrito %(u)s ya figura para %(y)s en otra fila") % {"u": ubigeo, "y": year}
            )
        if problems:
            result.errors.append(
                _("Fila %(line)d: %(problems)s.") % {"line": line, "problems": "; ".join(problems)}
            )
            continue
        wanted[(ubigeo, int(year))] = category.upper()
    if not wanted and not result.errors:
        result.errors.append(_("El archivo no tiene filas de datos."))
    if result.errors:
        return result
    _write_categories(wanted, result)
    return result


@transaction.atomic
def _write_categories(wanted: dict[tuple[str, int], str], result: ImportResult) -> None:
    years = {year for _, year in wanted}
    existing = {
        (c.district_id, c.year): c
        for c in DistrictCategory.objects.filter(year__in=years).select_for_update()
    }
    new, changed = [], []
    for (ubigeo, year), category in wanted.items():
        current = existing.get((ubigeo, year))
        if current is None:
            new.append(DistrictCategory(district_id=ubigeo, year=year, category=category))
        elif current.category != category:
            current.category = category
            changed.append(current)
    DistrictCategory.objects.bulk_create(new, batch_size=1000)
    DistrictCategory.objects.bulk_update(changed, ["category"], batch_size=1000)
    result.created, result.updated = len(new), len(changed)
