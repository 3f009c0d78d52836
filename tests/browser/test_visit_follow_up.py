"""On a 360 px phone, an ATM head follows a visit up: attaches the photo of the signed acta,
writes a follow-up note and marks an agreement done on a chosen day, from the agreements list
and the visit page, with nothing off screen and every button a finger tall."""

import datetime as dt

import pytest
from django.utils import timezone

from tests.browser.conftest import _new_page
from tests.browser.helpers import click_and_wait, log_in, url
from visits.models import AgreementNote, VisitAttachment
from visits.services import visit_record

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 360, "height": 740}
MIN_TOUCH_PX = 44
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 128

FITS = """(min) => {
  const width = window.innerWidth;
  const out = {scroll: document.documentElement.scrollWidth, width, outside: [], small: []};
  for (const el of document.querySelectorAll("main button, main a[role=button]")) {
    if (!el.checkVisibility()) continue;
    const box = el.getBoundingClientRect();
    const name = (el.innerText || el.tagName).trim();
    if (box.left < -0.5 || box.right > width + 0.5) out.outside.push(name);
    if (box.height < min - 0.5) out.small.push(`${name} (${Math.round(box.height)} px)`);
  }
  return out;
}"""


def fits(page) -> None:
    found = page.evaluate(FITS, MIN_TOUCH_PX)
    assert found["scroll"] <= found["width"], found
    assert not found["outside"] and not found["small"], found


@pytest.fixture
def visit(demo):
    from jass_registry.models import Jass, JassStatus
    from territory.models import User

    head = User.objects.get(username="atm.cascas")
    jass = Jass.objects.filter(district_id="131101").exclude(status=JassStatus.DISSOLVED).first()
    day = timezone.localdate() - dt.timedelta(days=7)
    return visit_record(
        user=head,
        jass=jass,
        data={"date": day, "kind": "follow_up", "findings": "Visita de seguimiento."},
        agreements=[
            {
                "task": "Comprar hipoclorito para tres meses de cloración por goteo",
                "responsible": "Tesorero(a) de la JASS",
                "due_on": day + dt.timedelta(days=30),
            },
            {"task": "Limpiar el reservorio", "responsible": "Operador", "due_on": day},
        ],
    )


def test_follow_up_on_a_phone(browser, request, live_server, visit, screenshots, tmp_path):
    page = _new_page(browser, request, **PHONE)
    page.on("dialog", lambda dialog: dialog.accept())  # the forms' data-confirm
    log_in(page, live_server, "atm.cascas")
    # The first page's background work (the offline app's install and copy) ends first: the
    # test database refuses two requests writing the session row at the same time.
    page.wait_for_selector("html[data-offline-ready='yes']")

    page.goto(url(live_server, f"/visitas/{visit.pk}/"))
    fits(page)
    photo = tmp_path / "acta firmada con un nombre de archivo bastante largo.png"
    photo.write_bytes(PNG)
    page.locator("input[type=file]").set_input_files(str(photo))
    click_and_wait(page, page.get_by_role("button", name="Adjuntar acta"))
    assert page.get_by_role("link", name=photo.name).is_visible()
    assert VisitAttachment.objects.filter(visit=visit).count() == 1
    fits(page)
    screenshots(page, "visit-with-acta")

    page.goto(url(live_server, "/distritos/131101/acuerdos/"))
    fits(page)
    row = page.locator("tr", has_text="Limpiar el reservorio")
    row.get_by_text("Agregar nota de seguimiento").click()
    row.get_by_label("Nota de seguimiento").fill("El operador pidió ayuda a la comunidad.")
    click_and_wait(page, row.get_by_role("button", name="Guardar nota"))
    assert AgreementNote.objects.get().text == "El operador pidió ayuda a la comunidad."
    row = page.locator("tr", has_text="Limpiar el reservorio")
    assert row.get_by_text("El operador pidió ayuda a la comunidad.").is_visible()
    done_day = timezone.localdate() - dt.timedelta(days=2)
    row.get_by_label("Cumplido el").fill(done_day.isoformat())
    button = row.get_by_role("button", name="Marcar cumplido")
    assert button.is_visible()
    fits(page)
    screenshots(page, "agreements-before-done")
    click_and_wait(page, button)
    assert page.get_by_text(f"Acuerdo marcado como cumplido el {done_day:%d/%m/%Y}.").is_visible()
    assert visit.agreements.get(task="Limpiar el reservorio").done_on == done_day
    fits(page)
    assert not page.js_errors
