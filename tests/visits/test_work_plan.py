"""The yearly work plan reads the agenda: its grid counts the active planned visits per JASS and
month, its form plans several visits to a JASS in a month at once, and its progress compares
the planned visits with the ones done (linked to a valid visit) and with every visit recorded."""

import datetime as dt

from django.urls import reverse

from tests.conftest import CASCAS
from tests.factories import JassFactory
from visits import schedule
from visits.models import ScheduledVisit
from visits.services import visit_record


def test_the_grid_counts_the_active_planned_visits_per_jass_and_month(client, staff_a):
    alfa = JassFactory(district_id=CASCAS, name="JASS Alfa")
    beta = JassFactory(district_id=CASCAS, name="JASS Beta")
    JassFactory(district_id=CASCAS, name="JASS Disuelta", status="dissolved")
    for day in [dt.date(2026, 1, 5), dt.date(2026, 1, 20), dt.date(2026, 3, 2)]:
        schedule.scheduled_visit_create(user=staff_a, jass=alfa, date=day)
    cancelled = schedule.scheduled_visit_create(user=staff_a, jass=beta, date=dt.date(2026, 1, 9))
    schedule.scheduled_visit_cancel(user=staff_a, scheduled=cancelled, reason="Lluvias")
    schedule.scheduled_visit_create(user=staff_a, jass=beta, date=dt.date(2027, 1, 9))
    client.force_login(staff_a)
    response = client.get(reverse("visits:work_plan", args=[CASCAS, 2026]))
    rows = {r["jass"].name: (dict(r["cells"]), r["total"]) for r in response.context["rows"]}
    assert set(rows) == {"JASS Alfa", "JASS Beta"}  # the dissolved one has no plan
    assert rows["JASS Alfa"][0][1] == 2 and rows["JASS Alfa"][0][3] == 1
    assert rows["JASS Alfa"][1] == 3 and rows["JASS Beta"][1] == 0
    assert response.context["month_totals"][0] == 2 and response.context["total"] == 3
    month = reverse("visits:schedule_month", args=[CASCAS, 2026, 1])
    assert f'href="{month}?jass={alfa.pk}"' in response.content.decode()


def test_the_form_plans_a_month_at_once_and_refuses_odd_numbers(client, staff_a):
    jass = JassFactory(district_id=CASCAS, name="JASS Alfa")
    client.force_login(staff_a)
    url = reverse("visits:work_plan", args=[CASCAS, 2026])
    for count in ["32", "0", "²", "-1", "x"]:
        refused = client.post(url, {"jass": jass.pk, "month": "3", "count": count})
        assert refused.status_code == 200 and refused.context["form"].errors, count
    assert client.post(url, {"jass": jass.pk, "month": "13", "count": "1"}).status_code == 200
    assert not ScheduledVisit.objects.exists()
    response = client.post(url, {"jass": jass.pk, "month": "3", "count": "2", "purpose": ""})
    assert response.status_code == 302
    assert list(ScheduledVisit.objects.values_list("date", "staff", "purpose")) == [
        (dt.date(2026, 3, 9), None, "Plan de trabajo 2026"),
        (dt.date(2026, 3, 24), None, "Plan de trabajo 2026"),
    ]


def test_progress_compares_planned_done_and_recorded_visits(client, staff_a, jass_with_system):
    jass, _systems = jass_with_system
    planned = schedule.scheduled_visit_create(
        user=staff_a, jass=jass, date=dt.date(2026, 1, 18), staff=staff_a
    )
    schedule.scheduled_visit_create(user=staff_a, jass=jass, date=dt.date(2026, 3, 10))
    visit_record(user=staff_a, jass=jass, data={"date": dt.date(2026, 1, 20), "kind": "training"})
    visit_record(user=staff_a, jass=jass, data={"date": dt.date(2026, 2, 2), "kind": "training"})
    planned.refresh_from_db()
    assert planned.visit is not None  # linked automatically (two days apart)
    client.force_login(staff_a)
    progress = client.get(reverse("visits:work_plan_progress", args=[CASCAS, 2026]))
    months = {
        m["month"]: (m["planned"], m["done"], m["recorded"]) for m in progress.context["months"]
    }
    assert months[1] == (1, 1, 1) and months[2] == (0, 0, 1) and months[3] == (1, 0, 0)
    assert progress.context["totals"] == {"planned": 2, "done": 1, "recorded": 2}
    assert "vinculadas a una visita no anulada" in progress.content.decode()
