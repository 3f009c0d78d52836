"""The chlorine chart in Chromium on a 360-px phone: Chart.js draws it under the
Content-Security-Policy with no console error, on a time axis (dates spaced by time, ticks day
first), one marker shape per sampling point, the 0.5 mg/L line inside the axis, and the page
does not scroll sideways."""

from __future__ import annotations

import re

import pytest

from visits.models import ChlorineReading

from .helpers import log_in, page_width, url

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CASCAS = "131101"
DAY_FIRST = re.compile(r"^\d{2}/\d{2}/\d{4}$")


def test_the_chlorine_chart_draws_on_a_time_axis_on_a_phone(phone, live_server, screenshots):
    console: list[str] = []
    phone.on(
        "console",
        lambda m: console.append(m.text) if m.type in ("error", "warning") else None,
    )
    reading = (
        ChlorineReading.objects.filter(water_system__jass__district_id=CASCAS)
        .order_by("water_system_id")
        .first()
    )
    system_id = reading.water_system_id
    log_in(phone, live_server, "atm.cascas")
    phone.goto(url(live_server, f"/sistemas/{system_id}/cloro/"))
    phone.wait_for_function("window.Chart && Chart.getChart('chlorine-chart') !== undefined")
    chart = phone.evaluate(
        """() => {
            const chart = Chart.getChart('chlorine-chart');
            const x = chart.scales.x, y = chart.scales.y;
            return {
                xType: x.type,
                ticks: x.ticks.map((t, i) => x.getLabelForValue ? x.ticks[i].label : null),
                yMin: y.min, yMax: y.max,
                shapes: chart.data.datasets.map(d => [d.label, d.pointStyle, d.data.length]),
                width: chart.width,
            };
        }"""
    )
    assert chart["xType"] == "time"
    labels = [t for t in chart["ticks"] if t]
    assert labels and all(DAY_FIRST.match(t) for t in labels), labels
    assert chart["yMin"] == 0 and chart["yMax"] >= 0.5
    shapes = {label: shape for label, shape, _n in chart["shapes"]}
    assert shapes["Reservorio"] == "rect"
    assert shapes["Primera vivienda"] == "triangle"
    assert shapes["Última vivienda"] == "circle"
    assert shapes["Meta: 0.5 mg/L"] == "line"
    assert sum(n for label, _s, n in chart["shapes"] if label != "Meta: 0.5 mg/L") > 0
    assert 0 < chart["width"] <= 360
    assert phone.js_errors == [] and console == []
    assert page_width(phone) <= phone.evaluate("window.innerWidth")
    screenshots(phone, "chlorine-360")
