import datetime as dt

import pytest
from django.utils import timezone

from service_grades import services
from tests.conftest import CASCAS, LUCMA
from tests.factories import BoardTermFactory, JassFactory, WaterSystemFactory
from visits import services as visit_services

TODAY = timezone.localdate()

GOOD = {
    "source_intake": "good",
    "conduction": "good",
    "treatment": "not_applicable",
    "storage": "good",
    "distribution": "good",
    "hours_dry": 24,
    "hours_rainy": 24,
    "associates": 120,
    "associates_paid": 120,
}


def visit(user, jass, *, days_ago=3, readings=(), **data):
    return visit_services.visit_record(
        user=user,
        jass=jass,
        data={"date": TODAY - dt.timedelta(days=days_ago), "kind": "supervision", **data},
        readings=list(readings),
    )


def last_house(system, mg="0.60"):
    return {"water_system": system.pk, "point": "last_house", "mg_per_l": mg}


@pytest.fixture
def graded(staff_a):
    """A Cascas JASS with a current, trained board, two water systems: "Gravedad Alto" assessed
    in good condition with 0.60 mg/L at the last house (A), "Gravedad Bajo" never assessed."""
    jass = JassFactory(district_id=CASCAS, name="JASS Santa Rosa")
    BoardTermFactory(jass=jass)
    alto = WaterSystemFactory(jass=jass, name="Gravedad Alto")
    bajo = WaterSystemFactory(jass=jass, name="Gravedad Bajo")
    v = visit(staff_a, jass, kind="training", finances_reviewed=True, readings=[last_house(alto)])
    assessment = services.assessment_record(user=staff_a, visit=v, water_system=alto, data=GOOD)
    return {"jass": jass, "alto": alto, "bajo": bajo, "visit": v, "assessment": assessment}


@pytest.fixture
def lucma_jass(staff_b):
    jass = JassFactory(district_id=LUCMA, name="JASS Lucma")
    system = WaterSystemFactory(jass=jass, name="Sistema Lucma")
    return jass, system, visit(staff_b, jass)
