"""The goal engine: for a requirement, one aggregate query over all districts in scope
(GROUP BY district), never one query per district.

`measure(requirement, district_ids, cutoff, official)` returns {ubigeo: Measure}. A district
missing from the dict has nothing to count (numerator 0 over denominator 0). Each check kind is one
function registered with `@measure_of(kind)` in `MEASURES`, next to its parameters in
`checks.SPECS` and its one-district statement in `reference.RULES`. `decide` turns a
measure and the requirement's threshold into met / not met, and `district_outcome` sums a
district's points: passed = score >= minimum and every mandatory requirement met.

Voided visits, and the readings taken at them, never count (`valid()`).

The cutoff rule: visit and reading dates count up to the cutoff; in an official run, rows
created after the end of the cutoff day do not count either.

`incentives.reference` computes the same from plain Python data; a property test checks that the
two agree on random districts.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q, Subquery, Sum
from django.utils import timezone

from communities.coverage import district_coverage
from jass_registry.models import BoardTerm, ChangeRecord, Jass, JassStatus, WaterSystem
from service_grades.models import ServiceScore
from territory.models import AtmBudget, AtmOffice
from visits.chlorine import network_chlorine_annotations
from visits.models import Visit, VisitKind

from .checks import GRADES, CheckKind, parsed_params
from .models import Evidence, EvidenceStatus

RATIO_PLACES = Decimal("0.0001")


@dataclass(frozen=True)
class Measure:
    numerator: int | Decimal
    denominator: int
    value: Decimal | None


def end_of_day(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.max))


def _ratio(numerator: int, denominator: int) -> Decimal | None:
    if not denominator:
        return None
    return (Decimal(numerator) / Decimal(denominator)).quantize(RATIO_PLACES)


def threshold_of(kind: str, params: dict) -> Decimal:
    p = parsed_params(kind, params)
    if kind in (CheckKind.EVIDENCE, CheckKind.HEAD_DESIGNATED_BY):
        return Decimal(1)
    if kind == CheckKind.OFFICE_BUDGET:
        return p["min_amount"]
    if kind == CheckKind.JASS_COUNT_MIN:
        return Decimal(p["min_count"])
    return p["min_ratio"]


def decide(measure: Measure | None, threshold: Decimal) -> bool:
    """A ratio with nothing to count (0 of 0) is not met: there is nothing to show."""
    if measure is None or measure.value is None:
        return False
    return measure.value >= threshold


@dataclass(frozen=True)
class Scope:
    """What a run counts over: the districts of a chunk, as of the cutoff (official runs also
    leave out rows created after the cutoff day)."""

    district_ids: list[str]
    cutoff: dt.date
    official: bool

    def created_by_cutoff(self, queryset, field: str = "created_at"):
        if not self.official:
            return queryset
        return queryset.filter(**{f"{field}__lte": end_of_day(self.cutoff)})


MeasureFunction = Callable[[dict[str, Any], Scope], dict[str, Measure]]

# check kind -> its aggregate query; mirrors `checks.SPECS` and `reference.RULES`.
MEASURES: dict[str, MeasureFunction] = {}


def measure_of(kind: str) -> Callable[[MeasureFunction], MeasureFunction]:
    """Register the function that measures the check `kind` over all districts in scope."""

    def register(function: MeasureFunction) -> MeasureFunction:
        MEASURES[kind] = function
        return function

    return register


def measure(
    requirement, district_ids: list[str], cutoff: dt.date, official: bool
) -> dict[str, Measure]:
    params = parsed_params(requirement.kind, requirement.params)
    return MEASURES[requirement.kind](params, Scope(district_ids, cutoff, official))


def _jass(scope: Scope):
    return scope.created_by_cutoff(Jass.objects.filter(district_id__in=scope.district_ids))


def _active_jass(scope: Scope):
    return _jass(scope).filter(status=JassStatus.ACTIVE)


def _visits(scope: Scope):
    return scope.created_by_cutoff(Visit.objects.valid().filter(date__lte=scope.cutoff))


def _covering_term(scope: Scope):
    """The board terms of the outer JASS that cover the cutoff."""
    covering = BoardTerm.objects.filter(
        jass=OuterRef("pk"), starts_on__lte=scope.cutoff, ends_on__gte=scope.cutoff
    )
    return scope.created_by_cutoff(covering)


def _count_rows(rows) -> dict[str, Measure]:
    return {r["district_id"]: Measure(r["num"], r["den"], _ratio(r["num"], r["den"])) for r in rows}


@measure_of(CheckKind.EVIDENCE)
def _evidence(p: dict[str, Any], scope: Scope) -> dict[str, Measure]:
    evidence = Evidence.objects.filter(
        district_id__in=scope.district_ids,
        doc_type=p["doc_type"],
        status=EvidenceStatus.APPROVED,
        reviewed_at__lte=end_of_day(scope.cutoff),
    )
    evidence = scope.created_by_cutoff(evidence)
    rows = evidence.values("district_id").annotate(n=Count("pk")).order_by()
    return {r["district_id"]: Measure(1, 1, Decimal(1)) for r in rows}


@measure_of(CheckKind.OFFICE_BUDGET)
def _office_budget(p: dict[str, Any], scope: Scope) -> dict[str, Measure]:
    rows = (
        AtmBudget.objects.filter(office__district_id__in=scope.district_ids, year=p["year"])
        .values("office__district_id")
        .annotate(total=Sum("amount"))
        .order_by()
    )
    return {r["office__district_id"]: Measure(r["total"], 1, r["total"]) for r in rows}


def _registered_rows(scope: Scope):
    return _jass(scope).exclude(status=JassStatus.DISSOLVED).registered_per_district()


@measure_of(CheckKind.JASS_REGISTERED_RATIO)
def _jass_registered_ratio(p: dict[str, Any], scope: Scope) -> dict[str, Measure]:
    return {
        r["district_id"]: Measure(r["registered"], r["total"], _ratio(r["registered"], r["total"]))
        for r in _registered_rows(scope)
    }


@measure_of(CheckKind.JASS_COUNT_MIN)
def _jass_count_min(p: dict[str, Any], scope: Scope) -> dict[str, Measure]:
    return {
        r["district_id"]: Measure(r["registered"], 1, Decimal(r["registered"]))
        for r in _registered_rows(scope)
    }


@measure_of(CheckKind.JASS_VISITED_RATIO)
def _jass_visited_ratio(p: dict[str, Any], scope: Scope) -> dict[str, Measure]:
    """Active JASS with at least `min_visits` valid visits between `from` and the cutoff. Asks
    whether the `min_visits`-th visit exists (EXISTS … LIMIT 1 OFFSET min_visits - 1) rather than
    counting them all: each JASS reads at most `min_visits` entries of `visit_jass_date`, so a
    window of years costs what a window of months does (issue 14: counting read every visit
    since 2017, 5x the time with five years of history)."""
    enough = (
        _visits(scope)
        .filter(jass=OuterRef("pk"), date__gte=p["from"])
        .order_by("date")[p["min_visits"] - 1 : p["min_visits"]]
    )
    rows = (
        _active_jass(scope)
        .annotate(visited=Exists(enough))
        .values("district_id")
        .annotate(num=Count("pk", filter=Q(visited=True)), den=Count("pk"))
        .order_by()
    )
    return _count_rows(rows)


@measure_of(CheckKind.CHLORINATION_RATIO)
def _chlorination_ratio(p: dict[str, Any], scope: Scope) -> dict[str, Measure]:
    """Water systems of active JASS whose chlorine, judged where people drink (the network
    reading that decides within the window, `visits.chlorine`), is at least `min_mg_l`."""
    cutoff = scope.cutoff
    # The JASS conditions as a join, not `jass__in=<subquery>`: one join instead of two
    # (bench/national.py: 1.7x -> see README for the figure against hand-written SQL).
    of_active_jass = Q(jass__district_id__in=scope.district_ids, jass__status=JassStatus.ACTIVE)
    if scope.official:
        of_active_jass &= Q(jass__created_at__lte=end_of_day(cutoff))
    systems = WaterSystem.objects.filter(of_active_jass).filter(
        Q(retired_on__isnull=True) | Q(retired_on__gt=cutoff)
    )
    network = network_chlorine_annotations(
        start=cutoff - dt.timedelta(days=p["window_days"]),
        end=cutoff,
        created_by=end_of_day(cutoff) if scope.official else None,
    )
    rows = (
        systems.annotate(network_mg_l=network["network_mg_l"])
        .values("jass__district_id")
        .annotate(num=Count("pk", filter=Q(network_mg_l__gte=p["min_mg_l"])), den=Count("pk"))
        .order_by()
    )
    return {
        r["jass__district_id"]: Measure(r["num"], r["den"], _ratio(r["num"], r["den"]))
        for r in rows
    }


@measure_of(CheckKind.BOARD_CURRENT_RATIO)
def _board_current_ratio(p: dict[str, Any], scope: Scope) -> dict[str, Measure]:
    rows = (
        _active_jass(scope)
        .annotate(current=Exists(_covering_term(scope)))
        .values("district_id")
        .annotate(num=Count("pk", filter=Q(current=True)), den=Count("pk"))
        .order_by()
    )
    return _count_rows(rows)


@measure_of(CheckKind.BOARD_TRAINED_RATIO)
def _board_trained_ratio(p: dict[str, Any], scope: Scope) -> dict[str, Measure]:
    term_start = _covering_term(scope).order_by("-starts_on").values("starts_on")[:1]
    trained = _visits(scope).filter(
        jass=OuterRef("pk"), kind=VisitKind.TRAINING, date__gte=OuterRef("term_start")
    )
    rows = (
        _active_jass(scope)
        .annotate(term_start=Subquery(term_start))
        .filter(term_start__isnull=False)
        .annotate(trained=Exists(trained))
        .values("district_id")
        .annotate(num=Count("pk", filter=Q(trained=True)), den=Count("pk"))
        .order_by()
    )
    return _count_rows(rows)


@measure_of(CheckKind.HEAD_DESIGNATED_BY)
def _head_designated_by(p: dict[str, Any], scope: Scope) -> dict[str, Measure]:
    """The office names its head by a resolution dated on or before `by` (and the cutoff). The
    office keeps no history: the resolution on file is the one that counts."""
    offices = AtmOffice.objects.filter(
        district_id__in=scope.district_ids,
        head_designated_on__lte=min(p["by"], scope.cutoff),
    ).exclude(head_resolution="")
    return {ubigeo: Measure(1, 1, Decimal(1)) for ubigeo in offices.values_list("pk", flat=True)}


@measure_of(CheckKind.REGISTRY_UPDATED_SINCE)
def _registry_updated_since(p: dict[str, Any], scope: Scope) -> dict[str, Measure]:
    """The rural water diagnostic kept up to date: active JASS whose record changed (a
    ChangeRecord, dated by the server) or that were visited between `from` and the cutoff."""
    start = timezone.make_aware(dt.datetime.combine(p["from"], dt.time.min))
    changed = ChangeRecord.objects.filter(
        jass=OuterRef("pk"), at__gte=start, at__lte=end_of_day(scope.cutoff)
    )
    visited = _visits(scope).filter(jass=OuterRef("pk"), date__gte=p["from"])
    rows = (
        _active_jass(scope)
        .annotate(changed=Exists(changed), visited=Exists(visited))
        .values("district_id")
        .annotate(num=Count("pk", filter=Q(changed=True) | Q(visited=True)), den=Count("pk"))
        .order_by()
    )
    return _count_rows(rows)


@measure_of(CheckKind.COVERAGE_RATIO)
def _coverage_ratio(p: dict[str, Any], scope: Scope) -> dict[str, Measure]:
    """District coverage as of the cutoff, the one definition of `communities.coverage` (one
    query): households served over households of the rural centres, served capped per centre,
    centres and services that existed at the cutoff (registered by then, not retired or ended).
    The register has no other start date than the registration, so a progress run reads it as
    of the cutoff too (a row registered later did not exist for ATO at the cutoff)."""
    coverage = district_coverage(scope.district_ids, asof=scope.cutoff)
    # rounded as every ratio of the engine (`explain.needed_count` reads the same rounding)
    return {
        ubigeo: Measure(
            c.households_served, c.households, _ratio(c.households_served, c.households)
        )
        for ubigeo, c in coverage.items()
    }


@measure_of(CheckKind.GRADE_RATIO)
def _grade_ratio(p: dict[str, Any], scope: Scope) -> dict[str, Measure]:
    """Active JASS whose latest service grade of a quarter starting on or before the cutoff is
    `min_grade` or better (A best); a JASS never assessed is not counted."""
    good_enough = GRADES[: GRADES.index(p["min_grade"]) + 1]
    # The grade of `ServiceScore.objects.latest_for_jass(cutoff)` as one LIMIT 1 subquery per
    # JASS (its quarter-then-row form costs twice as much over the country's JASS).
    latest = (
        ServiceScore.objects.providers()
        .filter(jass=OuterRef("pk"), quarter__lte=scope.cutoff)
        .order_by("-quarter")
        .values("grade")[:1]
    )
    rows = (
        _active_jass(scope)
        .annotate(latest_grade=Subquery(latest))
        .values("district_id")
        .annotate(num=Count("pk", filter=Q(latest_grade__in=good_enough)), den=Count("pk"))
        .order_by()
    )
    return _count_rows(rows)


def district_outcome(
    points_met: list[tuple[int, bool, bool]], minimum_score: int
) -> tuple[int, bool]:
    """[(points, mandatory, met)] -> (score, passed)."""
    score = sum(points for points, _mandatory, met in points_met if met)
    passed = score >= minimum_score and all(met for _p, mandatory, met in points_met if mandatory)
    return score, passed
