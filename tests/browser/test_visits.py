"""Visits in a real browser, as the ATM head of Cascas (demo user `atm.cascas`): a JASS flagged
"Cloración insuficiente" on the district page gets a supervision visit with two good chlorine
readings and an agreement; the flag goes, the chlorine chart draws the readings, the agreement
is marked done, the acta is printable, and a reading of 7 mg/L is refused with nothing saved.

Screenshots go to test-artifacts/screenshots/ (the fixtures are in conftest.py)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db.models import Q
from django.utils import timezone

from jass_registry.models import Jass, JassStatus, WaterSystem
from jass_registry.risk import (
    ADEQUATE_CHLORINE_MG_L,
    CHLORINE_WINDOW_DAYS,
    Signal,
    signal_codes,
    with_risk,
)
from visits.models import Agreement, ChlorineReading, Visit

from .helpers import click_and_wait, log_in, page_width, path_of, url

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CASCAS = "131101"
CHLORINE = str(Signal.CHLORINE.label)  # "Cloración insuficiente"
FINDINGS = "Reservorio limpio; se reguló el goteo del hipoclorador. Prueba de navegador."
TASK = "Registrar la dosificación diaria de cloro en el cuaderno de operación"
RESPONSIBLE = "Operador(a) del sistema"
NEW_SYSTEM = "Sistema Alto Cascas – captación Quebrada Honda"
PHONE_WIDTH = 360


# --- Helpers --------------------------------------------------------------------------------


def short(date: dt.date) -> str:
    """SHORT_DATE_FORMAT of es-PE ("d/m/Y")."""
    return date.strftime("%d/%m/%Y")


def poorly_chlorinated(jass: Jass, today: dt.date):
    """The active water systems of `jass` that make its chlorine signal fire (as risk.py)."""
    window = today - dt.timedelta(days=CHLORINE_WINDOW_DAYS)
    return WaterSystem.objects.filter(jass=jass, retired_on__isnull=True).filter(
        Q(network_reading_on__isnull=True)
        | Q(network_reading_on__lt=window)
        | Q(network_reading_mg_l__lt=ADEQUATE_CHLORINE_MG_L)
    )


def risk_of(jass: Jass, today: dt.date) -> list[str]:
    return signal_codes(with_risk(Jass.objects.filter(pk=jass.pk), today).get())


def jass_with_chlorine_signal(today: dt.date) -> tuple[Jass, WaterSystem] | None:
    """An active demo JASS of Cascas with the chlorine signal, caused by exactly one active
    water system (so that good readings on it clear the signal). Those with more signals come
    first: after the visit their row stays on the district page, without the chlorine one."""
    candidates = (
        with_risk(Jass.objects.filter(district_id=CASCAS, status=JassStatus.ACTIVE), today)
        .filter(**{f"risk_{Signal.CHLORINE}": True})
        .order_by("-risk_count", "name")
    )
    for jass in candidates:
        systems = list(poorly_chlorinated(jass, today))
        if len(systems) == 1:
            return jass, systems[0]
    return None


def register_unchlorinated_system(page, live_server, today: dt.date) -> tuple[Jass, WaterSystem]:
    """No demo JASS has the chlorine signal: register, through the page, a new water system
    (no readings yet, so the signal fires) for the first active demo JASS of Cascas."""
    jass = Jass.objects.filter(district_id=CASCAS, status=JassStatus.ACTIVE).order_by("name")[0]
    page.goto(url(live_server, f"/jass/{jass.pk}/"))
    click_and_wait(page, page.get_by_role("button", name="Agregar sistema de agua"))
    f = page.locator("main form")
    f.get_by_label("Nombre").fill(NEW_SYSTEM)
    f.get_by_label("Tipo de sistema").select_option(label="Por gravedad con tratamiento")
    f.get_by_label("Año de construcción").fill("2010")
    f.get_by_label("Viviendas conectadas").fill("40")
    f.get_by_label("Sistema de cloración").select_option(label="Cloración por goteo")
    f.get_by_label("Estado").select_option(label="Regular")
    click_and_wait(page, f.get_by_role("button", name="Guardar"))
    assert path_of(page) == f"/jass/{jass.pk}/"
    system = WaterSystem.objects.get(jass=jass, name=NEW_SYSTEM)
    assert Signal.CHLORINE in risk_of(jass, today)
    return jass, system


def alert_row(page, jass: Jass):
    """The row of `jass` in the district page's "JASS con alertas" table (may be absent)."""
    section = page.locator("main section").filter(
        has=page.get_by_role("heading", name="JASS con alertas")
    )
    return section.locator("tbody tr").filter(
        has=page.get_by_role("link", name=jass.name, exact=True)
    )


def open_visit_form(page, jass: Jass) -> None:
    """From the JASS page: wait for htmx to load the timeline, then "Registrar visita"."""
    register = page.locator("#visits").get_by_role("button", name="Registrar visita")
    register.wait_for()
    click_and_wait(page, register)
    assert path_of(page) == f"/distritos/{CASCAS}/visitas/nueva/?jass={jass.pk}"
    assert page.get_by_role("heading", level=1).inner_text() == "Registrar visita"
    assert jass.name in page.locator("main hgroup").inner_text()


def visit_form(page):
    return page.locator("main form")


def fill_visit(page, date: dt.date) -> None:
    f = visit_form(page)
    f.locator("input[type=date][name=date]").fill(date.isoformat())
    f.get_by_label("Tipo de visita").select_option(label="Supervisión")


def reading_rows(page):
    return visit_form(page).locator("fieldset.member").filter(has=page.locator("[name$=-point]"))


def agreement_rows(page):
    return visit_form(page).locator("fieldset.member").filter(has=page.locator("[name$=-task]"))


def fill_reading(fieldset, system: WaterSystem, point: str, mg_per_l: str) -> None:
    fieldset.get_by_label("Sistema de agua").select_option(value=str(system.pk))
    fieldset.get_by_label("Punto").select_option(label=point)
    fieldset.get_by_label("Cloro residual libre (mg/L)").fill(mg_per_l)


def save_visit(page) -> None:
    click_and_wait(page, visit_form(page).get_by_role("button", name="Guardar visita"))


def table_rows(scope) -> list[list[str]]:
    return [row.locator("td").all_inner_texts() for row in scope.locator("tbody tr").all()]


# --- Test -----------------------------------------------------------------------------------


def test_a_visit_with_good_chlorine_readings_clears_the_chlorine_alert(
    page, live_server, screenshots
):
    today = timezone.localdate()
    due_on = today + dt.timedelta(days=30)

    # 1. A demo JASS of Cascas with the chlorine signal, listed on the district page.
    log_in(page, live_server, "atm.cascas")
    assert path_of(page) == f"/distritos/{CASCAS}/"
    found = jass_with_chlorine_signal(today)
    if found is None:
        found = register_unchlorinated_system(page, live_server, today)
        page.goto(url(live_server, f"/distritos/{CASCAS}/"))
    jass, system = found
    signals_before = risk_of(jass, today)
    assert Signal.CHLORINE in signals_before
    row = alert_row(page, jass)
    assert row.count() == 1, f"{jass.name} is not listed under «JASS con alertas»"
    assert CHLORINE in row.inner_text()
    screenshots(page, "district-before")

    # 2. Its page; the visits timeline comes by htmx. "Registrar visita", and fill it in.
    click_and_wait(page, row.get_by_role("link", name=jass.name, exact=True))
    assert path_of(page) == f"/jass/{jass.pk}/"
    assert page.locator("article.signal").filter(has_text=CHLORINE).count() == 1
    open_visit_form(page, jass)
    visits_before = Visit.objects.filter(jass=jass).count()
    f = visit_form(page)
    # The date comes filled with today's.
    assert f.locator("input[type=date][name=date]").input_value() == today.isoformat()
    fill_visit(page, today)
    f.get_by_role("checkbox", name="Cloración", exact=True).check()
    f.get_by_label("Hallazgos").fill(FINDINGS)
    readings = reading_rows(page)
    assert readings.count() == 2
    fill_reading(readings.nth(0), system, "Reservorio", "0.80")
    fill_reading(readings.nth(1), system, "Última vivienda", "0.60")
    agreements = agreement_rows(page)
    assert agreements.count() == 1
    agreements.first.get_by_label("Acuerdo / compromiso").fill(TASK)
    agreements.first.get_by_label("Responsable").fill(RESPONSIBLE)
    agreements.first.get_by_label("Fecha límite").fill(due_on.isoformat())
    screenshots(page, "visit-form")
    save_visit(page)

    visit = Visit.objects.get(jass=jass, findings=FINDINGS)
    assert path_of(page) == f"/visitas/{visit.pk}/"
    assert page.get_by_role("status").filter(has_text="Se registró la visita.").is_visible()
    assert page.get_by_role("heading", level=1).inner_text() == f"Supervisión · {short(today)}"
    assert Visit.objects.filter(jass=jass).count() == visits_before + 1
    assert (visit.date, visit.kind, visit.topics, visit.staff.username) == (
        today,
        "supervision",
        ["chlorination"],
        "atm.cascas",
    )
    assert "Cloración" in page.locator("main dl.fields").inner_text()
    main = page.locator("main")
    readings_table = main.locator("table").nth(0)
    assert sorted(table_rows(readings_table)) == sorted(
        [[system.name, "Reservorio", "0.80"], [system.name, "Última vivienda", "0.60"]]
    )
    # The agreement, open: its follow-up note form and the "Marcar cumplido" form with a date.
    [[task, responsible, due, done]] = table_rows(main.locator("table").nth(1))
    assert (task.splitlines()[0], responsible, due) == (TASK, RESPONSIBLE, short(due_on))
    assert "Agregar nota de seguimiento" in task and "Marcar cumplido" in done
    assert sorted(visit.readings.values_list("point", "mg_per_l", "taken_on")) == sorted(
        [
            ("reservoir", Decimal("0.80"), today),
            ("last_house", Decimal("0.60"), today),
        ]
    )
    screenshots(page, "visit-detail")

    # 3. The district page: the JASS lost the chlorine signal (its others may remain).
    page.goto(url(live_server, f"/distritos/{CASCAS}/"))
    signals_after = risk_of(jass, today)
    assert Signal.CHLORINE not in signals_after
    row = alert_row(page, jass)
    if signals_after:
        assert row.count() == 1, f"{jass.name} still has {signals_after}: it stays listed"
        assert CHLORINE not in row.inner_text()
    else:
        assert row.count() == 0
    screenshots(page, "district-after")

    # 4. The chlorine chart of the water system: Chart.js drew the readings and the 0.5 line.
    page.goto(url(live_server, f"/sistemas/{system.pk}/cloro/"))
    assert system.name in page.get_by_role("heading", level=1).inner_text()
    chart = page.evaluate(
        """() => {
            const canvas = document.getElementById('chlorine-chart');
            const chart = Chart.getChart(canvas);
            if (!chart) return null;
            return {
                width: canvas.width,
                height: canvas.height,
                datasets: chart.data.datasets.map(d => ({label: d.label, data: d.data})),
            };
        }"""
    )
    assert chart is not None, "Chart.js drew no chart on #chlorine-chart"
    assert chart["width"] > 0 and chart["height"] > 0
    datasets = {d["label"]: d["data"] for d in chart["datasets"]}
    assert {"x": today.isoformat(), "y": 0.8} in datasets["Reservorio"]
    assert {"x": today.isoformat(), "y": 0.6} in datasets["Última vivienda"]
    target = datasets["Meta: 0.5 mg/L"]
    assert len(target) == 2 and {p["y"] for p in target} == {0.5}
    assert target[-1]["x"] == today.isoformat()
    recent = table_rows(page.locator("main table"))
    assert [short(today), "Reservorio", "0.80", "—"] in recent  # not deciding
    assert [short(today), "Última vivienda", "0.60", "Sí"] in recent  # decides
    screenshots(page, "chlorine-chart")

    # 5. The agreements page: the new agreement is pending; mark it done (confirm dialog).
    page.goto(url(live_server, f"/distritos/{CASCAS}/acuerdos/"))
    assert page.get_by_role("heading", level=1).inner_text() == "Acuerdos pendientes"
    pending = page.locator("main tbody tr").filter(has_text=TASK)
    assert pending.count() == 1
    cells = pending.locator("td").all_inner_texts()
    assert [cells[0], cells[1].splitlines()[0], *cells[2:4]] == [
        short(due_on),
        TASK,
        RESPONSIBLE,
        f"{jass.name} · visita del {short(today)}",
    ]
    asked: list[str] = []

    def accept(dialog) -> None:
        asked.append(dialog.message)
        dialog.accept()

    page.once("dialog", accept)
    click_and_wait(page, pending.get_by_role("button", name="Marcar cumplido"))
    assert asked == ["¿Marcar este acuerdo como cumplido en la fecha indicada?"]  # today
    assert path_of(page) == f"/distritos/{CASCAS}/acuerdos/"
    assert (
        page.get_by_role("status")
        .filter(has_text=f"Acuerdo marcado como cumplido el {today:%d/%m/%Y}.")
        .is_visible()
    )
    assert page.locator("main tbody tr").filter(has_text=TASK).count() == 0
    agreement = Agreement.objects.get(visit=visit, task=TASK)
    assert (agreement.done_on, agreement.done_by.username) == (today, "atm.cascas")
    screenshots(page, "agreements")

    # 6. The acta of the visit, for printing and signatures.
    page.goto(url(live_server, f"/visitas/{visit.pk}/acta/"))
    acta = page.locator("main.acta")
    text = acta.inner_text()
    for shown in (jass.name, "Supervisión", FINDINGS, TASK, RESPONSIBLE, short(due_on)):
        assert shown in text
    assert sorted(table_rows(acta.locator("table.grid").nth(0))) == sorted(
        [[system.name, "Reservorio", "0.80"], [system.name, "Última vivienda", "0.60"]]
    )
    signatures = acta.locator("section.signatures > div")
    assert signatures.all_inner_texts() == [
        "Personal del ATM",
        "Presidente(a) de la JASS",
        "Tesorero(a) de la JASS",
    ]
    for line in signatures.locator("span").all():
        box = line.bounding_box()
        assert box is not None and box["width"] > 100, "a signature line is missing"
    screenshots(page, "acta")

    # 7. A reading of 7 mg/L is refused in Spanish, and nothing is saved.
    counts = (Visit.objects.count(), ChlorineReading.objects.count(), Agreement.objects.count())
    page.goto(url(live_server, f"/jass/{jass.pk}/"))
    open_visit_form(page, jass)
    fill_visit(page, today - dt.timedelta(days=1))
    f = visit_form(page)
    f.get_by_label("Hallazgos").fill("Lectura fuera de rango")
    fill_reading(reading_rows(page).first, system, "Primera vivienda", "7")
    save_visit(page)
    assert path_of(page) == f"/distritos/{CASCAS}/visitas/nueva/?jass={jass.pk}"
    assert page.get_by_role("status").filter(has_text="no se guardó nada").is_visible()
    error = reading_rows(page).first.locator(".error")
    assert error.count() == 1
    assert "menor o igual a 5" in error.inner_text()
    assert (Visit.objects.count(), ChlorineReading.objects.count(), Agreement.objects.count()) == (
        counts
    )
    # What was typed is still there.
    assert reading_rows(page).first.get_by_label("Cloro residual libre (mg/L)").input_value() == "7"
    assert f.get_by_label("Hallazgos").input_value() == "Lectura fuera de rango"
    screenshots(page, "visit-form-error")

    # The same form on a 360-px phone: no horizontal scrolling of the page itself.
    page.set_viewport_size({"width": PHONE_WIDTH, "height": 740})
    screenshots(page, "visit-form-error-360")
    width = page_width(page)
    assert width <= PHONE_WIDTH + 2, f"the visit form is {width} px wide on a 360-px screen"

    assert page.js_errors == []
