import datetime as dt

from django.utils import timezone

from jass_registry.models import Jass
from jass_registry.risk import signal_codes, signals_of, with_risk
from tests.factories import BoardTermFactory, JassFactory

TODAY = dt.date(2026, 11, 26)


def board_signals(annotated) -> list[str]:
    """The registry's own signals (the visit-based ones are tested with the visits)."""
    return [code for code in signal_codes(annotated) if code.startswith("board")]


def signals(jass, today=TODAY):
    return board_signals(with_risk(Jass.objects.filter(pk=jass.pk), today).get())


def test_a_jass_without_any_board_is_flagged(db):
    assert signals(JassFactory()) == ["board_missing"]


def test_an_expired_board_is_flagged_with_its_end_date(db):
    jass = JassFactory()
    BoardTermFactory(jass=jass, starts_on=dt.date(2022, 1, 1), ends_on=dt.date(2023, 12, 31))
    annotated = with_risk(Jass.objects.filter(pk=jass.pk), TODAY).get()
    assert board_signals(annotated) == ["board_expired"]
    assert "31/12/2023" in signals_of(annotated)[0].reason


def test_a_board_ending_within_60_days_is_flagged(db):
    jass = JassFactory(last_training_on=dt.date(2025, 2, 1))
    BoardTermFactory(
        jass=jass, starts_on=dt.date(2025, 1, 15), ends_on=TODAY + dt.timedelta(days=59)
    )
    assert signals(jass) == ["board_ending"]
    # Named, not `Jass.objects.last()`: the factory's names sort as text ("… 10" < "… 9").
    later = JassFactory(last_training_on=dt.date(2025, 2, 1))
    BoardTermFactory(
        jass=later, starts_on=dt.date(2025, 1, 15), ends_on=TODAY + dt.timedelta(days=61)
    )
    assert signals(later) == []


def test_a_new_board_untrained_after_90_days_is_flagged(db):
    jass = JassFactory()
    BoardTermFactory(
        jass=jass, starts_on=TODAY - dt.timedelta(days=91), ends_on=dt.date(2028, 1, 1)
    )
    annotated = with_risk(Jass.objects.filter(pk=jass.pk), TODAY).get()
    assert board_signals(annotated) == ["board_untrained"]
    assert "no tiene capacitación registrada" in signals_of(annotated)[0].reason


def test_a_new_board_still_within_its_90_days_is_not_flagged_yet(db):
    jass = JassFactory()
    BoardTermFactory(
        jass=jass, starts_on=TODAY - dt.timedelta(days=30), ends_on=dt.date(2028, 1, 1)
    )
    assert signals(jass) == []


def test_training_before_the_board_started_does_not_count(db):
    jass = JassFactory(last_training_on=dt.date(2024, 6, 1))
    BoardTermFactory(jass=jass, starts_on=dt.date(2025, 1, 1), ends_on=dt.date(2028, 1, 1))
    assert signals(jass) == ["board_untrained"]
    Jass.objects.filter(pk=jass.pk).update(last_training_on=dt.date(2025, 3, 1))
    assert signals(jass) == []


def test_dissolved_and_inactive_jass_raise_no_signals(db):
    assert signals(JassFactory(status="dissolved")) == []
    assert signals(JassFactory(status="inactive")) == []


def test_signals_use_the_lima_date_by_default(db):
    jass = JassFactory()
    assert signals(jass, timezone.localdate()) == ["board_missing"]
