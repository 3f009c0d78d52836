"""Data others can read (issue 15, part 5): the water systems as a WPDx-style CSV and the
district indicators of a month as DHIS2 data values. The README section "Datos abiertos: WPDx y
DHIS2" gives each column's mapping and each data element's definition; this module is the one
place they are computed, and `ato/api.py` serves them.

Both read several apps (registry, visits, populated centres, service grades), so they live in
the project package. Both are set-based: the CSV is one query streamed in chunks whatever the
number of systems, the data values a fixed number of GROUP BY queries whatever the number of
districts.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.core.exceptions import ValidationError
from django.db.models import BooleanField, Case, Count, OuterRef, Q, QuerySet, Subquery, When
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from communities.coverage import NO_CENTRES, district_coverage
from jass_registry.models import Condition, Jass, JassStatus, SystemType, WaterSystem
from jass_registry.standards import ADEQUATE_CHLORINE_MG_L, CHLORINE_WINDOW_DAYS
from service_grades.models import Grade, ServiceAssessment, ServiceScore, Subject
from territory.models import District
from visits.chlorine import with_network_chlorine
from visits.models import Agreement, Visit

# --- WPDx ------------------------------------------------------------------------------------

WPDX_COLUMNS = (
    "lat_deg",
    "lon_deg",
    "report_date",
    "status_id",
    "water_source",
    "water_tech",
    "management",
    "pay",
    "install_year",
    "clean_country_name",
    "clean_adm1",
    "clean_adm2",
    "clean_adm3",
    "ato_id",
)
# Rows fetched from the database at a time: memory stays the same for 500 or 45,000 systems.
WPDX_CHUNK = 2000

COUNTRY = "Peru"
YES, NO, UNKNOWN = "Yes", "No", "Unknown"
# Every system ATO registers is a JASS's piped network (sistema de agua potable): water reaches
# the houses through pipes, by gravity or pumped.
WATER_SOURCE = "Piped Water"
WATER_TECH = {
    SystemType.GRAVITY_UNTREATED: "Gravity",
    SystemType.GRAVITY_TREATED: "Gravity",
    SystemType.PUMPED_UNTREATED: "Motorized",
    SystemType.PUMPED_TREATED: "Motorized",
    SystemType.OTHER: "Other",
}
# JASS, committees, associations and cooperatives are all organizaciones comunales.
MANAGEMENT = "Community Management"
# The components water passes through on its way to the tap: one that does not work stops the
# service. Treatment is left out: untreated water still flows.
WATER_PATH = ("source_intake", "conduction", "storage", "distribution")


def _assessment_says_down() -> Case:
    """True when an assessment finds the service not working: a component on the water's path
    that does not work, or no hours of service in either season."""
    down = Q(hours_dry=0, hours_rainy=0)
    for name in WATER_PATH:
        down |= Q(**{name: Condition.NOT_WORKING})
    return Case(When(down, then=True), default=False, output_field=BooleanField())


# What a row needs, in the order `wpdx_row` unpacks it.
_WPDX_FIELDS = (
    "pk",
    "system_type",
    "built_year",
    "condition",
    "last_reading_on",
    "assessed_on",
    "assessed_down",
    "jass__latitude",
    "jass__longitude",
    "jass__last_visit_on",
    "jass__monthly_fee",
    "jass__district__department__name",
    "jass__district__province__name",
    "jass__district__name",
)


def wpdx_systems(
    *, district_id: str | None = None, department_id: str | None = None
) -> QuerySet[WaterSystem]:
    """The active (not retired) water systems of a district, a department or the country, with
    what their row needs, in one query (the latest assessment as two correlated subqueries on
    its index). Rows are tuples in `_WPDX_FIELDS` order."""
    systems = WaterSystem.objects.filter(retired_on__isnull=True)
    if district_id is not None:
        systems = systems.filter(jass__district_id=district_id)
    if department_id is not None:
        systems = systems.filter(jass__district__department_id=department_id)
    latest = (
        ServiceAssessment.objects.valid()
        .filter(water_system=OuterRef("pk"))
        .order_by("-visit__date", "-id")
    )
    return (
        systems.annotate(
            assessed_on=Subquery(latest.values("visit__date")[:1]),
            assessed_down=Subquery(
                latest.annotate(down=_assessment_says_down()).values("down")[:1]
            ),
        )
        .order_by("jass__district_id", "pk")
        .values_list(*_WPDX_FIELDS)
    )


def wpdx_status(condition: str, assessed_down: bool | None, report_date: dt.date | None) -> str:
    """WPDx's functional status: `No` when the registry says the system does not work or its
    latest assessment finds it down; else `Yes` when ATO has seen it (a visit, a reading or an
    assessment); else `Unknown` (only what was typed at registration)."""
    if condition == Condition.NOT_WORKING or assessed_down:
        return NO
    return YES if report_date is not None else UNKNOWN


def wpdx_pay(monthly_fee: Decimal | None) -> str:
    """The JASS's cuota familiar: charged (> 0), none (0) or not recorded."""
    if monthly_fee is None:
        return UNKNOWN
    return YES if monthly_fee > 0 else NO


def wpdx_row(values: tuple) -> list:
    """One CSV row, in `WPDX_COLUMNS` order, from a `wpdx_systems` tuple. Coordinates stay
    numbers (a negative latitude is not a formula); blanks are None."""
    (
        pk,
        system_type,
        built_year,
        condition,
        last_reading_on,
        assessed_on,
        assessed_down,
        latitude,
        longitude,
        last_visit_on,
        monthly_fee,
        department,
        province,
        district,
    ) = values
    seen = [d for d in (last_visit_on, last_reading_on, assessed_on) if d is not None]
    report_date = max(seen) if seen else None
    return [
        latitude,
        longitude,
        report_date.isoformat() if report_date else None,
        wpdx_status(condition, assessed_down, report_date),
        WATER_SOURCE,
        WATER_TECH.get(system_type, "Other"),
        MANAGEMENT,
        wpdx_pay(monthly_fee),
        built_year,
        COUNTRY,
        department,
        province,
        district,
        f"ATO-WS-{pk}",
    ]


def wpdx_rows(systems: QuerySet) -> Iterator[list]:
    """The rows, fetched `WPDX_CHUNK` at a time (a server-side cursor on PostgreSQL)."""
    return (wpdx_row(values) for values in systems.iterator(chunk_size=WPDX_CHUNK))


# --- DHIS2 -----------------------------------------------------------------------------------

COUNT = "INTEGER_ZERO_OR_POSITIVE"
PERCENTAGE = "PERCENTAGE"


@dataclass(frozen=True)
class DataElement:
    """A DHIS2 aggregate data element: `code` is what `dataElement` carries (import with
    `dataElementIdScheme=CODE`), `value_type` and `aggregation` DHIS2's own words."""

    code: str
    name: Promise
    short_name: Promise
    definition: Promise
    value_type: str = COUNT
    aggregation: str = "SUM"

    def as_metadata(self) -> dict:
        return {
            "code": self.code,
            "name": str(self.name),
            "shortName": str(self.short_name)[:50],
            "description": str(self.definition),
            "valueType": self.value_type,
            "aggregationType": self.aggregation,
            "domainType": "AGGREGATE",
        }


def _grade_element(grade: str) -> DataElement:
    return DataElement(
        f"ATO_WS_GRADE_{grade}",
        format_lazy(_("Sistemas de agua con nivel de servicio {grade}"), grade=grade),
        format_lazy(_("ATO sistemas nivel {grade}"), grade=grade),
        format_lazy(
            _(
                "Sistemas de agua activos (como en ATO_WS_ACTIVE) cuyo último nivel de servicio "
                "calculado (el del trimestre más reciente que empieza hasta el fin del mes) es "
                "{grade}."
            ),
            grade=grade,
        ),
    )


DATA_ELEMENTS: tuple[DataElement, ...] = (
    DataElement(
        "ATO_JASS_ACTIVE",
        _("JASS activas"),
        _("ATO JASS activas"),
        _(
            "Organizaciones comunales (JASS) en estado activa, registradas en ATO hasta el fin "
            "del mes."
        ),
    ),
    DataElement(
        "ATO_JASS_REGISTERED",
        _("JASS inscritas y reconocidas"),
        _("ATO JASS inscritas"),
        _(
            "JASS no disueltas, registradas en ATO hasta el fin del mes, con N.° de inscripción "
            "en el Libro de Registro y resolución de reconocimiento."
        ),
    ),
    DataElement(
        "ATO_WS_ACTIVE",
        _("Sistemas de agua activos"),
        _("ATO sistemas activos"),
        _(
            "Sistemas de agua de JASS activas registradas hasta el fin del mes, no dados de baja "
            "a esa fecha."
        ),
    ),
    DataElement(
        "ATO_WS_CHLORINE_OK",
        _("Sistemas de agua con cloro adecuado en la red"),
        _("ATO sistemas con cloro adecuado"),
        format_lazy(
            _(
                "Sistemas activos (como en ATO_WS_ACTIVE) cuya medición decisiva en la red "
                "(primera o última vivienda; la última decide) de los {days} días hasta el fin "
                "del mes es de al menos {mg_l} mg/L de cloro residual libre. No cuentan las "
                "mediciones de visitas anuladas ni las del reservorio."
            ),
            days=CHLORINE_WINDOW_DAYS,
            mg_l=ADEQUATE_CHLORINE_MG_L,
        ),
    ),
    DataElement(
        "ATO_VISITS",
        _("Visitas de asistencia técnica del mes"),
        _("ATO visitas del mes"),
        _("Visitas del ATM a las JASS del distrito con fecha en el mes, no anuladas."),
    ),
    DataElement(
        "ATO_AGREEMENTS_OVERDUE",
        _("Acuerdos vencidos al fin del mes"),
        _("ATO acuerdos vencidos"),
        _(
            "Acuerdos de visitas no anuladas, hechas hasta el fin del mes, cuya fecha límite es "
            "anterior al último día del mes y que no estaban cumplidos ese día."
        ),
    ),
    DataElement(
        "ATO_HH_RURAL",
        _("Viviendas de los centros poblados rurales"),
        _("ATO viviendas rurales"),
        _(
            "Viviendas de los centros poblados rurales del distrito registrados hasta el fin del "
            "mes y no dados de baja a esa fecha."
        ),
    ),
    DataElement(
        "ATO_HH_SERVED",
        _("Viviendas rurales con servicio de agua"),
        _("ATO viviendas con servicio"),
        _(
            "Viviendas servidas en esos centros rurales por servicios vigentes al fin del mes; "
            "en cada centro, como mucho sus viviendas."
        ),
    ),
    DataElement(
        "ATO_COVERAGE_PCT",
        _("Cobertura de agua en centros poblados rurales (%)"),
        _("ATO cobertura rural %"),
        _(
            "ATO_HH_SERVED / ATO_HH_RURAL × 100, con un decimal. Sin valor cuando el distrito no "
            "tiene viviendas rurales registradas."
        ),
        value_type=PERCENTAGE,
        aggregation="AVERAGE",
    ),
    *(_grade_element(grade) for grade in Grade.values),
)
ELEMENT_CODES = tuple(e.code for e in DATA_ELEMENTS)

PCT_PLACES = Decimal("0.1")


FIRST_YEAR = 2000  # no visit or reading is dated before (visits.models.not_before_2000)


def period_start(period: str, today: dt.date | None = None) -> dt.date:
    """The first day of a DHIS2 monthly period `YYYYMM`, or a Spanish ValidationError: the
    month is 01 to 12, the year 2000 or later, and the month not after the current one."""
    if not (len(period) == 6 and period.isascii() and period.isdigit()):
        raise ValidationError(
            _("Indique el periodo como AAAAMM, por ejemplo 202601."), code="period_format"
        )
    year, month = int(period[:4]), int(period[4:])
    if not 1 <= month <= 12:
        raise ValidationError(_("El mes del periodo va de 01 a 12."), code="period_month")
    if year < FIRST_YEAR:
        raise ValidationError(
            _("El periodo empieza en %(year)s o después.") % {"year": FIRST_YEAR},
            code="period_year",
        )
    start = dt.date(year, month, 1)
    if start > (today or timezone.localdate()):
        raise ValidationError(_("El periodo no puede ser un mes futuro."), code="period_future")
    return start


def month_end(start: dt.date) -> dt.date:
    """The last day of the month that starts on `start`."""
    following = dt.date(start.year + start.month // 12, start.month % 12 + 1, 1)
    return following - dt.timedelta(days=1)


def period_end(start: dt.date, today: dt.date | None = None) -> dt.date:
    """The day the period is read as at: its last day, or today while it runs."""
    return min(month_end(start), today or timezone.localdate())


def _end_of_day(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.max))


def district_values(
    districts: QuerySet[District], start: dt.date, end: dt.date
) -> dict[str, dict[str, int | Decimal | None]]:
    """{ubigeo: {data element code: value}} for the month from `start`, as at `end`, for every
    district of `districts`: one query for the districts and five GROUP BY queries (JASS, water
    systems, visits, agreements, coverage), whatever their number. The registry counts what ATO
    held at the end of `end` (rows recorded by then; a JASS's current status, the registry keeps
    no history of it); events count by their own dates. A percentage with nothing to divide is
    None."""
    ubigeos = list(districts.order_by("ubigeo").values_list("ubigeo", flat=True))
    scope = districts.order_by().values("ubigeo")
    recorded_by = _end_of_day(end)
    values: dict[str, dict] = {
        u: dict.fromkeys(ELEMENT_CODES, 0) | {"ATO_COVERAGE_PCT": None} for u in ubigeos
    }

    registered = ~Q(registry_number="") & ~Q(recognition_resolution="")
    jass = (
        Jass.objects.filter(district_id__in=scope, created_at__lte=recorded_by)
        .values("district_id")
        .annotate(
            active=Count("pk", filter=Q(status=JassStatus.ACTIVE)),
            registered=Count("pk", filter=registered & ~Q(status=JassStatus.DISSOLVED)),
        )
        .order_by()
    )
    for row in jass:
        values[row["district_id"]].update(
            ATO_JASS_ACTIVE=row["active"], ATO_JASS_REGISTERED=row["registered"]
        )

    for district_id, counts in _system_counts(scope, end, recorded_by).items():
        values[district_id].update(counts)

    visits = (
        Visit.objects.valid()
        .filter(district_id__in=scope, date__gte=start, date__lte=end)
        .values("district_id")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for row in visits:
        values[row["district_id"]]["ATO_VISITS"] = row["n"]

    overdue = (
        Agreement.objects.valid()
        .filter(district_id__in=scope, visit__date__lte=end, due_on__lt=end)
        .filter(Q(done_on__isnull=True) | Q(done_on__gt=end))
        .values("district_id")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for row in overdue:
        values[row["district_id"]]["ATO_AGREEMENTS_OVERDUE"] = row["n"]

    coverage = district_coverage(ubigeos, asof=end)
    for ubigeo in ubigeos:
        c = coverage.get(ubigeo, NO_CENTRES)
        values[ubigeo].update(
            ATO_HH_RURAL=c.households,
            ATO_HH_SERVED=c.households_served,
            ATO_COVERAGE_PCT=coverage_pct(c.households_served, c.households),
        )
    return values


def coverage_pct(served: int, households: int) -> Decimal | None:
    if not households:
        return None
    return (Decimal(100) * served / households).quantize(PCT_PLACES, ROUND_HALF_UP)


def _system_counts(scope, end: dt.date, recorded_by: dt.datetime) -> dict[str, dict[str, int]]:
    """Active systems per district, those adequately chlorinated in the network
    (`visits.chlorine`, the one definition) and those of each grade: one GROUP BY."""
    systems = WaterSystem.objects.filter(
        Q(retired_on__isnull=True) | Q(retired_on__gt=end),
        jass__district_id__in=scope,
        jass__status=JassStatus.ACTIVE,
        jass__created_at__lte=recorded_by,
    )
    systems = with_network_chlorine(
        systems, start=end - dt.timedelta(days=CHLORINE_WINDOW_DAYS), end=end
    )
    grade = (
        ServiceScore.objects.filter(
            subject=Subject.SYSTEM, water_system=OuterRef("pk"), quarter__lte=end
        )
        .order_by("-quarter")
        .values("grade")[:1]
    )
    rows = (
        systems.annotate(score_grade=Subquery(grade))
        .values("jass__district_id")
        .annotate(
            ATO_WS_ACTIVE=Count("pk"),
            ATO_WS_CHLORINE_OK=Count("pk", filter=Q(network_mg_l__gte=ADEQUATE_CHLORINE_MG_L)),
            **{f"ATO_WS_GRADE_{g}": Count("pk", filter=Q(score_grade=g)) for g in Grade.values},
        )
        .order_by()
    )
    return {row.pop("jass__district_id"): row for row in rows}


def data_values(values: dict[str, dict], period: str) -> list[dict[str, str]]:
    """DHIS2's `dataValues`: one per district and data element, values as strings (as DHIS2
    reads them), a percentage with nothing to divide left out."""
    return [
        {"dataElement": code, "period": period, "orgUnit": ubigeo, "value": str(value)}
        for ubigeo, by_code in values.items()
        for code in ELEMENT_CODES
        if (value := by_code[code]) is not None
    ]


def data_elements() -> list[dict]:
    return [e.as_metadata() for e in DATA_ELEMENTS]
