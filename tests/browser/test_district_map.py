"""The district map in Chromium on a 360 × 740 phone: the outline of Cascas and its demo JASS
(round markers) and water systems (square ones) drawn from ATO alone (no tile, no request
outside the live server), no sideways scroll, and a tap on a marker opens a popup whose link
opens the JASS. The JASS and the system without coordinates are listed below the map."""

from __future__ import annotations

import pytest

from jass_registry.models import Jass, WaterSystem

from .helpers import click_and_wait, log_in, page_width, path_of, url

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CASCAS = "131101"


def outside_requests(page) -> list[str]:
    seen: list[str] = []
    page.on(
        "request",
        lambda request: seen.append(request.url)
        if not request.url.startswith(("http://127.0.0.1:", "http://localhost:", "data:"))
        else None,
    )
    return seen


def test_the_district_map_on_a_phone_opens_a_jass_from_its_marker(phone, live_server, screenshots):
    outside = outside_requests(phone)
    console: list[str] = []
    # Console errors other than a failed load (those are checked by URL below).
    phone.on(
        "console",
        lambda m: console.append(m.text)
        if m.type == "error" and not m.text.startswith("Failed to load resource")
        else None,
    )
    failed: list[str] = []
    phone.on(
        "response", lambda r: failed.append(f"{r.status} {r.url}") if r.status >= 400 else None
    )
    placed = Jass.objects.filter(district_id=CASCAS, latitude__isnull=False).exclude(
        status="dissolved"
    )
    systems = WaterSystem.objects.filter(
        jass__district_id=CASCAS, latitude__isnull=False, retired_on__isnull=True
    )
    assert placed.count() >= 3 and systems.count() >= 3  # load_demo gives them points

    log_in(phone, live_server, "atm.cascas")
    phone.goto(url(live_server, f"/distritos/{CASCAS}/"))
    click_and_wait(phone, phone.get_by_role("link", name="Ver en el mapa"))
    assert path_of(phone) == f"/distritos/{CASCAS}/mapa/"
    phone.wait_for_selector("#district-map[data-state=ready]")
    assert phone.locator("#district-map path.district-outline").count() == 1
    assert phone.locator('#district-map .map-point[data-kind="jass"]').count() == placed.count()
    assert phone.locator('#district-map .map-point[data-kind="system"]').count() == systems.count()
    screenshots(phone, "map-360")
    assert page_width(phone) <= phone.evaluate("window.innerWidth")

    # The lists below the map: what the map cannot place, with a link to complete it.
    missing = phone.locator("section[aria-labelledby=jass-missing]")
    assert "JASS Jolluco" in missing.inner_text()
    assert (
        "Sistema La Pampa" in phone.locator("section[aria-labelledby=systems-missing]").inner_text()
    )

    # La Pampa's committee stands alone (its system has no point): tap it, read, open it.
    pampa = Jass.objects.get(district_id=CASCAS, name="Comité de agua La Pampa")
    marker = phone.locator(f'#district-map .map-point[data-kind="jass"][data-id="{pampa.pk}"]')
    box = marker.bounding_box()
    assert box["width"] >= 44 and box["height"] >= 44  # a touch target
    marker.click()
    popup = phone.locator("#district-map .leaflet-popup-content")
    popup.wait_for()
    assert "Comité de agua La Pampa" in popup.inner_text()
    phone.wait_for_function(  # Leaflet fades the popup in
        "() => getComputedStyle(document.querySelector('.leaflet-popup')).opacity === '1'"
    )
    screenshots(phone, "popup-360")
    assert page_width(phone) <= phone.evaluate("window.innerWidth")
    click_and_wait(phone, popup.get_by_role("link", name="Abrir la JASS"))
    assert path_of(phone) == f"/jass/{pampa.pk}/"

    assert outside == [], outside
    assert phone.js_errors == [] and console == [], (phone.js_errors, console)
    # Every request of the map's pages answered (the offline app's own background caching of
    # /campo/ pages is not this page's: on SQLite it may meet a locked session table).
    assert [f for f in failed if "/campo/" not in f] == []
