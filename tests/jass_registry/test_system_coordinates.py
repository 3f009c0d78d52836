"""A water system's coordinates (for the district map): written by the edit form and the API with
the model's own bounds (inside Peru), kept in the JASS's change history."""

from decimal import Decimal

from django.urls import reverse

from jass_registry.models import ChangeRecord, WaterSystem
from tests.conftest import CASCAS, api_client_for
from tests.factories import JassFactory, WaterSystemFactory

FORM = {
    "name": "Sistema Casmiche",
    "system_type": "gravity_untreated",
    "chlorination": "drip",
    "condition": "good",
}


def test_the_form_writes_a_systems_point_and_the_history_keeps_it(client, staff_a):
    system = WaterSystemFactory(jass=JassFactory(district_id=CASCAS))
    client.force_login(staff_a)
    form = client.get(reverse("jass_registry:system_edit", args=[system.pk])).content.decode()
    assert 'name="latitude"' in form and 'name="longitude"' in form
    response = client.post(
        reverse("jass_registry:system_edit", args=[system.pk]),
        {**FORM, "latitude": "-7.481234", "longitude": "-78.821234"},
    )
    assert response.status_code == 302
    system.refresh_from_db()
    assert (system.latitude, system.longitude) == (Decimal("-7.481234"), Decimal("-78.821234"))
    change = ChangeRecord.objects.filter(action=ChangeRecord.Action.SYSTEM_UPDATED).get()
    assert change.changes["latitude"] == [None, "-7.481234"]


def test_a_point_outside_peru_is_refused_in_spanish(client, staff_a):
    system = WaterSystemFactory(jass=JassFactory(district_id=CASCAS))
    client.force_login(staff_a)
    response = client.post(
        reverse("jass_registry:system_edit", args=[system.pk]),
        {**FORM, "latitude": "40.5", "longitude": "-78.8"},
    )
    assert response.status_code == 200
    assert "La latitud debe estar dentro del Perú" in response.content.decode()
    system.refresh_from_db()
    assert system.latitude is None


def test_the_api_reads_and_writes_a_systems_point_within_peru(staff_a):
    jass = JassFactory(district_id=CASCAS)
    client = api_client_for(staff_a)
    created = client.post(
        "/api/v1/water-systems/",
        {"jass": jass.pk, "name": "Sistema A", "latitude": "-7.48", "longitude": "-78.82"},
        format="json",
    )
    assert created.status_code == 201, created.json()
    body = created.json()
    assert (body["latitude"], body["longitude"]) == ("-7.480000", "-78.820000")
    bad = client.patch(
        f"/api/v1/water-systems/{body['id']}/", {"longitude": "-60.0"}, format="json"
    )
    assert bad.status_code == 400 and "longitude" in bad.json()
    assert WaterSystem.objects.get().longitude == Decimal("-78.820000")
