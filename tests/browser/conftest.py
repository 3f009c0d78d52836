"""Fixtures of the browser tests: Debian's headless Chromium (never a Playwright download)
driving pytest-django's live server, with Peru's territory and the `load_demo` data."""

import contextlib
import io
import os

import pytest
from django.conf import settings
from django.core.management import call_command

from incentives.catalogue import seed_goals
from incentives.models import Goal, Requirement
from territory.models import District
from tests.conftest import need_service

from .helpers import CHROMIUM_ARGS, PERU_DISTRICTS, SCREENSHOTS, TIMEOUT_MS


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    """Keep each phase's report on the test item, so that fixtures can tell a failed test
    (the browser fixtures then save a -FAILED.png screenshot)."""
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report


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
    table, so from the second test on it is gone: load it (and the seeded goals) again when missing.
    The demo passwords are hashed with a fast hasher: every test signs in, and the live server
    checks the password with the same settings."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    if District.objects.count() < PERU_DISTRICTS:
        call_command("load_territory", stdout=io.StringIO())
    seed_goals(Goal, Requirement, only_missing=True)  # seeded by a migration, flushed too
    call_command("load_demo", stdout=io.StringIO())


@pytest.fixture
def screenshots(request):
    """shot(page, label) saves <test-name>-<n>-<label>.png; a failing test adds -FAILED.png."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    name = request.node.name
    for old in SCREENSHOTS.glob(f"{name}-*.png"):
        old.unlink()
    counter = iter(range(1, 100))

    def shot(page, label: str):
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
    if not page.is_closed():
        from playwright.sync_api import Error as PlaywrightError

        # Let the page's background requests (the offline copy of the user's data) end before
        # the test database is flushed: one still running on the live server held a table lock
        # that deadlocked the flush's TRUNCATE (a teardown error seen in CI).
        with contextlib.suppress(PlaywrightError):
            page.wait_for_load_state("networkidle", timeout=5000)
    context.close()


@pytest.fixture
def page(browser, request, demo, live_server):
    return _new_page(browser, request)


@pytest.fixture
def phone(browser, request, demo, live_server):
    """A 360-px-wide phone, the narrowest screen ATM staff use."""
    return _new_page(browser, request, width=360, height=740)
