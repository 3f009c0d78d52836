"""Recording a visit on the page: readings, agreements and summaries in one post; bad input is
explained and nothing is written."""

from decimal import Decimal

import pytest
from django.urls import reverse

from jass_registry.models import WaterSystem
from tests.conftest import CASCAS
from tests.factories import JassFactory, WaterSystemFactory
from tests.visits.conftest import page_data
from visits.models import ChlorineReading, Visit


def test_a_visit_with_two_readings_and_an_agreement_updates_the_summaries(
    client, staff_a, jass_with_system
):
    jass, systems = jass_with_system
    client.force_login(staff_a)
    url = reverse("visits:create", args=[CASCAS]) + f"?jass={jass.pk}"
    assert "Mediciones de cloro residual libre" in client.get(url).content.decode()
    response = client.post(url, page_data(systems))
    visit = Visit.objects.get()
    assert response.status_code == 302 and response.url == reverse("visits:detail", args=[visit.pk])
    assert visit.staff == staff_a and visit.topics == ["chlorination", "finance"]
    assert visit.readings.count() == 2 and visit.agreements.count() == 1
    jass.refresh_from_db()
    system = WaterSystem.objects.get(pk=systems[0].pk)
    assert jass.last_visit_on == visit.date == jass.last_finance_review_on
    assert jass.last_training_on is None
    assert system.last_reading_on == visit.date
    assert system.last_reading_mg_l == Decimal("0.55")  # the later one of the same day
    # judged in the network: the last house's 0.55, not the reservoir's 0.80
    assert (system.network_reading_on, system.network_reading_mg_l) == (visit.date, Decimal("0.55"))


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"date": "2999-01-01"}, "no puede ser posterior a hoy"),
        ({"readings-0-mg_per_l": "-0.1"}, "mayor o igual a 0"),
        ({"readings-0-mg_per_l": "7"}, "menor o igual a 5"),
        ({"readings-0-mg_per_l": "0.555"}, "2 dígitos decimales"),
        ({"agreements-0-due_on": ""}, "Este campo es"),
        ({"cash_balance": "-1"}, "mayor o igual a 0"),
        ({"finances_reviewed": "", "cash_balance": "20"}, "solo si se revisaron las cuentas"),
        ({"kind": "fiesta"}, "Escoja una opción válida"),
    ],
)
def test_bad_input_is_explained_and_nothing_is_written(
    client, staff_a, jass_with_system, overrides, message
):
    jass, systems = jass_with_system
    client.force_login(staff_a)
    url = reverse("visits:create", args=[CASCAS]) + f"?jass={jass.pk}"
    response = client.post(url, page_data(systems, **overrides))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Visit.objects.exists() and not ChlorineReading.objects.exists()
    jass.refresh_from_db()
    assert jass.last_visit_on is None


def test_a_reading_for_another_jass_system_is_refused(client, staff_a, jass_with_system):
    jass, systems = jass_with_system
    other = WaterSystemFactory(jass=JassFactory(district_id=CASCAS))
    client.force_login(staff_a)
    url = reverse("visits:create", args=[CASCAS]) + f"?jass={jass.pk}"
    response = client.post(url, page_data(systems, **{"readings-0-water_system": str(other.pk)}))
    assert "Escoja una opción válida" in response.content.decode()
    assert not Visit.objects.exists()


def test_a_dissolved_jass_cannot_be_visited(client, staff_a):
    jass = JassFactory(district_id=CASCAS, status="dissolved")
    client.force_login(staff_a)
    response = client.get(reverse("visits:create", args=[CASCAS]), {"jass": jass.pk})
    assert "Escoja una opción válida" in response.content.decode()
