import datetime as dt
import logging

import pytest
from django.utils import timezone

from jass_registry.models import BoardTerm, ChangeRecord, Jass, WaterSystem
from tests.conftest import api_client_for
from tests.factories import BoardMemberFactory, BoardTermFactory, JassFactory, WaterSystemFactory

CASCAS, LUCMA = "131101", "131102"


def new_jass(**overrides):
    body = {
        "name": "JASS Santa Rosa",
        "kind": "jass",
        "district": CASCAS,
        "registry_number": "015-2024",
        "recognition_resolution": "R.A. 120-2024",
        "recognized_on": "2024-05-17",
        "associates": 85,
        "monthly_fee": "2.50",
    }
    body.update(overrides)
    return body


def test_the_list_rows_carry_the_contract_fields(staff_a):
    JassFactory(district_id=CASCAS, name="JASS Uno", monthly_fee="2.50")
    row = api_client_for(staff_a).get("/api/v1/jass/").json()["results"][0]
    for field in [
        "id",
        "name",
        "kind",
        "district",
        "status",
        "registry_number",
        "recognition_resolution",
        "recognized_on",
        "associates",
        "monthly_fee",
        "risk_signals",
    ]:
        assert field in row
    assert row["district"] == CASCAS and row["monthly_fee"] == "2.50"
    assert row["risk_signals"] == ["board_missing", "no_finance_review", "no_recent_visit"]


def test_staff_list_only_their_district_and_reviewers_all(staff_a, reviewer):
    JassFactory(district_id=CASCAS)
    JassFactory(district_id=LUCMA)
    assert {
        r["district"] for r in api_client_for(staff_a).get("/api/v1/jass/").json()["results"]
    } == {CASCAS}
    assert api_client_for(reviewer).get("/api/v1/jass/").json()["count"] == 2


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"status": "inactive"}, ["JASS Dormida"]),
        # An inactive JASS raises no signal.
        ({"at_risk": "true"}, ["JASS Sin Directiva"]),
        ({"at_risk": "false"}, ["JASS Al Día", "JASS Dormida"]),
        ({"department": "13", "q": "al dia"}, ["JASS Al Día"]),
        ({"district": LUCMA}, []),
    ],
)
def test_filters(reviewer, params, expected):
    recent = timezone.localdate() - dt.timedelta(days=10)
    ok = JassFactory(
        district_id=CASCAS,
        name="JASS Al Día",
        last_training_on=recent,
        last_visit_on=recent,
        last_finance_review_on=recent,
    )
    BoardTermFactory(jass=ok)
    JassFactory(district_id=CASCAS, name="JASS Sin Directiva")
    dormant = JassFactory(district_id=CASCAS, name="JASS Dormida", status="inactive")
    BoardTermFactory(jass=dormant, starts_on=dt.date(2020, 1, 1), ends_on=dt.date(2021, 1, 1))
    response = api_client_for(reviewer).get("/api/v1/jass/", params | {"ordering": "name"})
    assert [r["name"] for r in response.json()["results"]] == expected


def test_staff_create_a_jass_in_their_district(staff_a):
    response = api_client_for(staff_a).post("/api/v1/jass/", new_jass(), format="json")
    assert response.status_code == 201, response.json()
    assert "board_missing" in response.json()["risk_signals"]
    jass = Jass.objects.get()
    assert ChangeRecord.objects.get().user == staff_a and jass.name_search == "jass santa rosa"


def test_mass_assignment_to_another_district_is_rejected(staff_a):
    response = api_client_for(staff_a).post(
        "/api/v1/jass/", new_jass(district=LUCMA), format="json"
    )
    assert response.status_code == 400 and "district" in response.json()
    assert not Jass.objects.exists()


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("recognized_on", "2999-01-01"),
        ("associates", -1),
        ("monthly_fee", "-1.00"),
        ("monthly_fee", "2.555"),
        ("latitude", "12.5"),
        ("longitude", "-50.0"),
        ("kind", "club"),
        ("status", "dissolved"),
        ("name", ""),
        ("district", "999999"),
    ],
)
def test_bad_input_gives_400_on_the_field_and_writes_nothing(staff_a, field, value):
    response = api_client_for(staff_a).post(
        "/api/v1/jass/", new_jass(**{field: value}), format="json"
    )
    assert response.status_code == 400
    assert field in response.json()
    assert not Jass.objects.exists() and not ChangeRecord.objects.exists()


def test_a_duplicate_registry_number_is_a_400_on_that_field(staff_a):
    JassFactory(district_id=CASCAS, registry_number="015-2024")
    response = api_client_for(staff_a).post("/api/v1/jass/", new_jass(), format="json")
    assert response.status_code == 400
    assert "N.° de inscripción" in response.json()["registry_number"][0]


def test_patch_updates_and_records_the_change(staff_a):
    jass = JassFactory(district_id=CASCAS, associates=10)
    response = api_client_for(staff_a).patch(
        f"/api/v1/jass/{jass.pk}/", {"associates": 12}, format="json"
    )
    assert response.status_code == 200 and response.json()["associates"] == 12
    assert ChangeRecord.objects.get(action="updated").changes == {"associates": [10, 12]}


def test_delete_dissolves_and_keeps_the_row(staff_a):
    jass = JassFactory(district_id=CASCAS)
    assert api_client_for(staff_a).delete(f"/api/v1/jass/{jass.pk}/").status_code == 204
    jass.refresh_from_db()
    assert jass.status == "dissolved"


@pytest.mark.parametrize("method", ["get", "patch", "delete"])
def test_another_districts_staff_get_404_and_the_row_is_unchanged(staff_b, method):
    jass = JassFactory(district_id=CASCAS, name="JASS Intacta")
    client = api_client_for(staff_b)
    response = getattr(client, method)(
        f"/api/v1/jass/{jass.pk}/", {"name": "Tomada"}, format="json"
    )
    assert response.status_code == 404
    jass.refresh_from_db()
    assert (jass.name, jass.status) == ("JASS Intacta", "active")


def test_reviewers_read_without_personal_data_and_cannot_write(reviewer, staff_a):
    jass = JassFactory(district_id=CASCAS)
    term = BoardTermFactory(jass=jass)
    BoardMemberFactory(term=term, dni="41234567", phone="987654321")
    client = api_client_for(reviewer)
    body = client.get(f"/api/v1/jass/{jass.pk}/").json()
    member = body["current_board"]["members"][0]
    assert member["full_name"] and "dni" not in member and "phone" not in member
    assert "41234567" not in client.get("/api/v1/board-terms/").content.decode()
    assert client.post("/api/v1/jass/", new_jass(), format="json").status_code == 403
    assert client.patch(f"/api/v1/jass/{jass.pk}/", {"name": "x"}, format="json").status_code == 403
    assert client.delete(f"/api/v1/jass/{jass.pk}/").status_code == 403
    own = api_client_for(staff_a).get(f"/api/v1/jass/{jass.pk}/").json()
    assert own["current_board"]["members"][0]["dni"] == "41234567"


def test_board_terms_are_started_through_the_api(staff_a, caplog):
    jass = JassFactory(district_id=CASCAS)
    body = {
        "jass": jass.pk,
        "starts_on": "2026-01-15",
        "ends_on": "2028-01-14",
        "members": [
            {"role": "president", "full_name": "Doris Alvarado", "dni": "41234567", "sex": "F"},
            {"role": "treasurer", "full_name": "Elena Cruz", "dni": "41234569"},
        ],
    }
    with caplog.at_level(logging.DEBUG):
        response = api_client_for(staff_a).post("/api/v1/board-terms/", body, format="json")
        bad = api_client_for(staff_a).post(
            "/api/v1/board-terms/", body | {"members": body["members"][:1]}, format="json"
        )
    assert response.status_code == 201, response.json()
    assert response.json()["members"][0]["dni"] == "41234567"
    assert bad.status_code == 400 and "tesorero" in str(bad.json()["members"])
    assert "41234567" not in caplog.text  # no DNI in log lines
    assert BoardTerm.objects.count() == 1


def test_a_board_for_another_districts_jass_is_rejected(staff_b):
    jass = JassFactory(district_id=CASCAS)
    body = {"jass": jass.pk, "starts_on": "2026-01-15", "ends_on": "2028-01-14", "members": []}
    response = api_client_for(staff_b).post("/api/v1/board-terms/", body, format="json")
    assert response.status_code == 400 and "jass" in response.json()
    assert not BoardTerm.objects.exists()


def test_water_systems_through_the_api(staff_a, staff_b):
    jass = JassFactory(district_id=CASCAS)
    client = api_client_for(staff_a)
    response = client.post(
        "/api/v1/water-systems/",
        {
            "jass": jass.pk,
            "name": "Sistema A",
            "system_type": "gravity_untreated",
            "chlorination": "drip",
            "condition": "good",
            "households": 40,
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    system_id = response.json()["id"]
    response = client.patch(
        f"/api/v1/water-systems/{system_id}/", {"retired_on": "2026-02-01"}, format="json"
    )
    assert response.json()["retired_on"] == "2026-02-01"
    assert api_client_for(staff_b).get(f"/api/v1/water-systems/{system_id}/").status_code == 404
    other = api_client_for(staff_b).patch(
        f"/api/v1/water-systems/{system_id}/", {"name": "x"}, format="json"
    )
    assert other.status_code == 404
    assert WaterSystem.objects.get().name == "Sistema A"
    bad = client.post(
        "/api/v1/water-systems/", {"jass": jass.pk, "name": "B", "built_year": 1200}, format="json"
    )
    assert bad.status_code == 400 and "built_year" in bad.json()


def test_a_water_system_cannot_be_created_for_another_districts_jass(staff_b):
    jass = JassFactory(district_id=CASCAS)
    response = api_client_for(staff_b).post(
        "/api/v1/water-systems/", {"jass": jass.pk, "name": "Intruso"}, format="json"
    )
    assert response.status_code == 400 and "jass" in response.json()
    assert not WaterSystemFactory._meta.model.objects.exists()
