"""Shared by the visit tests: a Cascas JASS with one water system, and a valid visit as the
page posts it (`page_data`) and as the API receives it (`body`)."""

import datetime as dt

import pytest
from django.utils import timezone

from tests.conftest import CASCAS
from tests.factories import JassFactory, WaterSystemFactory


def page_data(systems, **overrides):
    today = timezone.localdate()
    data = {
        "date": (today - dt.timedelta(days=2)).isoformat(),
        "kind": "supervision",
        "topics": ["chlorination", "finance"],
        "findings": "Reservorio limpio; falta cloro en la última vivienda.",
        "attendees": "Presidente(a), Tesorero(a)",
        "finances_reviewed": "on",
        "cash_balance": "350.50",
        "readings-TOTAL_FORMS": "2",
        "readings-INITIAL_FORMS": "0",
        "readings-0-water_system": str(systems[0].pk),
        "readings-0-point": "reservoir",
        "readings-0-mg_per_l": "0.80",
        "readings-1-water_system": str(systems[0].pk),
        "readings-1-point": "last_house",
        "readings-1-mg_per_l": "0.55",
        "agreements-TOTAL_FORMS": "1",
        "agreements-INITIAL_FORMS": "0",
        "agreements-0-task": "Comprar hipoclorito",
        "agreements-0-responsible": "Tesorero(a)",
        "agreements-0-due_on": (today + dt.timedelta(days=30)).isoformat(),
    }
    data.update(overrides)
    return data


@pytest.fixture
def jass_with_system(staff_a):
    jass = JassFactory(district_id=CASCAS)
    return jass, [WaterSystemFactory(jass=jass)]


def body(jass, system, **overrides):
    data = {
        "jass": jass.pk,
        "date": str(timezone.localdate() - dt.timedelta(days=1)),
        "kind": "training",
        "topics": ["management", "chlorination"],
        "findings": "Todo en orden",
        "readings": [{"water_system": system.pk, "point": "reservoir", "mg_per_l": "0.70"}],
        "agreements": [{"task": "Clorar", "responsible": "Operador", "due_on": "2027-01-10"}],
    }
    data.update(overrides)
    return data


@pytest.fixture
def site(staff_a):
    jass = JassFactory(district_id=CASCAS)
    return jass, WaterSystemFactory(jass=jass)
