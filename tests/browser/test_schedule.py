"""The agenda in a real browser, as the demo's ATM head of Cascas (`atm.cascas`).

On a 360 × 740 phone: "Mi semana" lists the week's planned visits and the overdue one, and its
"Registrar visita" opens the visit form for that JASS; the visit recorded there marks the
planned visit done. The month calendar is a list of the days that have visits (no sideways
scroll, touch targets of 44 px); on a desktop the same calendar shows the weeks as rows of
seven days. Screenshots go to test-artifacts/screenshots/."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from visits.models import ScheduledVisit

from .helpers import click_and_wait, log_in, page_width, path_of, url

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CASCAS = "131101"
MIN_TOUCH_PX = 44


def no_sideways_scroll(page) -> None:
    assert page_width(page) <= page.evaluate("window.innerWidth"), page.url


def test_mi_semana_to_a_recorded_visit_on_a_phone(phone, live_server, screenshots):
    today = timezone.localdate()
    monday = today - dt.timedelta(days=today.weekday())
    log_in(phone, live_server, "atm.cascas")
    # Next week's plan of the demo: three visits, assigned to atm.cascas.
    next_week = (monday + dt.timedelta(days=7)).isocalendar()
    phone.goto(url(live_server, f"/mi-semana/?semana={next_week[0]}-W{next_week[1]:02d}"))
    no_sideways_scroll(phone)
    rows = phone.locator("section.week-day ul.planned > li")
    assert rows.count() == 3
    screenshots(phone, "next-week")
    phone.goto(url(live_server, "/mi-semana/"))
    no_sideways_scroll(phone)
    overdue = phone.locator("article.signal ul.planned > li")
    assert overdue.count() == 1 and "Atrasada" in overdue.inner_text()
    record = overdue.get_by_role("link", name="Registrar visita")
    assert record.bounding_box()["height"] >= MIN_TOUCH_PX
    screenshots(phone, "this-week")
    scheduled = ScheduledVisit.objects.get(
        staff__username="atm.cascas", date__lt=monday, visit__isnull=True
    )
    click_and_wait(phone, record)
    assert f"agenda={scheduled.pk}" in phone.url and f"jass={scheduled.jass_id}" in phone.url
    assert scheduled.jass.name in phone.locator("main").inner_text()
    no_sideways_scroll(phone)
    phone.get_by_label("Tipo de visita").select_option("supervision")
    screenshots(phone, "visit-form")
    click_and_wait(phone, phone.locator("main form button[type=submit]").last)
    assert path_of(phone).startswith("/visitas/"), phone.locator("main").inner_text()[:500]
    scheduled.refresh_from_db()
    assert scheduled.visit is not None and scheduled.visit.date == today
    phone.goto(url(live_server, f"/agenda/{scheduled.pk}/"))
    assert "Realizada" in phone.locator("main").inner_text()
    no_sideways_scroll(phone)
    screenshots(phone, "done")


def test_the_month_calendar_is_a_day_list_on_a_phone_and_weeks_on_a_desktop(
    browser, phone, page, live_server, screenshots
):
    today = timezone.localdate()
    day = today + dt.timedelta(days=7 - today.weekday())  # next Monday: a demo visit
    path = f"/distritos/{CASCAS}/agenda/{day.year}/{day.month}/"
    log_in(phone, live_server, "atm.cascas")
    phone.goto(url(live_server, path))
    no_sideways_scroll(phone)
    days = phone.locator("ol.calendar > li.day")
    shown = [d for d in days.all() if d.is_visible()]
    assert shown and all(d.locator("ul.planned > li").count() for d in shown)
    assert phone.locator("ol.calendar > li.weekday").first.is_hidden()
    first = shown[0].locator("a.what").first
    assert first.bounding_box()["height"] >= MIN_TOUCH_PX
    for link in phone.locator(".month-nav a").all():
        assert link.bounding_box()["height"] >= MIN_TOUCH_PX
    screenshots(phone, "calendar-phone")

    log_in(page, live_server, "atm.cascas")
    page.goto(url(live_server, path))
    no_sideways_scroll(page)
    columns = page.evaluate(
        "getComputedStyle(document.querySelector('ol.calendar')).gridTemplateColumns"
    )
    assert len(columns.split()) == 7
    assert page.locator("ol.calendar > li.weekday").count() == 7
    assert page.locator("ol.calendar > li.day").count() % 7 == 0
    screenshots(page, "calendar-desktop")


def test_the_agenda_list_and_the_plan_grid_fit_a_phone(phone, live_server, screenshots):
    year = timezone.localdate().year
    log_in(phone, live_server, "atm.cascas")
    phone.goto(url(live_server, f"/distritos/{CASCAS}/agenda/"))
    no_sideways_scroll(phone)
    first = phone.locator("table.schedule tbody tr").first
    # A row is a compact block: date and state on one line, then the JASS, who and why.
    assert first.bounding_box()["height"] < 260
    for button in phone.locator("table.schedule a[role=button]").all()[:5]:
        assert button.bounding_box()["height"] >= MIN_TOUCH_PX
    screenshots(phone, "agenda-list")
    phone.goto(url(live_server, f"/distritos/{CASCAS}/plan/{year}/"))
    no_sideways_scroll(phone)
    assert phone.locator("table.plan thead").bounding_box()["height"] <= 1
    screenshots(phone, "plan-grid")
