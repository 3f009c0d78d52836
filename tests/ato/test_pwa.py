"""The installable offline app's server side (ato/pwa.py): the manifest, the service worker's
address and headers, the field pages and the district data the phone keeps."""

import json

import pytest
from django.urls import reverse

from ato import pwa
from jass_registry.models import JassStatus
from tests.conftest import CASCAS, LUCMA
from tests.factories import JassFactory, WaterSystemFactory

pytestmark = pytest.mark.django_db


def test_manifest_makes_the_app_installable(client):
    response = client.get("/manifest.webmanifest")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/manifest+json"
    manifest = json.loads(response.content)
    assert manifest["display"] == "standalone"
    assert manifest["start_url"] == "/" and manifest["scope"] == "/"
    assert manifest["lang"] == "es-PE"
    sizes = {icon["sizes"] for icon in manifest["icons"] if icon["type"] == "image/png"}
    assert {"192x192", "512x512"} <= sizes  # what browsers ask of an installable app
    for icon in manifest["icons"]:
        assert client.get(icon["src"]).status_code == 200
    assert manifest["shortcuts"][0]["url"] == "/campo/visita/"


def test_manifest_and_theme_colour_are_on_every_page(client, staff_a):
    client.force_login(staff_a)
    html = client.get(f"/distritos/{CASCAS}/").content.decode()
    assert '<link rel="manifest" href="/manifest.webmanifest">' in html
    assert '<meta name="theme-color"' in html
    assert "/static/js/field/register.js" in html
    # The header's outbox count starts hidden (the script shows it when there is something).
    assert "data-outbox-badge hidden" in html
    assert 'href="/campo/visita/"' in html  # "Registrar visita" for ATM staff


def test_service_worker_at_the_root_with_its_headers(client):
    response = client.get("/sw.js")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/javascript")
    # Checked for updates on every navigation, and allowed to control the whole site.
    assert response["Cache-Control"] == "no-cache"
    assert response["Service-Worker-Allowed"] == "/"
    body = response.content.decode()
    config = json.loads(body.split("\n", 1)[0].removeprefix("self.ATO_SW = ").rstrip(";"))
    assert "/static/js/field/form.js" in config["shell"]
    assert config["offline"] == "/campo/sin-conexion/"
    # Every file of the shell exists: one missing would make the worker's install fail.
    for url in config["shell"]:
        assert client.get(url).status_code == 200, url
    assert 'addEventListener("fetch"' in body


def test_service_worker_version_follows_the_shell(client, settings, monkeypatch):
    settings.DEBUG = True  # the worker is rebuilt on each request
    first = client.get("/sw.js").content.split(b"\n", 1)[0]
    monkeypatch.setattr(pwa, "SHELL_STATIC", [*pwa.SHELL_STATIC[:-1]])
    second = client.get("/sw.js").content.split(b"\n", 1)[0]
    assert first != second  # another shell, another cache name: the old one is deleted


def test_service_worker_is_the_same_for_everyone(client, staff_a):
    anonymous = client.get("/sw.js").content
    client.force_login(staff_a)
    assert client.get("/sw.js").content == anonymous


def test_offline_page_names_nobody(client, staff_a):
    client.force_login(staff_a)
    html = client.get("/campo/sin-conexion/").content.decode()
    assert "Sin conexión" in html
    assert staff_a.username not in html and "Salir" not in html
    assert 'href="/campo/visita/"' in html


def test_field_form_is_for_atm_staff(client, staff_a, reviewer):
    client.force_login(staff_a)
    response = client.get("/campo/visita/", {"jass": "12"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "Agregar medición" in html and "Agregar acuerdo" in html
    assert 'id="reading-row"' in html and 'id="agreement-row"' in html
    assert "Cloro residual libre (mg/L)" in html  # the model's own label
    assert 'id="field-text"' in html  # the script's sentences come from the server
    assert "<script>" not in html  # CSP: no inline script
    client.force_login(reviewer)
    assert client.get("/campo/visita/").status_code == 403


def test_field_form_speaks_english_when_chosen(client, staff_a):
    client.force_login(staff_a)
    client.cookies["django_language"] = "en"
    response = client.get("/campo/visita/")
    assert response.status_code == 200
    text = json.loads(
        response.content.decode()
        .split('id="field-text" type="application/json">')[1]
        .split("</script>")[0]
    )
    assert set(text) >= {"saved_offline", "sign_in", "conflict_help", "keep_server"}


def test_session_gives_a_csrf_token_and_the_offline_urls(client, staff_a, reviewer):
    response = client.get("/campo/sesion.json")
    assert response.status_code == 403 and response.json()["username"] is None
    client.force_login(staff_a)
    body = client.get("/campo/sesion.json").json()
    assert body["username"] == staff_a.username and len(body["csrf_token"]) >= 32
    assert {"/campo/visita/", "/campo/por-enviar/", "/campo/datos.json"} <= set(
        body["offline_urls"]
    )
    client.force_login(reviewer)
    assert client.get("/campo/sesion.json").json()["offline_urls"] == []


def test_offline_urls_skip_names_not_built_yet(staff_a, monkeypatch):
    monkeypatch.setattr(pwa, "OFFLINE_PAGES", ["field_visit", "no_such_page"])
    assert pwa.offline_urls(staff_a) == [reverse("field_visit")]


@pytest.fixture
def cascas_registry(db):
    active = JassFactory(district_id=CASCAS, name="JASS Activa", registry_number="R-1")
    inactive = JassFactory(district_id=CASCAS, name="JASS Inactiva", status=JassStatus.INACTIVE)
    dissolved = JassFactory(district_id=CASCAS, name="JASS Disuelta", status=JassStatus.DISSOLVED)
    lucma = JassFactory(district_id=LUCMA, name="JASS de Lucma")
    in_service = WaterSystemFactory(jass=active, name="Sistema en servicio")
    retired = WaterSystemFactory(jass=active, name="Sistema retirado", retired_on="2020-01-01")
    WaterSystemFactory(jass=dissolved, name="Sistema de disuelta")
    WaterSystemFactory(jass=lucma, name="Sistema de Lucma")
    return {
        "active": active,
        "inactive": inactive,
        "dissolved": dissolved,
        "in_service": in_service,
        "retired": retired,
    }


def test_district_data_is_the_users_own_district(client, staff_a, staff_b, cascas_registry):
    client.force_login(staff_a)
    response = client.get("/campo/datos.json")
    assert response.status_code == 200
    data = response.json()
    assert data["district"]["ubigeo"] == CASCAS and data["generated_at"]
    # JASS that are not dissolved; systems in service of those JASS; nothing of Lucma.
    assert [j["name"] for j in data["jass"]] == ["JASS Activa", "JASS Inactiva"]
    assert data["jass"][0]["registry_number"] == "R-1"
    assert data["water_systems"] == [
        {
            "id": cascas_registry["in_service"].pk,
            "name": "Sistema en servicio",
            "jass": cascas_registry["active"].pk,
        }
    ]
    assert staff_a.username in {s["name"] for s in data["staff"]} or data["staff"]
    assert all(set(s) == {"id", "name"} for s in data["staff"])  # no DNI, phone or email
    # Lucma's staff asking gets Lucma: no parameter reaches another district.
    client.force_login(staff_b)
    other = client.get("/campo/datos.json", {"district": CASCAS, "ubigeo": CASCAS}).json()
    assert other["district"]["ubigeo"] == LUCMA
    assert [j["name"] for j in other["jass"]] == ["JASS de Lucma"]


def test_district_data_is_refused_to_other_roles(client, reviewer, outsider):
    assert client.get("/campo/datos.json").status_code == 403
    for user in (reviewer, outsider):
        client.force_login(user)
        response = client.get("/campo/datos.json")
        assert response.status_code == 403 and response.json()["detail"]


def test_district_data_is_bounded(client, staff_a, monkeypatch):
    monkeypatch.setattr(pwa, "MAX_JASS", 3)
    JassFactory.create_batch(5, district_id=CASCAS)
    client.force_login(staff_a)
    assert len(client.get("/campo/datos.json").json()["jass"]) == 3


def test_pages_answer_get_only(client, staff_a):
    client.force_login(staff_a)
    for path in ("/campo/visita/", "/campo/por-enviar/", "/campo/datos.json", "/sw.js"):
        assert client.post(path).status_code == 405, path
