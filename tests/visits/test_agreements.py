"""The agreements page: overdue first, marked done by staff."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.conftest import CASCAS
from visits.services import visit_record

# The clock is pinned: the test compares a date it derives from today with the one the server
# stored, and the two reads of "today" must not fall on either side of midnight.
PINNED_NOON = dt.datetime(2026, 6, 15, 12, tzinfo=ZoneInfo("America/Lima"))


@pytest.mark.time_machine(PINNED_NOON, tick=False)
def test_agreements_are_listed_overdue_first_and_marked_done(client, staff_a, jass_with_system):
    jass, systems = jass_with_system
    today = timezone.localdate()
    visit = visit_record(
        user=staff_a,
        jass=jass,
        data={"date": today - dt.timedelta(days=40), "kind": "follow_up"},
        agreements=[
            {"task": "Más tarde", "responsible": "A", "due_on": today + dt.timedelta(days=20)},
            {"task": "Vencido", "responsible": "B", "due_on": today - dt.timedelta(days=5)},
        ],
    )
    client.force_login(staff_a)
    page = client.get(reverse("visits:agreements", args=[CASCAS]))
    assert [a.task for a in page.context["page"]] == ["Vencido", "Más tarde"]
    assert "Vencido" in page.content.decode()
    overdue = visit.agreements.get(task="Vencido")
    client.post(reverse("visits:agreement_done", args=[overdue.pk]))
    overdue.refresh_from_db()
    assert overdue.done_on == today and overdue.done_by == staff_a
    page = client.get(reverse("visits:agreements", args=[CASCAS]))
    assert [a.task for a in page.context["page"]] == ["Más tarde"]
