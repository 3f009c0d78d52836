"""The Content-Security-Policy in a real browser: the pages that draw charts, load htmx
fragments or run Swagger UI work under `script-src 'self'; style-src 'self'`, and Chromium
reports no violation on any of them (issue 10, section 2; the header itself is checked page by
page in tests/security/test_csp.py)."""

from __future__ import annotations

import pytest

from territory.models import DistrictCategory
from visits.models import ChlorineReading

from .helpers import click_and_wait, log_in, path_of, url

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CASCAS = "131101"
GOAL = "2017-M35"

# Runs in every page before its own scripts: the policy's violations, as the page saw them.
RECORD_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", function (e) {
  window.__cspViolations.push(e.violatedDirective + " blocked " + e.blockedURI +
    " at " + e.sourceFile + ":" + e.lineNumber);
});
"""


def watch(page) -> list[str]:
    """Violations seen so far, from the page's event and from the console."""
    console: list[str] = []
    page.on(
        "console",
        lambda message: console.append(message.text)
        if "Content Security Policy" in message.text
        else None,
    )
    page.context.add_init_script(RECORD_VIOLATIONS)
    return console


def violations(page, console: list[str]) -> list[str]:
    return page.evaluate("window.__cspViolations") + console


def chart_drawn(page, canvas_id: str) -> bool:
    page.wait_for_function(f"window.Chart && Chart.getChart('{canvas_id}') !== undefined")
    return page.evaluate(f"Chart.getChart('{canvas_id}').data.datasets.length") > 0


def test_pages_with_charts_htmx_and_swagger_run_without_a_policy_violation(
    page, live_server, screenshots
):
    console = watch(page)
    log_in(page, live_server, "atm.cascas")
    assert path_of(page) == f"/distritos/{CASCAS}/"
    assert violations(page, console) == []
    screenshots(page, "home")

    # A JASS page loads its visit timeline through htmx (hx-trigger="load").
    reading = (
        ChlorineReading.objects.filter(water_system__jass__district_id=CASCAS)
        .select_related("water_system")
        .first()
    )
    jass_id = reading.water_system.jass_id
    page.goto(url(live_server, f"/jass/{jass_id}/"))
    page.wait_for_selector("section#visits")  # swapped in by htmx
    assert violations(page, console) == []
    screenshots(page, "jass")

    page.goto(url(live_server, f"/sistemas/{reading.water_system_id}/cloro/"))
    assert chart_drawn(page, "chlorine-chart")
    assert violations(page, console) == []
    screenshots(page, "chlorine")

    # A reviewer starts a run; the goal page shows its figures and a row per department.
    DistrictCategory.objects.get_or_create(
        district_id=CASCAS, year=2017, defaults={"category": "C"}
    )
    # The page's background work (the offline copy) done first: a late answer of the
    # previous session would set its cookie again.
    page.wait_for_selector("html[data-offline-ready]")
    page.context.clear_cookies()
    log_in(page, live_server, "revisor")
    page.goto(url(live_server, f"/metas/{GOAL}/"))
    click_and_wait(page, page.get_by_role("button", name="Iniciar evaluación"))
    page.goto(url(live_server, f"/metas/{GOAL}/"))
    assert page.locator("#overview tbody tr").first.inner_text().startswith("La Libertad")
    assert page.locator("#overview meter").count() >= 1
    assert violations(page, console) == []
    screenshots(page, "goal")

    page.goto(url(live_server, "/api/docs/"))
    page.wait_for_selector(".swagger-ui .info .title")
    assert violations(page, console) == []
    assert "ATO API" in page.locator(".swagger-ui .info .title").inner_text()
    page.wait_for_selector(".swagger-ui .opblock")  # the operations, read from /api/schema/
    assert violations(page, console) == []
    screenshots(page, "swagger")
    assert page.js_errors == []
