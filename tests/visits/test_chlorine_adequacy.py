"""Chlorine judged where people drink (issue 15, part 0): one definition of adequacy
(`visits/chlorine.py`), read alike by the JASS's risk signal, the district indicator, the goal
engine, its reference rule with the checklist's items, and the water system's chart."""

import datetime as dt
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from incentives import engine, explain, reference
from incentives.checks import CheckKind
from incentives.models import EvaluationRun, Goal
from jass_registry.indicators import district_indicators
from jass_registry.models import Jass, WaterSystem
from jass_registry.risk import Signal, python_flags, signal_codes, with_risk
from territory.models import District, DistrictCategory
from tests.conftest import CASCAS
from tests.factories import JassFactory, UserFactory, WaterSystemFactory
from tests.incentives.conftest import compute
from visits import services
from visits.chlorine import deciding_reading, is_adequate, with_network_chlorine
from visits.models import ChlorineReading

TODAY = timezone.localdate()
WINDOW = 60
CHLORINATION = (
    CheckKind.CHLORINATION_RATIO,
    {"min_ratio": "0.3", "min_mg_l": "0.5", "window_days": WINDOW},
)


class Req:
    def __init__(self, kind, params):
        self.kind, self.params = kind, params


def short(day: dt.date) -> str:
    return day.strftime("%d/%m/%Y")


# --- the scenario ------------------------------------------------------------------------


@pytest.fixture
def scenario(staff_a):
    """Same day: reservoir 0.80 and last house 0.30 on one system; on another, reservoir 0.20
    and last house 0.60."""
    DistrictCategory.objects.create(district_id=CASCAS, year=2017, category="C")
    jass = JassFactory(district_id=CASCAS, name="JASS Santa Rosa")
    poor = WaterSystemFactory(jass=jass, name="Gravedad Santa Rosa")
    good = WaterSystemFactory(jass=jass, name="Gravedad Alto")
    day = TODAY - dt.timedelta(days=3)
    services.visit_record(
        user=staff_a,
        jass=jass,
        data={"date": day, "kind": "supervision"},
        readings=[
            {"water_system": poor.pk, "point": "reservoir", "mg_per_l": "0.80"},
            {"water_system": poor.pk, "point": "last_house", "mg_per_l": "0.30"},
            {"water_system": good.pk, "point": "reservoir", "mg_per_l": "0.20"},
            {"water_system": good.pk, "point": "last_house", "mg_per_l": "0.60"},
        ],
    )
    return jass, poor, good, day


def test_reservoir_080_and_last_house_030_is_not_adequate_anywhere(client, staff_a, scenario):
    jass, poor, good, day = scenario
    client.force_login(staff_a)
    # The JASS page shows the chlorine alert and says why.
    page = client.get(reverse("jass_registry:detail", args=[jass.pk])).content.decode()
    assert str(Signal.CHLORINE.label) in page
    assert "en la red" in page and "reservorio muestra la dosificación" in page
    # The district indicator counts the good system only.
    ratio = district_indicators(CASCAS, TODAY)["chlorination_ratio_60d"]
    assert (ratio.numerator, ratio.denominator) == (1, 2)
    # The goal's requirement does not count it, and its checklist item says why.
    run = compute(
        EvaluationRun.objects.create(
            goal=Goal.objects.get(code="2017-M35"), cutoff=TODAY, kind="progress"
        )
    )
    result = run.results.get(district_id=CASCAS).requirements.get(
        requirement__kind=CheckKind.CHLORINATION_RATIO
    )
    assert (result.numerator, result.denominator) == (1, 2)
    checklist = client.get(f"/evaluaciones/{run.pk}/distritos/{CASCAS}/").content.decode()
    assert f"última vivienda 0.30 mg/L el {short(day)}, menor que 0.5" in checklist
    assert f"última vivienda 0.60 mg/L el {short(day)}, al menos 0.5" in checklist
    # The chart says which reading decided.
    chart = client.get(reverse("visits:chlorine_chart", args=[poor.pk])).content.decode()
    assert f"Última vivienda, 0.30 mg/L el {short(day)}" in chart
    assert "cloración insuficiente" in chart


def test_a_reservoir_reading_alone_does_not_clear_the_alert(client, staff_a):
    jass = JassFactory(district_id=CASCAS)
    system = WaterSystemFactory(jass=jass)
    services.visit_record(
        user=staff_a,
        jass=jass,
        data={"date": TODAY - dt.timedelta(days=1), "kind": "supervision"},
        readings=[{"water_system": system.pk, "point": "reservoir", "mg_per_l": "0.90"}],
    )
    annotated = with_risk(Jass.objects.filter(pk=jass.pk), TODAY).get()
    assert Signal.CHLORINE in signal_codes(annotated)
    plain = explain.load_district(District.objects.get(pk=CASCAS), TODAY, WINDOW)
    items = reference.explain_one(*CHLORINATION, plain, TODAY, False).items
    assert [(i.counted, i.reason) for i in items] == [
        (False, "solo lecturas en el reservorio (0.90 mg/L): no muestra el agua en el grifo")
    ]


def test_the_first_house_decides_only_when_the_last_house_was_not_sampled(staff_a):
    jass = JassFactory(district_id=CASCAS)
    system = WaterSystemFactory(jass=jass)
    earlier, later = TODAY - dt.timedelta(days=10), TODAY - dt.timedelta(days=2)
    for day, readings in (
        (earlier, [("last_house", "0.20"), ("first_house", "0.70")]),
        (later, [("first_house", "0.55"), ("first_house", "0.65"), ("reservoir", "0.10")]),
    ):
        services.visit_record(
            user=staff_a,
            jass=jass,
            data={"date": day, "kind": "supervision"},
            readings=[
                {"water_system": system.pk, "point": p, "mg_per_l": mg} for p, mg in readings
            ],
        )
    system.refresh_from_db()
    # the latest network day has no last house: its lowest first-house reading decides
    assert (system.network_reading_on, system.network_reading_mg_l) == (later, Decimal("0.55"))
    annotated = with_risk(Jass.objects.filter(pk=jass.pk), TODAY).get()
    assert Signal.CHLORINE not in signal_codes(annotated)


def test_another_districts_chart_is_not_found(client, staff_b, scenario):
    _jass, poor, _good, _day = scenario
    client.force_login(staff_b)
    assert client.get(reverse("visits:chlorine_chart", args=[poor.pk])).status_code == 404


# --- every reader agrees, on random readings -------------------------------------------------

OFFSETS = st.sampled_from([0, 1, 2, 30, WINDOW - 1, WINDOW, WINDOW + 1, WINDOW + 2, 200])
READING = st.tuples(
    st.integers(0, 1),  # which of the JASS's systems
    st.sampled_from(["last_house", "reservoir", "first_house"]),
    st.sampled_from([80, 50, 30, 49, 51, 0, 120]).map(lambda n: Decimal(n) / 100),
    st.integers(0, 1),  # days before the visit it was taken
)
VISIT = st.tuples(
    st.integers(0, 1),  # which JASS
    OFFSETS,
    st.lists(READING, min_size=1, max_size=4),
    st.booleans(),  # voided afterwards
)
# (second system retired, JASS active)
SYSTEM_STATE = st.tuples(st.booleans(), st.sampled_from([True, True, True, False]))


def _plain(reading: ChlorineReading) -> SimpleNamespace:
    return SimpleNamespace(
        taken_on=reading.taken_on, point=reading.point, mg_per_l=reading.mg_per_l, pk=reading.pk
    )


@pytest.mark.django_db
@settings(
    max_examples=60,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    visits=st.lists(VISIT, min_size=1, max_size=8),
    states=st.tuples(SYSTEM_STATE, SYSTEM_STATE),
    official=st.booleans(),
)
def test_signal_indicator_engine_reference_and_summary_agree(visits, states, official):
    with transaction.atomic():
        user = UserFactory(username="chlorine.prop", district_id=CASCAS)
        jass_list, systems = [], {}
        for index, (retired, active) in enumerate(states):
            jass = JassFactory(
                district_id=CASCAS, name=f"J{index}", status="active" if active else "inactive"
            )
            jass_list.append(jass)
            systems[jass.pk] = [
                WaterSystemFactory(jass=jass, name="S0"),
                WaterSystemFactory(
                    jass=jass,
                    name="S1",
                    retired_on=TODAY - dt.timedelta(days=10) if retired else None,
                ),
            ]
        for which, offset, readings, voided in visits:
            jass = jass_list[which]
            date = TODAY - dt.timedelta(days=offset)
            visit = services.visit_record(
                user=user,
                jass=jass,
                data={"date": date, "kind": "supervision"},
                readings=[
                    {
                        "water_system": systems[jass.pk][s].pk,
                        "point": point,
                        "mg_per_l": mg,
                        "taken_on": date - dt.timedelta(days=back),
                    }
                    for s, point, mg, back in readings
                ],
            )
            if voided:
                services.visit_void(user=user, visit=visit, reason="Registrada dos veces")

        start = TODAY - dt.timedelta(days=WINDOW)
        valid = list(ChlorineReading.objects.valid())
        adequate: dict[int, bool] = {}
        annotated = {
            s.pk: s
            for s in with_network_chlorine(WaterSystem.objects.all(), start=start, end=TODAY)
        }
        for system in WaterSystem.objects.all():
            own = [_plain(r) for r in valid if r.water_system_id == system.pk]
            # the summary the services keep is the deciding reading of all valid readings
            ever = deciding_reading(own)
            assert (system.network_reading_on, system.network_reading_mg_l) == (
                (ever.taken_on, ever.mg_per_l) if ever else (None, None)
            )
            # the set-based annotation picks the same reading within the window
            decided = deciding_reading(r for r in own if start <= r.taken_on <= TODAY)
            got = annotated[system.pk]
            assert (got.network_on, got.network_mg_l) == (
                (decided.taken_on, decided.mg_per_l) if decided else (None, None)
            )
            adequate[system.pk] = decided is not None and is_adequate(decided.mg_per_l)

        counted = [
            s
            for j in jass_list
            if j.status == "active"
            for s in systems[j.pk]
            if s.retired_on is None
        ]
        expected = (sum(adequate[s.pk] for s in counted), len(counted))

        # risk signal: a JASS fires when one of its counted systems is not adequate
        for j in jass_list:
            fires = any(not adequate[s.pk] for s in counted if s.jass_id == j.pk)
            sql = with_risk(Jass.objects.filter(pk=j.pk), TODAY).get()
            facts = with_risk(Jass.objects.filter(pk=j.pk), TODAY, flags=False).get()
            assert (Signal.CHLORINE in signal_codes(sql)) == fires
            assert python_flags(facts, TODAY)[Signal.CHLORINE] == fires

        # district indicator
        ratio = district_indicators(CASCAS, TODAY)["chlorination_ratio_60d"]
        assert (ratio.numerator, ratio.denominator) == expected

        # goal engine, and the reference rule on the data the checklist loads
        measured = engine.measure(Req(*CHLORINATION), [CASCAS], TODAY, official).get(CASCAS)
        assert ((measured.numerator, measured.denominator) if measured else (0, 0)) == expected
        plain = explain.load_district(District.objects.get(pk=CASCAS), TODAY, WINDOW)
        items = reference.explain_one(*CHLORINATION, plain, TODAY, official).items
        assert {i.id: i.counted for i in items} == {s.pk: adequate[s.pk] for s in counted}
        transaction.set_rollback(True)
