"""Reads of the goal engine that other parts show (district API, ATM home)."""

from __future__ import annotations

from django.db.models import OuterRef, Subquery

from .models import DistrictResult, RunStatus


def latest_results(district_id: str) -> list[DistrictResult]:
    """The district's result in the latest finished run of each goal (one query)."""
    newest = (
        DistrictResult.objects.filter(
            district_id=district_id, run__goal=OuterRef("run__goal"), run__status=RunStatus.DONE
        )
        .order_by("-run__cutoff", "-run__created_at", "-run_id")
        .values("pk")[:1]
    )
    return list(
        DistrictResult.objects.filter(district_id=district_id, run__status=RunStatus.DONE)
        .filter(pk=Subquery(newest))
        .select_related("run", "run__goal")
        .order_by("run__goal__year", "run__goal__number")
    )
