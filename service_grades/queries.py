"""Reads of the grades that other pages and the API share (one query each)."""

from __future__ import annotations

from django.db.models import Count, Q

from jass_registry.models import JassStatus, WaterSystem

GRADE_KEYS = ("A", "B", "C", "D", "none")


def grade_counts(queryset) -> dict[str, int]:
    """{A, B, C, D, none}: how many rows of a Jass or WaterSystem queryset have each grade
    (their copy of the latest quarter's; `none`: never assessed). One query."""
    counts = queryset.aggregate(
        **{g: Count("pk", filter=Q(grade=g)) for g in "ABCD"},
        none=Count("pk", filter=Q(grade__isnull=True)),
    )
    return {key: counts[key] for key in GRADE_KEYS}


def active_systems(district_id: str):
    """The district's active water systems (not retired, of an active JASS): those the district
    API's `grades` counts."""
    return WaterSystem.objects.filter(
        jass__district_id=district_id, jass__status=JassStatus.ACTIVE, retired_on__isnull=True
    )


def district_grades(district_id: str) -> dict[str, int]:
    return grade_counts(active_systems(district_id))
