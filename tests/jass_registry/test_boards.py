import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from jass_registry.models import BoardTerm, ChangeRecord
from jass_registry.services import board_term_start
from tests.factories import BoardTermFactory, JassFactory


def members(**overrides):
    rows = [
        {"role": "president", "full_name": "Doris Alvarado", "dni": "41234567", "sex": "F"},
        {"role": "secretary", "full_name": "Teodoro Paredes", "dni": "41234568", "sex": "M"},
        {"role": "treasurer", "full_name": "Elena Cruz", "dni": "41234569", "sex": "F"},
        {"role": "vocal", "full_name": "Segundo Vera", "dni": "", "sex": "M"},
        {
            "role": "fiscal",
            "full_name": "Nelly Ramos",
            "dni": "41234570",
            "starts_on": dt.date(2026, 3, 1),
            "ends_on": dt.date(2027, 2, 28),
        },
    ]
    for index, changes in overrides.items():
        rows[int(index.removeprefix("m"))].update(changes)
    return rows


def start(jass, user, **kwargs):
    params = {
        "starts_on": dt.date(2026, 1, 15),
        "ends_on": dt.date(2028, 1, 14),
        "elected_on": dt.date(2025, 12, 20),
        "members": members(),
    }
    params.update(kwargs)
    return board_term_start(user=user, jass=jass, **params)


def test_a_new_term_closes_the_current_one_the_day_before(staff_a):
    jass = JassFactory()
    old = BoardTermFactory(jass=jass, starts_on=dt.date(2024, 1, 1), ends_on=dt.date(2026, 12, 31))
    new = start(jass, staff_a)
    old.refresh_from_db()
    assert old.ends_on == dt.date(2026, 1, 14)
    assert new.members.count() == 5
    assert new.members.get(role="fiscal").ends_on == dt.date(2027, 2, 28)
    actions = set(ChangeRecord.objects.filter(jass=jass).values_list("action", flat=True))
    assert actions == {"board_closed", "board_started"}
    assert ChangeRecord.objects.get(action="board_started").user == staff_a


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"members": members(m2={"role": "vocal"})}, "exactamente un(a) tesorero(a)"),
        (
            {"members": members(m1={"role": "president"})},
            "exactamente un(a) presidente(a) (tiene 2)",
        ),
        ({"members": members(m0={"dni": "1234"})}, "8 dígitos"),
        ({"members": members(m1={"dni": "41234567"})}, "mismo DNI"),
        ({"ends_on": dt.date(2026, 1, 1)}, "posterior a su inicio"),
        ({"members": members(m4={"ends_on": dt.date(2026, 2, 1)})}, "fin de su periodo"),
        ({"elected_on": dt.date(2999, 1, 1)}, "posterior a hoy"),
    ],
)
def test_bad_boards_are_refused_and_nothing_is_written(staff_a, kwargs, message):
    jass = JassFactory()
    old = BoardTermFactory(jass=jass, starts_on=dt.date(2024, 1, 1), ends_on=dt.date(2026, 12, 31))
    with pytest.raises(ValidationError) as info:
        start(jass, staff_a, **kwargs)
    assert message in str(info.value)
    old.refresh_from_db()
    assert old.ends_on == dt.date(2026, 12, 31)
    assert BoardTerm.objects.count() == 1
    assert not ChangeRecord.objects.exists()


def test_a_term_cannot_start_before_a_later_registered_one(staff_a):
    jass = JassFactory()
    BoardTermFactory(jass=jass, starts_on=dt.date(2027, 1, 1), ends_on=dt.date(2028, 12, 31))
    with pytest.raises(ValidationError, match="periodo posterior"):
        start(jass, staff_a)
