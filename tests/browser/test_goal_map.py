"""The goal map in Chromium: every district of Peru drawn (a polygon, or a point at its capital
for the 67 without one), coloured by the run's result, with no request outside ATO, on a
desktop and on a 360-px phone; a click opens a popup linking the district's result and its public
page."""

from __future__ import annotations

import pytest

from incentives.catalogue import seed_goals
from incentives.models import Goal
from territory.models import District, DistrictCategory

from .helpers import PERU_DISTRICTS, SCREENSHOTS, click_and_wait, log_in, path_of, url

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

GOAL = "2017-M35"
CASCAS = "131101"


@pytest.fixture(autouse=True)
def goals(demo):
    """The seeded goals: a data migration loads them, but a transactional test ends by flushing
    every table, so from the second test on they are gone."""
    if not Goal.objects.filter(code=GOAL).exists():
        seed_goals()


def outside_requests(page) -> list[str]:
    """Every request the page makes to a host other than the live server's."""
    seen: list[str] = []
    page.on(
        "request",
        lambda request: seen.append(request.url)
        if not request.url.startswith(("http://127.0.0.1:", "http://localhost:", "data:"))
        else None,
    )
    return seen


def start_run(page, live_server) -> None:
    """A reviewer runs the goal on the demo data, with every La Libertad district in its scope
    (category C in 2017): Gran Chimú's districts have JASS, the others none."""
    for ubigeo in District.objects.filter(department_id="13").values_list("pk", flat=True):
        DistrictCategory.objects.update_or_create(
            district_id=ubigeo, year=2017, defaults={"category": "C"}
        )
    log_in(page, live_server, "revisor")
    page.goto(url(live_server, f"/metas/{GOAL}/"))
    click_and_wait(page, page.get_by_role("button", name="Iniciar evaluación"))


def map_drawn(page) -> int:
    page.wait_for_selector("#goal-map[data-state=ready]")
    return page.locator("#goal-map path.district").count()


def map_shot(page, request, label: str) -> None:
    """The map alone, large enough to look at (the full page is in `screenshots`)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.locator("#goal-map").screenshot(path=str(SCREENSHOTS / f"{request.node.name}-{label}.png"))


def test_the_goal_map_draws_every_district_of_peru_from_ato_alone(
    page, live_server, screenshots, request
):
    outside = outside_requests(page)
    start_run(page, live_server)
    page.goto(url(live_server, f"/metas/{GOAL}/"))
    assert map_drawn(page) == PERU_DISTRICTS
    assert page.locator("#goal-map").get_attribute("data-drawn") == str(PERU_DISTRICTS)
    assert page.locator("#goal-map path.district.point").count() == 67
    # The demo's districts are in the goal's scope: each has its colour, the rest are grey.
    assert page.locator(f'#goal-map path[data-ubigeo="{CASCAS}"]').get_attribute("class") in {
        "district met leaflet-interactive",
        "district not_met leaflet-interactive",
    }
    assert page.locator("#goal-map path.district.out_of_scope").count() > 1800
    assert page.locator("#goal-map path.outline.department").count() == 25
    legend = page.locator("#goal-map .map-legend").inner_text()
    assert "Cumple" in legend and "Fuera del alcance" in legend and "Sin evaluar" in legend
    screenshots(page, "goal-map")
    map_shot(page, request, "map")
    assert outside == []
    assert page.js_errors == []


def test_a_click_on_a_district_opens_its_result_and_its_public_page(
    page, live_server, screenshots, request
):
    start_run(page, live_server)
    page.goto(url(live_server, f"/metas/{GOAL}/?department=13"))  # the map opens on La Libertad
    map_drawn(page)
    map_shot(page, request, "la-libertad")
    page.locator(f'#goal-map path[data-ubigeo="{CASCAS}"]').click()
    popup = page.locator("#goal-map .leaflet-popup .map-popup")
    popup.wait_for()
    assert "Cascas (131101)" in popup.inner_text()
    public = popup.get_by_role("link", name="Página pública")
    assert public.get_attribute("href") == f"/publico/distritos/{CASCAS}/"
    map_shot(page, request, "popup")
    click_and_wait(page, popup.get_by_role("link", name="Ver el resultado"))
    assert path_of(page).endswith(f"/distritos/{CASCAS}/")
    assert path_of(page).startswith("/evaluaciones/")
    page.go_back()
    map_drawn(page)
    page.locator(f'#goal-map path[data-ubigeo="{CASCAS}"]').click()
    click_and_wait(
        page, page.locator("#goal-map .map-popup").get_by_role("link", name="Página pública")
    )
    assert path_of(page) == f"/publico/distritos/{CASCAS}/"
    assert page.get_by_role("heading", name="Cascas").first.is_visible()
    assert page.js_errors == []


def test_the_goal_map_fits_a_phone(phone, live_server, screenshots, request):
    outside = outside_requests(phone)
    start_run(phone, live_server)
    phone.goto(url(live_server, f"/metas/{GOAL}/"))
    assert map_drawn(phone) == PERU_DISTRICTS
    box = phone.locator("#goal-map").bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 360
    phone.locator("#goal-map").scroll_into_view_if_needed()
    screenshots(phone, "goal-map-phone")
    map_shot(phone, request, "map-phone")
    assert outside == []
    assert phone.js_errors == []
