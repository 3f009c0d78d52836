"""The chlorine chart of a water system: readings per point and the target."""

import datetime as dt

from django.urls import reverse
from django.utils import timezone

from visits.services import visit_record


def test_the_chlorine_chart_has_the_readings_and_the_target(client, staff_a, jass_with_system):
    jass, systems = jass_with_system
    visit_record(
        user=staff_a,
        jass=jass,
        data={"date": timezone.localdate() - dt.timedelta(days=3), "kind": "supervision"},
        readings=[
            {"water_system": systems[0].pk, "point": "reservoir", "mg_per_l": "0.70"},
            {"water_system": systems[0].pk, "point": "last_house", "mg_per_l": "0.30"},
        ],
    )
    client.force_login(staff_a)
    response = client.get(reverse("visits:chlorine_chart", args=[systems[0].pk]))
    chart = response.context["chart"]
    assert chart["target"] == 0.5
    assert [p["y"] for p in chart["series"]["reservoir"]] == [0.7]
    assert [p["y"] for p in chart["series"]["last_house"]] == [0.3]
    assert "chart.umd.min.js" in response.content.decode()
