"""The engine's rules for ONE district, from plain Python data and no database.

It is the readable statement of what each check kind means; the set-based engine
(`incentives.engine`) must agree with it, which a property test checks on random districts."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

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


@dataclass
class PlainDistrict:
    jass: list[PlainJass] = field(default_factory=list)
    budgets: dict[int, Decimal] = field(default_factory=dict)
    approved_evidence: dict[str, tuple[dt.date, dt.date]] = field(
        default_factory=dict
    )  # type -> (created, reviewed)


def measure_one(
    kind: str, params: dict, district: PlainDistrict, cutoff: dt.date, official: bool
) -> Measure | None:
    p = parsed_params(kind, params)

    def counts(created: dt.date) -> bool:
        return not official or created <= cutoff

    jass = [j for j in district.jass if counts(j.created)]
    active = [j for j in jass if j.status == "active"]

    if kind == CheckKind.EVIDENCE:
        item = district.approved_evidence.get(p["doc_type"])
        if item and item[1] <= cutoff and counts(item[0]):
            return Measure(1, 1, Decimal(1))
        return None
    if kind == CheckKind.OFFICE_BUDGET:
        if p["year"] not in district.budgets:
            return None
        amount = district.budgets[p["year"]]
        return Measure(amount, 1, amount)
    if kind in (CheckKind.JASS_REGISTERED_RATIO, CheckKind.JASS_COUNT_MIN):
        known = [j for j in jass if j.status != "dissolved"]
        if not known:
            return None
        registered = sum(1 for j in known if j.registered)
        if kind == CheckKind.JASS_COUNT_MIN:
            return Measure(registered, 1, Decimal(registered))
        return Measure(registered, len(known), _ratio(registered, len(known)))
    if not active:
        return None
    if kind == CheckKind.JASS_VISITED_RATIO:
        visited = sum(
            1
            for j in active
            if sum(
                1
                for v in j.visits
                if not v.voided and p["from"] <= v.date <= cutoff and counts(v.created)
            )
            >= p["min_visits"]
        )
        return Measure(visited, len(active), _ratio(visited, len(active)))
    if kind == CheckKind.CHLORINATION_RATIO:
        start = cutoff - dt.timedelta(days=p["window_days"])
        systems = [
            s for j in active for s in j.systems if s.retired_on is None or s.retired_on > cutoff
        ]
        if not systems:
            return None
        good = 0
        for s in systems:
            window = [
                r
                for r in s.readings
                if not r.voided and start <= r.taken_on <= cutoff and counts(r.created)
            ]
            if (
                window
                and max(window, key=lambda r: (r.taken_on, r.order)).mg_per_l >= p["min_mg_l"]
            ):
                good += 1
        return Measure(good, len(systems), _ratio(good, len(systems)))

    def current_term(j: PlainJass) -> PlainTerm | None:
        covering = [t for t in j.terms if t.starts_on <= cutoff <= t.ends_on and counts(t.created)]
        return max(covering, key=lambda t: t.starts_on) if covering else None

    if kind == CheckKind.BOARD_CURRENT_RATIO:
        current = sum(1 for j in active if current_term(j))
        return Measure(current, len(active), _ratio(current, len(active)))
    if kind == CheckKind.BOARD_TRAINED_RATIO:
        boards = [(j, current_term(j)) for j in active if current_term(j)]
        if not boards:
            return None
        trained = sum(
            1
            for j, t in boards
            if any(
                not v.voided
                and v.kind == "training"
                and t.starts_on <= v.date <= cutoff
                and counts(v.created)
                for v in j.visits
            )
        )
        return Measure(trained, len(boards), _ratio(trained, len(boards)))
    raise ValueError(kind)
