"""The visit form's rows in Chromium (static/js/rows.js), on a 360-px phone: readings and
agreements are added and removed in the page, what is saved is exactly what was left, and the
"Agregar" button stops at the service's cap with a message that says why."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from jass_registry.models import Jass, JassStatus, WaterSystem
from visits.models import Visit
from visits.services import MAX_AGREEMENTS_PER_VISIT, MAX_READINGS_PER_VISIT

from .helpers import click_and_wait, log_in, page_width, path_of, url

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CASCAS = "131101"
FINDINGS = "Prueba de filas: tres mediciones, dos acuerdos, una medición quitada."


def settled(page) -> None:
    """Wait until the offline app's script (static/js/field/register.js) is done with its own
    requests: on SQLite a navigation racing them may meet a locked table."""
    page.wait_for_function("() => document.documentElement.hasAttribute('data-offline-ready')")


def open_form(page, live_server, path: str) -> None:
    page.goto(url(live_server, path))
    settled(page)


def a_jass_with_a_system() -> tuple[Jass, WaterSystem]:
    system = (
        WaterSystem.objects.filter(
            jass__district_id=CASCAS, jass__status=JassStatus.ACTIVE, retired_on__isnull=True
        )
        .select_related("jass")
        .order_by("pk")
        .first()
    )
    return system.jass, system


def form(page):
    return page.locator("main form")


def reading_rows(page):
    return form(page).locator("[data-formset=readings] [data-formset-row]")


def agreement_rows(page):
    return form(page).locator("[data-formset=agreements] [data-formset-row]")


def add_reading(page):
    form(page).get_by_role("button", name="Agregar medición").click()


def add_agreement(page):
    form(page).get_by_role("button", name="Agregar acuerdo").click()


def fill_reading(row, system: WaterSystem, point: str, mg_per_l: str) -> None:
    row.get_by_label("Sistema de agua").select_option(value=str(system.pk))
    row.get_by_label("Punto").select_option(label=point)
    row.get_by_label("Cloro residual libre (mg/L)").fill(mg_per_l)


def fill_agreement(row, task: str, due_on: dt.date) -> None:
    row.get_by_label("Acuerdo / compromiso").fill(task)
    row.get_by_label("Responsable").fill("Presidente(a)")
    row.get_by_label("Fecha límite").fill(due_on.isoformat())


def total_forms(page, prefix: str) -> str:
    return form(page).locator(f"input[name={prefix}-TOTAL_FORMS]").input_value()


def test_rows_added_and_removed_in_the_page_are_saved_as_left(phone, live_server, screenshots):
    today = timezone.localdate()
    jass, system = a_jass_with_a_system()
    log_in(phone, live_server, "atm.cascas")
    settled(phone)
    open_form(phone, live_server, f"/distritos/{CASCAS}/visitas/nueva/?jass={jass.pk}")
    f = form(phone)
    # With script, no "save and edit again" hint and no DELETE boxes: buttons instead.
    assert not f.get_by_text("¿Necesita más filas?").is_visible()
    assert f.locator("[data-formset-delete]:visible").count() == 0
    f.locator("input[type=date][name=date]").fill(today.isoformat())
    f.get_by_label("Tipo de visita").select_option(label="Supervisión")
    f.get_by_label("Hallazgos").fill(FINDINGS)

    # Three readings: the two rows shown and one added.
    assert reading_rows(phone).count() == 2
    add_reading(phone)
    assert reading_rows(phone).count() == 3
    assert total_forms(phone, "readings") == "3"
    fill_reading(reading_rows(phone).nth(0), system, "Reservorio", "0.80")
    fill_reading(reading_rows(phone).nth(1), system, "Primera vivienda", "0.10")
    fill_reading(reading_rows(phone).nth(2), system, "Última vivienda", "0.60")
    # Two agreements: the row shown and one added.
    add_agreement(phone)
    fill_agreement(agreement_rows(phone).nth(0), "Limpiar el reservorio", today)
    fill_agreement(agreement_rows(phone).nth(1), "Reponer el hipoclorador", today)
    screenshots(phone, "filled")
    assert page_width(phone) <= 360

    # The middle reading goes: the rows after it are renumbered, TOTAL_FORMS follows.
    reading_rows(phone).nth(1).get_by_role("button", name="Quitar medición").click()
    assert reading_rows(phone).count() == 2
    assert total_forms(phone, "readings") == "2"
    names = reading_rows(phone).nth(1).locator("[name]").evaluate_all("els => els.map(e => e.name)")
    assert names == [
        "readings-1-water_system",
        "readings-1-point",
        "readings-1-mg_per_l",
        "readings-1-DELETE",
    ]
    screenshots(phone, "one-removed")
    click_and_wait(phone, f.get_by_role("button", name="Guardar visita"))
    settled(phone)

    visit = Visit.objects.get(jass=jass, findings=FINDINGS)
    assert path_of(phone) == f"/visitas/{visit.pk}/"
    assert sorted((r.point, r.mg_per_l) for r in visit.readings.all()) == [
        ("last_house", Decimal("0.60")),
        ("reservoir", Decimal("0.80")),
    ]
    assert sorted(visit.agreements.values_list("task", flat=True)) == [
        "Limpiar el reservorio",
        "Reponer el hipoclorador",
    ]
    assert phone.js_errors == []


def test_removing_a_saved_reading_on_the_edit_page_drops_it(phone, live_server):
    today = timezone.localdate()
    jass, system = a_jass_with_a_system()
    log_in(phone, live_server, "atm.cascas")
    settled(phone)
    open_form(phone, live_server, f"/distritos/{CASCAS}/visitas/nueva/?jass={jass.pk}")
    f = form(phone)
    f.locator("input[type=date][name=date]").fill(today.isoformat())
    f.get_by_label("Tipo de visita").select_option(label="Supervisión")
    f.get_by_label("Hallazgos").fill(FINDINGS)
    fill_reading(reading_rows(phone).nth(0), system, "Reservorio", "0.80")
    fill_reading(reading_rows(phone).nth(1), system, "Última vivienda", "0.60")
    click_and_wait(phone, f.get_by_role("button", name="Guardar visita"))
    settled(phone)
    visit = Visit.objects.get(jass=jass, findings=FINDINGS)

    # On the edit page the two saved readings are initial rows: removing the first one lowers
    # INITIAL_FORMS too, else Django would ask for the (now empty) first row to be filled in.
    settled(phone)
    open_form(phone, live_server, f"/visitas/{visit.pk}/editar/")
    assert form(phone).locator("input[name=readings-INITIAL_FORMS]").input_value() == "2"
    values = [
        reading_rows(phone).nth(i).get_by_label("Cloro residual libre (mg/L)").input_value()
        for i in range(2)
    ]
    reservoir = reading_rows(phone).nth(values.index("0.80"))
    reservoir.get_by_role("button", name="Quitar medición").click()
    assert form(phone).locator("input[name=readings-INITIAL_FORMS]").input_value() == "1"
    click_and_wait(phone, form(phone).get_by_role("button", name="Guardar visita"))
    settled(phone)
    assert path_of(phone) == f"/visitas/{visit.pk}/"
    assert [(r.point, r.mg_per_l) for r in visit.readings.all()] == [
        ("last_house", Decimal("0.60"))
    ]
    assert phone.js_errors == []


def test_the_add_buttons_stop_at_the_cap_and_say_why(phone, live_server, screenshots):
    jass, _ = a_jass_with_a_system()
    log_in(phone, live_server, "atm.cascas")
    settled(phone)
    open_form(phone, live_server, f"/distritos/{CASCAS}/visitas/nueva/?jass={jass.pk}")
    add = form(phone).get_by_role("button", name="Agregar medición")
    while reading_rows(phone).count() < MAX_READINGS_PER_VISIT:
        assert add.is_enabled()
        add.click()
    assert reading_rows(phone).count() == MAX_READINGS_PER_VISIT == 30
    assert add.is_disabled()
    cap = form(phone).locator("[data-formset=readings] [data-formset-cap]")
    assert cap.is_visible()
    assert cap.inner_text() == "Máximo 30 mediciones por visita."
    screenshots(phone, "readings-cap")
    # A row removed frees a place.
    reading_rows(phone).last.get_by_role("button", name="Quitar medición").click()
    assert add.is_enabled()
    assert not cap.is_visible()

    add = form(phone).get_by_role("button", name="Agregar acuerdo")
    while agreement_rows(phone).count() < MAX_AGREEMENTS_PER_VISIT:
        add.click()
    assert add.is_disabled()
    assert (
        form(phone).locator("[data-formset=agreements] [data-formset-cap]").inner_text()
        == "Máximo 20 acuerdos por visita."
    )
    assert page_width(phone) <= 360
    assert phone.js_errors == []
