"""The web pages in a real browser: headless Chromium (Debian's, never a Playwright download)
drives pytest-django's live server with the demo data of `load_demo`.

Every page visited is saved as a full-page screenshot in test-artifacts/screenshots/."""

from __future__ import annotations

import gettext
import io
import os
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command

from territory.models import District
from tests.conftest import need_service

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DEMO_PASSWORD = "ato-demo-2026"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOTS = Path(settings.BASE_DIR) / "test-artifacts" / "screenshots"
ENGLISH_CATALOGUE = Path(settings.BASE_DIR) / "locale" / "en" / "LC_MESSAGES" / "django.mo"
TIMEOUT_MS = 10_000
PERU_DISTRICTS = 1891


# --- Fixtures -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def browser():
    """One Chromium for the module; each test gets its own context (cookies, viewport)."""
    need_service(
        os.path.exists(settings.ATO_CHROMIUM), f"needs Chromium at {settings.ATO_CHROMIUM}"
    )
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an event loop running in this thread; without this Django
    # refuses the ORM calls the tests (and the database flush between them) make.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    playwright = sync_playwright().start()
    try:
        chromium = playwright.chromium.launch(
            executable_path=settings.ATO_CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield chromium
        finally:
            chromium.close()
    finally:
        playwright.stop()
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def demo(transactional_db, settings):
    """Peru's territory and the Gran Chimú demo data.

    The territory comes from a data migration, but a transactional test ends by flushing every
    table, so from the second test on it is gone: load it again when it is missing.
    The demo passwords are hashed with a fast hasher: every test signs in, and the live server
    checks the password with the same settings."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    if District.objects.count() < PERU_DISTRICTS:
        call_command("load_territory", stdout=io.StringIO())
    call_command("load_demo", stdout=io.StringIO())


@pytest.fixture
def screenshots(request):
    """shot(page, label) saves <test-name>-<n>-<label>.png; a failing test adds -FAILED.png."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    name = request.node.name
    for old in SCREENSHOTS.glob(f"{name}-*.png"):
        old.unlink()
    counter = iter(range(1, 100))

    def shot(page, label: str) -> Path:
        path = SCREENSHOTS / f"{name}-{next(counter):02d}-{label}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return shot


def _new_page(browser, request, width: int = 1280, height: int = 800):
    # A Peruvian user's browser: Spanish first (headless Chromium would otherwise ask for en-US).
    context = browser.new_context(
        locale="es-PE", viewport={"width": width, "height": height}, color_scheme="light"
    )
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.js_errors = errors
    request.addfinalizer(lambda: _close(context, page, request))
    return page


def _close(context, page, request) -> None:
    report = getattr(request.node, "rep_call", None)
    if report is not None and report.failed and not page.is_closed():
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / f"{request.node.name}-FAILED.png"), full_page=True)
    context.close()


@pytest.fixture
def page(browser, request, demo, live_server):
    return _new_page(browser, request)


@pytest.fixture
def phone(browser, request, demo, live_server):
    """A 360-px-wide phone, the narrowest screen ATM staff use."""
    return _new_page(browser, request, width=360, height=740)


# --- Helpers --------------------------------------------------------------------------------


def url(live_server, path: str) -> str:
    return f"{live_server.url}{path}"


def click_and_wait(page, target) -> None:
    """Click something that loads a new page, and wait until that page has loaded."""
    with page.expect_navigation():
        target.click()


def filter_districts(page) -> None:
    click_and_wait(page, page.get_by_role("button", name="Filtrar"))


def log_in(page, live_server, username: str, password: str = DEMO_PASSWORD) -> None:
    page.goto(url(live_server, "/cuenta/ingresar/"))
    page.get_by_label("Usuario").fill(username)
    page.get_by_label("Contraseña").fill(password)
    click_and_wait(page, page.locator("main form").get_by_role("button", name="Ingresar"))


def path_of(page) -> str:
    return re.sub(r"^https?://[^/]+", "", page.url)


def html_lang(page) -> str:
    return page.locator("html").get_attribute("lang")


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
