"""The chlorine chart of a water system: the readings on a time axis (x = the reading's date,
oldest first), one series per sampling point, the 0.5 mg/L line across the whole axis, the reading
that decides starred, voided visits left out, and the same readings in a table, day first."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from visits.services import visit_record, visit_void

TODAY = timezone.localdate


def record(user, jass, system, day, readings):
    return visit_record(
        user=user,
        jass=jass,
        data={"date": day, "kind": "supervision"},
        readings=[
            {"water_system": system.pk, "point": point, "mg_per_l": mg} for point, mg in readings
        ],
    )


def chart_of(client, system):
    response = client.get(reverse("visits:chlorine_chart", args=[system.pk]))
    assert response.status_code == 200
    return response


def test_the_chlorine_chart_has_the_readings_and_the_target(client, staff_a, jass_with_system):
    jass, systems = jass_with_system
    record(
        staff_a,
        jass,
        systems[0],
        TODAY() - dt.timedelta(days=3),
        [("reservoir", "0.70"), ("last_house", "0.30")],
    )
    client.force_login(staff_a)
    response = chart_of(client, systems[0])
    chart = response.context["chart"]
    assert chart["target"] == 0.5
    assert [p["y"] for p in chart["series"]["reservoir"]] == [0.7]
    assert [p["y"] for p in chart["series"]["last_house"]] == [0.3]
    page = response.content.decode()
    assert "chart.umd.min.js" in page
    assert "chartjs-adapter-date-fns.bundle.min.js" in page  # the time axis's date adapter


def test_readings_are_dated_points_in_date_order_by_sampling_point(
    client, staff_a, jass_with_system
):
    jass, (system,) = jass_with_system
    today = TODAY()
    # Recorded out of order: the chart sorts by the day the readings were taken.
    days = [today - dt.timedelta(days=n) for n in (40, 200, 5)]
    record(staff_a, jass, system, days[0], [("first_house", "0.60"), ("reservoir", "1.10")])
    record(staff_a, jass, system, days[1], [("last_house", "0.20")])
    record(staff_a, jass, system, days[2], [("last_house", "0.55"), ("reservoir", "0.90")])
    client.force_login(staff_a)
    chart = chart_of(client, system).context["chart"]
    assert chart["series"] == {
        "reservoir": [
            {"x": days[0].isoformat(), "y": 1.1},
            {"x": days[2].isoformat(), "y": 0.9},
        ],
        "first_house": [{"x": days[0].isoformat(), "y": 0.6}],
        "last_house": [
            {"x": days[1].isoformat(), "y": 0.2},
            {"x": days[2].isoformat(), "y": 0.55},
        ],
    }
    # The axis (and the target line) runs from the first reading to today.
    assert (chart["start"], chart["end"]) == (days[1].isoformat(), today.isoformat())
    # The last house of the latest network day decides.
    assert chart["deciding"] == {"x": days[2].isoformat(), "y": 0.55, "point": "last_house"}


def test_a_voided_visits_readings_are_left_out(client, staff_a, jass_with_system):
    jass, (system,) = jass_with_system
    kept = record(staff_a, jass, system, TODAY() - dt.timedelta(days=9), [("last_house", "0.70")])
    voided = record(staff_a, jass, system, TODAY() - dt.timedelta(days=2), [("last_house", "0.10")])
    visit_void(user=staff_a, visit=voided, reason="Registrada dos veces")
    client.force_login(staff_a)
    response = chart_of(client, system)
    chart = response.context["chart"]
    assert chart["series"]["last_house"] == [{"x": kept.date.isoformat(), "y": 0.7}]
    assert [r["mg_per_l"] for r in response.context["readings"]] == [kept.readings.get().mg_per_l]


def test_without_readings_the_target_line_still_spans_two_years(client, staff_a, jass_with_system):
    _jass, (system,) = jass_with_system
    client.force_login(staff_a)
    response = chart_of(client, system)
    chart = response.context["chart"]
    today = TODAY()
    assert chart["series"] == {"reservoir": [], "first_house": [], "last_house": []}
    assert chart["deciding"] is None
    assert chart["start"] == (today - dt.timedelta(days=730)).isoformat()
    assert chart["end"] == today.isoformat()
    assert "Sin mediciones." in response.content.decode()


def test_readings_of_one_day_get_a_month_wide_axis(client, staff_a, jass_with_system):
    jass, (system,) = jass_with_system
    today = TODAY()
    record(staff_a, jass, system, today, [("reservoir", "3.00")])
    client.force_login(staff_a)
    chart = chart_of(client, system).context["chart"]
    assert chart["start"] == (today - dt.timedelta(days=30)).isoformat()
    assert chart["end"] == today.isoformat()


def test_the_table_lists_the_readings_day_first_and_marks_the_deciding_one(
    client, staff_a, jass_with_system
):
    jass, (system,) = jass_with_system
    day = TODAY() - dt.timedelta(days=4)
    record(staff_a, jass, system, day, [("reservoir", "0.80"), ("last_house", "0.30")])
    client.force_login(staff_a)
    response = chart_of(client, system)
    rows = [(r["point"], r["decides"]) for r in response.context["readings"]]
    assert sorted(rows) == [("last_house", True), ("reservoir", False)]
    page = response.content.decode()
    assert day.strftime("%d/%m/%Y") in page
    assert 'class="stack chlorine-readings"' in page
    assert page.count('<tr class="deciding">') == 1


@pytest.mark.parametrize("persona", ["staff_b", "outsider"])
def test_another_districts_chart_is_not_found(client, request, persona, jass_with_system):
    _jass, (system,) = jass_with_system
    client.force_login(request.getfixturevalue(persona))
    assert client.get(reverse("visits:chlorine_chart", args=[system.pk])).status_code == 404
