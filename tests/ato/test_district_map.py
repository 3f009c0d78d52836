"""The district map (issue 13, part 5): `distritos/<ubigeo>/mapa/` and its `mapa.json`.

The JSON holds the district's outline (a polygon, or its capital when the 2007 boundaries have
none) and its JASS and water systems with coordinates, each with its level (none, one, two or
more signals; inactive) and its signals in words; the page lists what has no coordinates with a
link to complete it. Another district's map is 404, for the page and the JSON alike."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from jass_registry.models import Condition, JassStatus
from tests.conftest import CASCAS
from tests.factories import BoardTermFactory, JassFactory, WaterSystemFactory

pytestmark = pytest.mark.django_db

LAT, LON = Decimal("-7.480000"), Decimal("-78.820000")
NEW_DISTRICT = "150137"  # Santa Anita: a null geometry in the boundaries, a point instead


def data_url(ubigeo=CASCAS):
    return reverse("district_map_data", args=[ubigeo])


def page_url(ubigeo=CASCAS):
    return reverse("district_map", args=[ubigeo])


def healthy_jass(**kwargs):
    """An active JASS no signal fires for: a current, trained board, recent visit and finance
    review, no water system."""
    today = timezone.localdate()
    jass = JassFactory(
        latitude=LAT,
        longitude=LON,
        **kwargs,
    )
    BoardTermFactory(jass=jass, starts_on=today - dt.timedelta(days=30))
    type(jass).objects.filter(pk=jass.pk).update(
        last_visit_on=today, last_training_on=today, last_finance_review_on=today
    )
    return jass


def get_json(client, user, ubigeo=CASCAS):
    client.force_login(user)
    response = client.get(data_url(ubigeo))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    return response.json()


def test_the_json_has_the_districts_outline_and_its_points(client, staff_a):
    ok = healthy_jass(name="JASS Sana")
    risky = JassFactory(name="JASS Olvidada", latitude=LAT, longitude=LON)  # no board, no visit
    WaterSystemFactory(
        jass=ok,
        name="Sistema Bueno",
        latitude=LAT,
        longitude=LON,
        network_reading_on=timezone.localdate(),
        network_reading_mg_l=Decimal("0.70"),
    )
    data = get_json(client, staff_a)
    assert data["district"] == {"ubigeo": CASCAS, "name": "Cascas"}
    assert data["outline"]["properties"]["kind"] == "polygon"
    assert data["outline"]["geometry"]["type"] in ("Polygon", "MultiPolygon")
    # Longitude, latitude (GeoJSON order) around Cascas.
    lon, lat = data["outline"]["geometry"]["coordinates"][0][0]
    assert -79.2 < lon < -78.5 and -7.8 < lat < -7.2
    by_name = {j["name"]: j for j in data["jass"]}
    assert by_name["JASS Sana"]["signals"] == []
    assert by_name["JASS Sana"]["level"] == "ok"
    assert by_name["JASS Olvidada"]["level"] == "many"
    # A JASS's signals by code, their words once in `labels` (the district page's words).
    assert "board_missing" in by_name["JASS Olvidada"]["signals"]
    assert data["labels"]["signals"]["board_missing"] == "Sin consejo directivo registrado"
    assert by_name["JASS Olvidada"]["status"] == "active"
    assert data["labels"]["statuses"]["active"] == "Activa"
    assert by_name["JASS Olvidada"]["url"] == reverse("jass_registry:detail", args=[risky.pk])
    assert (by_name["JASS Sana"]["lat"], by_name["JASS Sana"]["lon"]) == (-7.48, -78.82)
    (system,) = data["systems"]
    assert system["name"] == "Sistema Bueno" and system["jass"] == "JASS Sana"
    assert system["url"] == reverse("jass_registry:detail", args=[ok.pk])
    assert system["chart_url"].endswith("/cloro/")
    assert data["truncated"] == {"jass": False, "systems": False}


def test_a_systems_signals_are_its_network_chlorine_and_its_condition(client, staff_a):
    jass = healthy_jass()
    today = timezone.localdate()
    good = WaterSystemFactory(jass=jass, name="A bueno", latitude=LAT, longitude=LON)
    never = WaterSystemFactory(
        jass=jass, name="B sin medir", latitude=LAT, longitude=LON, condition=Condition.POOR
    )
    low = WaterSystemFactory(jass=jass, name="C bajo", latitude=LAT, longitude=LON)
    type(good).objects.filter(pk__in=[good.pk]).update(
        network_reading_on=today, network_reading_mg_l=Decimal("0.80")
    )
    type(low).objects.filter(pk=low.pk).update(
        network_reading_on=today - dt.timedelta(days=3), network_reading_mg_l=Decimal("0.30")
    )
    systems = {s["name"]: s for s in get_json(client, staff_a)["systems"]}
    assert systems["A bueno"]["level"] == "ok" and systems["A bueno"]["signals"] == []
    assert systems["B sin medir"]["level"] == "many"
    assert systems["B sin medir"]["signals"] == [
        "Cloración insuficiente: sin medición en la red en 60 días",
        "Estado: Malo",
    ]
    assert never.pk == systems["B sin medir"]["id"]
    assert systems["C bajo"]["level"] == "one"
    day = (today - dt.timedelta(days=3)).strftime("%d/%m/%Y")
    assert systems["C bajo"]["signals"] == [
        f"Cloración insuficiente: 0.30 mg/L el {day} (menos de 0.5)"
    ]


def test_inactive_jass_are_grey_dissolved_and_retired_are_left_off(client, staff_a):
    JassFactory(name="Inactiva", status=JassStatus.INACTIVE, latitude=LAT, longitude=LON)
    gone = JassFactory(name="Disuelta", status=JassStatus.DISSOLVED, latitude=LAT, longitude=LON)
    WaterSystemFactory(jass=gone, latitude=LAT, longitude=LON)
    WaterSystemFactory(
        jass=healthy_jass(), latitude=LAT, longitude=LON, retired_on=timezone.localdate()
    )
    data = get_json(client, staff_a)
    levels = {j["name"]: j["level"] for j in data["jass"]}
    assert levels.pop("Inactiva") == "inactive"
    assert "Disuelta" not in levels
    assert data["systems"] == []


def test_points_without_coordinates_are_listed_on_the_page_with_a_link_to_complete_them(
    client, staff_a
):
    placed = healthy_jass(name="Con punto")
    unplaced = JassFactory(name="Sin punto")
    system = WaterSystemFactory(jass=placed, name="Captación sin punto")
    data = get_json(client, staff_a)
    assert [j["name"] for j in data["jass"]] == ["Con punto"]
    assert data["systems"] == []
    page = client.get(page_url())
    assert page.status_code == 200
    html = page.content.decode()
    assert "JASS sin coordenadas" in html and "Sistemas sin coordenadas" in html
    # The district's staff get the edit forms.
    assert reverse("jass_registry:edit", args=[unplaced.pk]) in html
    assert reverse("jass_registry:system_edit", args=[system.pk]) in html
    assert page.context["missing"]["jass_total"] == 1
    assert page.context["missing"]["systems_total"] == 1
    assert data_url() in html  # the map reads its points from mapa.json


def test_a_reviewer_reads_the_map_and_gets_links_to_the_jass_not_the_forms(client, reviewer):
    unplaced = JassFactory(name="Sin punto")
    system = WaterSystemFactory(jass=unplaced, name="Sistema sin punto")
    client.force_login(reviewer)
    html = client.get(page_url()).content.decode()
    assert reverse("jass_registry:edit", args=[unplaced.pk]) not in html
    assert reverse("jass_registry:system_edit", args=[system.pk]) not in html
    assert reverse("jass_registry:detail", args=[unplaced.pk]) in html
    assert client.get(data_url()).status_code == 200


def test_a_district_without_a_polygon_is_drawn_at_its_capital_and_the_page_says_so(
    client, reviewer
):
    data = get_json(client, reviewer, NEW_DISTRICT)
    outline = data["outline"]
    assert outline["geometry"]["type"] == "Point"
    assert outline["properties"]["kind"] in ("capital", "province")
    html = client.get(page_url(NEW_DISTRICT)).content.decode()
    assert "Se dibuja un círculo en su capital" in html


def test_another_districts_map_and_points_are_not_found(client, staff_b, outsider):
    healthy_jass()
    for user in (staff_b, outsider):
        client.force_login(user)
        assert client.get(page_url()).status_code == 404
        assert client.get(data_url()).status_code == 404
    client.logout()
    assert client.get(data_url()).status_code == 302


def test_the_json_is_bounded(client, staff_a, monkeypatch):
    from ato import district_map

    monkeypatch.setattr(district_map, "MAX_JASS_POINTS", 2)
    for n in range(3):
        JassFactory(name=f"J{n}", latitude=LAT, longitude=LON)
    data = get_json(client, staff_a)
    assert [j["name"] for j in data["jass"]] == ["J0", "J1"]
    assert data["truncated"]["jass"] is True


def test_the_map_is_linked_from_the_district_page(client, staff_a):
    client.force_login(staff_a)
    html = client.get(reverse("district", args=[CASCAS])).content.decode()
    assert page_url() in html


def test_the_map_is_linked_from_the_jass_list(client, reviewer):
    client.force_login(reviewer)
    html = client.get(reverse("jass_registry:list", args=[CASCAS])).content.decode()
    assert page_url() in html
