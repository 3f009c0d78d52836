"""Service assessments and grades for the demo data (`load_demo`) and the synthetic national
dataset (`generate_dataset`), so the A–D grades have something to say.

Most water systems get an assessment at their JASS's latest visit (a third also at the visit
before), with conditions that follow the system's registered state and hours of service that
drop in the dry season; about one JASS in twelve and one system in ten are never assessed, so
"sin evaluar" shows too. The associates up to date with their fee are recorded on the JASS's
first system. Then the grades of the last quarters are computed set-based, as the nightly task
does."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable

from django.db.models import F, Window
from django.db.models.functions import RowNumber

from jass_registry.models import Condition, Jass, JassStatus, SystemType, WaterSystem
from service_grades.grading import compute_scores
from service_grades.models import (
    COMPONENTS,
    NOT_APPLICABLE,
    GradeRun,
    ServiceAssessment,
    ServiceScore,
    quarter_of,
)
from visits.models import Visit

# Wiped with the synthetic dataset, before the visits and systems they point to.
WIPED = [ServiceScore, GradeRun, ServiceAssessment]

TREATED = (SystemType.GRAVITY_TREATED, SystemType.PUMPED_TREATED)
# A component's condition drawn around the system's registered state (weights for bueno,
# regular, malo, no funciona).
CONDITION_WEIGHTS = {
    Condition.GOOD: (70, 22, 6, 2),
    Condition.FAIR: (25, 50, 20, 5),
    Condition.POOR: (8, 30, 45, 17),
    Condition.NOT_WORKING: (3, 12, 35, 50),
}
CONDITIONS = list(Condition.values)
NEVER_ASSESSED_JASS = 0.08
NEVER_ASSESSED_SYSTEM = 0.10
ASSESSED_BEFORE = 0.33
HISTORY_QUARTERS = 2  # the current quarter and the ones before it


def _conditions(rng: random.Random, state: str, treated: bool) -> dict[str, str]:
    weights = CONDITION_WEIGHTS.get(state, CONDITION_WEIGHTS[Condition.FAIR])
    drawn = {name: rng.choices(CONDITIONS, weights=weights)[0] for name in COMPONENTS}
    if not treated:
        drawn["treatment"] = NOT_APPLICABLE
    return drawn


def _hours(rng: random.Random, state: str) -> tuple[int, int]:
    """Hours a day in the dry and the rainy season: a system in poor state rations water."""
    base = {Condition.GOOD: 24, Condition.FAIR: 18, Condition.POOR: 10}.get(state, 4)
    rainy = max(0, min(24, base + rng.randint(-4, 6)))
    dry = max(0, min(rainy, rainy - rng.choice([0, 0, 2, 4, 8, 12])))
    return dry, rainy


def _associates(rng: random.Random, registered: int | None) -> tuple[int, int]:
    total = registered or rng.randint(25, 300)
    return total, round(total * rng.betavariate(5, 2))


def _assessment(rng, visit_id: int, staff_id: int, system: dict, jass: dict, first: bool):
    dry, rainy = _hours(rng, system["condition"])
    total, paid = _associates(rng, jass["associates"]) if first else (None, None)
    return ServiceAssessment(
        visit_id=visit_id,
        water_system_id=system["pk"],
        **_conditions(rng, system["condition"], system["system_type"] in TREATED),
        hours_dry=dry,
        hours_rainy=rainy,
        associates=total,
        associates_paid=paid,
        created_by_id=staff_id,
    )


def _latest_visits(
    until: dt.date, since: dt.date | None = None
) -> dict[int, list[tuple[int, dt.date, int]]]:
    """Each JASS's two latest valid visits up to `until` (and from `since`, the first day of
    the current period's visits: a JASS visited only in earlier years is not assessed, as with
    `--years 1`): {jass: [(visit, date, staff)]}."""
    rank = Window(
        RowNumber(), partition_by=[F("jass_id")], order_by=[F("date").desc(), F("id").desc()]
    )
    rows = (
        Visit.objects.valid()
        .filter(date__lte=until, **({"date__gte": since} if since else {}))
        .exclude(jass__status=JassStatus.DISSOLVED)
        .annotate(rank=rank)
        .filter(rank__lte=2)
        .values_list("jass_id", "id", "date", "staff_id", "rank")
    )
    latest: dict[int, list] = {}
    for jass_id, visit_id, day, staff_id, _rank in sorted(rows, key=lambda r: (r[0], r[4])):
        latest.setdefault(jass_id, []).append((visit_id, day, staff_id))
    return latest


def generate(generator) -> dict:
    """Assessments for the national dataset (bulk) and the grades of its last quarters, from
    the generator's seed and `until` (ato/synthetic.py's Generator)."""
    until: dt.date = generator.until
    progress: Callable[[str], None] = generator.progress
    rng = random.Random(generator.seed * 1_000 + 15)
    history = getattr(generator, "history", None)
    visits = _latest_visits(until, history.edge if history else None)
    jass_rows = {
        j["pk"]: j
        for j in Jass.objects.filter(pk__in=list(visits)).values("pk", "associates").order_by("pk")
    }
    systems: dict[int, list[dict]] = {}
    for s in (
        WaterSystem.objects.filter(jass_id__in=list(visits))
        .values("pk", "jass_id", "condition", "system_type", "retired_on")
        .order_by("pk")
    ):
        systems.setdefault(s["jass_id"], []).append(s)
    assessments = []
    for jass_id in sorted(visits):
        if rng.random() < NEVER_ASSESSED_JASS:
            continue
        for order, (visit_id, day, staff_id) in enumerate(visits[jass_id]):
            if order and rng.random() >= ASSESSED_BEFORE:
                break
            in_service = [
                s
                for s in systems.get(jass_id, [])
                if s["retired_on"] is None or s["retired_on"] > day
            ]
            for index, system in enumerate(in_service):
                if rng.random() < NEVER_ASSESSED_SYSTEM:
                    continue
                assessments.append(
                    _assessment(rng, visit_id, staff_id, system, jass_rows[jass_id], index == 0)
                )
    ServiceAssessment.objects.bulk_create(assessments, batch_size=5000)
    progress(f"Evaluaciones del servicio: {len(assessments)}; calculando niveles de servicio…")
    counts = compute_grades(until)
    return {"service_assessments": len(assessments), **counts}


def compute_grades(until: dt.date) -> dict:
    """The grades of the current quarter and the ones before it, oldest first (so the latest
    is the one copied onto the registry)."""
    quarter = quarter_of(until)
    quarters = [quarter]
    for _ in range(HISTORY_QUARTERS - 1):
        quarters.insert(0, quarter_of(quarters[0] - dt.timedelta(days=1)))
    counts = {}
    for q in quarters:
        counts = compute_scores(q, today=until)
    return {"graded_systems": counts["systems"], "graded_jass": counts["jass"]}


# --- demo data ------------------------------------------------------------------------------------


def demo(today: dt.date, districts: list[str]) -> int:
    """Assessments for the demo districts through the service (as staff record them), at each
    active JASS's two latest visits; the last JASS of each district is left never assessed.
    Visits already assessed are left alone, so running `load_demo` again adds nothing."""
    from service_grades.services import assessment_record

    rng = random.Random(2026_15)
    added = 0
    for ubigeo in districts:
        jass_list = list(
            Jass.objects.filter(district_id=ubigeo, status=JassStatus.ACTIVE).order_by("pk")
        )
        for jass in jass_list[:-1]:
            recent = list(
                Visit.objects.valid()
                .filter(jass=jass, date__lte=today)
                .select_related("staff", "jass")
                .order_by("-date", "-id")[:2]
            )
            for visit in reversed(recent):
                if ServiceAssessment.objects.filter(visit=visit).exists():
                    continue
                for index, system in enumerate(jass.water_systems.order_by("pk")):
                    if system.retired_on and system.retired_on <= visit.date:
                        continue
                    row = {
                        "pk": system.pk,
                        "condition": system.condition,
                        "system_type": system.system_type,
                    }
                    draft = _assessment(
                        rng,
                        visit.pk,
                        visit.staff_id,
                        row,
                        {"associates": jass.associates},
                        index == 0,
                    )
                    assessment_record(
                        user=visit.staff,
                        visit=visit,
                        water_system=system,
                        data={name: getattr(draft, name) for name in _FIELDS},
                    )
                    added += 1
    compute_grades(today)
    return added


_FIELDS = [*COMPONENTS, "hours_dry", "hours_rainy", "associates", "associates_paid"]
