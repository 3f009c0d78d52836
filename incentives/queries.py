"""Reads of the goal engine that other parts show (district API, ATM home)."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import (
    Count,
    Exists,
    F,
    FilteredRelation,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
)

from territory.access import scoped
from territory.models import District, DistrictCategory

from .filters import OverviewFilter, ResultFilter
from .models import (
    DistrictResult,
    EvaluationRun,
    Evidence,
    EvidenceStatus,
    Goal,
    ResultReview,
    RunKind,
    RunStatus,
)


def latest_results(district_id: str) -> list[DistrictResult]:
    """The district's result in the latest finished run of each goal (one query)."""
    return list(
        DistrictResult.objects.filter(district_id=district_id)
        .latest_per_goal()
        .select_related("run", "run__goal")
        .order_by("run__goal__year", "run__goal__number")
    )


def run_progress_for(user, run: EvaluationRun) -> EvaluationRun:
    """The run's progress as the user may see it. Reviewers see the national count; ATM staff
    see only their own district (1 of 1 once it is evaluated, 0 if it is not in the goal's
    scope): how far other districts are is not theirs to read. The instance is only shown,
    never saved."""
    if user.sees_all_districts:
        return run
    done = run.results.visible_to(user).exists()
    in_scope = done or (
        bool(user.district_id)
        and DistrictCategory.objects.filter(
            year=run.goal.year, category__in=run.goal.categories, district_id=user.district_id
        ).exists()
    )
    run.districts_total, run.districts_done = int(in_scope), int(done)
    return run


def run_results_for(user, run: EvaluationRun, query) -> tuple[QuerySet[DistrictResult], str]:
    """The run's district results the user may see, filtered by `ResultFilter` from the `query`
    (page and export alike), and the department filtered on ("" for none)."""
    results = run.results.visible_to(user).select_related(
        "district", "district__province", "district__department"
    )
    filterset = ResultFilter(query, queryset=results)
    if not filterset.is_valid():  # a value no district has (too long, NUL): nothing matches
        return results.none(), ""
    return filterset.qs.order_by("district_id"), filterset.form.cleaned_data["department"] or ""


# --- a run's figures: in scope, met, not met, not evaluated ------------------------------------


@dataclass(frozen=True)
class Figures:
    """Districts of an area (or of the whole view) in a run's scope: `met` and `not_met` have a
    result in the run, `not_evaluated` have none (yet)."""

    code: str
    name: str
    in_scope: int
    met: int
    not_met: int

    @property
    def not_evaluated(self) -> int:
        return self.in_scope - self.met - self.not_met

    @property
    def percent_met(self) -> int:
        return round(100 * self.met / self.in_scope) if self.in_scope else 0

    def as_dict(self) -> dict:
        return {
            "code": self.code,
            "name": self.name,
            "in_scope": self.in_scope,
            "met": self.met,
            "not_met": self.not_met,
            "not_evaluated": self.not_evaluated,
        }


@dataclass(frozen=True)
class Overview:
    """A run's figures as the user may see them: the total and one row per department or, with
    `department`, per province of that department. `errors` holds the refused filters (then
    every figure is 0)."""

    run: EvaluationRun
    total: Figures
    areas: list[Figures]
    department: str = ""
    errors: dict = field(default_factory=dict)


def run_districts(user, run: EvaluationRun) -> QuerySet[District]:
    """The districts in the run's scope that the user may read, each joined to its result in the
    run (a LEFT JOIN: at most one result per run and district). In scope = the district's PI
    category in the goal's year is one of the goal's categories, as `services.districts_in_scope`
    decides when the run starts. ATM staff get their own district only (`scoped`)."""
    goal = run.goal
    return (
        scoped(District.objects.all(), user, "pk")
        .alias(
            category=FilteredRelation("categories", condition=Q(categories__year=goal.year)),
            result=FilteredRelation("goal_results", condition=Q(goal_results__run=run)),
        )
        .filter(category__category__in=goal.categories)
    )


def run_overview(user, run: EvaluationRun, query=None) -> Overview:
    """The run's figures for the user, filtered by `OverviewFilter` from the `query` (goal page,
    its export and the summary endpoint alike): one aggregate statement (GROUP BY department, or
    province with a department), never a query per district."""
    filterset = OverviewFilter(query or {}, queryset=run_districts(user, run), goal=run.goal)
    if not filterset.is_valid():
        return Overview(run, Figures("", "", 0, 0, 0), [], errors=dict(filterset.errors))
    department = filterset.form.cleaned_data["department"] or ""
    level = "province" if department else "department"
    rows = (
        filterset.qs.order_by()
        .values(f"{level}_id", f"{level}__name")
        .annotate(
            in_scope=Count("pk"),
            met=Count("pk", filter=Q(result__passed=True)),
            not_met=Count("pk", filter=Q(result__passed=False)),
        )
        .order_by(f"{level}_id")
    )
    areas = [
        Figures(r[f"{level}_id"], r[f"{level}__name"], r["in_scope"], r["met"], r["not_met"])
        for r in rows
    ]
    total = Figures(
        department,
        "",
        sum(a.in_scope for a in areas),
        sum(a.met for a in areas),
        sum(a.not_met for a in areas),
    )
    return Overview(run, total, areas, department)


def goal_figures(user, goals: list[Goal]) -> dict[int, Figures]:
    """For each goal with a finished run, its latest finished run's figures as the user may see
    them (met of in scope), by goal id: two aggregate statements for all the goals. A result
    counts as met only while its district is still in the goal's scope, as on the goal page."""
    runs = {g.latest_run_id: g for g in goals if getattr(g, "latest_run_id", None)}
    if not runs:
        return {}
    categories: dict[tuple[int, str], int] = {}
    for row in (
        scoped(DistrictCategory.objects.all(), user, "district_id")
        .filter(year__in={g.year for g in runs.values()})
        .values("year", "category")
        .annotate(n=Count("pk"))
        .order_by()
    ):
        categories[row["year"], row["category"]] = row["n"]
    results: dict[tuple[int, str], tuple[int, int]] = {}
    for row in (
        scoped(DistrictResult.objects.all(), user, "district_id")
        .filter(run_id__in=runs, district__categories__year=F("run__goal__year"))
        .values("run_id", "district__categories__category")
        .annotate(
            met=Count("pk", filter=Q(passed=True)), not_met=Count("pk", filter=Q(passed=False))
        )
        .order_by()
    ):
        results[row["run_id"], row["district__categories__category"]] = (row["met"], row["not_met"])
    figures = {}
    for run_id, goal in runs.items():
        counted = [results.get((run_id, c), (0, 0)) for c in goal.categories]
        figures[goal.pk] = Figures(
            goal.code,
            goal.title,
            sum(categories.get((goal.year, c), 0) for c in goal.categories),
            sum(m for m, _n in counted),
            sum(n for _m, n in counted),
        )
    return figures


def latest_finished_run_id():
    """The id of the goal's latest finished run, for `Goal.objects.annotate(latest_run_id=…)`."""
    return Subquery(
        EvaluationRun.objects.filter(goal=OuterRef("pk"), status=RunStatus.DONE)
        .order_by("-created_at", "-id")
        .values("pk")[:1]
    )


# --- the goal map: each district's status in a run ---------------------------------------------


class MapStatus:
    MET = "met"
    NOT_MET = "not_met"
    NOT_EVALUATED = "not_evaluated"
    OUT_OF_SCOPE = "out_of_scope"


def run_map(user, run: EvaluationRun) -> dict:
    """Each district's status in the run, for the goal map: `met`/`not_met` (its result),
    `not_evaluated` (in scope, no result yet) or `out_of_scope`, with its name, and the counts.
    In scope and results come from `run_districts`, as the goal page's figures do, so the map
    and the table agree. Reviewers get all 1,891 districts; ATM staff only their own, the others
    are absent (drawn as "not yours", neither met nor out of scope: their status is not theirs
    to read); a user with no district gets none. Two queries, whatever the number of districts."""
    districts = dict(scoped(District.objects.all(), user, "pk").values_list("pk", "name"))
    status = dict.fromkeys(districts, MapStatus.OUT_OF_SCOPE)
    for ubigeo, passed in run_districts(user, run).values_list("pk", "result__passed"):
        status[ubigeo] = (
            MapStatus.NOT_EVALUATED
            if passed is None
            else MapStatus.MET
            if passed
            else MapStatus.NOT_MET
        )
    counts = dict.fromkeys(
        (MapStatus.MET, MapStatus.NOT_MET, MapStatus.NOT_EVALUATED, MapStatus.OUT_OF_SCOPE), 0
    )
    for value in status.values():
        counts[value] += 1
    return {"status": status, "names": districts, "counts": counts}


def returned_for(district_id: str) -> tuple[list[DistrictResult], list[Evidence]]:
    """What reviewers returned to the district and it has not answered yet, newest first (two
    queries): official results returned and not followed by a later official run of the same
    goal, and evidence returned with no newer evidence presented for the same requirement."""
    later_run = DistrictResult.objects.filter(
        district_id=district_id,
        run__goal=OuterRef("run__goal"),
        run__kind=RunKind.OFFICIAL,
        run__cutoff__gt=OuterRef("run__cutoff"),
    )
    results = list(
        DistrictResult.objects.filter(district_id=district_id, review=ResultReview.RETURNED)
        .exclude(Exists(later_run))
        .select_related("run", "run__goal", "reviewed_by")
        .order_by("-reviewed_at", "-pk")
    )
    newer = Evidence.objects.filter(
        district_id=district_id,
        requirement=OuterRef("requirement"),
        created_at__gt=OuterRef("created_at"),
    )
    evidence = list(
        Evidence.objects.filter(district_id=district_id, status=EvidenceStatus.RETURNED)
        .exclude(Exists(newer))
        .select_related("requirement", "requirement__goal", "reviewed_by")
        .order_by("-reviewed_at", "-pk")
    )
    return results, evidence
