"""The JASS registry in a real browser, as the ATM head of Cascas (demo user `atm.cascas`):
register a JASS (after a rejected future recognition date), give it a board and a water system,
find it again by a search without tilde, and export that search as CSV.

Screenshots go to test-artifacts/screenshots/ (the fixtures are in conftest.py)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from pathlib import Path

import pytest
from django.utils import timezone

from jass_registry.models import BoardMember, BoardTerm, Jass, WaterSystem

from .helpers import click_and_wait, log_in, page_width, path_of

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CASCAS = "131101"
DEMO_JASS_IN_CASCAS = 5
NAME = "JASS Ñuñumayo Alto"
REGISTRY_NUMBER = "006-2024"
RESOLUTION = "R.A. N.° 045-2024-MDC/A"
RECOGNIZED_ON = dt.date(2024, 3, 15)
SYSTEM = "Sistema Ñuñumayo – captación Yerbabuena"
PHONE_WIDTH = 360


def members(term_start: dt.date) -> list[dict]:
    """The five members of the new board, in the order the form offers the roles."""
    return [
        {"role": "president", "label": "Presidente(a)", "name": "Teodoro Alvarado Chávez"},
        {"role": "secretary", "label": "Secretario(a)", "name": "María Elena Sánchez Rojas"},
        {"role": "treasurer", "label": "Tesorero(a)", "name": "Juana Paredes Ñique"},
        {"role": "vocal", "label": "Vocal", "name": "Wilmer Castillo León"},
        {
            "role": "fiscal",
            "label": "Fiscal",
            "name": "Segundo Abanto Mendoza",
            # The fiscal took office a month after the others, for one year.
            "starts_on": term_start + dt.timedelta(days=30),
            "ends_on": term_start + dt.timedelta(days=30 + 365),
        },
    ]


DNIS = ["41235678", "42346781", "43457812", "44568123", "45671234"]


def short(date: dt.date) -> str:
    """SHORT_DATE_FORMAT of Spanish (Django's "d/m/Y")."""
    return date.strftime("%d/%m/%Y")


def form(page):
    return page.locator("main form")


def rows(page):
    return page.locator("main table tbody tr")


def fill_registration(page, recognized_on: dt.date) -> None:
    f = form(page)
    f.get_by_label("Nombre").fill(NAME)
    f.get_by_label("Tipo de organización").select_option(label="JASS")
    f.get_by_label("Centros poblados / comunidades atendidas").fill("Ñuñumayo Alto, Yerbabuena")
    f.get_by_label("Viviendas atendidas").fill("72")
    f.get_by_label("N.° de inscripción en el Libro de Registro").fill(REGISTRY_NUMBER)
    f.get_by_label("Resolución de reconocimiento").fill(RESOLUTION)
    f.get_by_label("Fecha de reconocimiento").fill(recognized_on.isoformat())
    f.get_by_label("Estatuto aprobado").check()
    f.get_by_label("Reglamento de prestación del servicio aprobado").check()
    f.get_by_label("Asociados (padrón)").fill("68")
    f.get_by_label("Cuota familiar (S/ al mes)").fill("2.50")
    f.get_by_label("Estado").select_option(label="Activa")
    f.get_by_label("Latitud").fill("-7.48")
    f.get_by_label("Longitud").fill("-78.82")


def save(page) -> None:
    click_and_wait(page, form(page).get_by_role("button", name="Guardar"))


def test_atm_head_registers_a_jass_with_board_and_system_finds_it_and_exports_it(
    page, live_server, screenshots, tmp_path: Path
):
    today = timezone.localdate()

    # 1. Sign in, and open the district's JASS list from the menu.
    log_in(page, live_server, "atm.cascas")
    assert path_of(page) == f"/distritos/{CASCAS}/"
    click_and_wait(page, page.locator("header nav").get_by_role("link", name="JASS", exact=True))
    assert path_of(page) == f"/distritos/{CASCAS}/jass/"
    assert page.get_by_role("heading", level=1).inner_text() == "Organizaciones comunales (JASS)"
    assert f"{DEMO_JASS_IN_CASCAS} organizaciones" in page.locator("main hgroup").inner_text()
    assert rows(page).count() == DEMO_JASS_IN_CASCAS
    screenshots(page, "list")

    # 2. "Registrar JASS". A recognition date in the future is refused, and nothing is saved.
    click_and_wait(page, page.get_by_role("button", name="Registrar JASS"))
    assert path_of(page) == f"/distritos/{CASCAS}/jass/nueva/"
    assert page.get_by_role("heading", level=1).inner_text() == "Registrar organización comunal"
    fill_registration(page, recognized_on=today + dt.timedelta(days=30))
    save(page)
    assert path_of(page) == f"/distritos/{CASCAS}/jass/nueva/"
    error = page.locator("#id_recognized_on_error")
    assert error.is_visible()
    assert "no puede ser posterior a hoy" in error.inner_text()
    assert page.locator("main .error").count() == 1  # only that field is wrong
    assert not Jass.objects.filter(name=NAME).exists()
    assert Jass.objects.filter(district_id=CASCAS).count() == DEMO_JASS_IN_CASCAS
    # What was typed is still there, so correcting the date is enough.
    assert form(page).get_by_label("Nombre").input_value() == NAME
    assert form(page).get_by_label("Cuota familiar (S/ al mes)").input_value() == "2.50"
    assert form(page).get_by_label("Latitud").input_value() == "-7.48"
    screenshots(page, "form-future-date")

    form(page).get_by_label("Fecha de reconocimiento").fill(RECOGNIZED_ON.isoformat())
    save(page)
    jass = Jass.objects.get(district_id=CASCAS, name=NAME)
    assert path_of(page) == f"/jass/{jass.pk}/"
    assert page.get_by_role("status").filter(has_text=f"Se registró {NAME}.").is_visible()
    assert page.get_by_role("heading", level=1).inner_text() == NAME
    registry = page.locator("main dl.fields").inner_text()
    for shown in (REGISTRY_NUMBER, RESOLUTION, "15 de marzo de 2024", "S/ 2.50", "72 · 68"):
        assert shown in registry
    assert (jass.registry_number, str(jass.monthly_fee), jass.recognized_on) == (
        REGISTRY_NUMBER,
        "2.50",
        RECOGNIZED_ON,
    )
    assert (str(jass.latitude), str(jass.longitude)) == ("-7.480000", "-78.820000")
    assert page.get_by_text("No hay consejos directivos registrados.").is_visible()

    # 3. "Nuevo consejo directivo": a current term and its five members.
    click_and_wait(page, page.get_by_role("button", name="Nuevo consejo directivo"))
    assert path_of(page) == f"/jass/{jass.pk}/directiva/nueva/"
    term_start = today - dt.timedelta(days=60)
    term_end = term_start + dt.timedelta(days=2 * 365)
    board = members(term_start)
    f = form(page)
    f.get_by_label("Inicio del periodo").fill(term_start.isoformat())
    f.get_by_label("Fin del periodo").fill(term_end.isoformat())
    f.get_by_label("Fecha de elección").fill((term_start - dt.timedelta(days=10)).isoformat())
    f.get_by_label("Acta de elección en asamblea general").fill("Acta de asamblea general N.° 3")
    fieldsets = page.locator("fieldset.member")
    assert fieldsets.count() == len(board)
    for fieldset, member, dni in zip(fieldsets.all(), board, DNIS, strict=True):
        # The form offers the five roles already chosen, one per row.
        assert fieldset.locator("select[name$=-role]").input_value() == member["role"]
        fieldset.get_by_label("Nombres y apellidos").fill(member["name"])
        fieldset.get_by_label("DNI").fill(dni)
        if "starts_on" in member:
            fieldset.get_by_label("Inicio (si difiere)").fill(member["starts_on"].isoformat())
            fieldset.get_by_label("Fin (si difiere)").fill(member["ends_on"].isoformat())
    fieldsets.first.get_by_label("Teléfono").fill("976 543 210")
    screenshots(page, "board-form")
    click_and_wait(page, f.get_by_role("button", name="Registrar consejo directivo"))
    assert path_of(page) == f"/jass/{jass.pk}/"
    assert page.get_by_role("status").filter(has_text="nuevo consejo directivo").is_visible()
    term = page.locator("main details").filter(has_text="vigente")
    assert term.count() == 1
    summary = term.locator("summary").inner_text()
    assert summary.startswith(f"{short(term_start)} – {short(term_end)}")
    assert term.get_attribute("open") is not None  # the current term is shown open
    headers = term.locator("thead th").all_inner_texts()
    assert headers[:3] == ["Cargo", "Nombres y apellidos", "DNI"]  # own staff see the DNI
    member_rows = term.locator("tbody tr")
    assert member_rows.count() == len(board)
    for row, member, dni in zip(member_rows.all(), board, DNIS, strict=True):
        cells = row.locator("td").all_inner_texts()
        assert cells[:3] == [member["label"], member["name"], dni]
        # The last cell adds "Rectificar" (personal data, Ley 29733) for the ATM head.
        period, *actions = cells[4].split(" · ")
        assert actions == ["Rectificar"]
        if "starts_on" in member:
            assert period == f"{short(member['starts_on'])} – {short(member['ends_on'])}"
        else:
            assert period == "—"
    assert member_rows.first.locator("td").nth(3).inner_text() == "976 543 210"
    assert BoardMember.objects.filter(term__jass=jass).count() == len(board)
    assert BoardTerm.objects.get(jass=jass).starts_on == term_start

    # 4. "Agregar sistema de agua".
    click_and_wait(page, page.get_by_role("button", name="Agregar sistema de agua"))
    assert path_of(page) == f"/jass/{jass.pk}/sistemas/nuevo/"
    assert page.get_by_role("heading", level=1).inner_text() == "Registrar sistema de agua"
    f = form(page)
    f.get_by_label("Nombre").fill(SYSTEM)
    f.get_by_label("Tipo de sistema").select_option(label="Por gravedad con tratamiento")
    f.get_by_label("Año de construcción").fill("2012")
    f.get_by_label("Viviendas conectadas").fill("70")
    f.get_by_label("Sistema de cloración").select_option(label="Cloración por goteo")
    f.get_by_label("Estado").select_option(label="Regular")
    save(page)
    assert path_of(page) == f"/jass/{jass.pk}/"
    assert page.get_by_role("status").filter(has_text="sistema de agua").is_visible()
    systems = page.locator("main section").filter(
        has=page.get_by_role("heading", name="Sistemas de agua potable")
    )
    system_rows = systems.locator("tbody tr")
    assert system_rows.count() == 1
    assert system_rows.first.locator("td").all_inner_texts()[:5] == [
        SYSTEM,
        "Por gravedad con tratamiento",
        "Cloración por goteo",
        "Regular",
        "70",
    ]
    assert WaterSystem.objects.filter(jass=jass, name=SYSTEM).count() == 1
    # The history records the three writes, by this user.
    history = page.locator("main section").filter(
        has=page.get_by_role("heading", name="Historial de cambios")
    )
    history_text = history.inner_text()
    for action in ("Registro", "Nuevo consejo directivo", "Sistema de agua registrado"):
        assert action in history_text
    assert "atm.cascas" in history_text
    screenshots(page, "detail")
    assert page_width(page) <= 1280

    # The same page on a 360-px phone: no horizontal scrolling of the page itself.
    page.set_viewport_size({"width": PHONE_WIDTH, "height": 740})
    screenshots(page, "detail-360")
    width = page_width(page)
    assert width <= PHONE_WIDTH + 2, f"the detail page is {width} px wide on a 360-px screen"
    page.set_viewport_size({"width": 1280, "height": 800})

    # 5. Back to the list; a search without tilde, in lower case, finds exactly this JASS.
    click_and_wait(page, page.locator("main hgroup").get_by_role("link", name="Cascas"))
    assert path_of(page) == f"/distritos/{CASCAS}/jass/"
    assert rows(page).count() == DEMO_JASS_IN_CASCAS + 1
    page.get_by_role("searchbox", name="Buscar").fill("nunumayo")
    click_and_wait(page, page.get_by_role("button", name="Filtrar"))
    assert "q=nunumayo" in page.url
    assert rows(page).count() == 1
    cells = rows(page).first.locator("td").all_inner_texts()
    assert cells[0].splitlines()[0] == NAME
    assert cells[1:4] == [REGISTRY_NUMBER, "Ñuñumayo Alto, Yerbabuena", "68"]
    assert "1 organización" in page.locator("main hgroup").inner_text()
    assert page.get_by_role("searchbox", name="Buscar").input_value() == "nunumayo"
    screenshots(page, "list-search")

    # 6. The CSV export keeps the search.
    export = page.get_by_role("button", name="Exportar CSV")  # a link styled as a button
    assert "q=nunumayo" in export.get_attribute("href")
    with page.expect_download() as info:
        export.click()
    download = info.value
    assert download.failure() is None
    assert download.suggested_filename == f"jass-{CASCAS}.csv"
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    content = saved.read_bytes()
    assert content.startswith(b"\xef\xbb\xbf"), "the CSV starts with a UTF-8 BOM (for Excel)"
    text = content.decode("utf-8-sig")
    assert NAME in text and REGISTRY_NUMBER in text
    table = list(csv.reader(io.StringIO(text)))
    assert table[0][:3] == ["ID", "Nombre", "Tipo"]
    data = [row for row in table[1:] if row]
    assert len(data) == 1, "only the JASS the search found"
    by_header = dict(zip(table[0], data[0], strict=True))
    assert by_header["ID"] == str(jass.pk)
    assert by_header["Nombre"] == NAME
    assert by_header["N.° de inscripción"] == REGISTRY_NUMBER
    assert by_header["Resolución de reconocimiento"] == RESOLUTION
    assert by_header["Fecha de reconocimiento"] == RECOGNIZED_ON.isoformat()
    assert by_header["Cuota familiar"] == "2.50"
    assert re.fullmatch(r"-7\.48(0*)", by_header["Latitud"])

    assert page.js_errors == []
