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


def settled(page) -> None:
    """Wait until the offline app's script (static/js/field/register.js) has kept the user's
    offline copy: its requests run beside the page's, and on SQLite a navigation racing them
    may meet a locked session table."""
    page.wait_for_function("() => document.documentElement.hasAttribute('data-offline-ready')")


def test_the_district_map_on_a_phone_opens_a_jass_from_its_marker(phone, live_server, screenshots):
    outside = outside_requests(phone)
    console: list[str] = []
    # Console errors other than a failed load: the offline app's script caches the user's pages
    # in the background, and on SQLite some of those requests may meet a locked session table;
    # the map's own data loaded when the map says "ready".
    phone.on(
        "console",
        lambda m: console.append(m.text)
        if m.type == "error" and not m.text.startswith("Failed to load resource")
        else None,
    )
    placed = Jass.objects.filter(district_id=CASCAS, latitude__isnull=False).exclude(
        status="dissolved"
    )
    systems = WaterSystem.objects.filter(
        jass__district_id=CASCAS, latitude__isnull=False, retired_on__isnull=True
    )
    assert placed.count() >= 3 and systems.count() >= 3  # load_demo gives them points

    log_in(phone, live_server, "atm.cascas")
    settled(phone)
    phone.goto(url(live_server, f"/distritos/{CASCAS}/"))
    settled(phone)
    click_and_wait(phone, phone.get_by_role("link", name="Ver en el mapa"))
    assert path_of(phone) == f"/distritos/{CASCAS}/mapa/"
    phone.wait_for_selector("#district-map[data-state=ready]")
    settled(phone)
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


def test_the_district_map_works_offline_for_the_users_own_district(phone, live_server, screenshots):
    """Opened once with signal, the map page and its mapa.json are in the user's offline copy
    (ato/pwa.py OFFLINE_PAGES, with Leaflet and the map's files in the app shell): without
    signal the page opens and draws the same points."""
    placed = Jass.objects.filter(district_id=CASCAS, latitude__isnull=False).exclude(
        status="dissolved"
    )
    log_in(phone, live_server, "atm.cascas")
    settled(phone)
    phone.goto(url(live_server, f"/distritos/{CASCAS}/mapa/"))
    phone.wait_for_selector("#district-map[data-state=ready]")
    phone.wait_for_function(
        "() => document.documentElement.getAttribute('data-offline-ready') === 'yes'"
        " && !!navigator.serviceWorker.controller"
    )
    phone.context.set_offline(True)
    try:
        phone.goto(url(live_server, f"/distritos/{CASCAS}/mapa/"))
        phone.wait_for_selector("#district-map[data-state=ready]")
        assert phone.locator('#district-map .map-point[data-kind="jass"]').count() == placed.count()
        assert phone.locator("#district-map path.district-outline").count() == 1
        screenshots(phone, "offline-map-360")
    finally:
        phone.context.set_offline(False)
