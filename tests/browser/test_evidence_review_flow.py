"""Evidence from upload to review in Chromium: the Cascas ATM head presents two documents, the
reviewer returns one with a comment from the queue and approves the other, and the ATM head
finds the returned one first on her home page, with the comment, the reviewer's name and a
notification; the queue and the home page fit a 360-px phone."""

from __future__ import annotations

import pytest
from django.utils import timezone

from incentives.catalogue import seed_goals
from incentives.models import Evidence, Goal

from .helpers import click_and_wait, log_in, page_width, path_of, url

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CASCAS = "131101"
COMMENT = "Falta la firma del alcalde"
REVIEWER = "Carmen Salazar"
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


@pytest.fixture(autouse=True)
def goals(demo, settings, tmp_path):
    """The seeded goals (a transactional test flushes the migration's), and uploads kept in a
    temporary folder (the live server runs in this process, with these settings)."""
    settings.MEDIA_ROOT = tmp_path
    if not Goal.objects.exists():
        seed_goals()


def sign_out(page) -> None:
    click_and_wait(page, page.get_by_role("button", name="Salir"))


def present(page, live_server, requirement_index: int, number: str) -> None:
    """On the district's evidence page, present a small PDF for one requirement."""
    page.goto(url(live_server, f"/distritos/{CASCAS}/evidencias/"))
    page.get_by_role("button", name="Presentar una evidencia").click()
    page.get_by_label("Requisito").select_option(index=requirement_index)
    page.get_by_label("Número del documento").fill(number)
    page.get_by_label("Fecha del documento").fill(timezone.localdate().isoformat())
    page.get_by_label("Archivo").set_input_files(
        {"name": f"{number}.pdf", "mimeType": "application/pdf", "buffer": PDF}
    )
    click_and_wait(page, page.get_by_role("button", name="Presentar", exact=True))
    assert path_of(page) == f"/distritos/{CASCAS}/evidencias/"
    assert page.get_by_text("Evidencia presentada").is_visible()


def queue_row(page, number: str):
    return page.locator("table tbody tr").filter(has_text=number)


def in_viewport(page, locator) -> bool:
    """The element's box lies wholly inside the window (the page scrolled to it vertically)."""
    box = locator.bounding_box()
    size = page.viewport_size
    return (
        box is not None
        and box["x"] >= 0
        and box["x"] + box["width"] <= size["width"]
        and box["y"] >= 0
        and box["y"] + box["height"] <= size["height"]
    )


def fits_phone(page) -> None:
    assert page_width(page) <= 360, f"{path_of(page)} scrolls sideways: {page_width(page)} px"


def test_a_returned_evidence_reaches_the_atm_head_and_an_approved_one_reads_approved(
    page, phone, live_server, screenshots
):
    # 1. The ATM head presents two documents, for two requirements.
    log_in(page, live_server, "atm.cascas")
    present(page, live_server, 1, "OF-001-2026")
    present(page, live_server, 2, "OF-002-2026")
    rows = page.locator("table tbody tr")
    assert rows.count() == 2
    assert rows.filter(has_text="Presentada, sin revisar").count() == 2
    screenshots(page, "atm-presented")
    sign_out(page)

    # 2. The reviewer finds both waiting in the queue and returns the first with a comment.
    log_in(page, live_server, "revisor")
    page.goto(url(live_server, "/evidencias/"))
    assert page.get_by_role("heading", name="Evidencias por revisar").is_visible()
    first = queue_row(page, "OF-001-2026")
    assert "Sin revisar" in first.inner_text() and "Cascas" in first.inner_text()
    screenshots(page, "queue-waiting")
    first.get_by_label("Observación").fill(COMMENT)
    click_and_wait(page, first.get_by_role("button", name="Observar"))
    assert path_of(page) == "/evidencias/"
    assert page.get_by_text("Revisión de la evidencia registrada.").is_visible()
    first = queue_row(page, "OF-001-2026")
    assert "Observada" in first.inner_text()
    assert COMMENT in first.inner_text() and REVIEWER in first.inner_text()
    screenshots(page, "queue-returned")
    sign_out(page)

    # On a 360 x 740 phone the queue's rows stack: no sideways scroll, and the waiting item's
    # "Aprobar" is on screen without scrolling the table inside its box.
    log_in(phone, live_server, "revisor")
    phone.goto(url(live_server, "/evidencias/"))
    assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    approve = phone.get_by_role("button", name="Aprobar").first
    # Scroll the window only (scroll_into_view_if_needed would also scroll the table's box).
    approve.evaluate("b => window.scrollTo(0, b.getBoundingClientRect().top + scrollY - 200)")
    assert in_viewport(phone, approve)
    screenshots(phone, "queue-phone-waiting")
    # The page's background work (the offline copy) done first: a late answer of the
    # previous session would set its cookie again.
    phone.wait_for_selector("html[data-offline-ready]")
    phone.context.clear_cookies()

    # 3. The ATM head's home page shows the returned evidence first, and the bell a count.
    log_in(page, live_server, "atm.cascas")
    assert path_of(page) == f"/distritos/{CASCAS}/"
    observed = page.locator("section[aria-labelledby=observed]")
    assert observed.get_by_role("heading", name="Observado por el revisor").is_visible()
    returned = observed.locator("article.returned").first
    assert returned.locator("header").inner_text().startswith("Observado")
    assert "OF-001-2026" in returned.inner_text()
    assert COMMENT in returned.inner_text() and REVIEWER in returned.inner_text()
    assert "OF-002-2026" not in observed.inner_text()
    badge = page.locator("a.bell .badge")
    assert badge.is_visible() and int(badge.inner_text()) >= 1
    screenshots(page, "atm-home-returned")
    sign_out(page)

    # 4. The reviewer approves the second document from the queue; it reads approved.
    log_in(page, live_server, "revisor")
    page.goto(url(live_server, "/evidencias/"))
    second = queue_row(page, "OF-002-2026")
    click_and_wait(page, second.get_by_role("button", name="Aprobar"))
    second = queue_row(page, "OF-002-2026")
    assert "Aprobada" in second.inner_text() and REVIEWER in second.inner_text()
    assert second.get_by_role("button").count() == 0
    assert Evidence.objects.get(number="OF-002-2026").status == "approved"
    screenshots(page, "queue-approved")

    # The queue and the ATM head's home page on a 360-px phone, with no sideways scroll.
    log_in(phone, live_server, "revisor")
    phone.goto(url(live_server, "/evidencias/"))
    fits_phone(phone)
    screenshots(phone, "queue-phone")
    # The page's background work (the offline copy) done first: a late answer of the
    # previous session would set its cookie again.
    phone.wait_for_selector("html[data-offline-ready]")
    phone.context.clear_cookies()
    log_in(phone, live_server, "atm.cascas")
    assert path_of(phone) == f"/distritos/{CASCAS}/"
    assert COMMENT in phone.locator("section[aria-labelledby=observed]").inner_text()
    fits_phone(phone)
    screenshots(phone, "atm-home-phone")
    assert page.js_errors == [] and phone.js_errors == []
