"""The ATM head's Everyone Forever path on a 360-px phone, following links: the district page's
coverage card, the Everyone Forever page with its trend chart, a centre without service, the
service added to it (and the coverage rising), no sideways scroll anywhere."""

from __future__ import annotations

import pytest

from .helpers import click_and_wait, log_in, page_width, path_of, url

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def fits(page) -> None:
    assert page_width(page) <= 360, f"{path_of(page)} scrolls sideways: {page_width(page)} px"


def test_from_the_district_to_a_centre_without_service_and_back(phone, live_server, screenshots):
    log_in(phone, live_server, "atm.cascas")
    assert path_of(phone) == "/distritos/131101/"
    fits(phone)
    click_and_wait(phone, phone.get_by_role("link", name="Ver cobertura y niveles de servicio"))
    assert path_of(phone) == "/distritos/131101/todos-por-siempre/"
    before = phone.locator("main section").first.locator("strong").first.inner_text()
    # The chart is drawn by static/js/charts.js from the page's JSON (CSP: no inline script).
    phone.wait_for_function("document.querySelector('#coverage-chart').width > 0")
    assert phone.js_errors == []
    fits(phone)
    screenshots(phone, "todos-por-siempre")
    click_and_wait(phone, phone.get_by_role("link", name="Pampas de Jagüey"))
    assert "Ninguna JASS atiende" in phone.content()
    fits(phone)
    phone.get_by_text("Registrar un servicio").click()
    phone.get_by_label("JASS").select_option(label="JASS Jolluco")
    phone.get_by_label("Viviendas atendidas").fill("60")
    click_and_wait(phone, phone.get_by_role("button", name="Guardar servicio"))
    assert "Se registró el servicio." in phone.content()
    fits(phone)
    phone.goto(url(live_server, "/distritos/131101/todos-por-siempre/"))
    after = phone.locator("main section").first.locator("strong").first.inner_text()
    assert before != after  # the coverage rose
    gaps = phone.locator("section[aria-labelledby=unserved]").inner_text()
    assert "Cerro Blanco" in gaps and "Pampas de Jagüey" not in gaps
    for path in (
        "/distritos/131101/centros-poblados/",
        "/distritos/131101/centros-poblados/sin-servicio/",
    ):
        phone.goto(url(live_server, path))
        fits(phone)
    screenshots(phone, "centros")
    assert phone.js_errors == []
