"""The Everyone Forever page: a district's coverage and its quarterly trend ("everyone"), the
service grades of its water systems and JASS ("forever"), its worst services and its centres
without service; for reviewers the same as counts, nationally or by department.

It lives in the project package because it reads communities, service_grades and the registry.
Every read is a fixed number of aggregate queries: none grows with the number of centres,
systems or districts on the page.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

import django_filters
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Max, Min, QuerySet, Sum
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from communities.coverage import NO_CENTRES, Coverage, district_coverage, percent_text, ratio_of
from communities.models import CoverageQuarter, PopulatedCentre, quarter_start
from jass_registry.models import Jass, JassStatus, WaterSystem
from service_grades.models import Grade
from service_grades.queries import GRADE_KEYS, district_grades, grade_counts
from territory.access import district_for_read, reviewer_required
from territory.models import Department, District, Province

GRADES = list(GRADE_KEYS)
WORST_SHOWN = 10
UNSERVED_SHOWN = 10
TREND_QUARTERS = 8
LOWEST_SHOWN = 15
FOR_REVIEWERS = gettext_lazy("Esta página es para los revisores del sector.")


# --- the pieces --------------------------------------------------------------------------------


def active_systems() -> QuerySet[WaterSystem]:
    """Water systems in service, of an active JASS: the scope of
    `service_grades.queries.active_systems` (the district API's `grades`), for any districts
    (the national page groups them by department or province)."""
    return WaterSystem.objects.filter(retired_on__isnull=True, jass__status=JassStatus.ACTIVE)


def _counts(rows, key_of) -> dict:
    """{key: {"A": n, …, "D": n, "none": n}} from rows of (group…, grade, n)."""
    counts: dict = defaultdict(lambda: dict.fromkeys(GRADES, 0))
    for row in rows:
        counts[key_of(row)][row["grade"] or "none"] += row["n"]
    return counts


# The grades are read from the copy of the latest quarter's grade that service_grades keeps on
# each WaterSystem and Jass (the lists filter and sort by the same columns): a GROUP BY over
# plain columns, no subquery per system.


def system_grade_counts(*, group: str, **filters) -> dict:
    """Active water systems by grade (`none`: never assessed), grouped by `group` (e.g.
    `jass__district_id`): one GROUP BY."""
    rows = (
        active_systems().filter(**filters).order_by().values(group, "grade").annotate(n=Count("pk"))
    )
    return _counts(rows, lambda r: r[group])


def jass_grade_counts(*, group: str, **filters) -> dict:
    """Active JASS by grade (as `system_grade_counts`)."""
    rows = (
        Jass.objects.active()
        .filter(**filters)
        .order_by()
        .values(group, "grade")
        .annotate(n=Count("pk"))
    )
    return _counts(rows, lambda r: r[group])


@dataclass
class TrendPoint:
    quarter: dt.date
    households: int
    households_served: int
    live: bool = False  # the running quarter read now, not (yet) stored

    @property
    def ratio(self) -> Decimal | None:
        return ratio_of(self.households_served, self.households)

    @property
    def percent(self) -> str:
        return percent_text(self.ratio)

    @property
    def label(self) -> str:
        return _("T%(q)d %(y)d") % {"q": (self.quarter.month - 1) // 3 + 1, "y": self.quarter.year}


def _trend(stored, current: Coverage, today: dt.date) -> list[TrendPoint]:
    """Stored quarters oldest first, with the running quarter as read now (the nightly
    snapshot may not have run yet today)."""
    this_quarter = quarter_start(today)
    points = [TrendPoint(q, h, s) for q, h, s in stored if q != this_quarter][
        -(TREND_QUARTERS - 1) :
    ]
    points.append(TrendPoint(this_quarter, current.households, current.households_served, True))
    return points


def chart_rows(points: list[TrendPoint]) -> list[dict]:
    return [
        {
            "label": p.label,
            "percent": float(p.ratio * 100) if p.ratio is not None else None,
        }
        for p in points
    ]


# --- a district --------------------------------------------------------------------------------


@dataclass
class DistrictView:
    district: District
    coverage: Coverage
    trend: list[TrendPoint]
    systems: dict[str, int]
    jass: dict[str, int]
    worst_systems: list[WaterSystem]
    worst_jass: list[Jass]
    unserved: list[PopulatedCentre]
    unserved_count: int
    unserved_households: int


def district_view(district: District, today: dt.date) -> DistrictView:
    """Everything the district's page shows, in 8 queries whatever its size."""
    ubigeo = district.ubigeo
    coverage = district_coverage([ubigeo]).get(ubigeo, NO_CENTRES)  # 1
    stored = list(  # 2
        CoverageQuarter.objects.filter(district_id=ubigeo)
        .order_by("-quarter")
        .values_list("quarter", "households", "households_served")[:TREND_QUARTERS]
    )
    systems = district_grades(ubigeo)  # 3
    jass = grade_counts(Jass.objects.active().filter(district_id=ubigeo))  # 4
    bad = [Grade.C, Grade.D]
    worst_systems = list(  # 5
        active_systems()
        .filter(jass__district_id=ubigeo, grade__in=bad)
        .select_related("jass")
        .order_by("score", "name", "pk")[:WORST_SHOWN]
    )
    worst_jass = list(  # 6
        Jass.objects.active()
        .filter(district_id=ubigeo, grade__in=bad)
        .order_by("score", "name", "pk")[:WORST_SHOWN]
    )
    unserved_qs = PopulatedCentre.objects.in_district(ubigeo).active().rural().served(False)
    unserved = list(unserved_qs.order_by("-households", "name", "pk")[:UNSERVED_SHOWN])  # 7
    gap = unserved_qs.aggregate(n=Count("pk"), households=Sum("households"))  # 8
    return DistrictView(
        district=district,
        coverage=coverage,
        trend=_trend(reversed(stored), coverage, today),
        systems=systems,
        jass=jass,
        worst_systems=worst_systems,
        worst_jass=worst_jass,
        unserved=unserved,
        unserved_count=gap["n"] or 0,
        unserved_households=gap["households"] or 0,
    )


@login_required
@require_GET
def district_page(request: HttpRequest, ubigeo: str) -> HttpResponse:
    district = district_for_read(request.user, ubigeo)
    view = district_view(district, timezone.localdate())
    return render(
        request,
        "ato/everyone_forever.html",
        {
            "district": district,
            "view": view,
            "chart": chart_rows(view.trend),
            "grade_rows": _grade_rows(view.systems, view.jass),
        },
    )


def _grade_rows(systems: dict, jass: dict) -> list[tuple[str, int, int]]:
    labels = {g: g for g in Grade.values} | {"none": _("Sin evaluar")}
    return [(labels[g], systems.get(g, 0), jass.get(g, 0)) for g in GRADES]


# --- nationally or by department (reviewers) ---------------------------------------------------


class NationalFilter(django_filters.FilterSet):
    """The reviewers' page: nationally, or one department (its provinces as rows)."""

    department = django_filters.ChoiceFilter(
        label=gettext_lazy("Departamento"),
        choices=lambda: [(d.code, d.name) for d in Department.objects.all()],
        empty_label=gettext_lazy("Todo el país"),
        method="filter_department",
    )

    class Meta:
        model = District
        fields = ["department"]

    def filter_department(self, queryset, name, value):
        return queryset.filter(department_id=value)


@dataclass
class AreaRow:
    code: str
    name: str
    households: int = 0
    households_served: int = 0
    unserved_centres: int = 0
    unserved_households: int = 0
    systems: dict = field(default_factory=lambda: dict.fromkeys(GRADES, 0))
    jass: dict = field(default_factory=lambda: dict.fromkeys(GRADES, 0))

    @property
    def ratio(self) -> Decimal | None:
        return ratio_of(self.households_served, self.households)

    @property
    def percent(self) -> str:
        return percent_text(self.ratio)

    @property
    def systems_graded(self) -> int:
        return sum(n for g, n in self.systems.items() if g != "none")


def _add(target: dict, counts: dict) -> None:
    for grade, n in counts.items():
        target[grade] = target.get(grade, 0) + n


@dataclass
class Snapshot:
    """Where the reviewers' coverage comes from: the latest stored quarter (`quarter`, its rows
    computed between `computed_from` and `computed_to`), and how many districts had no row of
    that quarter and were read now (`live_districts`; all of them when nothing is stored)."""

    quarter: dt.date | None
    computed_from: dt.datetime | None
    computed_to: dt.datetime | None
    live_districts: int

    @property
    def label(self) -> str:
        return TrendPoint(self.quarter, 0, 0).label if self.quarter else ""


def stored_coverage(
    districts: list[str], scope: dict, latest: tuple | None
) -> tuple[dict[str, Coverage], Snapshot]:
    """The coverage of `districts` from the latest stored quarter (`latest`: its row of
    `stored_quarters`), one query, each district without a row of it read now (a second query,
    only then). Reading the country's 85,000 centres live costs a quarter of a second; the
    snapshot is recomputed every night (communities.tasks.snapshot_coverage), so it is at most
    a day old."""
    coverage: dict[str, Coverage] = {}
    quarter = computed_from = computed_to = None
    if latest is not None:
        quarter, _households, _served, computed_from, computed_to = latest
        rows = CoverageQuarter.objects.filter(**scope, quarter=quarter).values_list(
            "district_id", "households", "households_served"
        )
        coverage = {ubigeo: Coverage(h, s) for ubigeo, h, s in rows}
    missing = [ubigeo for ubigeo in districts if ubigeo not in coverage]
    if missing:
        # All of the country at once takes the joined form (see district_coverage).
        live = district_coverage(None if not coverage and not scope else missing)
        coverage.update((ubigeo, live[ubigeo]) for ubigeo in missing if ubigeo in live)
    return coverage, Snapshot(quarter, computed_from, computed_to, len(missing))


def stored_quarters(scope: dict) -> list[tuple]:
    """(quarter, households, households served, first and last computed_at) of every stored
    quarter, summed over the districts of `scope`, oldest first: one GROUP BY."""
    return list(
        CoverageQuarter.objects.filter(**scope)
        .order_by("quarter")
        .values("quarter")
        .annotate(
            households=Sum("households"),
            served=Sum("households_served"),
            first=Min("computed_at"),
            last=Max("computed_at"),
        )
        .values_list("quarter", "households", "served", "first", "last")
    )


@dataclass
class NationalView:
    department: Department | None
    total: AreaRow
    areas: list[AreaRow]
    trend: list[TrendPoint]
    lowest: list[tuple[District, Coverage]]
    snapshot: Snapshot


def national_view(department: Department | None, today: dt.date) -> NationalView:
    """Counts by department (or by province of one department), in 8 queries (9 when some
    district has no stored coverage of the latest quarter)."""
    districts = District.objects.order_by()
    if department is not None:
        districts = districts.filter(department=department)
    place = {  # 1: ubigeo → its department (or province)
        ubigeo: (prov if department is not None else dep)
        for ubigeo, prov, dep in districts.values_list("ubigeo", "province_id", "department_id")
    }
    if department is not None:  # 2
        names = dict(Province.objects.filter(department=department).values_list("code", "name"))
    else:
        names = dict(Department.objects.values_list("code", "name"))
    areas = {code: AreaRow(code, name) for code, name in names.items()}
    total = AreaRow("", department.name if department else _("Perú"))
    scope = {"district__department": department} if department is not None else {}
    stored = stored_quarters(scope)  # 3
    latest = stored[-1] if stored else None
    coverage, snapshot = stored_coverage(list(place), scope, latest)  # 4 (+ live for the missing)
    for ubigeo, cov in coverage.items():
        row = areas.get(place.get(ubigeo, ""))
        for target in (row, total) if row else (total,):
            target.households += cov.households
            target.households_served += cov.households_served
    gaps = (  # 5: a department's few thousand centres probe their services one by one
        PopulatedCentre.objects.active()
        .rural()
        .served(False, country=department is None)
        .filter(**scope)
        .order_by()
        .values("district_id")
        .annotate(n=Count("pk"), households=Sum("households"))
    )
    for gap in gaps:
        row = areas.get(place.get(gap["district_id"], ""))
        for target in (row, total) if row else (total,):
            target.unserved_centres += gap["n"]
            target.unserved_households += gap["households"] or 0
    level = "province_id" if department is not None else "department_id"
    jass_scope = {"jass__district__department": department} if department is not None else {}
    systems = system_grade_counts(group=f"jass__district__{level}", **jass_scope)  # 6
    for code, counts in systems.items():
        if code in areas:
            _add(areas[code].systems, counts)
        _add(total.systems, counts)
    providers = jass_grade_counts(group=f"district__{level}", **scope)  # 7
    for code, counts in providers.items():
        if code in areas:
            _add(areas[code].jass, counts)
        _add(total.jass, counts)
    current = TrendPoint(
        snapshot.quarter or quarter_start(today),
        total.households,
        total.households_served,
        live=snapshot.quarter is None,
    )
    lowest_codes = sorted(
        (u for u, c in coverage.items() if c.households),
        key=lambda u: (coverage[u].ratio, -coverage[u].households, u),
    )[:LOWEST_SHOWN]
    lowest_districts = District.objects.with_place().in_bulk(lowest_codes)  # 8
    return NationalView(
        department=department,
        total=total,
        areas=sorted(areas.values(), key=lambda a: a.name),
        trend=_stored_trend([row[:3] for row in stored], current),
        lowest=[(lowest_districts[u], coverage[u]) for u in lowest_codes if u in lowest_districts],
        snapshot=snapshot,
    )


def _stored_trend(stored, current: TrendPoint) -> list[TrendPoint]:
    """Stored quarters oldest first, ending with `current`: the latest stored quarter with the
    districts it lacked read now (or, with nothing stored, this quarter read now), so the last
    point is the figure the page heads with."""
    points = [TrendPoint(q, h, s) for q, h, s in stored if q < current.quarter]
    return [*points[-(TREND_QUARTERS - 1) :], current]


@login_required
@require_GET
@reviewer_required(refusal=FOR_REVIEWERS)
def national_page(request: HttpRequest) -> HttpResponse:
    filterset = NationalFilter(request.GET, queryset=District.objects.none())
    department = None
    if filterset.is_valid() and filterset.form.cleaned_data.get("department"):
        department = Department.objects.get(pk=filterset.form.cleaned_data["department"])
    view = national_view(department, timezone.localdate())
    return render(
        request,
        "ato/everyone_forever_national.html",
        {
            "form": filterset.form,
            "view": view,
            "chart": chart_rows(view.trend),
            "grade_rows": _grade_rows(view.total.systems, view.total.jass),
        },
    )
