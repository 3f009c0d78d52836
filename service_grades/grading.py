"""Service levels A–D: THE formula, its weights, and the set-based computation for the country.

A score from 0 to 1 for each water system and each JASS (the provider), graded by SIASAR's
thresholds: A ≥ 0.9, B ≥ 0.7, C ≥ 0.4, else D. A system or JASS never assessed has no grade.
Facts count as of `asof`: the quarter's last day, or today for the current quarter.

Water system (from its latest assessment at a valid visit on or before `asof`):
- infrastructure (0.35): the mean condition of its components (source and intake, conduction,
  treatment, storage, distribution) with bueno = 1, regular = 2/3, malo = 1/3, no funciona = 0;
  treatment left out when it does not apply (a system without treatment).
- continuity (0.30): the mean hours of service per day in the dry and the rainy season ÷ 24.
- water quality (0.35): 1 when the system's chlorine is adequate by THE one definition
  (`visits/chlorine.py`: the network reading that decides, in the CHLORINE_WINDOW_DAYS up to
  `asof`, ≥ 0.5 mg/L), else 0 (no network reading in the window is not safe water shown).

JASS (provider; graded when at least one of its systems is):
- systems (0.50): the mean score of its graded water systems (the service its users get).
- associates paid (0.15): associates up to date with their fee ÷ associates, from the JASS's
  latest assessment that recorded them (0 when none did or the roll is empty).
- board current (0.10): a board term covers `asof`.
- board trained (0.05): that board had a training visit since its term started.
- accounts reviewed (0.10): a valid visit reviewed the accounts in the FINANCE_REVIEW_DAYS up to
  `asof`.
- visited (0.10): a valid visit in the VISITED_WINDOW_DAYS up to `asof`.

Why these weights: water quality and infrastructure weigh the same and more than continuity,
so a system whose water is not safe at the last house cannot reach B (its best is 0.65, C),
whatever its pipes; continuity is what users feel every day, but hours are reported, not
measured. A provider is half the service it delivers and half how it is run: fee collection is
its sustainability (the largest provider part), board and accounts its governance, training
and visits the ATM's support. A fact not recorded earns nothing: the grade says what ATO can
show. The README ("Niveles de servicio A–D") says the same.

Arithmetic is exact (integers): a score is Σ weight × value rounded half up to thousandths, and
the grade is read from that rounded score, so every stored letter matches its stored score.
`compute_scores(quarter)` reads the facts for the whole country in a handful of queries
(window functions and GROUP BY; as of today a system's chlorine is the deciding-reading summary
visits.services keeps, for a past quarter the window's readings), scores them here, and upserts
one ServiceScore per subject and quarter, rewriting only what changed (on PostgreSQL through a
COPY merged by the database, `pg_writes.py`); the latest quarter's grade and score are also kept
on Jass and WaterSystem (`grade`, `score`) so their lists filter and sort by grade without
reaching into this app.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal

from django.db import connection, transaction
from django.db.models import Exists, F, Max, OuterRef, Q, Subquery, Window
from django.db.models.functions import RowNumber
from django.utils import timezone

from jass_registry.models import BoardTerm, Jass, JassStatus, WaterSystem
from jass_registry.standards import (
    CHLORINE_WINDOW_DAYS,
    FINANCE_REVIEW_DAYS,
    VISITED_WINDOW_DAYS,
)
from visits.chlorine import is_adequate, with_network_chlorine
from visits.models import Visit, VisitKind

from . import pg_writes
from .models import (
    COMPONENTS,
    NOT_APPLICABLE,
    Grade,
    ServiceAssessment,
    ServiceScore,
    Subject,
    quarter_of,
)

WEIGHTS: dict[str, dict[str, Decimal]] = {
    Subject.SYSTEM: {
        "infrastructure": Decimal("0.35"),
        "continuity": Decimal("0.30"),
        "water_quality": Decimal("0.35"),
    },
    Subject.JASS: {
        "systems": Decimal("0.50"),
        "associates_paid": Decimal("0.15"),
        "board_current": Decimal("0.10"),
        "board_trained": Decimal("0.05"),
        "accounts_reviewed": Decimal("0.10"),
        "visited": Decimal("0.10"),
    },
}
assert all(sum(w.values()) == 1 for w in WEIGHTS.values()), "each subject's weights add up to 1"

# SIASAR's thresholds, best first; below the last one: D.
THRESHOLDS: tuple[tuple[str, Decimal], ...] = (
    (Grade.A, Decimal("0.9")),
    (Grade.B, Decimal("0.7")),
    (Grade.C, Decimal("0.4")),
)
# A component's condition in thirds: bueno 3/3, regular 2/3, malo 1/3, no funciona 0.
CONDITION_POINTS = {"good": 3, "fair": 2, "poor": 1, "not_working": 0}
HOURS_PER_DAY = 24
MILLI = 1000  # scores are kept to thousandths (Decimal(4, 3))

# A component value as an exact fraction: (numerator, denominator), denominator > 0.
Value = tuple[int, int]

_WEIGHT_RATIOS = {
    subject: [(name, *weight.as_integer_ratio()) for name, weight in weights.items()]
    for subject, weights in WEIGHTS.items()
}
_WEIGHT_FLOATS = {
    subject: [(name, float(weight)) for name, weight in weights.items()]
    for subject, weights in WEIGHTS.items()
}


def grade_of(score) -> str:
    """The grade of a score (0–1): A ≥ 0.9, B ≥ 0.7, C ≥ 0.4, else D."""
    score = score if isinstance(score, Decimal) else Decimal(str(score))
    for grade, floor in THRESHOLDS:
        if score >= floor:
            return grade
    return Grade.D


# --- the component values (shared by the set-based computation and any per-subject one) -------


def infrastructure_value(conditions: Iterable[str]) -> Value:
    """The mean condition of the components that apply (treatment may not)."""
    points = [CONDITION_POINTS[c] for c in conditions if c != NOT_APPLICABLE]
    return sum(points), 3 * len(points)


def continuity_value(hours_dry: int, hours_rainy: int) -> Value:
    return hours_dry + hours_rainy, 2 * HOURS_PER_DAY


def water_quality_value(network_mg_l: Decimal | None) -> Value:
    return int(is_adequate(network_mg_l)), 1


def flag_value(fact: bool) -> Value:
    return int(bool(fact)), 1


def ratio_value(part: int | None, whole: int | None) -> Value:
    if not whole or part is None:
        return 0, 1
    return part, whole


def systems_value(system_scores_milli: Iterable[int]) -> Value:
    scores = list(system_scores_milli)
    return sum(scores), MILLI * len(scores)


def score_milli(subject: str, values: Mapping[str, Value]) -> int:
    """Σ weight × value in thousandths, rounded half up, in exact integer arithmetic."""
    num, den = 0, 1
    for name, w_num, w_den in _WEIGHT_RATIOS[subject]:
        v_num, v_den = values[name]
        num = num * w_den * v_den + w_num * v_num * den
        den = den * w_den * v_den
    return (2 * MILLI * num + den) // (2 * den)


def as_score(milli: int) -> Decimal:
    return Decimal(milli).scaleb(-3)


# Every score there can be (thousandths) and its grade, computed once.
SCORES = [as_score(milli) for milli in range(MILLI + 1)]
GRADES = [grade_of(score) for score in SCORES]


def components_of(subject: str, values: Mapping[str, Value], facts: Mapping[str, dict]) -> dict:
    """What a page shows to say why: each component's value (0–1, three decimals) and weight,
    with the facts it was made of (`facts`: one fresh dict per component, completed here)."""
    components = {}
    for name, weight in _WEIGHT_FLOATS[subject]:
        num, den = values[name]
        part = facts[name]
        part["value"] = round(num / den, 3)
        part["weight"] = weight
        components[name] = part
    return components


# --- as of when -------------------------------------------------------------------------------


def quarter_end(quarter: dt.date) -> dt.date:
    month = quarter.month + 3
    year = quarter.year + (month > 12)
    return dt.date(year, (month - 1) % 12 + 1, 1) - dt.timedelta(days=1)


def asof_for(quarter: dt.date, today: dt.date) -> dt.date:
    """The day whose facts a quarter's scores read: its last day, or today while it runs."""
    return min(quarter_end(quarter), today)


# --- the set-based computation ----------------------------------------------------------------


@dataclass
class Scored:
    milli: int
    components: dict
    jass_id: int | None = None


def _systems_in_scope(asof: dt.date, jass_ids) -> Q:
    scope = (Q(retired_on__isnull=True) | Q(retired_on__gt=asof)) & ~Q(
        jass__status=JassStatus.DISSOLVED
    )
    return scope & Q(jass_id__in=jass_ids) if jass_ids is not None else scope


def _latest_assessments(asof: dt.date, jass_ids):
    """The latest valid assessment on or before `asof` of each system in scope (one query)."""
    rank = Window(
        RowNumber(),
        partition_by=[F("water_system_id")],
        order_by=[F("visit__date").desc(), F("visit_id").desc(), F("id").desc()],
    )
    systems = WaterSystem.objects.filter(_systems_in_scope(asof, jass_ids))
    return (
        ServiceAssessment.objects.valid()
        .filter(visit__date__lte=asof, water_system__in=systems)
        .annotate(rank=rank)
        .filter(rank=1)
        .values_list(
            "water_system_id",
            "water_system__jass_id",
            "visit_id",
            "visit__date",
            *COMPONENTS,
            "hours_dry",
            "hours_rainy",
        )
    )


def _network_chlorine(asof: dt.date, jass_ids) -> dict[int, tuple]:
    """{system id: (network_on, network_mg_l)}: the reading that decides each system's chlorine
    in the CHLORINE_WINDOW_DAYS up to `asof` (None, None when no network reading falls there).
    One query. As of today it is the summary visits.services keeps (the deciding reading of all
    valid readings, so of the window when it is recent enough); for a past day, the window's
    readings through `with_network_chlorine` (of the assessed systems only)."""
    start = asof - dt.timedelta(days=CHLORINE_WINDOW_DAYS)
    systems = WaterSystem.objects.filter(_systems_in_scope(asof, jass_ids))
    if asof == timezone.localdate():
        rows = systems.values_list("pk", "network_reading_on", "network_reading_mg_l").order_by()
        return {pk: (on, mg) for pk, on, mg in rows if on is not None and on >= start}
    assessed = ServiceAssessment.objects.valid().filter(
        water_system=OuterRef("pk"), visit__date__lte=asof
    )
    rows = (
        with_network_chlorine(systems.filter(Exists(assessed)), start=start, end=asof)
        .values_list("pk", "network_on", "network_mg_l")
        .order_by()
    )
    # A subquery's decimal comes back with SQLite's float tail: kept to the column's two places.
    cents = Decimal("0.01")
    return {pk: (on, Decimal(str(mg)).quantize(cents)) for pk, on, mg in rows if on is not None}


def score_systems(asof: dt.date, jass_ids=None) -> dict[int, Scored]:
    """Every water system in scope that was ever assessed (two queries)."""
    chlorine = _network_chlorine(asof, jass_ids)
    scored: dict[int, Scored] = {}
    for row in _latest_assessments(asof, jass_ids):
        system_id, jass_id, visit_id, visit_date = row[:4]
        conditions = dict(zip(COMPONENTS, row[4:9], strict=True))
        hours_dry, hours_rainy = row[9], row[10]
        network_on, network_mg_l = chlorine.get(system_id, (None, None))
        values = {
            "infrastructure": infrastructure_value(conditions.values()),
            "continuity": continuity_value(hours_dry, hours_rainy),
            "water_quality": water_quality_value(network_mg_l),
        }
        facts = {
            "infrastructure": {"conditions": conditions},
            "continuity": {"hours_dry": hours_dry, "hours_rainy": hours_rainy},
            "water_quality": {
                "network_on": network_on.isoformat() if network_on else None,
                "network_mg_l": str(network_mg_l) if network_mg_l is not None else None,
            },
            "assessment": {"visit": visit_id, "on": visit_date.isoformat()},
        }
        milli = score_milli(Subject.SYSTEM, values)
        components = components_of(Subject.SYSTEM, values, facts)
        components["assessment"] = facts["assessment"]
        scored[system_id] = Scored(milli, components, jass_id=jass_id)
    return scored


def _jass_facts(asof: dt.date, jass_ids) -> tuple[dict, dict, dict]:
    """Board start, visit dates and associates per JASS as of `asof` (three queries)."""
    jass = Jass.objects.exclude(status=JassStatus.DISSOLVED)
    if jass_ids is not None:
        jass = jass.filter(pk__in=jass_ids)
    boards = dict(
        BoardTerm.objects.filter(jass__in=jass, starts_on__lte=asof, ends_on__gte=asof)
        .values("jass_id")
        .annotate(start=Max("starts_on"))
        .values_list("jass_id", "start")
        .order_by()
    )
    visits = {
        row[0]: row[1:]
        for row in Visit.objects.valid()
        .filter(jass__in=jass, date__lte=asof)
        .values("jass_id")
        .annotate(
            last_visit=Max("date"),
            last_training=Max("date", filter=Q(kind=VisitKind.TRAINING)),
            last_accounts=Max("date", filter=Q(finances_reviewed=True)),
        )
        .values_list("jass_id", "last_visit", "last_training", "last_accounts")
        .order_by()
    }
    rank = Window(
        RowNumber(),
        partition_by=[F("visit__jass_id")],
        order_by=[F("visit__date").desc(), F("visit_id").desc(), F("id").desc()],
    )
    associates = {
        row[0]: row[1:]
        for row in ServiceAssessment.objects.valid()
        .filter(visit__date__lte=asof, visit__jass__in=jass, associates__isnull=False)
        .annotate(rank=rank)
        .filter(rank=1)
        .values_list("visit__jass_id", "associates", "associates_paid", "visit__date")
    }
    return boards, visits, associates


def score_providers(asof: dt.date, systems: Mapping[int, Scored], jass_ids=None) -> dict:
    """Every JASS with a graded water system (three queries)."""
    by_jass: dict[int, list[int]] = {}
    for scored in systems.values():
        by_jass.setdefault(scored.jass_id, []).append(scored.milli)
    boards, visits, associates = _jass_facts(asof, jass_ids)
    visited_from = asof - dt.timedelta(days=VISITED_WINDOW_DAYS)
    accounts_from = asof - dt.timedelta(days=FINANCE_REVIEW_DAYS)
    scored: dict[int, Scored] = {}
    for jass_id, milli_scores in by_jass.items():
        board_start = boards.get(jass_id)
        last_visit, last_training, last_accounts = visits.get(jass_id, (None, None, None))
        total, paid, counted_on = associates.get(jass_id, (None, None, None))
        values = {
            "systems": systems_value(milli_scores),
            "associates_paid": ratio_value(paid, total),
            "board_current": flag_value(board_start is not None),
            "board_trained": flag_value(
                board_start is not None
                and last_training is not None
                and last_training >= board_start
            ),
            "accounts_reviewed": flag_value(
                last_accounts is not None and last_accounts >= accounts_from
            ),
            "visited": flag_value(last_visit is not None and last_visit >= visited_from),
        }
        facts = {
            "systems": {"count": len(milli_scores)},
            "associates_paid": {
                "associates": total,
                "paid": paid,
                "on": counted_on.isoformat() if counted_on else None,
            },
            "board_current": {"since": board_start.isoformat() if board_start else None},
            "board_trained": {"on": last_training.isoformat() if last_training else None},
            "accounts_reviewed": {"on": last_accounts.isoformat() if last_accounts else None},
            "visited": {"on": last_visit.isoformat() if last_visit else None},
        }
        milli = score_milli(Subject.JASS, values)
        scored[jass_id] = Scored(milli, components_of(Subject.JASS, values, facts))
    return scored


def _score_row(subject: str, pk: int, scored: Scored, quarter, now) -> ServiceScore:
    return ServiceScore(
        subject=subject,
        water_system_id=pk if subject == Subject.SYSTEM else None,
        jass_id=pk if subject == Subject.JASS else None,
        quarter=quarter,
        score=SCORES[scored.milli],
        grade=GRADES[scored.milli],
        components=scored.components,
        computed_at=now,
    )


UPSERT_FIELDS = ["score", "grade", "components", "computed_at"]
BATCH = 2000
ID_CHUNK = 5000  # ids per `pk IN (...)` statement


def _chunks(ids: list[int]) -> Iterable[list[int]]:
    return (ids[i : i + ID_CHUNK] for i in range(0, len(ids), ID_CHUNK))


def _write_scores(subject: str, scored: Mapping[int, Scored], quarter, now, jass_ids) -> dict:
    """Upsert the quarter's rows of one kind of subject whose values changed, and delete those
    of subjects no longer gradable. A row whose score, grade and components are the same keeps
    its `computed_at` (the time its values were computed). Returns {subject id: (grade, score)}.
    One read, the upsert batches of the changed rows, one delete per chunk of stale rows."""
    link = "water_system_id" if subject == Subject.SYSTEM else "jass_id"
    existing = ServiceScore.objects.filter(subject=subject, quarter=quarter)
    if jass_ids is not None:
        scope = "water_system__jass_id__in" if subject == Subject.SYSTEM else "jass_id__in"
        existing = existing.filter(**{scope: jass_ids})
    stored = {
        key: (pk, score, grade, components)
        for pk, key, score, grade, components in existing.values_list(
            "pk", link, "score", "grade", "components"
        ).order_by()
    }
    copies, changed = {}, []
    for key, values in scored.items():
        score, grade = SCORES[values.milli], GRADES[values.milli]
        copies[key] = (grade, score)
        old = stored.get(key)
        if old is None or old[1] != score or old[2] != grade or old[3] != values.components:
            changed.append(_score_row(subject, key, values, quarter, now))
    ServiceScore.objects.bulk_create(
        changed,
        batch_size=BATCH,
        update_conflicts=True,
        unique_fields=[link.removesuffix("_id"), "quarter"],
        update_fields=UPSERT_FIELDS,
    )
    stale = [old[0] for key, old in stored.items() if key not in scored]
    for ids in _chunks(stale):
        ServiceScore.objects.filter(pk__in=ids).delete()
    return copies


@transaction.atomic
def compute_scores(
    quarter: dt.date, *, today: dt.date | None = None, jass_ids: Iterable[int] | None = None
) -> dict[str, int]:
    """Score every water system and JASS of the country (or of `jass_ids`) for `quarter` (its
    first day) and upsert their ServiceScore rows: recomputing within the quarter updates them
    in place (only those whose values changed are written), and a subject no longer gradable
    (its only assessment's visit voided, retired, dissolved) loses its row of the quarter
    (scores are derived data). When `quarter` is the latest quarter scored, Jass and
    WaterSystem keep its grade and score.

    Seven reads to score, then per kind of subject one read of the stored rows and one of the
    registry's copies, and writes only for what changed: a handful of statements whatever the
    number of subjects."""
    today = today or timezone.localdate()
    quarter = quarter_of(quarter)
    asof = asof_for(quarter, today)
    jass_ids = list(jass_ids) if jass_ids is not None else None
    now = timezone.now()
    systems = score_systems(asof, jass_ids)
    providers = score_providers(asof, systems, jass_ids)
    latest = not ServiceScore.objects.filter(quarter__gt=quarter).exists()
    if connection.vendor == "postgresql":
        # The same writes, merged by the database from a COPY (see pg_writes for why).
        pg_writes.write(
            {
                subject: {
                    pk: (SCORES[s.milli], GRADES[s.milli], s.components) for pk, s in scored.items()
                }
                for subject, scored in ((Subject.SYSTEM, systems), (Subject.JASS, providers))
            },
            quarter,
            now,
            jass_ids,
            copy_to_registry=latest,
        )
    else:
        system_copies = _write_scores(Subject.SYSTEM, systems, quarter, now, jass_ids)
        jass_copies = _write_scores(Subject.JASS, providers, quarter, now, jass_ids)
        if latest:
            _keep_latest_on_registry(WaterSystem, system_copies, quarter, jass_ids)
            _keep_latest_on_registry(Jass, jass_copies, quarter, jass_ids)
    return {"quarter": quarter, "asof": asof, "systems": len(systems), "jass": len(providers)}


def _keep_latest_on_registry(model, copies: Mapping[int, tuple], quarter, jass_ids) -> None:
    """Copy the quarter's grade and score onto Jass or WaterSystem (None when not graded),
    touching only the rows whose values change: one read, then one UPDATE per chunk of
    changed rows (none when nothing changed)."""
    queryset = model.objects.all()
    if jass_ids is not None:
        queryset = queryset.filter(
            **({"jass_id__in": jass_ids} if model is WaterSystem else {"pk__in": jass_ids})
        )
    changed = [
        pk
        for pk, grade, score in queryset.values_list("pk", "grade", "score").order_by()
        if copies.get(pk, (None, None)) != (grade, score)
    ]
    link = "water_system" if model is WaterSystem else "jass"
    rows = ServiceScore.objects.filter(quarter=quarter, **{link: OuterRef("pk")}).order_by()
    for ids in _chunks(changed):
        model.objects.filter(pk__in=ids).update(
            grade=Subquery(rows.values("grade")[:1]), score=Subquery(rows.values("score")[:1])
        )
