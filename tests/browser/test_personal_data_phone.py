"""Ley 29733 on a 360-px phone, as the ATM head of Cascas (demo user `atm.cascas`): find a board
member by DNI, read their file without sideways scroll, download it as CSV, and rectify their
phone; the DNI never shows in the address bar.

Screenshots go to test-artifacts/screenshots/ (the fixtures are in conftest.py)."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from jass_registry.models import BoardMember, ChangeRecord, PersonalDataEvent

from .helpers import click_and_wait, log_in, page_width, url

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CASCAS = "131101"


def test_the_head_finds_reads_downloads_and_rectifies_on_a_phone(phone, live_server, screenshots):
    member = (
        BoardMember.objects.filter(term__jass__district_id=CASCAS)
        .exclude(dni="")
        .select_related("term__jass")
        .order_by("pk")
        .first()
    )
    log_in(phone, live_server, "atm.cascas")
    phone.goto(url(live_server, f"/distritos/{CASCAS}/jass/"))
    click_and_wait(phone, phone.get_by_role("button", name="Datos personales"))
    assert page_width(phone) <= 360
    phone.get_by_label("DNI de la persona").fill(member.dni)
    click_and_wait(phone, phone.get_by_role("button", name="Buscar"))
    screenshots(phone, "file")
    assert member.dni not in phone.url
    assert page_width(phone) <= 360
    assert phone.get_by_role("cell", name=member.term.jass.name).first.is_visible()

    with phone.expect_download() as download:
        phone.get_by_role("button", name="Descargar CSV").click()
    rows = list(csv.reader(io.StringIO(Path(download.value.path()).read_text("utf-8-sig"))))
    assert ["Datos personales", "", "DNI", member.dni] in rows
    assert member.dni not in download.value.suggested_filename

    click_and_wait(phone, phone.get_by_role("link", name="Rectificar").first)
    assert page_width(phone) <= 360
    phone.get_by_label("Teléfono").fill("987000111")
    phone.get_by_label("Motivo").fill("Solicitud de la persona")
    click_and_wait(phone, phone.get_by_role("button", name="Rectificar"))
    screenshots(phone, "rectified")
    assert "Se rectificaron los datos" in phone.content()
    assert member.dni not in phone.url
    assert ChangeRecord.objects.filter(action="member_rectified").count() == 1
    assert PersonalDataEvent.objects.filter(kind="access").count() == 2  # the page and the CSV
    assert phone.js_errors == []
