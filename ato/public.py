"""What anyone may read about a district without signing in (README, "Public pages"): its
place, whether its ATM exists in law, its JASS counts, the indicators of the district API and its
goal results (approved official ones and the latest progress). Nothing personal: no staff or board
member names, DNI, phone, reviewer comments or evidence."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, OuterRef, Q, Subquery
from django.utils import timezone

from incentives.models import DistrictResult, Goal, ResultReview, RunKind, RunStatus
from jass_registry.indicators import Ratio, district_indicators
from jass_registry.models import Jass, JassStatus
from territory.models import AtmOffice, District


@dataclass
class PublicGoal:
    goal: Goal
    official: DistrictResult | None = None  # the latest official result a reviewer approved
    progress: DistrictResult | None = None  # the latest finished progress run


def _latest(district_id: str, results):
    """The district's newest result of each goal among `results` (one statement)."""
    newest = (
        results.filter(district_id=OuterRef("district_id"), run__goal=OuterRef("run__goal"))
        .order_by("-run__cutoff", "-run__created_at", "-run_id")
        .values("pk")[:1]
    )
    return (
        results.filter(district_id=district_id, pk=Subquery(newest))
        .select_related("run", "run__goal")
        .annotate(
            requirements_met=Count("requirements", filter=Q(requirements__met=True)),
            requirements_total=Count("requirements"),
        )
    )


def public_goals(district_id: str) -> list[PublicGoal]:
    """Two queries, whatever the number of runs."""
    done = DistrictResult.objects.filter(run__status=RunStatus.DONE)
    official = done.filter(run__kind=RunKind.OFFICIAL, review=ResultReview.APPROVED)
    progress = done.filter(run__kind=RunKind.PROGRESS)
    goals: dict[int, PublicGoal] = {}
    for field, results in (("official", official), ("progress", progress)):
        for result in _latest(district_id, results):
            entry = goals.setdefault(result.run.goal_id, PublicGoal(result.run.goal))
            setattr(entry, field, result)
    return sorted(goals.values(), key=lambda g: (-g.goal.year, g.goal.number, g.goal.code))


def public_jass_counts(district_id: str) -> dict[str, int]:
    """Registered means inscribed in the Libro de Registro and recognised by resolution (as the
    goal engine counts it); dissolved organisations are counted apart."""
    registered = ~Q(registry_number="") & ~Q(recognition_resolution="")
    dissolved = Q(status=JassStatus.DISSOLVED)
    return Jass.objects.filter(district_id=district_id).aggregate(
        known=Count("pk", filter=~dissolved),
        active=Count("pk", filter=Q(status=JassStatus.ACTIVE)),
        registered=Count("pk", filter=registered & ~dissolved),
        dissolved=Count("pk", filter=dissolved),
    )


@dataclass
class PublicDistrict:
    district: District
    atm_created: bool
    ordinance_number: str
    ordinance_date: object
    counts: dict[str, int]
    indicators: dict[str, Ratio]
    goals: list[PublicGoal]


def public_district(district: District) -> PublicDistrict:
    office = (
        AtmOffice.objects.filter(district=district)
        .only("district_id", "ordinance_number", "ordinance_date")
        .first()
    )
    created = bool(office and office.is_created)
    return PublicDistrict(
        district=district,
        atm_created=created,
        ordinance_number=office.ordinance_number if created else "",
        ordinance_date=office.ordinance_date if created else None,
        counts=public_jass_counts(district.ubigeo),
        indicators=district_indicators(district.ubigeo, timezone.localdate()),
        goals=public_goals(district.ubigeo),
    )
