"""After any sequence of visit creates, edits and voids, the summaries the services keep
(incrementally on create, recomputed per JASS on edit/void) equal a full set-based rebuild."""

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jass_registry.models import Jass, WaterSystem
from tests.factories import JassFactory, UserFactory, WaterSystemFactory
from visits import services
from visits.models import Visit

DAYS = st.integers(min_value=0, max_value=400)
READING = st.tuples(
    st.integers(0, 1),
    st.sampled_from(["reservoir", "first_house", "last_house"]),
    st.integers(0, 150),
)
VISIT = st.fixed_dictionaries(
    {
        "jass": st.integers(0, 1),
        "day": DAYS,
        "kind": st.sampled_from(["technical_assistance", "training", "supervision", "follow_up"]),
        "finances": st.booleans(),
        "readings": st.lists(READING, max_size=3),
    }
)
STEP = st.one_of(
    st.tuples(st.just("create"), VISIT),
    st.tuples(st.just("edit"), st.integers(0, 20), VISIT),
    st.tuples(st.just("void"), st.integers(0, 20)),
)
START = dt.date(2025, 1, 1)


def snapshot():
    return (
        list(
            Jass.objects.order_by("pk").values_list(
                "pk", "last_visit_on", "last_training_on", "last_finance_review_on"
            )
        ),
        list(
            WaterSystem.objects.order_by("pk").values_list(
                "pk",
                "last_reading_on",
                "last_reading_mg_l",
                "network_reading_on",
                "network_reading_mg_l",
            )
        ),
    )


@pytest.mark.django_db
@settings(
    max_examples=60,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(steps=st.lists(STEP, min_size=1, max_size=12))
def test_stored_summaries_equal_the_rebuilt_ones(steps):
    from django.db import transaction

    with transaction.atomic():
        user = UserFactory(username="prop.staff", district_id="131101")
        jass_list = [JassFactory(district_id="131101") for _ in range(2)]
        systems = {
            j.pk: [WaterSystemFactory(jass=j), WaterSystemFactory(jass=j)] for j in jass_list
        }

        def payload(spec):
            jass = jass_list[spec["jass"]]
            date = START + dt.timedelta(days=spec["day"])
            readings = [
                {
                    "water_system": systems[jass.pk][s].pk,
                    "point": point,
                    "mg_per_l": Decimal(mg) / 100,
                    "taken_on": date - dt.timedelta(days=s),
                }
                for s, point, mg in spec["readings"]
            ]
            data = {"date": date, "kind": spec["kind"], "finances_reviewed": spec["finances"]}
            return jass, data, readings

        for step in steps:
            visits = list(Visit.objects.valid().order_by("pk"))
            if step[0] == "create":
                jass, data, readings = payload(step[1])
                services.visit_record(user=user, jass=jass, data=data, readings=readings)
            elif step[0] == "edit" and visits:
                visit = visits[step[1] % len(visits)]
                spec = dict(step[2], jass=jass_list.index(visit.jass))
                _jass, data, readings = payload(spec)
                services.visit_update(user=user, visit=visit, data=data, readings=readings)
            elif step[0] == "void" and visits:
                services.visit_void(
                    user=user, visit=visits[step[1] % len(visits)], reason="Registrada dos veces"
                )
        stored = snapshot()
        services.summaries_rebuild()
        assert stored == snapshot()
        transaction.set_rollback(True)
