"""The engine's rules for ONE district, from plain Python data and no database.

It is the readable statement of what each check kind means, one rule per kind registered with
`@rule_of(kind)` in `RULES`; the set-based engine (`incentives.engine`) must agree with it, which a
property test checks on random districts.

A rule returns an `Outcome`: the `Measure` and the items it looked at, each counted or not with
the reason in Spanish. The numerator and denominator of ratio kinds are derived from the items
(`_from_items`), so the district checklist (`incentives.explain`) shows exactly what was counted,
from the same rule and not a second definition of it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.utils.formats import date_format, number_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from visits.chlorine import deciding_reading
from visits.models import ReadingPoint

from .checks import GRADES, CheckKind, parsed_params
from .engine import Measure, _ratio


@dataclass
class PlainVisit:
    """A visit of a JASS, or several: `explain.load_district` collapses the visits that no rule
    tells apart (same JASS, training or not, recorded by the cutoff or not, on the same side of
    each `from`) into their latest, and `count` says how many visits the row stands for."""

    date: dt.date
    kind: str
    created: dt.date
    voided: bool = False  # a voided visit never counts
    id: int | None = None
    count: int = 1  # how many visits the row stands for (1 unless collapsed)


@dataclass
class PlainReading:
    taken_on: dt.date
    mg_per_l: Decimal
    order: int  # insertion order breaks ties of the same date
    created: dt.date
    point: str  # reservoir, first_house, last_house: only the network's decide
    voided: bool = False  # taken at a voided visit: never counts


@dataclass
class PlainSystem:
    retired_on: dt.date | None
    readings: list[PlainReading] = field(default_factory=list)
    id: int | None = None
    name: str = ""


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
    id: int | None = None
    name: str = ""
    scores: list[PlainScore] = field(default_factory=list)  # its service grades, per quarter


@dataclass
class PlainScore:
    """A JASS's service grade of one quarter (the quarter's first day)."""

    quarter: dt.date
    score: Decimal
    grade: str


@dataclass
class PlainService:
    households_served: int
    created: dt.date
    ended_on: dt.date | None = None


@dataclass
class PlainCentre:
    """A populated centre with the services that reach it."""

    area: str  # rural, urban: coverage counts rural centres
    households: int
    created: dt.date
    retired_on: dt.date | None = None
    services: list[PlainService] = field(default_factory=list)
    id: int | None = None
    name: str = ""
    code: str = ""  # INEI's ten digits


@dataclass
class PlainEvidence:
    doc_type: str
    status: str  # submitted, approved, returned
    created: dt.date
    reviewed: dt.date | None = None
    id: int | None = None
    number: str = ""


@dataclass
class PlainBudget:
    year: int
    amount: Decimal
    id: int | None = None
    description: str = ""


@dataclass
class PlainDistrict:
    jass: list[PlainJass] = field(default_factory=list)
    budgets: list[PlainBudget] = field(default_factory=list)
    evidence: list[PlainEvidence] = field(default_factory=list)
    head_resolution: str = ""
    head_designated_on: dt.date | None = None
    centres: list[PlainCentre] = field(default_factory=list)


@dataclass(frozen=True)
class AsOf:
    """The cutoff of a run; an official run also leaves out what was created after it."""

    cutoff: dt.date
    official: bool

    def counts(self, created: dt.date) -> bool:
        return not self.official or created <= self.cutoff


@dataclass(frozen=True)
class Item:
    """One thing a rule looked at: a JASS, a water system, a visit, an evidence or a budget line
    (`type` as in shared/API.md), counted or not, and why in words."""

    type: str
    id: int | None
    name: str
    counted: bool
    reason: str
    key: str = ""  # the item's key in its page's address when it is not the id (a centre's code)


@dataclass(frozen=True)
class Outcome:
    measure: Measure | None
    items: list[Item] = field(default_factory=list)


Rule = Callable[[dict[str, Any], PlainDistrict, AsOf], Outcome]

# check kind -> its rule for one district; mirrors `checks.SPECS` and `engine.MEASURES`.
RULES: dict[str, Rule] = {}


def rule_of(kind: str) -> Callable[[Rule], Rule]:
    """Register the rule that measures the check `kind` for one district."""

    def register(function: Rule) -> Rule:
        RULES[kind] = function
        return function

    return register


def explain_one(
    kind: str, params: dict, district: PlainDistrict, cutoff: dt.date, official: bool
) -> Outcome:
    result = RULES[kind](parsed_params(kind, params), district, AsOf(cutoff, official))
    if not isinstance(result, Outcome):  # a rule that lists no items yet returns its Measure
        return Outcome(result, [])
    return result


def measure_one(
    kind: str, params: dict, district: PlainDistrict, cutoff: dt.date, official: bool
) -> Measure | None:
    return explain_one(kind, params, district, cutoff, official).measure


def _day(day: dt.date) -> str:
    return date_format(day, "SHORT_DATE_FORMAT")


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


def _from_items(items: list[Item]) -> Outcome:
    """A ratio measure whose numerator is the counted items and denominator all of them; with
    nothing to count there is no measure."""
    if not items:
        return Outcome(None, [])
    numerator = sum(1 for i in items if i.counted)
    return Outcome(Measure(numerator, len(items), _ratio(numerator, len(items))), items)


def _jass_item(j: PlainJass, counted: bool, reason: str) -> Item:
    return Item("jass", j.id, j.name, counted, reason)


def _counted_visits(j: PlainJass, since: dt.date, asof: AsOf) -> list[PlainVisit]:
    """The JASS's visits from `since` to the cutoff that count (not voided; in an official run,
    recorded by the cutoff). A row may stand for several visits (`PlainVisit.count`): number
    them with `sum(v.count for v in visits)`, not `len`."""
    return [
        v
        for v in j.visits
        if not v.voided and since <= v.date <= asof.cutoff and asof.counts(v.created)
    ]


@rule_of(CheckKind.EVIDENCE)
def _evidence(p: dict[str, Any], district: PlainDistrict, asof: AsOf) -> Outcome:
    items = []
    for e in district.evidence:
        if e.doc_type != p["doc_type"]:
            continue
        counted = False
        if not asof.counts(e.created):
            reason = _("presentada el %(d)s, después del corte") % {"d": _day(e.created)}
        elif e.status == "approved" and e.reviewed and e.reviewed <= asof.cutoff:
            counted, reason = True, _("aprobada el %(d)s") % {"d": _day(e.reviewed)}
        elif e.status == "approved":
            reason = _("aprobada después del corte")
        elif e.status == "returned":
            reason = _("observada por el revisor")
        else:
            reason = _("presentada, sin revisar")
        name = _("N.º %(n)s") % {"n": e.number} if e.number else _("Evidencia")
        items.append(Item("evidence", e.id, name, counted, reason))
    measure = Measure(1, 1, Decimal(1)) if any(i.counted for i in items) else None
    return Outcome(measure, items)


@rule_of(CheckKind.OFFICE_BUDGET)
def _office_budget(p: dict[str, Any], district: PlainDistrict, asof: AsOf) -> Outcome:
    lines = [b for b in district.budgets if b.year == p["year"]]
    if not lines:
        return Outcome(None, [])
    amount = sum((b.amount for b in lines), Decimal(0))
    items = [
        Item(
            "budget",
            b.id,
            b.description or _("PIA %(y)s") % {"y": b.year},
            True,
            "S/ " + number_format(b.amount, 2, force_grouping=True),
        )
        for b in lines
    ]
    return Outcome(Measure(amount, 1, amount), items)


def _known(district: PlainDistrict, asof: AsOf) -> list[PlainJass]:
    return [j for j in _jass(district, asof) if j.status != "dissolved"]


def _registration_items(district: PlainDistrict, asof: AsOf) -> list[Item]:
    return [
        _jass_item(
            j,
            j.registered,
            _("inscrita en el libro de registro y reconocida")
            if j.registered
            else _("sin inscripción en el libro de registro o sin resolución de reconocimiento"),
        )
        for j in _known(district, asof)
    ]


@rule_of(CheckKind.JASS_REGISTERED_RATIO)
def _jass_registered_ratio(p: dict[str, Any], district: PlainDistrict, asof: AsOf) -> Outcome:
    return _from_items(_registration_items(district, asof))


@rule_of(CheckKind.JASS_COUNT_MIN)
def _jass_count_min(p: dict[str, Any], district: PlainDistrict, asof: AsOf) -> Outcome:
    items = _registration_items(district, asof)
    if not items:
        return Outcome(None, [])
    registered = sum(1 for i in items if i.counted)
    return Outcome(Measure(registered, 1, Decimal(registered)), items)


@rule_of(CheckKind.JASS_VISITED_RATIO)
def _jass_visited_ratio(p: dict[str, Any], district: PlainDistrict, asof: AsOf) -> Outcome:
    since = _day(p["from"])

    def item(j: PlainJass) -> Item:
        visits = _counted_visits(j, p["from"], asof)
        n = sum(v.count for v in visits)
        if n >= p["min_visits"]:
            reason = ngettext("%(n)s visita desde %(d)s", "%(n)s visitas desde %(d)s", n) % {
                "n": n,
                "d": since,
            }
        elif n == 0:
            reason = _("sin visitas desde %(d)s") % {"d": since}
        else:
            reason = ngettext(
                "%(n)s visita desde %(d)s; se piden %(m)s",
                "%(n)s visitas desde %(d)s; se piden %(m)s",
                n,
            ) % {"n": n, "d": since, "m": p["min_visits"]}
        if n >= p["min_visits"]:
            last = max(visits, key=lambda v: (v.date, v.id or 0))
            return Item("visit", last.id, j.name, True, reason)
        return _jass_item(j, False, reason)

    return _from_items([item(j) for j in _active(district, asof)])


@rule_of(CheckKind.CHLORINATION_RATIO)
def _chlorination_ratio(p: dict[str, Any], district: PlainDistrict, asof: AsOf) -> Outcome:
    """Systems of active JASS whose chlorine, judged where people drink, is at least `min_mg_l`:
    the reading that `visits.chlorine.deciding_reading` picks among the window's readings."""
    start = asof.cutoff - dt.timedelta(days=p["window_days"])
    minimum = p["min_mg_l"]
    at_point = {
        ReadingPoint.LAST_HOUSE: _("última vivienda"),
        ReadingPoint.FIRST_HOUSE: _("primera vivienda"),
    }

    def item(j: PlainJass, s: PlainSystem) -> Item:
        window = [
            r
            for r in s.readings
            if not r.voided and start <= r.taken_on <= asof.cutoff and asof.counts(r.created)
        ]
        deciding = deciding_reading(window)
        name = f"{j.name} · {s.name}" if j.name else s.name
        if deciding is None:
            if window:  # reservoir readings only: the dosing, not the water at the tap
                latest = max(window, key=lambda r: (r.taken_on, r.order))
                reason = _(
                    "solo lecturas en el reservorio (%(v)s mg/L): no muestra el agua en el grifo"
                ) % {"v": number_format(latest.mg_per_l, 2)}
            else:
                reason = _("sin lecturas de cloro en los %(n)s días antes del corte") % {
                    "n": p["window_days"]
                }
            return Item("water_system", s.id, name, False, reason)
        counted = deciding.mg_per_l >= minimum
        values = {
            "p": at_point[deciding.point],
            "v": number_format(deciding.mg_per_l, 2),
            "d": _day(deciding.taken_on),
            "m": number_format(minimum, 1),
        }
        if counted:
            reason = _("%(p)s %(v)s mg/L el %(d)s, al menos %(m)s") % values
        else:
            reason = _("%(p)s %(v)s mg/L el %(d)s, menor que %(m)s") % values
        return Item("water_system", s.id, name, counted, reason)

    return _from_items(
        [
            item(j, s)
            for j in _active(district, asof)
            for s in j.systems
            if s.retired_on is None or s.retired_on > asof.cutoff
        ]
    )


def _no_board_reason(j: PlainJass, asof: AsOf) -> str:
    terms = [t for t in j.terms if asof.counts(t.created)]
    ended = [t.ends_on for t in terms if t.ends_on < asof.cutoff]
    later = [t.starts_on for t in terms if t.starts_on > asof.cutoff]
    if ended:
        since = max(ended) + dt.timedelta(days=1)
        return _("sin consejo directivo vigente desde %(d)s") % {"d": _day(since)}
    if later:
        return _("consejo directivo desde %(d)s, después del corte") % {"d": _day(min(later))}
    return _("sin consejo directivo registrado")


@rule_of(CheckKind.BOARD_CURRENT_RATIO)
def _board_current_ratio(p: dict[str, Any], district: PlainDistrict, asof: AsOf) -> Outcome:
    def item(j: PlainJass) -> Item:
        term = _current_term(j, asof)
        if term is None:
            return _jass_item(j, False, _no_board_reason(j, asof))
        reason = _("consejo directivo vigente hasta %(d)s") % {"d": _day(term.ends_on)}
        return _jass_item(j, True, reason)

    return _from_items([item(j) for j in _active(district, asof)])


@rule_of(CheckKind.BOARD_TRAINED_RATIO)
def _board_trained_ratio(p: dict[str, Any], district: PlainDistrict, asof: AsOf) -> Outcome:
    def item(j: PlainJass, t: PlainTerm) -> Item:
        trainings = [v for v in _counted_visits(j, t.starts_on, asof) if v.kind == "training"]
        if trainings:
            last = max(trainings, key=lambda v: (v.date, v.id or 0))
            reason = _("consejo capacitado el %(d)s") % {"d": _day(last.date)}
            return Item("visit", last.id, j.name, True, reason)
        reason = _("sin capacitación desde que empezó el consejo, el %(d)s") % {
            "d": _day(t.starts_on)
        }
        return _jass_item(j, False, reason)

    boards = [(j, t) for j in _active(district, asof) if (t := _current_term(j, asof))]
    return _from_items([item(j, t) for j, t in boards])


@rule_of(CheckKind.HEAD_DESIGNATED_BY)
def _head_designated_by(p: dict[str, Any], district: PlainDistrict, asof: AsOf) -> Outcome:
    """One item, the ATM office's head: designated by a resolution dated on or before `by` (and
    the cutoff). The office keeps no history: the resolution on file is the one that counts."""
    designated = district.head_designated_on
    deadline = min(p["by"], asof.cutoff)
    resolution = district.head_resolution
    name = _("Responsable del ATM")
    if not resolution or designated is None:
        reason = _("sin resolución de designación del responsable del ATM")
        return Outcome(None, [Item("office", None, name, False, reason)])
    values = {"r": resolution, "d": _day(designated), "by": _day(deadline)}
    if designated <= deadline:
        reason = _("designado por %(r)s el %(d)s") % values
        return Outcome(Measure(1, 1, Decimal(1)), [Item("office", None, name, True, reason)])
    reason = _("designado por %(r)s el %(d)s, después del %(by)s") % values
    return Outcome(None, [Item("office", None, name, False, reason)])


@rule_of(CheckKind.REGISTRY_UPDATED_SINCE)
def _registry_updated_since(p: dict[str, Any], district: PlainDistrict, asof: AsOf) -> Outcome:
    """Active JASS whose record changed or that were visited between `from` and the cutoff; the
    item is the latest visit when there is one (its page shows what was updated)."""
    since = _day(p["from"])

    def item(j: PlainJass) -> Item:
        changed = [day for day in j.changes if p["from"] <= day <= asof.cutoff]
        visits = _counted_visits(j, p["from"], asof)
        if visits:
            last = max(visits, key=lambda v: (v.date, v.id or 0))
            reason = _("visitada el %(d)s") % {"d": _day(last.date)}
            if changed:
                reason += "; " + _("registro actualizado el %(d)s") % {"d": _day(max(changed))}
            return Item("visit", last.id, j.name, True, reason)
        if changed:
            reason = _("registro actualizado el %(d)s") % {"d": _day(max(changed))}
            return _jass_item(j, True, reason)
        reason = _("sin cambios en el registro ni visitas desde %(d)s") % {"d": since}
        return _jass_item(j, False, reason)

    return _from_items([item(j) for j in _active(district, asof)])


def _existed(created: dt.date, ended: dt.date | None, asof: AsOf) -> bool:
    """A register row that existed at the cutoff: registered by then, not ended by then."""
    return created <= asof.cutoff and (ended is None or ended > asof.cutoff)


@rule_of(CheckKind.COVERAGE_RATIO)
def _coverage_ratio(p: dict[str, Any], district: PlainDistrict, asof: AsOf) -> Outcome:
    """Households served over households of the district's rural centres as of the cutoff
    (`communities.coverage`): a centre's served households are its services' households,
    capped at its own; centres and services count when they existed at the cutoff. Each centre
    is an item, counted when some of its households are served; the measure is households."""
    households = served = 0
    items = []
    for c in district.centres:
        if c.area != "rural" or not _existed(c.created, c.retired_on, asof):
            continue
        reached = sum(
            s.households_served for s in c.services if _existed(s.created, s.ended_on, asof)
        )
        centre_served = min(c.households, reached)
        households += c.households
        served += centre_served
        if centre_served:
            reason = ngettext(
                "%(s)s de %(h)s vivienda servida", "%(s)s de %(h)s viviendas servidas", c.households
            ) % {"s": centre_served, "h": c.households}
        else:
            reason = ngettext(
                "sin servicio: %(h)s vivienda", "sin servicio: %(h)s viviendas", c.households
            ) % {"h": c.households}
        name = f"{c.name} ({c.code})" if c.code else c.name
        items.append(Item("populated_centre", c.id, name, centre_served > 0, reason, c.code))
    if not items:
        return Outcome(None, [])
    return Outcome(Measure(served, households, _ratio(served, households)), items)


def _quarter_label(quarter: dt.date) -> str:
    return _("%(y)s-T%(q)s") % {"y": quarter.year, "q": (quarter.month - 1) // 3 + 1}


@rule_of(CheckKind.GRADE_RATIO)
def _grade_ratio(p: dict[str, Any], district: PlainDistrict, asof: AsOf) -> Outcome:
    """Active JASS whose latest service grade of a quarter starting on or before the cutoff is
    `min_grade` or better (A best); a JASS never assessed by then is not counted."""
    good_enough = GRADES[: GRADES.index(p["min_grade"]) + 1]

    def item(j: PlainJass) -> Item:
        scores = [s for s in j.scores if s.quarter <= asof.cutoff]
        if not scores:
            return _jass_item(j, False, _("sin evaluación de servicio"))
        latest = max(scores, key=lambda s: s.quarter)
        reason = _("grado %(g)s (%(s)s) en %(q)s") % {
            "g": latest.grade,
            "s": number_format(latest.score, 3),
            "q": _quarter_label(latest.quarter),
        }
        if latest.grade not in good_enough:
            reason += "; " + _("se pide %(m)s o mejor") % {"m": p["min_grade"]}
        return _jass_item(j, latest.grade in good_enough, reason)

    return _from_items([item(j) for j in _active(district, asof)])
