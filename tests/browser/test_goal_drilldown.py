"""A reviewer's path through a goal on a 360 x 740 phone, following only links: the run page's
"ver resultados" opens the goal page at that run, the department and province rows drill down
to the run's districts, a district opens its checklist (its rows stacked) and the checklist leads
back to the goal at that run; no page of the path scrolls sideways."""

from __future__ import annotations

import re

import pytest

from incentives.catalogue import seed_goals
from incentives.models import EvaluationRun, Goal
from territory.models import District, DistrictCategory

from .helpers import click_and_wait, log_in, path_of, url

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

GOAL = "2017-M35"
CASCAS = "131101"


@pytest.fixture(autouse=True)
def goals(demo):
    """The seeded goals (a transactional test flushes the migration's) and every La Libertad
    district in the goal's scope (category C in 2017)."""
    if not Goal.objects.filter(code=GOAL).exists():
        seed_goals()
    for ubigeo in District.objects.filter(department_id="13").values_list("pk", flat=True):
        DistrictCategory.objects.update_or_create(
            district_id=ubigeo, year=2017, defaults={"category": "C"}
        )


def fits(page) -> None:
    """No sideways scroll: the document is no wider than the window."""
    width = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert width[0] <= width[1], f"{path_of(page)} scrolls sideways: {width[0]} > {width[1]} px"


def test_a_reviewer_follows_a_run_to_a_districts_checklist_on_a_phone(
    phone, live_server, screenshots
):
    log_in(phone, live_server, "revisor")
    phone.goto(url(live_server, f"/metas/{GOAL}/"))
    fits(phone)
    click_and_wait(phone, phone.get_by_role("button", name="Iniciar evaluación"))
    run = EvaluationRun.objects.get(goal__code=GOAL)
    assert path_of(phone) == f"/evaluaciones/{run.pk}/"
    fits(phone)

    # The run page: once done (htmx polls its progress), "ver resultados" opens the goal page
    # at this run.
    results = phone.get_by_role("link", name="ver resultados")
    results.wait_for()
    screenshots(phone, "run")
    click_and_wait(phone, results)
    assert path_of(phone) == f"/metas/{GOAL}/?run={run.pk}"
    assert phone.locator("select[name=run]").input_value() == str(run.pk)
    assert phone.get_by_role("heading", name=re.compile("^Resultado:")).is_visible()
    phone.wait_for_selector("#goal-map[data-state=ready]")
    fits(phone)
    screenshots(phone, "goal")

    # By department, then by province, then the run's districts of that province.
    overview = phone.locator("#overview table")
    click_and_wait(phone, overview.get_by_role("link", name="La Libertad"))
    assert path_of(phone) == f"/metas/{GOAL}/?run={run.pk}&department=13"
    fits(phone)
    screenshots(phone, "department")
    click_and_wait(phone, phone.locator("#overview table").get_by_role("link", name="Gran Chimú"))
    assert path_of(phone).startswith(f"/evaluaciones/{run.pk}/?department=13&province=")
    fits(phone)
    screenshots(phone, "province")

    # A district of the province opens its checklist in the run.
    click_and_wait(phone, phone.locator("table").get_by_role("link", name="Cascas"))
    assert path_of(phone) == f"/evaluaciones/{run.pk}/distritos/{CASCAS}/"
    assert phone.get_by_role("heading", name=f"{GOAL} · Cascas").is_visible()
    fits(phone)
    screenshots(phone, "checklist")

    # On the phone the checklist's rows stack, so each row's items (the "why") are on screen.
    counted = phone.locator("table.stack tbody tr").first.locator("td").last
    assert counted.bounding_box()["x"] + counted.bounding_box()["width"] <= 360

    # And back up: the checklist links the goal page at the same run.
    click_and_wait(phone, phone.get_by_role("link", name="la meta en esta evaluación"))
    assert path_of(phone) == f"/metas/{GOAL}/?run={run.pk}"
    assert phone.js_errors == []
