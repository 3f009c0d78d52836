"""The grade of one subject in plain Python, from its rows (objects, not SQL) and the formula's
words: the second implementation the set-based `compute_scores` must agree with.

Exact arithmetic with Fraction, written from the README's formula rather than from
grading.py's integer helpers; only WEIGHTS, the thresholds and THE chlorine definition
(`visits/chlorine.py`) are shared, as they are data and one definition by design."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from fractions import Fraction

from jass_registry.models import BoardTerm, Jass, JassStatus, WaterSystem
from jass_registry.standards import CHLORINE_WINDOW_DAYS, FINANCE_REVIEW_DAYS, VISITED_WINDOW_DAYS
from service_grades.grading import THRESHOLDS, WEIGHTS
from service_grades.models import ServiceAssessment
from visits.chlorine import deciding_reading, is_adequate
from visits.models import ChlorineReading, Visit

CONDITION = {
    "good": Fraction(1),
    "fair": Fraction(2, 3),
    "poor": Fraction(1, 3),
    "not_working": Fraction(0),
}


def round_half_up(value: Fraction) -> Decimal:
    thousandths = value * 1000
    whole = thousandths.numerator // thousandths.denominator
    if thousandths - whole >= Fraction(1, 2):
        whole += 1
    return Decimal(whole).scaleb(-3)


def letter(score: Decimal) -> str:
    for grade, floor in THRESHOLDS:
        if score >= floor:
            return str(grade)
    return "D"


def weighted(subject: str, values: dict[str, Fraction]) -> Decimal:
    total = sum(Fraction(weight) * values[name] for name, weight in WEIGHTS[subject].items())
    return round_half_up(total)


def _valid(visit: Visit | None) -> bool:
    return visit is None or visit.voided_at is None


def system_score(system: WaterSystem, asof: dt.date) -> Decimal | None:
    if system.jass.status == JassStatus.DISSOLVED:
        return None
    if system.retired_on is not None and system.retired_on <= asof:
        return None
    assessments = [
        a
        for a in ServiceAssessment.objects.filter(water_system=system).select_related("visit")
        if a.visit.voided_at is None and a.visit.date <= asof
    ]
    if not assessments:
        return None
    latest = max(assessments, key=lambda a: (a.visit.date, a.visit_id, a.pk))
    conditions = [
        CONDITION[getattr(latest, name)]
        for name in ("source_intake", "conduction", "treatment", "storage", "distribution")
        if getattr(latest, name) != "not_applicable"
    ]
    window_start = asof - dt.timedelta(days=CHLORINE_WINDOW_DAYS)
    readings = [
        r
        for r in ChlorineReading.objects.filter(water_system=system).select_related("visit")
        if _valid(r.visit) and window_start <= r.taken_on <= asof
    ]
    deciding = deciding_reading(readings)
    values = {
        "infrastructure": sum(conditions) / len(conditions),
        "continuity": Fraction(latest.hours_dry + latest.hours_rainy, 48),
        "water_quality": Fraction(int(deciding is not None and is_adequate(deciding.mg_per_l))),
    }
    return weighted("system", values)


def jass_score(jass: Jass, asof: dt.date, system_scores: dict[int, Decimal]) -> Decimal | None:
    if jass.status == JassStatus.DISSOLVED:
        return None
    mine = [
        s for pk, s in system_scores.items() if WaterSystem.objects.get(pk=pk).jass_id == jass.pk
    ]
    if not mine:
        return None
    terms = [t for t in BoardTerm.objects.filter(jass=jass) if t.starts_on <= asof <= t.ends_on]
    board_start = max((t.starts_on for t in terms), default=None)
    visits = [v for v in Visit.objects.filter(jass=jass) if v.voided_at is None and v.date <= asof]
    trained = board_start is not None and any(
        v.kind == "training" and v.date >= board_start for v in visits
    )
    accounts = any(
        v.finances_reviewed and v.date >= asof - dt.timedelta(days=FINANCE_REVIEW_DAYS)
        for v in visits
    )
    visited = any(v.date >= asof - dt.timedelta(days=VISITED_WINDOW_DAYS) for v in visits)
    counted = [
        a
        for a in ServiceAssessment.objects.filter(visit__jass=jass).select_related("visit")
        if a.visit.voided_at is None and a.visit.date <= asof and a.associates is not None
    ]
    paid = Fraction(0)
    if counted:
        latest = max(counted, key=lambda a: (a.visit.date, a.visit_id, a.pk))
        if latest.associates:
            paid = Fraction(latest.associates_paid, latest.associates)
    values = {
        "systems": sum(Fraction(s) for s in mine) / len(mine),
        "associates_paid": paid,
        "board_current": Fraction(int(board_start is not None)),
        "board_trained": Fraction(int(trained)),
        "accounts_reviewed": Fraction(int(accounts)),
        "visited": Fraction(int(visited)),
    }
    return weighted("jass", values)


def all_scores(asof: dt.date) -> tuple[dict[int, Decimal], dict[int, Decimal]]:
    """({system id: score}, {jass id: score}) of every gradable subject."""
    systems = {}
    for system in WaterSystem.objects.select_related("jass"):
        score = system_score(system, asof)
        if score is not None:
            systems[system.pk] = score
    providers = {}
    for jass in Jass.objects.all():
        score = jass_score(jass, asof, systems)
        if score is not None:
            providers[jass.pk] = score
    return systems, providers
