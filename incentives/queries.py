"""Reads of the goal engine that other parts show (district API, ATM home)."""

from __future__ import annotations

from django.db.models import QuerySet

from territory.models import DistrictCategory

from .filters import ResultFilter
from .models import DistrictResult, EvaluationRun


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
