"""The engine's rules for ONE district, from plain Python data and no database.

It is the readable statement of what each check kind means, one rule per kind registered with
`@rule_of(kind)` in `RULES`; the set-based engine (`incentives.engine`) must agree with it, which a
property test checks on random districts."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from .checks import CheckKind, parsed_params
from .engine import Measure, _ratio


@dataclass
class PlainVisit:
    date: dt.date
    kind: str
    created: dt.date
    voided: bool = False  # a voided visit never counts


@dataclass
class PlainReading:
    taken_on: dt.date
    mg_per_l: Decimal
    order: int  # insertion order breaks ties of the same date
    created: dt.date
    voided: bool = False  # taken at a voided visit: never counts


@dataclass
class PlainSystem:
    retired_on: dt.date | None
    readings: list[PlainReading] = field(default_factory=list)


@dataclass
class PlainTerm:
    starts_on: dt.date
    ends_on: dt.date
    created: dt.date


@dataclass
class PlainJass:
    status: str
    registered: bool
    created: dt.date
    visits: list[PlainVisit] = field(default_factory=list)
    systems: list[PlainSystem] = field(default_factory=list)
    terms: list[PlainTerm] = field(default_factory=list)
    changes: list[dt.date] = field(default_factory=list)  # days of its registry change records


@dataclass
class PlainDistrict:
    jass: list[PlainJass] = field(default_factory=list)
    budgets: dict[int, Decimal] = field(default_factory=dict)
    approved_evidence: dict[str, tuple[dt.date, dt.date]] = field(
        default_factory=dict
    )  # type -> (created, reviewed)
    head_resolution: str = ""
    head_designated_on: dt.date | None = None


@dataclass(frozen=True)
class AsOf:
    """The cutoff of a run; an official run also leaves out what was created after it."""

    cutoff: dt.date
    official: bool

    def counts(self, created: dt.date) -> bool:
        return not self.official or created <= self.cutoff


Rule = Callable[[dict[str, Any], PlainDistrict, AsOf], Measure | None]

# check kind -> its rule for one district; mirrors `checks.SPECS` and `engine.MEASURES`.
RULES: dict[str, Rule] = {}


def rule_of(kind: str) -> Callable[[Rule], Rule]:
    """Register the rule that measures the check `kind` for one district."""

    def register(function: Rule) -> Rule:
        RULES[kind] = function
        return function

    return register


def measure_one(
    kind: str, params: dict, district: PlainDistrict, cutoff: dt.date, official: bool
) -> Measure | None:
    return RULES[kind](parsed_params(kind, params), district, AsOf(cutoff, official))


def _jass(district: PlainDistrict, asof: AsOf) -> list[PlainJass]:
    return [j for j in district.jass if asof.counts(j.created)]


def _active(district: PlainDistrict, asof: AsOf) -> list[PlainJass]:
    return [j for j in _jass(district, asof) if j.status == "active"]


def _current_term(j: PlainJass, asof: AsOf) -> PlainTerm | None:
    covering = [
        t for t in j.terms if t.starts_on <= asof.cutoff <= t.ends_on and asof.counts(t.created)
    ]
    return max(covering, key=lambda t: t.starts_on) if covering else None


def _fraction(numerator: int, denominator: int) -> Measure:
    return Measure(numerator, denominator, _ratio(numerator, denominator))


@rule_of(CheckKind.EVIDENCE)
def _evidence(p: dict[str, Any], district: PlainDistrict, asof: AsOf) -> Measure | None:
    item = district.approved_evidence.get(p["doc_type"])
    if item and item[1] <= asof.cutoff and asof.counts(item[0]):
        return Measure(1, 1, Decimal(1))
    return None


@rule_of(CheckKind.OFFICE_BUDGET)
def _office_budget(p: dict[str, Any], district: PlainDistrict, asof: AsOf) -> Measure | None:
    if p["year"] not in district.budgets:
        return None
    amount = district.budgets[p["year"]]
    return Measure(amount, 1, amount)


def _known(district: PlainDistrict, asof: AsOf) -> list[PlainJass]:
    return [j for j in _jass(district, asof) if j.status != "dissolved"]


@rule_of(CheckKind.JASS_REGISTERED_RATIO)
def _jass_registered_ratio(
    p: dict[str, Any], district: PlainDistrict, asof: AsOf
) -> Measure | None:
    known = _known(district, asof)
    if not known:
        return None
    return _fraction(sum(1 for j in known if j.registered), len(known))


@rule_of(CheckKind.JASS_COUNT_MIN)
def _jass_count_min(p: dict[str, Any], district: PlainDistrict, asof: AsOf) -> Measure | None:
    known = _known(district, asof)
    if not known:
        return None
    registered = sum(1 for j in known if j.registered)
    return Measure(registered, 1, Decimal(registered))


@rule_of(CheckKind.JASS_VISITED_RATIO)
def _jass_visited_ratio(p: dict[str, Any], district: PlainDistrict, asof: AsOf) -> Measure | None:
    active = _active(district, asof)
    if not active:
        return None

    def visits(j: PlainJass) -> int:
        return sum(
            1
            for v in j.visits
            if not v.voided and p["from"] <= v.date <= asof.cutoff and asof.counts(v.created)
        )

    return _fraction(sum(1 for j in active if visits(j) >= p["min_visits"]), len(active))


@rule_of(CheckKind.CHLORINATION_RATIO)
def _chlorination_ratio(p: dict[str, Any], district: PlainDistrict, asof: AsOf) -> Measure | None:
    start = asof.cutoff - dt.timedelta(days=p["window_days"])
    systems = [
        s
        for j in _active(district, asof)
        for s in j.systems
        if s.retired_on is None or s.retired_on > asof.cutoff
    ]
    if not systems:
        return None

    def chlorinated(s: PlainSystem) -> bool:
        window = [
            r
            for r in s.readings
            if not r.voided and start <= r.taken_on <= asof.cutoff and asof.counts(r.created)
        ]
        last = max(window, key=lambda r: (r.taken_on, r.order)) if window else None
        return last is not None and last.mg_per_l >= p["min_mg_l"]

    return _fraction(sum(1 for s in systems if chlorinated(s)), len(systems))


@rule_of(CheckKind.BOARD_CURRENT_RATIO)
def _board_current_ratio(p: dict[str, Any], district: PlainDistrict, asof: AsOf) -> Measure | None:
    active = _active(district, asof)
    if not active:
        return None
    return _fraction(sum(1 for j in active if _current_term(j, asof)), len(active))


@rule_of(CheckKind.BOARD_TRAINED_RATIO)
def _board_trained_ratio(p: dict[str, Any], district: PlainDistrict, asof: AsOf) -> Measure | None:
    boards = [(j, t) for j in _active(district, asof) if (t := _current_term(j, asof))]
    if not boards:
        return None

    def trained(j: PlainJass, t: PlainTerm) -> bool:
        return any(
            not v.voided
            and v.kind == "training"
            and t.starts_on <= v.date <= asof.cutoff
            and asof.counts(v.created)
            for v in j.visits
        )

    return _fraction(sum(1 for j, t in boards if trained(j, t)), len(boards))


@rule_of(CheckKind.HEAD_DESIGNATED_BY)
def _head_designated_by(p: dict[str, Any], district: PlainDistrict, asof: AsOf) -> Measure | None:
    designated = district.head_designated_on
    if district.head_resolution and designated and designated <= min(p["by"], asof.cutoff):
        return Measure(1, 1, Decimal(1))
    return None


@rule_of(CheckKind.REGISTRY_UPDATED_SINCE)
def _registry_updated_since(
    p: dict[str, Any], district: PlainDistrict, asof: AsOf
) -> Measure | None:
    active = _active(district, asof)
    if not active:
        return None

    def updated(j: PlainJass) -> bool:
        changed = any(p["from"] <= day <= asof.cutoff for day in j.changes)
        visited = any(
            not v.voided and p["from"] <= v.date <= asof.cutoff and asof.counts(v.created)
            for v in j.visits
        )
        return changed or visited

    return _fraction(sum(1 for j in active if updated(j)), len(active))
