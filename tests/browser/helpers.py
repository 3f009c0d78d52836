"""Plain helpers and constants shared by the browser tests (the fixtures are in conftest.py)."""

from __future__ import annotations

import re
from pathlib import Path

from django.conf import settings

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
TIMEOUT_MS = 10_000
PERU_DISTRICTS = 1891


def url(live_server, path: str) -> str:
    return f"{live_server.url}{path}"


def click_and_wait(page, target) -> None:
    """Click something that loads a new page, and wait until that page has loaded."""
    with page.expect_navigation():
        target.click()


def log_in(page, live_server, username: str, password: str = DEMO_PASSWORD) -> None:
    page.goto(url(live_server, "/cuenta/ingresar/"))
    page.get_by_label("Usuario").fill(username)
    page.get_by_label("Contraseña").fill(password)
    click_and_wait(page, page.locator("main form").get_by_role("button", name="Ingresar"))


def path_of(page) -> str:
    return re.sub(r"^https?://[^/]+", "", page.url)


def html_lang(page) -> str:
    return page.locator("html").get_attribute("lang")


def page_width(page) -> int:
    """How wide the document is: more than the viewport means horizontal scrolling."""
    return page.evaluate("document.documentElement.scrollWidth")
