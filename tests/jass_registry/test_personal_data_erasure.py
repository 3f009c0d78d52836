"""Ley 29733 retention: former board members' DNI and phone are erased once the retention period
after their last term has passed; names stay, each erasure is recorded, a second run changes
nothing, and a person still serving (anywhere) keeps theirs."""

import datetime as dt

import pytest
from django.core.management import call_command

from jass_registry import personal_data
from jass_registry.history import history_rows
from jass_registry.models import BoardMember, ChangeRecord, PersonalDataEvent
from jass_registry.services import board_term_start
from jass_registry.tasks import erase_expired_personal_data
from tests.conftest import LUCMA
from tests.factories import BoardMemberFactory, BoardTermFactory, JassFactory

TODAY = dt.date(2026, 6, 15)
CUTOFF = dt.date(2021, 6, 15)  # five years before TODAY


def former(ended: dt.date, *, dni: str, phone: str = "987654321", jass=None, **kwargs):
    term = BoardTermFactory(
        jass=jass or JassFactory(), starts_on=ended - dt.timedelta(days=730), ends_on=ended
    )
    return BoardMemberFactory(term=term, dni=dni, phone=phone, **kwargs)


def erase(**kwargs):
    return personal_data.personal_data_erase_expired(today=TODAY, **kwargs)


def test_the_boundary_is_five_years_after_the_term_ended(db):
    past = former(CUTOFF - dt.timedelta(days=1), dni="41000001")  # 5 years + 1 day ago
    on_the_day = former(CUTOFF, dni="41000002")  # exactly 5 years: not yet "more than"
    within = former(CUTOFF + dt.timedelta(days=1), dni="41000003")  # 5 years - 1 day ago

    result = erase()

    assert result.members == 1 and result.cutoff == CUTOFF
    past.refresh_from_db()
    assert (past.dni, past.phone, past.personal_data_erased_on) == ("", "", TODAY)
    for kept, dni in ((on_the_day, "41000002"), (within, "41000003")):
        kept.refresh_from_db()
        assert (kept.dni, kept.phone, kept.personal_data_erased_on) == (dni, "987654321", None)


def test_names_stay_and_each_erasure_is_recorded_without_a_digit(db):
    member = former(dt.date(2019, 1, 31), dni="41000001", full_name="Doris Alvarado Rojas")

    erase()

    member.refresh_from_db()
    assert member.full_name == "Doris Alvarado Rojas"
    record = ChangeRecord.objects.get(action=ChangeRecord.Action.DATA_ERASED)
    assert record.jass_id == member.term.jass_id and record.user is None
    assert record.target == "Presidente(a): Doris Alvarado Rojas"
    assert record.changes == {"dni": ["••••", None], "phone": ["••••", None], "_member": member.pk}
    assert "41000001" not in str(record.changes) and "987654321" not in str(record.changes)
    event = PersonalDataEvent.objects.get(kind=PersonalDataEvent.Kind.ERASURE)
    assert (event.district_id, event.members, event.member_ids) == ("131101", 1, [member.pk])
    assert event.user is None and event.subject == ""


def test_the_jass_history_reads_the_erasure_and_hides_the_member_id(db, staff_a):
    member = former(dt.date(2019, 1, 31), dni="41000001")
    erase()
    row = history_rows(member.term.jass, sees_personal=True)[0]
    assert row.record.get_action_display().startswith("Eliminación de DNI y teléfono")
    assert [label for label, _old, _new in row.changes] == ["DNI", "teléfono"]


def test_a_second_run_changes_nothing(db):
    former(dt.date(2019, 1, 31), dni="41000001")
    former(dt.date(2018, 5, 1), dni="", phone="912345678")
    assert erase().members == 2
    records = ChangeRecord.objects.count()
    events = PersonalDataEvent.objects.count()

    again = erase()

    assert again.members == 0
    assert ChangeRecord.objects.count() == records
    assert PersonalDataEvent.objects.count() == events


def test_a_member_with_a_current_term_is_kept(db):
    current = BoardMemberFactory(
        term=BoardTermFactory(starts_on=dt.date(2025, 1, 1), ends_on=dt.date(2027, 12, 31)),
        dni="41000009",
        phone="987000000",
    )
    erase()
    current.refresh_from_db()
    assert (current.dni, current.phone) == ("41000009", "987000000")


def test_a_person_serving_again_keeps_the_dni_of_old_terms_too(db):
    """The period runs from the end of the person's last term, in any JASS of any district."""
    old = former(dt.date(2015, 12, 31), dni="41000005")
    serving = BoardMemberFactory(
        term=BoardTermFactory(
            jass=JassFactory(district_id=LUCMA), starts_on=dt.date(2025, 1, 1), ends_on=TODAY
        ),
        dni="41000005",
    )
    assert erase().members == 0
    old.refresh_from_db()
    serving.refresh_from_db()
    assert old.dni == serving.dni == "41000005"


def test_a_member_who_left_early_counts_from_their_own_end(db):
    """`ends_on` on the member (si difiere) is when they left, before the term's end."""
    term = BoardTermFactory(starts_on=dt.date(2018, 1, 1), ends_on=dt.date(2021, 12, 31))
    left = BoardMemberFactory(term=term, dni="41000006", ends_on=dt.date(2019, 3, 31))
    stayed = BoardMemberFactory(term=term, role="treasurer", dni="41000007")
    assert erase().members == 1
    left.refresh_from_db()
    stayed.refresh_from_db()
    assert (left.dni, stayed.dni) == ("", "41000007")


def test_the_board_start_record_keeps_no_erased_dni(db, staff_a):
    jass = JassFactory()
    board_term_start(
        user=staff_a,
        jass=jass,
        starts_on=dt.date(2017, 1, 1),
        ends_on=dt.date(2018, 12, 31),
        members=[
            {"role": "president", "full_name": "Doris Alvarado", "dni": "41000001"},
            {"role": "treasurer", "full_name": "Elena Cruz", "dni": "41000002"},
        ],
    )
    # Elena serves again today: her DNI stays, in her rows and in the records.
    BoardMemberFactory(
        term=BoardTermFactory(jass=JassFactory(), starts_on=dt.date(2025, 1, 1)),
        dni="41000002",
        full_name="Elena Cruz",
    )

    assert erase().history_masked == 1

    started = ChangeRecord.objects.get(jass=jass, action=ChangeRecord.Action.BOARD_STARTED)
    listed = {m["full_name"]: m["dni"] for m in started.changes["members"][1]}
    assert listed == {"Doris Alvarado": "••••", "Elena Cruz": "41000002"}


def test_the_retention_period_is_a_setting(db, settings):
    settings.ATO_PERSONAL_DATA_RETENTION_YEARS = 10
    member = former(dt.date(2019, 1, 31), dni="41000001")
    assert erase().members == 0
    settings.ATO_PERSONAL_DATA_RETENTION_YEARS = 2
    assert erase().members == 1
    member.refresh_from_db()
    assert member.dni == ""


def test_erasure_is_set_based_in_batches(db, django_assert_num_queries):
    """Per batch: the candidates (locked), one UPDATE, one INSERT of the history records, the
    board-start records read (none to write here), one INSERT of the district events. 60
    members with a DNI in batches of 50: the same queries twice (the second batch, short, is
    the last); then the members with only a phone: one empty SELECT."""
    jass = JassFactory()
    for n in range(60):
        former(dt.date(2019, 1, 31), dni=f"4200{n:04d}", jass=jass)
    # SAVEPOINT and RELEASE around each batch's transaction (the test runs inside one).
    with django_assert_num_queries(2 * 7 + 3):
        result = erase(batch=50)
    assert result.members == 60 and result.districts == 1
    assert not BoardMember.objects.exclude(dni="").exists()


def test_dry_run_counts_and_changes_nothing(db, capsys):
    former(dt.date(2019, 1, 31), dni="41000001")
    former(dt.date(2019, 1, 31), dni="41000002", jass=JassFactory(district_id=LUCMA))
    call_command("erase_personal_data", "--dry-run", "--today", TODAY.isoformat())
    out = capsys.readouterr().out
    assert "Se eliminaría el DNI y el teléfono de 2 miembros" in out and "en 2 distritos" in out
    assert "41000001" not in out
    assert BoardMember.objects.filter(dni="").count() == 0
    assert not ChangeRecord.objects.exists()

    call_command("erase_personal_data", "--today", TODAY.isoformat())
    assert "Se eliminó el DNI y el teléfono de 2 miembros" in capsys.readouterr().out
    assert BoardMember.objects.filter(dni="").count() == 2


def test_the_beat_task_runs_the_erasure_and_returns_counts_only(db, settings):
    settings.ATO_PERSONAL_DATA_RETENTION_YEARS = 5
    former(dt.date(2000, 1, 31), dni="41000001")
    counts = erase_expired_personal_data.delay().get()
    assert counts["members"] == 1 and counts["districts"] == 1
    assert "41000001" not in str(counts)
    assert "erase-expired-personal-data" in settings.CELERY_BEAT_SCHEDULE


@pytest.mark.parametrize("today", [dt.date(2024, 2, 29)])
def test_a_leap_day_counts_back_to_the_28th(today):
    assert personal_data.years_before(today, 5) == dt.date(2019, 2, 28)


def test_the_jass_page_says_the_data_was_erased(client, staff_a, reviewer):
    member = former(dt.date(2019, 1, 31), dni="41000001", full_name="Doris Alvarado Rojas")
    erase()
    client.force_login(staff_a)
    page = client.get(f"/jass/{member.term.jass_id}/").content.decode()
    assert "Doris Alvarado Rojas" in page
    assert "DNI y teléfono eliminados el 15/06/2026 (plazo de conservación)" in page
    assert "Eliminación de DNI y teléfono (plazo de conservación)" in page  # the history
    client.force_login(reviewer)
    page = client.get(f"/jass/{member.term.jass_id}/").content.decode()
    assert "Doris Alvarado Rojas" in page and "eliminados el" not in page
