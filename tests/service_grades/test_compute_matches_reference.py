"""The set-based computation of the whole country (`compute_scores`: window functions, GROUP BY,
one upsert) gives every subject the score a plain per-subject Python computation of the same
formula gives (tests/service_grades/reference.py), on random JASS, water systems, boards, visits
(some voided), assessments and chlorine readings; and every stored grade letter matches its
stored score."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jass_registry.models import BoardTerm, Jass, WaterSystem
from service_grades.grading import compute_scores, grade_of
from service_grades.models import ServiceAssessment, ServiceScore, quarter_of
from tests.factories import JassFactory, UserFactory, WaterSystemFactory
from visits.models import ChlorineReading, Visit
from visits.services import summaries_rebuild

from .reference import all_scores, letter

# Today: the current quarter reads the systems' chlorine summary, a past quarter the readings.
TODAY = timezone.localdate()
CONDITIONS = st.sampled_from(["good", "fair", "poor", "not_working"])
SYSTEM = st.fixed_dictionaries(
    {
        "jass": st.integers(0, 2),
        "treated": st.booleans(),
        "retired": st.sampled_from([None, None, None, 5, 400]),
    }
)
ASSESSMENT = st.fixed_dictionaries(
    {
        "system": st.integers(0, 4),
        "conditions": st.tuples(CONDITIONS, CONDITIONS, CONDITIONS, CONDITIONS, CONDITIONS),
        "treatment_applies": st.booleans(),
        "hours": st.tuples(st.integers(0, 24), st.integers(0, 24)),
        "associates": st.one_of(st.none(), st.tuples(st.integers(0, 300), st.integers(0, 300))),
    }
)
VISIT = st.fixed_dictionaries(
    {
        "system": st.integers(0, 4),  # the visited JASS is this system's
        # Mostly within the windows (chlorine 60 days, a quarter), sometimes long ago.
        "days_ago": st.one_of(st.integers(0, 100), st.integers(0, 500)),
        "kind": st.sampled_from(["training", "supervision", "technical_assistance"]),
        "finances": st.booleans(),
        "voided": st.sampled_from([False, False, False, True]),
        "assessments": st.lists(ASSESSMENT, min_size=1, max_size=2),
        "readings": st.lists(
            st.tuples(
                st.integers(0, 4),
                st.sampled_from(["reservoir", "first_house", "last_house"]),
                st.integers(0, 120),
            ),
            max_size=3,
        ),
    }
)
WORLD = st.fixed_dictionaries(
    {
        "statuses": st.lists(
            st.sampled_from(["active", "active", "inactive", "dissolved"]), min_size=3, max_size=3
        ),
        "systems": st.lists(SYSTEM, min_size=2, max_size=5),
        "boards": st.lists(
            st.tuples(st.integers(0, 2), st.integers(0, 900), st.integers(30, 900)), max_size=3
        ),
        "visits": st.lists(VISIT, min_size=3, max_size=10),
        "quarter_back": st.sampled_from([0, 0, 1]),
    }
)


def build(world) -> None:
    user = UserFactory(username="prop.grades", district_id="131101")
    jass = [JassFactory(district_id="131101", status=s) for s in world["statuses"]]
    systems = []
    for spec in world["systems"]:
        retired = spec["retired"]
        systems.append(
            WaterSystemFactory(
                jass=jass[spec["jass"]],
                system_type="gravity_treated" if spec["treated"] else "gravity_untreated",
                retired_on=TODAY - dt.timedelta(days=retired) if retired else None,
            )
        )
    for j, ago, length in world["boards"]:
        start = TODAY - dt.timedelta(days=ago)
        BoardTerm.objects.create(
            jass=jass[j], starts_on=start, ends_on=start + dt.timedelta(days=length)
        )
    for spec in world["visits"]:
        owner = systems[spec["system"] % len(systems)].jass
        visit = Visit.objects.create(
            jass=owner,
            staff=user,
            date=TODAY - dt.timedelta(days=spec["days_ago"]),
            kind=spec["kind"],
            finances_reviewed=spec["finances"],
            voided_at=timezone.now() if spec["voided"] else None,
            void_reason="Prueba" if spec["voided"] else "",
        )
        own = [s for s in systems if s.jass_id == owner.pk]
        for index, point, mg in spec["readings"]:
            if own:
                ChlorineReading.objects.create(
                    water_system=own[index % len(own)],
                    visit=visit,
                    taken_on=visit.date,
                    point=point,
                    mg_per_l=Decimal(mg) / 100,
                )
        seen = set()
        for a in spec["assessments"]:
            if not own:
                break
            system = own[a["system"] % len(own)]
            if system.pk in seen:
                continue
            seen.add(system.pk)
            source, conduction, treatment, storage, distribution = a["conditions"]
            total, paid = a["associates"] or (None, None)
            if total is not None and paid > total:
                total, paid = paid, total
            ServiceAssessment.objects.create(
                visit=visit,
                water_system=system,
                source_intake=source,
                conduction=conduction,
                treatment=treatment if a["treatment_applies"] else "not_applicable",
                storage=storage,
                distribution=distribution,
                hours_dry=a["hours"][0],
                hours_rainy=a["hours"][1],
                associates=total,
                associates_paid=paid,
                created_by=user,
            )
    summaries_rebuild()  # as visits.services keeps them


def stored(quarter):
    rows = ServiceScore.objects.filter(quarter=quarter)
    systems = {r.water_system_id: r for r in rows if r.subject == "system"}
    providers = {r.jass_id: r for r in rows if r.subject == "jass"}
    return systems, providers


@pytest.mark.django_db
@settings(
    max_examples=60,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(world=WORLD)
def test_set_based_scores_equal_the_per_subject_computation(world):
    with transaction.atomic():
        build(world)
        quarter = quarter_of(TODAY)
        if world["quarter_back"]:
            quarter = quarter_of(quarter - dt.timedelta(days=1))
        compute_scores(quarter, today=TODAY)
        asof = min(TODAY, _quarter_end(quarter))
        expected_systems, expected_jass = all_scores(asof)
        systems, providers = stored(quarter)
        assert {pk: r.score for pk, r in systems.items()} == expected_systems
        assert {pk: r.score for pk, r in providers.items()} == expected_jass
        for row in [*systems.values(), *providers.values()]:
            assert row.grade == letter(row.score) == grade_of(row.score)
        # The registry's copy is the latest quarter's, and only that.
        if quarter == quarter_of(TODAY):
            copies = dict(WaterSystem.objects.values_list("pk", "score"))
            assert copies == {pk: expected_systems.get(pk) for pk in copies}
            copies = dict(Jass.objects.values_list("pk", "score"))
            assert copies == {pk: expected_jass.get(pk) for pk in copies}
        transaction.set_rollback(True)


def _quarter_end(quarter: dt.date) -> dt.date:
    following = dt.date(quarter.year + quarter.month // 10, (quarter.month + 2) % 12 + 1, 1)
    return following - dt.timedelta(days=1)
