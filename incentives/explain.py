"""Why a district met a requirement or not, item by item, for its checklist (page and API).

For one district on demand: its registry, visits, readings, budget lines and evidence are read
once (a fixed number of queries, whatever the number of JASS) into the plain data of
`incentives.reference`, and each requirement's rule there lists the items it counted and those it
did not, with the reason. The rule is the same one the property test holds the engine to, so the
counted items number the stored numerator and all items the denominator.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from decimal import Decimal

from django.urls import reverse
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from jass_registry.models import BoardTerm, Jass, WaterSystem
from territory.models import AtmBudget, District
from visits.models import ChlorineReading, Visit

from . import reference
from .checks import SPECS, CheckKind, parsed_params
from .engine import _ratio
from .models import EvaluationRun, Evidence, RequirementResult, RunKind


def _day(moment: dt.datetime | None) -> dt.date | None:
    return None if moment is None else timezone.localdate(moment)


def _longest_window(run: EvaluationRun, results: list[RequirementResult]) -> int:
    windows = [
        parsed_params(r.requirement.kind, r.requirement.params)["window_days"]
        for r in results
        if r.requirement.kind == CheckKind.CHLORINATION_RATIO
    ]
    return max(windows, default=0)


def load_district(district: District, cutoff: dt.date, window_days: int) -> reference.PlainDistrict:
    """The district's data as the rules read it: seven queries, none per JASS. Rows after the
    cutoff are read too when the rules need their creation day (an official run leaves them
    out; a progress run counts them); visits and readings dated after the cutoff never count,
    so they are not read."""
    jass = {
        row["id"]: reference.PlainJass(
            status=row["status"],
            registered=bool(row["registry_number"] and row["recognition_resolution"]),
            created=_day(row["created_at"]),
            id=row["id"],
            name=row["name"],
        )
        for row in Jass.objects.filter(district=district)
        .order_by("name", "id")
        .values("id", "name", "status", "registry_number", "recognition_resolution", "created_at")
    }
    visits = Visit.objects.filter(jass__district=district, date__lte=cutoff).order_by("date", "id")
    for v in visits.values("id", "jass_id", "date", "kind", "created_at", "voided_at"):
        jass[v["jass_id"]].visits.append(
            reference.PlainVisit(
                v["date"], v["kind"], _day(v["created_at"]), v["voided_at"] is not None, v["id"]
            )
        )
    systems = {}
    for s in (
        WaterSystem.objects.filter(jass__district=district)
        .order_by("name", "id")
        .values("id", "jass_id", "name", "retired_on")
    ):
        systems[s["id"]] = reference.PlainSystem(s["retired_on"], id=s["id"], name=s["name"])
        jass[s["jass_id"]].systems.append(systems[s["id"]])
    if window_days:
        readings = ChlorineReading.objects.filter(
            water_system__jass__district=district,
            taken_on__gte=cutoff - dt.timedelta(days=window_days),
            taken_on__lte=cutoff,
        )
        for r in readings.values(
            "id", "water_system_id", "taken_on", "mg_per_l", "visit__created_at", "visit__voided_at"
        ):
            systems[r["water_system_id"]].readings.append(
                reference.PlainReading(
                    r["taken_on"],
                    r["mg_per_l"],
                    r["id"],
                    _day(r["visit__created_at"]) or dt.date.min,
                    voided=r["visit__voided_at"] is not None,
                )
            )
    for t in BoardTerm.objects.filter(jass__district=district).values(
        "jass_id", "starts_on", "ends_on", "created_at"
    ):
        jass[t["jass_id"]].terms.append(
            reference.PlainTerm(t["starts_on"], t["ends_on"], _day(t["created_at"]))
        )
    plain = reference.PlainDistrict(jass=list(jass.values()))
    plain.budgets = [
        reference.PlainBudget(b["year"], b["amount"], b["id"], b["description"])
        for b in AtmBudget.objects.filter(office__district=district)
        .order_by("year", "id")
        .values("id", "year", "amount", "description")
    ]
    plain.evidence = [
        reference.PlainEvidence(
            e["doc_type"],
            e["status"],
            _day(e["created_at"]),
            _day(e["reviewed_at"]),
            e["id"],
            e["number"],
        )
        for e in Evidence.objects.filter(district=district)
        .order_by("created_at", "id")
        .values("id", "doc_type", "status", "created_at", "reviewed_at", "number")
    ]
    return plain


def is_ratio(kind: str) -> bool:
    return "min_ratio" in SPECS.get(kind, {})


# "faltan 2 …" for each ratio kind (others say it their own way in `to_pass`).
_MISSING = {
    CheckKind.JASS_REGISTERED_RATIO: lambda n: ngettext(
        "falta %(n)s JASS inscrita y reconocida", "faltan %(n)s JASS inscritas y reconocidas", n
    ),
    CheckKind.JASS_VISITED_RATIO: lambda n: ngettext(
        "falta %(n)s JASS visitada", "faltan %(n)s JASS visitadas", n
    ),
    CheckKind.CHLORINATION_RATIO: lambda n: ngettext(
        "falta %(n)s sistema con cloro adecuado", "faltan %(n)s sistemas con cloro adecuado", n
    ),
    CheckKind.BOARD_CURRENT_RATIO: lambda n: ngettext(
        "falta %(n)s JASS con consejo vigente", "faltan %(n)s JASS con consejo vigente", n
    ),
    CheckKind.BOARD_TRAINED_RATIO: lambda n: ngettext(
        "falta %(n)s consejo capacitado", "faltan %(n)s consejos capacitados", n
    ),
}


def _missing_generic(n: int) -> str:
    return ngettext("falta %(n)s elemento que cumpla", "faltan %(n)s elementos que cumplan", n)


def needed_count(threshold: Decimal, denominator: int) -> int:
    """The fewest counted items out of `denominator` that reach `threshold` (as the engine
    rounds the ratio)."""
    n = max(0, min(denominator, math.floor(threshold * denominator)))
    while n < denominator and _ratio(n, denominator) < threshold:
        n += 1
    return n


def _percent(value: Decimal) -> str:
    hundred = value * 100
    places = 0 if hundred == hundred.to_integral_value() else 1
    return f"{number_format(hundred, places)} %"


def _soles(value: Decimal) -> str:
    return "S/ " + number_format(value, 2, force_grouping=True)


def show_value(kind: str, value: Decimal | None) -> str:
    """A stored value or threshold as a person reads it: 36 %, S/ 25,000.00, 3."""
    if value is None:
        return "—"
    if is_ratio(kind):
        return _percent(value)
    if kind == CheckKind.OFFICE_BUDGET:
        return _soles(value)
    if kind == CheckKind.EVIDENCE:
        return _("aprobada") if value >= 1 else _("sin aprobar")
    return number_format(value, 0)


def _amount_missing(rr: RequirementResult, year: int) -> str:
    if rr.value is None:
        return _("falta registrar el PIA %(y)s del ATM: al menos %(a)s") % {
            "y": year,
            "a": _soles(rr.threshold),
        }
    return _("faltan %(a)s en el PIA %(y)s") % {"a": _soles(rr.threshold - rr.value), "y": year}


def to_pass(rr: RequirementResult) -> str:
    """What would make a row that is not met pass, in words ("faltan 2 JASS con consejo
    vigente"); empty when it is met."""
    kind = rr.requirement.kind
    if rr.met or rr.threshold is None:
        return ""
    if kind == CheckKind.EVIDENCE:
        return _("falta una evidencia aprobada por el revisor")
    if kind == CheckKind.OFFICE_BUDGET:
        return _amount_missing(rr, parsed_params(kind, rr.requirement.params)["year"])
    if kind == CheckKind.JASS_COUNT_MIN:
        n = int(rr.threshold) - (rr.numerator or 0)
        return ngettext("falta %(n)s JASS inscrita", "faltan %(n)s JASS inscritas", n) % {"n": n}
    if is_ratio(kind):
        if not rr.denominator:
            return _("no hay nada que contar todavía")
        n = needed_count(rr.threshold, rr.denominator) - (rr.numerator or 0)
        return _MISSING.get(kind, _missing_generic)(n) % {"n": n}
    return ""


def item_url(kind: str, item: reference.Item) -> str:
    """Where an item is seen: the JASS (its visits for visit rules), the water system's chlorine
    chart, the visit, the evidence file, the ATM office's budget."""
    if item.id is None:
        return ""
    if item.type == "jass":
        if kind in (CheckKind.JASS_VISITED_RATIO, CheckKind.BOARD_TRAINED_RATIO):
            return reverse("visits:jass_timeline", args=[item.id])
        return reverse("jass_registry:detail", args=[item.id])
    if item.type == "water_system":
        return reverse("visits:chlorine_chart", args=[item.id])
    if item.type == "visit":
        return reverse("visits:detail", args=[item.id])
    if item.type == "evidence":
        return reverse("incentives:evidence_file", args=[item.id])
    return ""


# The JASS list, filtered to what the rule counts over, where its page has such a filter.
_JASS_LIST_QUERY = {
    CheckKind.JASS_VISITED_RATIO: "?status=active",
    CheckKind.BOARD_CURRENT_RATIO: "?status=active",
    CheckKind.BOARD_TRAINED_RATIO: "?signal=board_untrained",
    CheckKind.CHLORINATION_RATIO: "?signal=chlorine",
}


def list_url(kind: str, ubigeo: str) -> str:
    """The list behind a row: the district's JASS (filtered where a filter exists), its
    evidence or its ATM office."""
    if kind == CheckKind.EVIDENCE:
        return reverse("incentives:evidence", args=[ubigeo])
    if kind == CheckKind.OFFICE_BUDGET:
        return reverse("territory:office", args=[ubigeo])
    return reverse("jass_registry:list", args=[ubigeo]) + _JASS_LIST_QUERY.get(kind, "")


@dataclass
class Row:
    """One checklist row: the stored result and, for the page and the API, what it is worth and
    the items behind it."""

    result: RequirementResult
    points: int
    points_earned: int
    items: list[reference.Item]

    @property
    def points_missed(self) -> int:
        return self.points - self.points_earned

    @property
    def counted(self) -> list[reference.Item]:
        return [i for i in self.items if i.counted]

    @property
    def not_counted(self) -> list[reference.Item]:
        return [i for i in self.items if not i.counted]


def checklist(
    run: EvaluationRun, district: District, results: list[RequirementResult]
) -> list[Row]:
    """The rows of the district's checklist in `run`, each with its items as of the cutoff."""
    plain = load_district(district, run.cutoff, _longest_window(run, results))
    official = run.kind == RunKind.OFFICIAL
    rows = []
    for rr in results:
        requirement = rr.requirement
        outcome = reference.explain_one(
            requirement.kind, requirement.params, plain, run.cutoff, official
        )
        earned = requirement.points if rr.met else 0
        rows.append(Row(rr, requirement.points, earned, outcome.items))
    return rows
