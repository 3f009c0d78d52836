"""Recording a visit through the API: the page's rules, per district, read-only for reviewers."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from tests.conftest import CASCAS, api_client_for
from tests.factories import JassFactory, WaterSystemFactory
from tests.visits.conftest import body
from visits.models import Visit
from visits.services import visit_record

# The clock is pinned: the test compares a date it derives from today with the one the server
# stored, and the two reads of "today" must not fall on either side of midnight.
PINNED_NOON = dt.datetime(2026, 6, 15, 12, tzinfo=ZoneInfo("America/Lima"))


@pytest.mark.time_machine(PINNED_NOON, tick=False)
def test_staff_record_a_visit_through_the_api(staff_a, site):
    jass, system = site
    response = api_client_for(staff_a).post("/api/v1/visits/", body(jass, system), format="json")
    assert response.status_code == 201, response.json()
    row = response.json()
    assert row["staff"] == "staff.cascas" and row["readings"][0]["mg_per_l"] == "0.70"
    jass.refresh_from_db()
    assert jass.last_training_on == timezone.localdate() - dt.timedelta(days=1)


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"date": "2999-01-01"}, "date"),
        ({"kind": "fiesta"}, "kind"),
        ({"topics": ["dance"]}, "topics"),
        ({"readings": [{"point": "reservoir", "mg_per_l": "-1"}]}, "readings"),
        ({"readings": [{"point": "reservoir", "mg_per_l": "9.99"}]}, "readings"),
        ({"agreements": [{"task": "x", "responsible": "y"}]}, "agreements"),
        ({"cash_balance": "10.00", "finances_reviewed": False}, "non_field_errors"),
    ],
)
def test_bad_input_gives_400_and_writes_nothing(staff_a, site, overrides, field):
    jass, system = site
    data = body(jass, system, **overrides)
    for reading in data["readings"]:
        reading.setdefault("water_system", system.pk)
    response = api_client_for(staff_a).post("/api/v1/visits/", data, format="json")
    assert response.status_code == 400, response.json()
    assert field in response.json()
    assert not Visit.objects.exists()


def test_a_reading_for_another_jass_system_is_refused(staff_a, site):
    jass, _system = site
    other = WaterSystemFactory(jass=JassFactory(district_id=CASCAS))
    response = api_client_for(staff_a).post("/api/v1/visits/", body(jass, other), format="json")
    assert response.status_code == 400 and "no pertenece a esta JASS" in str(
        response.json()["readings"]
    )
    assert not Visit.objects.exists()


def test_a_visit_to_another_districts_jass_is_not_found(staff_b, site):
    jass, system = site
    response = api_client_for(staff_b).post("/api/v1/visits/", body(jass, system), format="json")
    assert response.status_code == 400 and "jass" in response.json()
    assert not Visit.objects.exists()


def test_reviewers_read_every_visit_and_write_none(staff_a, reviewer, site):
    jass, system = site
    visit = visit_record(
        user=staff_a, jass=jass, data={"date": dt.date(2026, 1, 2), "kind": "training"}
    )
    client = api_client_for(reviewer)
    assert client.get("/api/v1/visits/").json()["count"] == 1
    assert client.post("/api/v1/visits/", body(jass, system), format="json").status_code == 403
    assert client.delete(f"/api/v1/visits/{visit.pk}/").status_code == 403
    assert Visit.objects.count() == 1
