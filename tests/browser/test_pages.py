"""The web pages in a real browser: headless Chromium (Debian's, never a Playwright download)
drives pytest-django's live server with the demo data of `load_demo`.

Every page visited is saved as a full-page screenshot in test-artifacts/screenshots/."""

from __future__ import annotations

import gettext
from pathlib import Path

import pytest
from django.conf import settings

from .helpers import PERU_DISTRICTS, click_and_wait, html_lang, log_in, path_of, url

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ENGLISH_CATALOGUE = Path(settings.BASE_DIR) / "locale" / "en" / "LC_MESSAGES" / "django.mo"


# --- Helpers (fixtures and shared helpers: conftest.py, helpers.py) -------------------------


def filter_districts(page) -> None:
    click_and_wait(page, page.get_by_role("button", name="Filtrar"))


def english_for(spanish: str) -> str | None:
    """The English of a source string, or None while locale/en has not been compiled."""
    if not ENGLISH_CATALOGUE.exists():
        return None
    with ENGLISH_CATALOGUE.open("rb") as mo:
        english = gettext.GNUTranslations(mo).gettext(spanish)
    return english if english != spanish else None


def district_rows(page):
    return page.locator("table tbody tr")


# --- Tests ----------------------------------------------------------------------------------


def test_login_page_is_in_spanish_and_anonymous_visitors_are_sent_there(
    page, live_server, screenshots
):
    page.goto(url(live_server, "/"))
    assert path_of(page) == "/cuenta/ingresar/?next=/"
    assert html_lang(page) == "es-pe"
    assert page.get_by_role("heading", name="Ingresar a ATO").is_visible()
    assert page.get_by_label("Usuario").is_visible()
    assert page.get_by_label("Contraseña").is_visible()
    assert page.get_by_role("button", name="Salir").count() == 0
    screenshots(page, "login")
    assert page.js_errors == []


def test_atm_head_lands_on_his_district(page, live_server, screenshots):
    log_in(page, live_server, "atm.cascas")
    assert path_of(page) == "/distritos/131101/"
    assert page.get_by_role("heading", level=1).inner_text() == "Cascas"
    assert page.get_by_text("Provincia Gran Chimú, departamento La Libertad").is_visible()
    assert page.get_by_text("O.M. N.° 012-2015-MDC").is_visible()
    assert page.get_by_text("Rosa Elvira Quispe Vásquez").is_visible()
    # Her own menu: "Mi distrito", and no reviewers' list.
    assert page.get_by_role("link", name="Mi distrito").is_visible()
    assert page.get_by_role("link", name="Distritos").count() == 0
    screenshots(page, "cascas")
    assert page.js_errors == []


def test_atm_staff_of_another_district_lands_on_his_own_and_cannot_open_cascas(
    page, live_server, screenshots
):
    log_in(page, live_server, "atm.lucma")
    assert path_of(page) == "/distritos/131102/"
    assert page.get_by_role("heading", level=1).inner_text() == "Lucma"
    assert page.get_by_text("O.M. N.° 007-2016-MDL").is_visible()
    screenshots(page, "lucma")

    response = page.goto(url(live_server, "/distritos/131101/"))
    assert response.status == 404
    assert "Rosa Elvira Quispe Vásquez" not in page.content()
    screenshots(page, "cascas-404")


def test_reviewer_lands_on_the_list_of_districts_and_filters_la_libertad(
    page, live_server, screenshots
):
    log_in(page, live_server, "revisor")
    assert path_of(page) == "/distritos/"
    assert page.get_by_role("heading", name="Distritos del Perú").is_visible()
    assert page.get_by_role("searchbox").is_visible()
    assert page.locator("main table").is_visible()
    assert page.get_by_role("link", name="Distritos").is_visible()  # the reviewers' menu
    assert page.get_by_role("link", name="Mi distrito").count() == 0
    assert f"{PERU_DISTRICTS} distritos" in page.locator("main hgroup").inner_text()
    rows = district_rows(page)
    assert rows.count() == 50  # first page of all of Peru: Amazonas
    assert rows.locator("td:first-child").first.inner_text() == "010101"
    screenshots(page, "list")

    # Choosing a department submits the filter form by itself.
    with page.expect_navigation():
        page.get_by_label("Departamento").select_option(label="La Libertad")
    assert "department=13" in page.url
    rows = district_rows(page)
    assert rows.count() == 50  # La Libertad has 83 districts: two pages
    assert rows.filter(has_text="Trujillo").count() >= 1
    assert all(text.startswith("13") for text in rows.locator("td:first-child").all_inner_texts())
    screenshots(page, "la-libertad")

    # Gran Chimú (1311) is on the second page.
    page.get_by_label("Provincia").select_option(label="Gran Chimú")
    filter_districts(page)
    names = district_rows(page).locator("td:nth-child(2)").all_inner_texts()
    assert names == ["Cascas", "Lucma", "Marmot", "Sayapullo"]
    cascas = district_rows(page).filter(has_text="Cascas")
    assert cascas.locator("td.num").all_inner_texts() == ["5", "5"]  # demo JASS, all active
    screenshots(page, "gran-chimu")

    click_and_wait(page, cascas.get_by_role("link", name="Cascas"))
    assert path_of(page) == "/distritos/131101/"
    assert page.get_by_role("heading", level=1).inner_text() == "Cascas"
    screenshots(page, "cascas")
    assert page.js_errors == []


def test_reviewer_search_ignores_accents_tildes_and_case(page, live_server, screenshots):
    log_in(page, live_server, "revisor")
    search = page.get_by_role("searchbox")

    search.fill("HUARIBAMBA")
    filter_districts(page)
    rows = district_rows(page)
    assert rows.count() == 1
    assert rows.locator("td").all_inner_texts()[:4] == [
        "090709",
        "Huaribamba",
        "Tayacaja",
        "Huancavelica",
    ]
    screenshots(page, "huaribamba")

    # No tilde typed, the name has one; an accent typed where the name has none.
    page.get_by_role("searchbox").fill("nahuimpuquio")
    filter_districts(page)
    assert district_rows(page).locator("td:nth-child(2)").all_inner_texts() == ["Ñahuimpuquio"]
    page.get_by_role("searchbox").fill("cáscas")
    filter_districts(page)
    assert "Cascas" in district_rows(page).locator("td:nth-child(2)").all_inner_texts()
    screenshots(page, "cascas-with-accent")

    page.get_by_role("searchbox").fill("no-existe-este-distrito")
    filter_districts(page)
    assert page.get_by_text("Ningún distrito coincide con los filtros.").is_visible()
    screenshots(page, "no-match")


def test_wrong_password_shows_the_spanish_error_and_stays_on_the_login_page(
    page, live_server, screenshots
):
    log_in(page, live_server, "atm.cascas", password="no-es-la-clave")
    assert path_of(page).startswith("/cuenta/ingresar/")
    alert = page.get_by_role("alert")
    assert alert.is_visible()
    assert "Usuario o contraseña incorrectos" in alert.inner_text()
    assert page.get_by_role("button", name="Salir").count() == 0
    screenshots(page, "wrong-password")

    # The right password still works afterwards (one failure does not lock the account).
    log_in(page, live_server, "atm.cascas")
    assert path_of(page) == "/distritos/131101/"


def test_language_selector_switches_the_pages_to_english_and_back(page, live_server, screenshots):
    log_in(page, live_server, "atm.cascas")
    assert html_lang(page) == "es-pe"
    assert page.get_by_role("button", name="Salir").is_visible()
    screenshots(page, "spanish")

    with page.expect_navigation():
        page.locator("header select[name=language]").select_option("en")
    assert path_of(page) == "/distritos/131101/"  # back on the same page
    assert html_lang(page) == "en"
    assert page.locator("header select[name=language]").input_value() == "en"
    assert page.get_by_role("heading", level=1).inner_text() == "Cascas"  # data stays as is
    log_out = english_for("Salir")
    if log_out is not None:
        # The compiled catalogue translates the button: the page must show that English text.
        assert page.get_by_role("button", name=log_out, exact=True).is_visible()
        assert page.get_by_role("button", name="Salir", exact=True).count() == 0
    screenshots(page, "english")

    # The choice sticks to the next page, and Spanish comes back the same way.
    page.goto(url(live_server, "/cuenta/ingresar/"))  # signed in: redirected home
    assert html_lang(page) == "en"
    with page.expect_navigation():
        page.locator("header select[name=language]").select_option("es-pe")
    assert html_lang(page) == "es-pe"
    assert page.get_by_role("button", name="Salir").is_visible()


def test_district_page_fits_a_360_px_phone_without_horizontal_scrolling(
    phone, live_server, screenshots
):
    log_in(phone, live_server, "atm.cascas")
    assert path_of(phone) == "/distritos/131101/"
    assert phone.get_by_role("heading", level=1).inner_text() == "Cascas"
    screenshots(phone, "cascas-360")
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= 360 + 2, f"the page is {width} px wide on a 360-px screen"
    # The header stays usable: language selector and log-out button on screen.
    for control in (
        phone.locator("header select[name=language]"),
        phone.get_by_role("button", name="Salir"),
    ):
        box = control.bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 360 + 2


def test_district_list_fits_a_360_px_phone_with_the_table_scrolling_inside(
    phone, live_server, screenshots
):
    log_in(phone, live_server, "revisor")
    assert path_of(phone) == "/distritos/"
    screenshots(phone, "list-360")
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= 360 + 2, f"the page is {width} px wide on a 360-px screen"


def test_logout_returns_to_the_login_page(page, live_server, screenshots):
    log_in(page, live_server, "atm.cascas")
    assert path_of(page) == "/distritos/131101/"
    click_and_wait(page, page.get_by_role("button", name="Salir"))
    assert path_of(page) == "/cuenta/ingresar/"
    assert page.get_by_role("heading", name="Ingresar a ATO").is_visible()
    screenshots(page, "logged-out")

    # The session is gone: the district page asks to sign in again.
    page.goto(url(live_server, "/distritos/131101/"))
    assert path_of(page) == "/cuenta/ingresar/?next=/distritos/131101/"
