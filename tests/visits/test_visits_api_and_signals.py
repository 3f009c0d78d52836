import datetime as dt

import pytest
from django.core.management import call_command
from django.utils import timezone

from jass_registry.models import Jass
from jass_registry.risk import signal_codes, signals_of, with_risk
from tests.conftest import api_client_for
from tests.factories import JassFactory, WaterSystemFactory
from visits.models import Visit
from visits.services import visit_record

CASCAS = "131101"


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


def test_patch_and_delete_which_voids_keep_the_summaries_right(staff_a, site):
    jass, system = site
    api = api_client_for(staff_a)
    first = api.post("/api/v1/visits/", body(jass, system, date="2026-01-10"), format="json").json()
    second = api.post(
        "/api/v1/visits/", body(jass, system, date="2026-03-10", kind="supervision"), format="json"
    ).json()
    api.patch(f"/api/v1/visits/{second['id']}/", {"date": "2026-02-01"}, format="json")
    jass.refresh_from_db()
    assert jass.last_visit_on == dt.date(2026, 2, 1)
    assert api.delete(f"/api/v1/visits/{second['id']}/").status_code == 204
    jass.refresh_from_db()
    assert jass.last_visit_on == dt.date(2026, 1, 10) == jass.last_training_on
    assert Visit.objects.valid().get().pk == first["id"]
    assert Visit.objects.count() == 2  # the voided one is kept


def visit_signals(jass, today):
    annotated = with_risk(Jass.objects.filter(pk=jass.pk), today).get()
    return [c for c in signal_codes(annotated) if not c.startswith("board")], annotated


def test_visit_signals_fire_and_clear(staff_a):
    today = timezone.localdate()
    jass = JassFactory(district_id=CASCAS)
    system = WaterSystemFactory(jass=jass)
    codes, annotated = visit_signals(jass, today)
    assert codes == ["chlorine", "no_finance_review", "no_recent_visit"]
    assert (
        "No hay visitas registradas"
        in [s.reason for s in signals_of(annotated) if s.code == "no_recent_visit"][0]
    )
    visit_record(
        user=staff_a,
        jass=jass,
        data={
            "date": today - dt.timedelta(days=3),
            "kind": "supervision",
            "finances_reviewed": True,
        },
        readings=[
            {"water_system": system.pk, "point": "reservoir", "mg_per_l": "0.60"},
            {"water_system": system.pk, "point": "last_house", "mg_per_l": "0.50"},
        ],
    )
    assert visit_signals(jass, today)[0] == []
    # A later reading under 0.2 mg/L fires the chlorine signal again.
    visit_record(
        user=staff_a,
        jass=jass,
        data={"date": today - dt.timedelta(days=1), "kind": "follow_up"},
        readings=[{"water_system": system.pk, "point": "last_house", "mg_per_l": "0.10"}],
    )
    assert visit_signals(jass, today)[0] == ["chlorine"]
    # 61 days later with no adequate reading, 181 days with no visit, 366 without finance review.
    assert visit_signals(jass, today + dt.timedelta(days=200))[0] == ["chlorine", "no_recent_visit"]
    assert visit_signals(jass, today + dt.timedelta(days=400))[0] == [
        "chlorine",
        "no_finance_review",
        "no_recent_visit",
    ]


def test_retired_systems_do_not_raise_the_chlorine_signal(staff_a):
    jass = JassFactory(district_id=CASCAS)
    WaterSystemFactory(jass=jass, retired_on=dt.date(2025, 1, 1))
    assert "chlorine" not in visit_signals(jass, timezone.localdate())[0]


def test_the_district_page_lists_the_worst_first(client, staff_a):
    today = timezone.localdate()
    worst = JassFactory(district_id=CASCAS, name="JASS Peor")
    WaterSystemFactory(jass=worst)
    better = JassFactory(
        district_id=CASCAS, name="JASS Mejor", last_visit_on=today, last_finance_review_on=today
    )
    JassFactory(district_id=CASCAS, name="JASS Disuelta", status="dissolved")
    client.force_login(staff_a)
    response = client.get(f"/distritos/{CASCAS}/")
    names = [j.name for j in response.context["at_risk"]]
    assert names == ["JASS Peor", "JASS Mejor"]
    assert "No hay visitas registradas" in response.content.decode()
    assert better.pk


def test_the_rebuild_command_restores_tampered_summaries(staff_a, site):
    jass, system = site
    visit_record(user=staff_a, jass=jass, data={"date": dt.date(2026, 1, 5), "kind": "training"})
    Jass.objects.filter(pk=jass.pk).update(last_visit_on=None, last_training_on=dt.date(2020, 1, 1))
    call_command("rebuild_summaries", stdout=open("/dev/null", "w"))  # noqa: SIM115
    jass.refresh_from_db()
    assert jass.last_visit_on == jass.last_training_on == dt.date(2026, 1, 5)
