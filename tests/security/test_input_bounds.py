"""Bounded, sane input at every door: text length, control characters, lines per visit, date
ranges and path values, refused by the page, the API, the import and the services alike."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from common.validators import no_control_characters
from jass_registry.models import Jass
from tests.conftest import CASCAS, api_client_for
from tests.factories import JassFactory, WaterSystemFactory
from visits import schedule, services
from visits.models import ChlorineReading, ScheduledVisit, Visit

TWELVE_MB = 12 * 1024 * 1024


@pytest.fixture
def jass(staff_a):
    jass = JassFactory(district_id=CASCAS)
    WaterSystemFactory(jass=jass)
    return jass


def visit_page_data(**overrides) -> dict:
    data = {
        "date": (timezone.localdate() - dt.timedelta(days=2)).isoformat(),
        "kind": "supervision",
        "findings": "Reservorio limpio.",
        "readings-TOTAL_FORMS": "0",
        "readings-INITIAL_FORMS": "0",
        "agreements-TOTAL_FORMS": "0",
        "agreements-INITIAL_FORMS": "0",
    }
    data.update(overrides)
    return data


def visit_api_data(jass, **overrides) -> dict:
    data = {
        "jass": jass.pk,
        "date": (timezone.localdate() - dt.timedelta(days=2)).isoformat(),
        "kind": "supervision",
    }
    data.update(overrides)
    return data


def post_visit_page(client, jass, data):
    url = reverse("visits:create", args=[CASCAS]) + f"?jass={jass.pk}"
    return client.post(url, data)


# --- text length ------------------------------------------------------------------------------


def test_a_12_mb_findings_is_refused_by_the_page_in_spanish_and_nothing_is_written(
    client, staff_a, jass
):
    client.force_login(staff_a)
    response = post_visit_page(client, jass, visit_page_data(findings="x" * TWELVE_MB))
    assert response.status_code == 400
    assert "Solicitud no válida" in response.content.decode()
    assert not Visit.objects.exists()


def test_findings_longer_than_5000_characters_are_refused_by_the_page(client, staff_a, jass):
    client.force_login(staff_a)
    response = post_visit_page(client, jass, visit_page_data(findings="x" * 5001))
    assert "5000" in " ".join(response.context["form"].errors["findings"])
    assert not Visit.objects.exists()


def test_a_12_mb_findings_is_refused_by_the_api_in_spanish_and_nothing_is_written(staff_a, jass):
    body = json.dumps(visit_api_data(jass, findings="x" * TWELVE_MB))
    response = api_client_for(staff_a).post(
        "/api/v1/visits/", body, content_type="application/json"
    )
    assert response.status_code == 400
    assert "supera el tamaño máximo" in response.json()["detail"]
    assert not Visit.objects.exists()


def test_findings_longer_than_5000_characters_are_refused_by_the_api_and_the_service(staff_a, jass):
    response = api_client_for(staff_a).post(
        "/api/v1/visits/", visit_api_data(jass, findings="x" * 5001), format="json"
    )
    assert response.status_code == 400 and "5000" in response.json()["findings"][0]
    with pytest.raises(ValidationError) as refused:
        services.visit_record(
            user=staff_a,
            jass=jass,
            data={"date": timezone.localdate(), "kind": "supervision", "findings": "x" * 5001},
        )
    assert "findings" in refused.value.message_dict
    assert not Visit.objects.exists()


# --- lines per visit ---------------------------------------------------------------------------


def test_two_thousand_readings_in_one_visit_are_refused_by_the_api(staff_a, jass):
    system = jass.water_systems.get()
    readings = [{"water_system": system.pk, "point": "reservoir", "mg_per_l": "0.60"}] * 2000
    response = api_client_for(staff_a).post(
        "/api/v1/visits/", visit_api_data(jass, readings=readings), format="json"
    )
    assert response.status_code == 400 and "readings" in response.json()
    assert not Visit.objects.exists() and not ChlorineReading.objects.exists()


def test_more_readings_than_the_cap_are_refused_by_the_page(client, staff_a, jass):
    system = jass.water_systems.get()
    count = services.MAX_READINGS_PER_VISIT + 1
    data = visit_page_data(**{"readings-TOTAL_FORMS": str(count)})
    for i in range(count):
        data |= {
            f"readings-{i}-water_system": str(system.pk),
            f"readings-{i}-point": "reservoir",
            f"readings-{i}-mg_per_l": "0.60",
        }
    client.force_login(staff_a)
    response = post_visit_page(client, jass, data)
    assert response.status_code == 200 and response.context["readings"].non_form_errors()
    assert not Visit.objects.exists() and not ChlorineReading.objects.exists()


def test_the_service_caps_readings_and_agreements_for_every_door(staff_a, jass):
    system = jass.water_systems.get()
    reading = {"water_system": system.pk, "point": "reservoir", "mg_per_l": "0.60"}
    agreement = {"task": "Limpiar", "responsible": "Operador", "due_on": timezone.localdate()}
    data = {"date": timezone.localdate(), "kind": "supervision"}
    with pytest.raises(ValidationError) as refused:
        services.visit_record(
            user=staff_a,
            jass=jass,
            data=data,
            readings=[reading] * (services.MAX_READINGS_PER_VISIT + 1),
        )
    assert "readings" in refused.value.message_dict
    with pytest.raises(ValidationError) as refused:
        services.visit_record(
            user=staff_a,
            jass=jass,
            data=data,
            agreements=[agreement] * (services.MAX_AGREEMENTS_PER_VISIT + 1),
        )
    assert "agreements" in refused.value.message_dict
    assert not Visit.objects.exists()


# --- dates ---------------------------------------------------------------------------------------


def test_a_visit_dated_0001_01_01_before_2000_or_tomorrow_is_refused(staff_a, jass, client):
    tomorrow = (timezone.localdate() + dt.timedelta(days=1)).isoformat()
    api = api_client_for(staff_a)
    client.force_login(staff_a)
    for day in ["0001-01-01", "1999-12-31", tomorrow]:
        response = api.post("/api/v1/visits/", visit_api_data(jass, date=day), format="json")
        assert response.status_code == 400 and "date" in response.json(), day
        response = post_visit_page(client, jass, visit_page_data(date=day))
        assert response.context["form"].errors["date"], day
    assert not Visit.objects.exists()
    jass.refresh_from_db()
    assert jass.last_visit_on is None


def test_an_agreement_due_more_than_five_years_after_the_visit_is_refused(staff_a, jass):
    today = timezone.localdate()
    with pytest.raises(ValidationError) as refused:
        services.visit_record(
            user=staff_a,
            jass=jass,
            data={"date": today, "kind": "supervision"},
            agreements=[
                {
                    "task": "Limpiar",
                    "responsible": "Operador",
                    "due_on": today + dt.timedelta(days=6 * 366),
                }
            ],
        )
    assert "5 años" in " ".join(refused.value.message_dict["agreements"])


def test_a_jass_recognised_in_the_year_1_is_refused_by_the_api(staff_a):
    response = api_client_for(staff_a).post(
        "/api/v1/jass/",
        {"name": "JASS Nueva", "district": CASCAS, "recognized_on": "0001-01-01"},
        format="json",
    )
    assert response.status_code == 400 and "recognized_on" in response.json()


# --- control characters ------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["Línea 1\nLínea 2", "Línea 1\r\nLínea 2", "con\ttab", "ñandú"])
def test_tab_newline_and_crlf_are_accepted(text):
    no_control_characters(text)


@pytest.mark.parametrize(
    "text", ["a\x00b", "a\x07b", "a\rb", "a\x1bb", "a\x7fb", "a\x85b", "a\ufffeb", "a\ud800b"]
)
def test_control_characters_and_noncharacters_are_refused(text):
    with pytest.raises(ValidationError, match="carácter no permitido"):
        no_control_characters(text)


def test_a_control_character_in_a_jass_name_is_refused_by_the_page(client, staff_a):
    client.force_login(staff_a)
    response = client.post(
        reverse("jass_registry:create", args=[CASCAS]),
        {"name": "JASS \x0b Alto", "kind": "jass", "status": "active"},
    )
    assert "carácter no permitido" in " ".join(response.context["form"].errors["name"])
    assert not Jass.objects.exists()


def test_a_control_character_in_a_jass_name_is_refused_by_the_api(staff_a):
    jass = JassFactory(district_id=CASCAS, name="JASS Alto")
    client = api_client_for(staff_a)
    response = client.post(
        "/api/v1/jass/", {"name": "JASS \x0b Bajo", "district": CASCAS}, format="json"
    )
    assert response.status_code == 400 and "carácter no permitido" in response.json()["name"][0]
    response = client.patch(f"/api/v1/jass/{jass.pk}/", {"name": "JASS\x1b[2J"}, format="json")
    assert response.status_code == 400 and "name" in response.json()
    assert list(Jass.objects.values_list("name", flat=True)) == ["JASS Alto"]


def test_a_control_character_in_a_jass_name_is_refused_by_the_import(client, staff_a):
    content = "Nombre,Tipo,Estado\nJASS \x0b Alto,JASS,Activa\nJASS Bajo,JASS,Activa\n"
    client.force_login(staff_a)
    response = client.post(
        reverse("jass_registry:import", args=[CASCAS]),
        {"file": SimpleUploadedFile("jass.csv", content.encode())},
    )
    preview = response.context["preview"]
    assert [r.line for r in preview.error_rows] == [2]
    assert "carácter no permitido" in " ".join(preview.error_rows[0].errors)
    assert not Jass.objects.exists()


def test_a_control_character_in_visit_findings_is_refused_by_the_api(staff_a, jass):
    response = api_client_for(staff_a).post(
        "/api/v1/visits/", visit_api_data(jass, findings="ok\x08\x08ko"), format="json"
    )
    assert response.status_code == 400 and "findings" in response.json()
    assert not Visit.objects.exists()


# --- paths and the work plan -------------------------------------------------------------------


OUT_OF_RANGE_PATHS = [
    f"/distritos/{CASCAS}/plan/0/",
    f"/distritos/{CASCAS}/plan/1/",
    f"/distritos/{CASCAS}/plan/5000/",
    f"/distritos/{CASCAS}/plan/10000/avance/",
    f"/distritos/{CASCAS}/plan/{10**24}/",
    f"/distritos/{CASCAS}/plan/1999/",
    f"/distritos/{CASCAS}/plan/2099/avance/",
    "/jass/99999999999999999999/",
    "/jass/0/",
    "/visitas/99999999999999999999/editar/",
    "/evaluaciones/99999999999999999999/exportar.csv",
    "/metas/%00/",
    "/distritos/%00/jass/",
]


def test_out_of_range_path_values_answer_404(client, staff_a):
    client.force_login(staff_a)
    answers = {path: client.get(path).status_code for path in OUT_OF_RANGE_PATHS}
    assert {path: status for path, status in answers.items() if status != 404} == {}
    answers = {path: client.post(path).status_code for path in OUT_OF_RANGE_PATHS}
    assert {path: status for path, status in answers.items() if status not in (404, 405)} == {}


@pytest.mark.parametrize("year", [1, 5000, 10**25])
def test_a_work_plan_post_for_an_absurd_year_creates_nothing(client, staff_a, jass, year):
    client.force_login(staff_a)
    response = client.post(
        f"/distritos/{CASCAS}/plan/{year}/", {"jass": jass.pk, "month": "1", "count": "2"}
    )
    assert response.status_code == 404
    assert not ScheduledVisit.objects.exists()


@pytest.mark.parametrize("year", [1, 1999, 5000])
def test_the_month_planning_service_refuses_a_year_outside_2000_to_next_year(staff_a, jass, year):
    with pytest.raises(ValidationError, match="Se programa para un año entre 2000"):
        schedule.scheduled_visits_plan_month(user=staff_a, jass=jass, year=year, month=1, count=2)
    assert not ScheduledVisit.objects.exists()


def test_a_planned_visit_count_in_other_digits_is_refused_not_a_crash(client, staff_a, jass):
    year = timezone.localdate().year
    client.force_login(staff_a)
    response = client.post(
        f"/distritos/{CASCAS}/plan/{year}/", {"jass": jass.pk, "month": "1", "count": "²"}
    )
    assert response.status_code == 200 and response.context["form"].errors["count"]
    assert not ScheduledVisit.objects.exists()


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("date", f"{timezone.localdate().year + 2}-01-01"),
        ("date", "1999-12-31"),
        ("date", "99999-01-01"),
        ("purpose", "x" * 301),
        ("purpose", "Visita\x00"),
        ("staff", "99999999999999999999999"),
    ],
)
def test_a_planned_visit_out_of_bounds_is_refused_at_the_page(client, staff_a, jass, field, value):
    client.force_login(staff_a)
    data = {"jass": jass.pk, "date": timezone.localdate().isoformat(), "purpose": "Cloración"}
    response = client.post(reverse("visits:schedule_create", args=[CASCAS]), {**data, field: value})
    assert response.status_code == 200 and field in response.context["form"].errors
    assert not ScheduledVisit.objects.exists()


def test_a_search_longer_than_100_characters_is_refused_by_the_api(staff_a):
    client = api_client_for(staff_a)
    for path in ["/api/v1/jass/", "/api/v1/districts/"]:
        response = client.get(path, {"q": "ñ" * 101})
        assert response.status_code == 400 and "q" in response.json(), path
        assert client.get(path, {"q": "ñ" * 100}).status_code == 200, path
