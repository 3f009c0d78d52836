"""Ley 29733, derecho de acceso: the district's ATM head finds everything ATO holds about a person
by DNI (a POST: the DNI is never in a URL), as a page and a CSV/XLSX file; nothing of another
district; each request recorded with the DNI masked; reviewers and other staff cannot."""

import csv
import datetime as dt
import io
import re

import pytest
from django.core.exceptions import PermissionDenied

from jass_registry import personal_data
from jass_registry.models import PersonalDataEvent
from jass_registry.services import board_term_start
from territory.models import Role
from tests.conftest import CASCAS, LUCMA
from tests.factories import BoardMemberFactory, BoardTermFactory, JassFactory, UserFactory

DNI = "41234567"
PAGE = f"/distritos/{CASCAS}/datos-personales/"
DOWNLOAD = f"/distritos/{CASCAS}/datos-personales/descargar/"


@pytest.fixture
def doris(staff_a):
    """Doris: president of a Cascas JASS (2017–2018, started by the page's service, so the
    history names her) and treasurer today; also on a Lucma board, which Cascas never sees."""
    jass = JassFactory(name="JASS Chuquizongo")
    board_term_start(
        user=staff_a,
        jass=jass,
        starts_on=dt.date(2017, 1, 1),
        ends_on=dt.date(2018, 12, 31),
        members=[
            {"role": "president", "full_name": "Doris Alvarado", "dni": DNI, "phone": "987111222"},
            {"role": "treasurer", "full_name": "Elena Cruz", "dni": "41000002"},
        ],
    )
    current = BoardMemberFactory(
        term=BoardTermFactory(jass=JassFactory(name="JASS La Soledad")),
        role="treasurer",
        full_name="Doris Alvarado Rojas",
        dni=DNI,
        phone='=HYPERLINK("x")',
    )
    BoardMemberFactory(
        term=BoardTermFactory(jass=JassFactory(district_id=LUCMA, name="JASS Lucma Alto")),
        full_name="Doris Alvarado",
        dni=DNI,
        phone="955000000",
    )
    return current


def search(client, user, dni=DNI):
    client.force_login(user)
    return client.post(PAGE, {"dni": dni})


def test_the_head_sees_the_persons_memberships_in_the_district_only(client, staff_a, doris):
    response = search(client, staff_a)
    assert response.status_code == 200
    person = response.context["person"]
    assert {m.term.jass.name for m in person.members} == {"JASS Chuquizongo", "JASS La Soledad"}
    assert person.names == ["Doris Alvarado", "Doris Alvarado Rojas"]
    body = response.content.decode()
    assert "JASS Lucma Alto" not in body and "955000000" not in body
    assert "987111222" in body and DNI in body
    # The history record of the 2017 board, which lists her DNI, is part of her file.
    assert [r.get_action_display() for r, _lines in response.context["history"]] == [
        "Nuevo consejo directivo"
    ]


def test_a_person_unknown_to_the_district_gets_an_empty_file(client, staff_a, doris):
    response = search(client, staff_a, dni="49999999")
    assert response.status_code == 200
    assert response.context["person"].members == []
    assert "no guarda datos de una persona con este DNI" in response.content.decode()


def test_each_request_is_recorded_with_the_dni_masked(client, staff_a, doris):
    search(client, staff_a)
    client.post(DOWNLOAD, {"dni": DNI, "fmt": "csv"})
    events = list(PersonalDataEvent.objects.order_by("pk"))
    assert [(e.kind, e.detail, e.members, e.user) for e in events] == [
        ("access", "page", 2, staff_a),
        ("access", "csv", 2, staff_a),
    ]
    assert all(e.subject == "••••••67" and DNI not in str(e.member_ids) for e in events)
    assert "••••••67" in client.get(PAGE).content.decode()  # the register on the page


def test_the_csv_file_holds_the_file_formula_safe(client, staff_a, doris):
    client.force_login(staff_a)
    response = client.post(DOWNLOAD, {"dni": DNI, "fmt": "csv"})
    assert response.status_code == 200
    assert DNI not in response["Content-Disposition"]
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == ["Sección", "Organización (JASS)", "Dato", "Valor"]
    assert ["Datos personales", "", "DNI", DNI] in rows
    assert ["Consejo directivo", "JASS La Soledad", "Cargo", "Tesorero(a)"] in rows
    assert ["Consejo directivo", "JASS La Soledad", "Teléfono", '\'=HYPERLINK("x")'] in rows
    assert not any("Lucma" in cell for row in rows for cell in row)
    assert any(row[0] == "Historial" and "Doris Alvarado" in row[3] for row in rows)


def test_the_xlsx_file_downloads(client, staff_a, doris):
    client.force_login(staff_a)
    response = client.post(DOWNLOAD, {"dni": DNI, "fmt": "xlsx"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")


def test_no_url_of_the_flow_carries_the_dni(client, staff_a, doris):
    response = search(client, staff_a)
    body = response.content.decode()
    for url in re.findall(r'(?:href|action)="([^"]*)"', body):
        assert DNI not in url
    # The downloads post the DNI in the body, from the page's own forms.
    assert f'action="{DOWNLOAD}"' in body
    # A DNI put in a URL by hand is not read: the form comes back empty, nothing is recorded.
    assert client.get(f"{PAGE}?dni={DNI}").context["form"].is_bound is False
    assert client.get(DOWNLOAD).status_code == 405
    assert PersonalDataEvent.objects.count() == 1


@pytest.mark.parametrize("dni", ["4123456", "412345678", "4123456a", "٤١٢٣٤٥٦٧", ""])
def test_a_malformed_dni_is_refused_and_records_nothing(client, staff_a, dni):
    response = search(client, staff_a, dni=dni)
    assert response.status_code == 200
    assert response.context["form"].errors
    assert not PersonalDataEvent.objects.exists()


def test_a_reviewer_cannot_search_and_nothing_is_recorded(client, reviewer, doris):
    assert search(client, reviewer).status_code == 403
    assert client.post(DOWNLOAD, {"dni": DNI, "fmt": "csv"}).status_code == 403
    assert not PersonalDataEvent.objects.exists()


def test_staff_who_are_not_the_head_cannot_search(client, staff_a, doris):
    staff = UserFactory(username="tecnico.cascas", role=Role.ATM_STAFF, district_id=CASCAS)
    assert search(client, staff).status_code == 403
    with pytest.raises(PermissionDenied):
        personal_data.personal_data_access(
            user=staff, district=staff_a.district, dni=DNI, output="page"
        )


def test_another_districts_staff_get_404(client, staff_b, doris):
    assert search(client, staff_b).status_code == 404
    assert not PersonalDataEvent.objects.exists()


def test_the_head_of_lucma_finds_only_lucmas_membership(client, doris):
    head = UserFactory(username="jefe.lucma", role=Role.ATM_HEAD, district_id=LUCMA)
    client.force_login(head)
    response = client.post(f"/distritos/{LUCMA}/datos-personales/", {"dni": DNI})
    assert [m.term.jass.name for m in response.context["person"].members] == ["JASS Lucma Alto"]
    assert "JASS Chuquizongo" not in response.content.decode()
