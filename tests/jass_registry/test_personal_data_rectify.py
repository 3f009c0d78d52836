"""Ley 29733, derecho de rectificación: the district's ATM head corrects a board member's name,
DNI or phone with a reason; the JASS history records it with DNI and phone masked, the replaced
DNI leaves the board-start record too, and nobody else can."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from jass_registry.history import history_rows
from jass_registry.models import BoardMember, ChangeRecord, JassStatus, PersonalDataEvent
from jass_registry.personal_data import board_member_rectify
from jass_registry.services import board_term_start
from territory.models import Role
from tests.conftest import CASCAS
from tests.factories import BoardMemberFactory, JassFactory, UserFactory


@pytest.fixture
def member(staff_a):
    jass = JassFactory()
    board_term_start(
        user=staff_a,
        jass=jass,
        starts_on=dt.date(2025, 1, 1),
        ends_on=dt.date(2026, 12, 31),
        members=[
            {"role": "president", "full_name": "Doris Alvarado", "dni": "41234567"},
            {"role": "treasurer", "full_name": "Elena Cruz", "dni": "41000002"},
        ],
    )
    return BoardMember.objects.get(dni="41234567")


def post(client, user, member, **data):
    client.force_login(user)
    return client.post(
        f"/miembros/{member.pk}/rectificar/",
        {
            "full_name": "Doris Alvarado Rojas",
            "dni": "41234568",
            "phone": "987654321",
            "reason": "Solicitud escrita de la persona, con copia de su DNI",
            **data,
        },
    )


def test_the_head_rectifies_and_the_history_records_it_masked(client, staff_a, member):
    response = post(client, staff_a, member)
    assert response.status_code == 302 and response.url == f"/jass/{member.term.jass_id}/"
    member.refresh_from_db()
    assert (member.full_name, member.dni, member.phone) == (
        "Doris Alvarado Rojas",
        "41234568",
        "987654321",
    )
    record = ChangeRecord.objects.get(action=ChangeRecord.Action.MEMBER_RECTIFIED)
    assert record.user == staff_a and record.target == "Presidente(a): Doris Alvarado Rojas"
    assert record.changes == {
        "full_name": ["Doris Alvarado", "Doris Alvarado Rojas"],
        "dni": ["••••••67", "••••••68"],
        "phone": [None, "••••••21"],
        "reason": [None, "Solicitud escrita de la persona, con copia de su DNI"],
        "_member": member.pk,
    }
    event = PersonalDataEvent.objects.get()
    assert (event.kind, event.subject, event.member_ids) == (
        "rectification",
        "••••••67",
        [member.pk],
    )


def test_the_replaced_dni_leaves_the_board_start_record(client, staff_a, member):
    post(client, staff_a, member)
    started = ChangeRecord.objects.get(action=ChangeRecord.Action.BOARD_STARTED)
    assert [m["dni"] for m in started.changes["members"][1]] == ["••••••67", "41000002"]


def test_the_jass_page_shows_the_rectification(client, staff_a, member):
    post(client, staff_a, member)
    row = history_rows(member.term.jass, sees_personal=True)[0]
    assert row.record.get_action_display() == "Rectificación de datos personales"
    assert ("DNI", "••••••67", "••••••68") in row.changes
    assert "motivo" in [label for label, _old, _new in row.changes]
    page = client.get(f"/jass/{member.term.jass_id}/").content.decode()
    assert "Rectificación de datos personales" in page and "_member" not in page


def test_a_reason_is_required_and_nothing_changes_without_it(client, staff_a, member):
    response = post(client, staff_a, member, reason="")
    assert response.status_code == 200 and response.context["form"].errors["reason"]
    with pytest.raises(ValidationError):
        board_member_rectify(user=staff_a, member=member, data={"dni": "41234568"}, reason=" ")
    member.refresh_from_db()
    assert member.dni == "41234567"
    assert not ChangeRecord.objects.filter(action="member_rectified").exists()


def test_the_same_dni_twice_on_a_board_is_refused(client, staff_a, member):
    response = post(client, staff_a, member, dni="41000002")
    assert response.status_code == 200
    assert "más de un cargo" in response.content.decode()
    member.refresh_from_db()
    assert member.dni == "41234567"


def test_nothing_to_rectify_is_said(client, staff_a, member):
    response = post(client, staff_a, member, full_name="Doris Alvarado", dni="41234567", phone="")
    assert response.status_code == 200
    assert "no hay nada que rectificar" in response.content.decode()


def test_a_dissolved_jass_members_can_still_be_rectified(client, staff_a, member):
    """Correcting personal data is the person's right, not an edit of the register."""
    member.term.jass.status = JassStatus.DISSOLVED
    member.term.jass.save()
    assert post(client, staff_a, member).status_code == 302


def test_others_cannot_rectify(client, staff_b, reviewer, member):
    staff = UserFactory(username="tecnico.cascas", role=Role.ATM_STAFF, district_id=CASCAS)
    assert post(client, staff_b, member).status_code == 404
    assert post(client, reviewer, member).status_code == 403
    assert post(client, staff, member).status_code == 403
    member.refresh_from_db()
    assert member.dni == "41234567"
    assert not PersonalDataEvent.objects.exists()


def test_rectifying_an_erased_member_gives_them_data_again(staff_a):
    erased = BoardMemberFactory(dni="", phone="", personal_data_erased_on=dt.date(2026, 1, 1))
    board_member_rectify(
        user=staff_a, member=erased, data={"phone": "987000111"}, reason="La persona lo pidió"
    )
    erased.refresh_from_db()
    assert erased.phone == "987000111" and erased.personal_data_erased_on is None
