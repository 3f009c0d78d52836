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

from django.db.models import (
    BigIntegerField,
    BooleanField,
    Case,
    Count,
    F,
    Func,
    Max,
    Q,
    Value,
    When,
)
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format, number_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from communities.models import CentreService, PopulatedCentre
from jass_registry.models import BoardTerm, ChangeRecord, Jass, WaterSystem
from service_grades.models import ServiceScore
from territory.models import AtmBudget, AtmOffice, District
from visits.models import ChlorineReading, Visit

from . import reference
from .checks import SPECS, CheckKind, parsed_params
from .engine import _ratio, end_of_day
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


# What each kind reads of the district (the rules in `reference` read nothing else).
_READS_JASS = {
    CheckKind.JASS_REGISTERED_RATIO,
    CheckKind.JASS_COUNT_MIN,
    CheckKind.JASS_VISITED_RATIO,
    CheckKind.CHLORINATION_RATIO,
    CheckKind.BOARD_CURRENT_RATIO,
    CheckKind.BOARD_TRAINED_RATIO,
    CheckKind.REGISTRY_UPDATED_SINCE,
    CheckKind.GRADE_RATIO,
}
_READS_VISITS_FROM = {CheckKind.JASS_VISITED_RATIO, CheckKind.REGISTRY_UPDATED_SINCE}
_READS_TERMS = {CheckKind.BOARD_CURRENT_RATIO, CheckKind.BOARD_TRAINED_RATIO}


def load_district(
    district: District,
    cutoff: dt.date,
    window_days: int,
    requirements: list[tuple[str, dict]] | None = None,
) -> reference.PlainDistrict:
    """The district's data as the rules read it: at most twelve queries, none per JASS or
    centre.

    With `requirements` ((kind, params) pairs) only what their kinds read is loaded: visits only
    for visit rules and only from the earliest day one of them looks at (its `from`, or the start
    of a board term current at the cutoff), water systems and readings only for chlorination and
    within the window, board terms only for board rules, populated centres and their services
    only for coverage, each JASS's latest grade by the cutoff only for grades (budget lines and
    evidence, a few rows, always).
    Without it everything is loaded, one row per visit. Rows after the cutoff are read too when
    the rules need their creation day (an official run leaves them out; a progress run counts
    them); visits and readings dated after the cutoff never count, so they are not read.
    Creation days are the local dates, computed by the database.

    With `requirements` a JASS's visits are also collapsed in the database (five years of
    history are tens of thousands of visits a district): voided ones are left out, and the
    rest grouped by training or not, recorded by the cutoff or not, and dated before or from
    each `from`; a group is one row, its latest visit by (date, id), with `count` the visits it
    stands for (`_collapsed_visits`). This is exact because of the visits that count (not
    voided, dated by the cutoff, in an official run recorded by it) the rules read only how
    many there are from a `from` and the latest of them, or the latest training from a board's
    start. Each group lies wholly on one side of every `from` and of the cutoff's recording
    day, so the visits from a `from` are whole groups (their number is the sum of the counts)
    and their latest is the latest of those groups' rows. The latest counted training is its
    group's row; it is from the board's start when any counted training is, and no row is when
    none is (rows are real visits). Nothing else reads `PlainJass.visits`."""
    if requirements is None:
        kinds = set(reference.RULES)
        visits_from: dt.date | None = dt.date.min
        froms: list[dt.date] = []
    else:
        kinds = {kind for kind, _params in requirements}
        froms = [
            parsed_params(kind, params)["from"]
            for kind, params in requirements
            if kind in _READS_VISITS_FROM
        ]
        visits_from = min(froms) if froms else None
    plain = reference.PlainDistrict()
    if kinds & _READS_JASS:
        jass = {
            pk: reference.PlainJass(
                status=status,
                registered=bool(registry_number and resolution),
                created=created,
                id=pk,
                name=name,
            )
            for pk, name, status, registry_number, resolution, created in Jass.objects.filter(
                district=district
            )
            .order_by("name", "id")
            .values_list(
                "id",
                "name",
                "status",
                "registry_number",
                "recognition_resolution",
                "created_at__date",
            )
        }
        plain.jass = list(jass.values())
        if kinds & _READS_TERMS:
            for jass_id, starts_on, ends_on, created in BoardTerm.objects.filter(
                jass__district=district
            ).values_list("jass_id", "starts_on", "ends_on", "created_at__date"):
                jass[jass_id].terms.append(reference.PlainTerm(starts_on, ends_on, created))
        training_only = False
        if CheckKind.BOARD_TRAINED_RATIO in kinds and requirements is not None:
            # trainings count from the start of the board current at the cutoff
            starts = [
                t.starts_on
                for j in plain.jass
                for t in j.terms
                if t.starts_on <= cutoff <= t.ends_on
            ]
            if starts:
                training_only = visits_from is None
                visits_from = min(starts) if visits_from is None else min(visits_from, *starts)
        if visits_from is not None and requirements is None:
            visits = Visit.objects.filter(
                district=district, date__gte=visits_from, date__lte=cutoff
            )
            for pk, jass_id, date, kind, created, voided_at in visits.values_list(
                "id", "jass_id", "date", "kind", "created_at__date", "voided_at"
            ):
                jass[jass_id].visits.append(
                    reference.PlainVisit(date, kind, created, voided_at is not None, pk)
                )
        elif visits_from is not None:
            for visit_jass, visit in _collapsed_visits(
                district, cutoff, visits_from, froms, training_only
            ):
                jass[visit_jass].visits.append(visit)
        if CheckKind.CHLORINATION_RATIO in kinds and window_days:
            systems = {}
            for pk, jass_id, name, retired_on in (
                WaterSystem.objects.filter(jass__district=district)
                .order_by("name", "id")
                .values_list("id", "jass_id", "name", "retired_on")
            ):
                systems[pk] = reference.PlainSystem(retired_on, id=pk, name=name)
                jass[jass_id].systems.append(systems[pk])
            readings = ChlorineReading.objects.filter(
                water_system__jass__district=district,
                taken_on__gte=cutoff - dt.timedelta(days=window_days),
                taken_on__lte=cutoff,
            ).values_list(
                "id",
                "water_system_id",
                "taken_on",
                "mg_per_l",
                "visit__created_at__date",
                "visit__voided_at",
                "point",
            )
            for pk, system_id, taken_on, mg_per_l, created, voided_at, point in readings:
                systems[system_id].readings.append(
                    reference.PlainReading(
                        taken_on,
                        mg_per_l,
                        pk,
                        created or dt.date.min,
                        point,
                        voided=voided_at is not None,
                    )
                )
        if CheckKind.REGISTRY_UPDATED_SINCE in kinds:
            _load_changes(district, cutoff, requirements, jass)
        if CheckKind.GRADE_RATIO in kinds:
            # each JASS's latest grade of a quarter starting by the cutoff (one row a JASS)
            scores = ServiceScore.objects.filter(jass__district=district).latest_for_jass(cutoff)
            for jass_id, quarter, score, grade in scores.values_list(
                "jass_id", "quarter", "score", "grade"
            ):
                jass[jass_id].scores.append(reference.PlainScore(quarter, score, grade))
    if CheckKind.COVERAGE_RATIO in kinds:
        plain.centres = _load_centres(district)
    if CheckKind.HEAD_DESIGNATED_BY in kinds:
        office = AtmOffice.objects.filter(district=district).values_list(
            "head_resolution", "head_designated_on"
        )
        plain.head_resolution, plain.head_designated_on = office.first() or ("", None)
    # budget lines and evidence are a few rows a district: always read
    plain.budgets = [
        reference.PlainBudget(year, amount, pk, description)
        for pk, year, amount, description in AtmBudget.objects.filter(office__district=district)
        .order_by("year", "id")
        .values_list("id", "year", "amount", "description")
    ]
    plain.evidence = [
        reference.PlainEvidence(doc_type, status, created, reviewed, pk, number)
        for pk, doc_type, status, created, reviewed, number in Evidence.objects.filter(
            district=district
        )
        .order_by("created_at", "id")
        .values_list("id", "doc_type", "status", "created_at__date", "reviewed_at__date", "number")
    ]
    return plain


def _collapsed_visits(
    district: District,
    cutoff: dt.date,
    visits_from: dt.date,
    froms: list[dt.date],
    training_only: bool,
) -> list[tuple[int, reference.PlainVisit]]:
    """The district's visits from `visits_from` to the cutoff that may count, collapsed: the
    visits of a JASS that no rule tells apart become one row, their latest by (date, id) with
    its own id, date, kind and creation day, and `count` the visits it stands for. Two visits
    are told apart by being a training or not, recorded by the cutoff or not (an official run
    counts only those), and dated before or from each `from` of the requirements. Voided visits
    never count and are left out.

    Two queries: one GROUP BY (a hash aggregate over an index-only scan of
    `visit_valid_district_date`, which carries the columns it needs) gives each group's size
    and its latest visit as one integer (`_DateIdKey`), then the groups' latest visits are read
    by id. Sorting the district's visits for a window function instead cost 33 ms of the 5-year
    dataset's busiest district (25,550 visits) against 7 ms (issue 14)."""
    # recorded by the cutoff's local day: by its last instant (no local day for every visit)
    recorded = Q(created_at__lte=end_of_day(cutoff))
    flags = {
        "training": _flag(Q(kind="training")),
        "recorded": _flag(recorded),
        **{f"from_{i}": _flag(Q(date__gte=day)) for i, day in enumerate(sorted(set(froms)))},
    }
    visits = Visit.objects.filter(
        district=district,
        date__gte=visits_from,
        date__lte=cutoff,
        voided_at__isnull=True,
    )
    if training_only:
        visits = visits.filter(kind="training")
    groups = [
        (jass_id, key % _DateIdKey.ID_SPAN, n)
        for jass_id, key, n in visits.annotate(**flags)
        .values("jass_id", *flags)
        .annotate(latest=Max(_DateIdKey(F("date"), F("id"))), stands_for=Count("id"))
        .order_by()
        .values_list("jass_id", "latest", "stands_for")
    ]
    details = {
        pk: (date, kind, created)
        for pk, date, kind, created in Visit.objects.filter(
            pk__in=[pk for _jass_id, pk, _n in groups]
        ).values_list("id", "date", "kind", "created_at__date")
    }
    collapsed = []
    for jass_id, pk, n in groups:
        date, kind, created = details[pk]
        collapsed.append((jass_id, reference.PlainVisit(date, kind, created, False, pk, count=n)))
    return collapsed


class _DateIdKey(Func):
    """A visit's (date, id) as one integer that orders as the pair: its days since 2000-01-01
    times 10^12, plus its id (visits are dated from 2000, `not_before_2000`, and ids stay
    below 10^12), so MAX() of it names a group's latest visit without sorting the group."""

    ID_SPAN = 10**12
    output_field = BigIntegerField()

    def as_sql(self, compiler, connection, **extra_context):
        date, date_params = compiler.compile(self.source_expressions[0])
        ident, id_params = compiler.compile(self.source_expressions[1])
        if connection.vendor == "postgresql":
            days = f"({date} - DATE '2000-01-01')::bigint"
        else:  # SQLite: julianday('2000-01-01') is 2451544.5
            days = f"(CAST(julianday({date}) AS INTEGER) - 2451544)"
        return f"({days} * {self.ID_SPAN} + {ident})", (*date_params, *id_params)


def _flag(condition: Q) -> Case:
    """`condition` as a true/false column (a group of `_collapsed_visits`)."""
    return Case(
        When(condition, then=Value(True)), default=Value(False), output_field=BooleanField()
    )


def _load_changes(
    district: District,
    cutoff: dt.date,
    requirements: list[tuple[str, dict]] | None,
    jass: dict[int, reference.PlainJass],
) -> None:
    """The local days of the registry change records of the district's JASS, from the earliest
    `from` of the registry rules to the cutoff."""
    froms = [
        parsed_params(kind, params)["from"]
        for kind, params in requirements or []
        if kind == CheckKind.REGISTRY_UPDATED_SINCE
    ]
    changes = ChangeRecord.objects.filter(jass__district=district, at__lte=end_of_day(cutoff))
    if froms:
        start = timezone.make_aware(dt.datetime.combine(min(froms), dt.time.min))
        changes = changes.filter(at__gte=start)
    for jass_id, day in changes.values_list("jass_id", "at__date").distinct():
        jass[jass_id].changes.append(day)


def _load_centres(district: District) -> list[reference.PlainCentre]:
    """The district's populated centres with their services, ended or not (two queries): the
    coverage rule decides which existed at the cutoff."""
    centres = {
        pk: reference.PlainCentre(
            area, households, created, retired_on, id=pk, name=name, code=code
        )
        for pk, code, name, area, households, created, retired_on in PopulatedCentre.objects.filter(
            district=district
        )
        .order_by("name", "id")
        .values_list("id", "code", "name", "area", "households", "created_at__date", "retired_on")
    }
    for centre_id, served, created, ended_on in CentreService.objects.filter(
        centre__district=district
    ).values_list("centre_id", "households_served", "created_at__date", "ended_on"):
        centres[centre_id].services.append(reference.PlainService(served, created, ended_on))
    return list(centres.values())


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
    # coverage counts households, not its items (the centres)
    CheckKind.COVERAGE_RATIO: lambda n: ngettext(
        "falta %(n)s vivienda con servicio", "faltan %(n)s viviendas con servicio", n
    ),
    CheckKind.GRADE_RATIO: lambda n: ngettext(
        "falta %(n)s JASS con el nivel de servicio pedido",
        "faltan %(n)s JASS con el nivel de servicio pedido",
        n,
    ),
    CheckKind.REGISTRY_UPDATED_SINCE: lambda n: ngettext(
        "falta %(n)s JASS con registro actualizado o visitada",
        "faltan %(n)s JASS con registro actualizado o visitadas",
        n,
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
    if kind == CheckKind.HEAD_DESIGNATED_BY:
        by = parsed_params(kind, rr.requirement.params)["by"]
        day = date_format(by, "SHORT_DATE_FORMAT")
        return _("falta la resolución de designación del responsable, hasta el %(d)s") % {"d": day}
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
    chart, the visit, the evidence file, the ATM office's budget, the populated centre."""
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
    if item.type == "populated_centre" and item.key:
        return reverse("communities:detail", kwargs={"code": item.key})
    return ""


# The JASS list, filtered to what the rule counts over, where its page has such a filter.
_JASS_LIST_QUERY = {
    CheckKind.JASS_VISITED_RATIO: "?status=active",
    CheckKind.BOARD_CURRENT_RATIO: "?status=active",
    CheckKind.BOARD_TRAINED_RATIO: "?signal=board_untrained",
    CheckKind.CHLORINATION_RATIO: "?signal=chlorine",
    CheckKind.GRADE_RATIO: "?status=active&ordering=-grade",
}


def list_url(kind: str, ubigeo: str) -> str:
    """The list behind a row: the district's JASS (filtered where a filter exists), its
    evidence or its ATM office."""
    if kind == CheckKind.EVIDENCE:
        return reverse("incentives:evidence", args=[ubigeo])
    if kind in (CheckKind.OFFICE_BUDGET, CheckKind.HEAD_DESIGNATED_BY):
        return reverse("territory:office", args=[ubigeo])
    if kind == CheckKind.COVERAGE_RATIO:
        # the district's "everyone" gap: its centres without service, largest first
        return reverse("communities:unserved", args=[ubigeo])
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
    requirements = [(rr.requirement.kind, rr.requirement.params) for rr in results]
    plain = load_district(district, run.cutoff, _longest_window(run, results), requirements)
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
