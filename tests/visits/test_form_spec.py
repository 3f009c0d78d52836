"""GET /api/v1/visits/form-spec/: the offline form checks a visit with the server's own limits,
choices and Spanish messages, so a visit refused on the phone reads as it would online."""

import datetime as dt

import pytest

from tests.conftest import api_client_for
from tests.visits.conftest import body
from visits import services


def interpolate(template: str, **params) -> str:
    """What the phone does with a template: `%(name)d` / `%(name)s` replaced."""
    return template % params


@pytest.fixture
def spec(staff_a):
    response = api_client_for(staff_a).get("/api/v1/visits/form-spec/")
    assert response.status_code == 200
    return response.json()


def test_the_spec_has_the_services_limits_and_choices(spec):
    assert spec["max_readings"] == services.MAX_READINGS_PER_VISIT == 30
    assert spec["max_agreements"] == services.MAX_AGREEMENTS_PER_VISIT == 20
    assert spec["max_attachments"] == services.MAX_ATTACHMENTS_PER_VISIT
    assert spec["agreement_max_years_ahead"] == 5
    assert spec["mg_per_l"] == {"min": 0, "max": 5, "step": "0.01"}
    assert ["last_house", "Última vivienda"] in spec["points"]
    assert ["training", "Capacitación"] in spec["kinds"]
    assert ["chlorination", "Cloración"] in spec["topics"]
    assert spec["lengths"]["task"] == 300 and spec["lengths"]["findings"] == 5000
    assert spec["upload"]["types"] == ["application/pdf", "image/jpeg", "image/png"]


def test_too_many_readings_reads_the_same_on_the_phone_and_on_the_server(staff_a, site, spec):
    jass, system = site
    readings = [{"water_system": system.pk, "point": "reservoir", "mg_per_l": "0.5"}] * 31
    response = api_client_for(staff_a).post(
        "/api/v1/visits/", body(jass, system, readings=readings), format="json"
    )
    assert response.status_code == 400
    expected = interpolate(spec["messages"]["too_many_readings"], n=spec["max_readings"])
    assert expected == "Una visita tiene a lo más 30 mediciones de cloro."
    assert expected in str(response.json()["readings"])


def test_a_reading_above_5_reads_the_same(staff_a, site, spec):
    jass, system = site
    readings = [{"water_system": system.pk, "point": "reservoir", "mg_per_l": "5.01"}]
    response = api_client_for(staff_a).post(
        "/api/v1/visits/", body(jass, system, readings=readings), format="json"
    )
    assert response.status_code == 400
    # The serializer refuses it first with the model validator's message: the spec's.
    assert spec["messages"]["mg_per_l_max"] in str(response.json()["readings"])


def test_a_due_date_too_far_reads_the_same(staff_a, site, spec):
    jass, system = site
    agreements = [{"task": "Clorar", "responsible": "Operador", "due_on": "2099-01-01"}]
    response = api_client_for(staff_a).post(
        "/api/v1/visits/", body(jass, system, agreements=agreements), format="json"
    )
    expected = interpolate(spec["messages"]["agreement_due_too_late"], n=1, y=5)
    assert response.json()["agreements"] == [expected]


def test_a_done_date_before_the_visit_reads_the_same(staff_a, site, spec):
    jass, system = site
    data = body(jass, system)
    visit_day = dt.date.fromisoformat(data["date"])
    data["agreements"][0]["done_on"] = str(visit_day - dt.timedelta(days=3))
    response = api_client_for(staff_a).post("/api/v1/visits/", data, format="json")
    done = interpolate(spec["messages"]["done_before_visit"], date=f"{visit_day:%d/%m/%Y}")
    expected = interpolate(spec["messages"]["agreement_row"], n=1, e=done)
    assert response.json()["agreements"] == [expected]


def test_the_messages_follow_the_language(staff_a):
    english = api_client_for(staff_a).get("/api/v1/visits/form-spec/", HTTP_ACCEPT_LANGUAGE="en")
    spanish = api_client_for(staff_a).get("/api/v1/visits/form-spec/")
    assert english.status_code == spanish.status_code == 200
    assert set(english.json()["messages"]) == set(spanish.json()["messages"])


@pytest.mark.parametrize(("who", "status"), [("reviewer", 200), ("outsider", 403), (None, 401)])
def test_who_reads_the_spec(personas, who, status):
    user = personas[who] if who else None
    assert api_client_for(user).get("/api/v1/visits/form-spec/").status_code == status
