"""The yearly work plan: saved per JASS and month, compared with visits done."""

import datetime as dt

from django.urls import reverse

from tests.conftest import CASCAS
from visits.services import visit_record


def test_work_plan_is_saved_and_compared_with_visits_done(client, staff_a, jass_with_system):
    jass, _systems = jass_with_system
    client.force_login(staff_a)
    url = reverse("visits:work_plan", args=[CASCAS, 2026])
    response = client.post(
        url, {f"c-{jass.pk}-1": "2", f"c-{jass.pk}-3": "1", f"c-{jass.pk}-4": "x"}
    )
    assert "no es un número" in response.content.decode()
    client.post(url, {f"c-{jass.pk}-1": "2", f"c-{jass.pk}-3": "1"})
    visit_record(user=staff_a, jass=jass, data={"date": dt.date(2026, 1, 20), "kind": "training"})
    progress = client.get(reverse("visits:work_plan_progress", args=[CASCAS, 2026]))
    months = {m["month"]: (m["planned"], m["done"]) for m in progress.context["months"]}
    assert months[1] == (2, 1) and months[3] == (1, 0) and months[2] == (0, 0)
    assert progress.context["totals"] == {"planned": 3, "done": 1}
