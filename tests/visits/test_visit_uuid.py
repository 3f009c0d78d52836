"""A visit sent by a phone under its own uuid is stored once: a repeat answers 200 with the
stored visit and writes nothing, other content 409 with both versions visible, a voided one 409,
and a visit to a JASS dissolved meanwhile 400 with a code the phone can tell apart."""

import datetime as dt
import uuid as uuid_module

import pytest
from django.db import IntegrityError
from django.test import Client
from django.utils import timezone

from jass_registry.models import ChangeRecord
from jass_registry.services import jass_dissolve
from tests.conftest import CASCAS, LUCMA, api_client_for
from tests.factories import JassFactory, WaterSystemFactory
from tests.visits.conftest import body
from visits import services
from visits.models import Agreement, ChlorineReading, Visit


def field_visit(jass, system, **overrides):
    """A visit as the offline form sends it: three readings, two agreements, its own uuid."""
    today = timezone.localdate()
    data = body(
        jass,
        system,
        uuid=str(uuid_module.uuid4()),
        readings=[
            {"water_system": system.pk, "point": "reservoir", "mg_per_l": "0.8"},
            {"water_system": system.pk, "point": "first_house", "mg_per_l": "0.60"},
            {"water_system": system.pk, "point": "last_house", "mg_per_l": "0.45"},
        ],
        agreements=[
            {"task": "Clorar el reservorio", "responsible": "Operador", "due_on": "2027-01-10"},
            {
                "task": "Rendir cuentas",
                "responsible": "Tesorero(a)",
                "due_on": str(today + dt.timedelta(days=20)),
            },
        ],
    )
    data.update(overrides)
    return data


def test_the_same_send_twice_is_one_visit(staff_a, site):
    jass, system = site
    api = api_client_for(staff_a)
    sent = field_visit(jass, system)
    first = api.post("/api/v1/visits/", sent, format="json")
    assert first.status_code == 201, first.json()
    again = api.post("/api/v1/visits/", sent, format="json")
    assert again.status_code == 200
    assert again.json() == first.json()
    assert again.json()["uuid"] == sent["uuid"]
    assert Visit.objects.count() == 1
    assert ChlorineReading.objects.count() == 3 and Agreement.objects.count() == 2


def test_a_repeat_written_differently_is_still_the_same_visit(staff_a, site):
    """The digest reads the validated content: "0.8" and "0.80", topics in another order."""
    jass, system = site
    api = api_client_for(staff_a)
    sent = field_visit(jass, system)
    assert api.post("/api/v1/visits/", sent, format="json").status_code == 201
    sent["readings"][0]["mg_per_l"] = "0.80"
    sent["topics"] = list(reversed(sent["topics"]))
    assert api.post("/api/v1/visits/", sent, format="json").status_code == 200
    assert Visit.objects.count() == 1


def test_a_repeat_after_an_edit_on_the_web_answers_the_stored_visit(staff_a, site):
    jass, system = site
    api = api_client_for(staff_a)
    sent = field_visit(jass, system)
    created = api.post("/api/v1/visits/", sent, format="json").json()
    visit = Visit.objects.get()
    services.visit_update(user=staff_a, visit=visit, data={"findings": "Corregido en la oficina"})
    again = api.post("/api/v1/visits/", sent, format="json")
    assert again.status_code == 200
    assert again.json()["id"] == created["id"]
    assert again.json()["findings"] == "Corregido en la oficina"  # nothing written back
    assert Visit.objects.count() == 1


def test_other_content_under_the_same_uuid_is_a_conflict_showing_the_stored_one(staff_a, site):
    jass, system = site
    api = api_client_for(staff_a)
    sent = field_visit(jass, system)
    api.post("/api/v1/visits/", sent, format="json")
    changed = {**sent, "findings": "Otra versión escrita en el teléfono"}
    response = api.post("/api/v1/visits/", changed, format="json")
    assert response.status_code == 409
    answer = response.json()
    assert answer["code"] == "visit_conflict"
    assert "Ya se recibió otra versión de esta visita" in answer["detail"]
    assert answer["stored"]["findings"] == "Todo en orden"  # the phone keeps its own too
    assert Visit.objects.get().findings == "Todo en orden"


def test_a_changed_reading_order_is_other_content(staff_a, site):
    jass, system = site
    api = api_client_for(staff_a)
    sent = field_visit(jass, system)
    api.post("/api/v1/visits/", sent, format="json")
    sent["readings"] = list(reversed(sent["readings"]))
    assert api.post("/api/v1/visits/", sent, format="json").status_code == 409


def test_a_voided_visit_sent_again_is_refused_and_not_recorded_again(staff_a, site):
    jass, system = site
    api = api_client_for(staff_a)
    sent = field_visit(jass, system)
    api.post("/api/v1/visits/", sent, format="json")
    services.visit_void(user=staff_a, visit=Visit.objects.get(), reason="Duplicada en papel")
    response = api.post("/api/v1/visits/", sent, format="json")
    assert response.status_code == 409
    assert response.json()["code"] == "visit_voided"
    assert "anulada" in response.json()["detail"]
    assert response.json()["stored"]["voided"] is True
    assert Visit.objects.count() == 1


def test_a_uuid_of_a_visit_the_caller_cannot_read_reveals_nothing(staff_a, staff_b, site):
    jass, system = site
    sent = field_visit(jass, system)
    api_client_for(staff_a).post("/api/v1/visits/", sent, format="json")
    lucma = JassFactory(district_id=LUCMA)
    theirs = field_visit(lucma, WaterSystemFactory(jass=lucma), uuid=sent["uuid"])
    response = api_client_for(staff_b).post("/api/v1/visits/", theirs, format="json")
    assert response.status_code == 409
    assert set(response.json()) == {"detail", "code"}
    assert "Todo en orden" not in response.content.decode()
    assert Visit.objects.count() == 1


def test_without_uuid_the_server_makes_one_and_every_row_shows_it(staff_a, site):
    jass, system = site
    api = api_client_for(staff_a)
    created = api.post("/api/v1/visits/", body(jass, system), format="json").json()
    assert uuid_module.UUID(created["uuid"]).version == 4
    rows = api.get("/api/v1/visits/").json()["results"]
    assert rows[0]["uuid"] == created["uuid"]
    assert Visit.objects.get().submission_digest  # stored for every door


@pytest.mark.parametrize(
    "value", ["not-a-uuid", "00000000-0000-0000-0000-000000000000", str(uuid_module.uuid1())]
)
def test_a_uuid_that_is_not_a_uuid4_is_refused(staff_a, site, value):
    jass, system = site
    response = api_client_for(staff_a).post(
        "/api/v1/visits/", field_visit(jass, system, uuid=value), format="json"
    )
    assert response.status_code == 400 and "uuid" in response.json()
    assert not Visit.objects.exists()


def test_the_uuid_is_not_changed_by_an_edit(staff_a, site):
    jass, system = site
    api = api_client_for(staff_a)
    created = api.post("/api/v1/visits/", field_visit(jass, system), format="json").json()
    other = str(uuid_module.uuid4())
    response = api.patch(f"/api/v1/visits/{created['id']}/", {"uuid": other}, format="json")
    assert response.status_code == 400
    same = api.patch(
        f"/api/v1/visits/{created['id']}/",
        {"uuid": created["uuid"], "findings": "Revisado"},
        format="json",
    )
    assert same.status_code == 200 and same.json()["uuid"] == created["uuid"]


def test_a_visit_to_a_jass_dissolved_meanwhile_is_refused_with_its_code(staff_a, site):
    jass, system = site
    jass_dissolve(user=staff_a, jass=jass, reason="Fusionada con la JASS vecina")
    response = api_client_for(staff_a).post(
        "/api/v1/visits/", field_visit(jass, system), format="json"
    )
    assert response.status_code == 400
    answer = response.json()
    assert answer["code"] == "jass_dissolved"
    day = timezone.localdate(ChangeRecord.objects.get(action="dissolved").at)
    assert answer["jass"] == [
        f"La JASS «{jass.name}» fue disuelta el {day:%d/%m/%Y}: no se registran visitas nuevas. "
        "Consérvela como nota o regístrela en otra JASS."
    ]
    assert not Visit.objects.exists()


def test_a_visit_stored_before_the_dissolution_still_answers_200(staff_a, site):
    jass, system = site
    api = api_client_for(staff_a)
    sent = field_visit(jass, system)
    assert api.post("/api/v1/visits/", sent, format="json").status_code == 201
    jass_dissolve(user=staff_a, jass=jass, reason="Fusionada")
    assert api.post("/api/v1/visits/", sent, format="json").status_code == 200


def test_other_validation_errors_carry_no_code(staff_a, site):
    jass, system = site
    response = api_client_for(staff_a).post(
        "/api/v1/visits/", field_visit(jass, system, kind="fiesta"), format="json"
    )
    assert response.status_code == 400 and "code" not in response.json()


def test_a_browser_session_posts_with_its_csrf_token(staff_a, site):
    jass, system = site
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(staff_a)
    sent = field_visit(jass, system)
    refused = browser.post("/api/v1/visits/", sent, content_type="application/json")
    assert refused.status_code == 403 and not Visit.objects.exists()
    browser.get(f"/distritos/{CASCAS}/visitas/")  # any page sets the csrftoken cookie
    token = browser.cookies["csrftoken"].value
    accepted = browser.post(
        "/api/v1/visits/", sent, content_type="application/json", HTTP_X_CSRFTOKEN=token
    )
    assert accepted.status_code == 201


# --- the service ------------------------------------------------------------------------------


def _content(system):
    return {
        "data": {"date": timezone.localdate(), "kind": "training", "topics": ["finance"]},
        "readings": [{"water_system": system, "point": "reservoir", "mg_per_l": "0.5"}],
        "agreements": [
            {"task": "Clorar", "responsible": "Operador", "due_on": dt.date(2027, 1, 1)}
        ],
    }


def test_the_digest_is_the_same_from_every_door(site):
    jass, system = site
    content = _content(system)
    by_object = services.submission_digest(jass=jass, **content)
    content["readings"][0].update(water_system=system.pk, mg_per_l="0.50")
    content["data"]["date"] = content["data"]["date"].isoformat()
    assert services.submission_digest(jass=jass.pk, **content) == by_object
    content["agreements"][0]["done_on"] = timezone.localdate()
    assert services.submission_digest(jass=jass.pk, **content) != by_object


def test_the_service_answers_a_repeat_without_writing(staff_a, site):
    jass, system = site
    key = uuid_module.uuid4()
    first = services.visit_receive(user=staff_a, jass=jass, uuid=key, **_content(system))
    again = services.visit_receive(user=staff_a, jass=jass, uuid=key, **_content(system))
    assert first.created and not again.created and again.visit.pk == first.visit.pk
    assert Visit.objects.count() == 1 and ChlorineReading.objects.count() == 1


def test_the_loser_of_a_race_answers_as_a_repeat(staff_a, site, monkeypatch):
    """Both sends looked and found nothing; the second insert hits the unique uuid, is rolled
    back to its savepoint and answers with the winner's visit."""
    jass, system = site
    key = uuid_module.uuid4()
    winner = services.visit_receive(user=staff_a, jass=jass, uuid=key, **_content(system))
    real_filter = Visit.objects.filter
    looked = []

    def blind_first_look(*args, **kwargs):
        queryset = real_filter(*args, **kwargs)
        if kwargs.get("uuid") == key and not looked:
            looked.append(True)
            return queryset.none()  # as if the winner had not committed yet
        return queryset

    monkeypatch.setattr(Visit.objects, "filter", blind_first_look)
    loser = services.visit_receive(user=staff_a, jass=jass, uuid=key, **_content(system))
    assert looked and not loser.created and loser.visit.pk == winner.visit.pk
    assert real_filter(uuid=key).count() == 1 and ChlorineReading.objects.count() == 1


def test_an_integrity_error_not_about_the_uuid_is_not_hidden(staff_a, site, monkeypatch):
    jass, system = site

    def broken(*args, **kwargs):
        raise IntegrityError("something else")

    monkeypatch.setattr(services, "_visit_create", broken)
    with pytest.raises(IntegrityError):
        services.visit_receive(
            user=staff_a, jass=jass, uuid=uuid_module.uuid4(), **_content(system)
        )
