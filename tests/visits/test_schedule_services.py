"""The agenda's services (visits/schedule.py): who may plan, the bounds of a planned day, the
staff member and the JASS a plan may name, cancelling keeps the row, and the link between a
planned visit and the visit recorded for it (explicit and automatic)."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from jass_registry.models import JassStatus
from territory.models import Role
from tests.conftest import CASCAS, LUCMA
from tests.factories import JassFactory, UserFactory
from visits import schedule, services
from visits.models import ScheduledVisit, Visit
from visits.schedule import ScheduleState

TODAY = timezone.localdate()


def record(user, jass, day, **data):
    return services.visit_record(
        user=user, jass=jass, data={"date": day, "kind": "supervision", **data}
    )


def plan(user, jass, day, **kwargs):
    return schedule.scheduled_visit_create(user=user, jass=jass, date=day, **kwargs)


def state_of(scheduled) -> str:
    return schedule.with_state(ScheduledVisit.objects.filter(pk=scheduled.pk), TODAY).get().state


@pytest.fixture
def jass(staff_a):
    return JassFactory(district_id=CASCAS, name="JASS Chuquillanqui")


@pytest.fixture
def colleague(staff_a):
    return UserFactory(username="tecnico.cascas", role=Role.ATM_STAFF, district_id=CASCAS)


# --- who plans, and what -------------------------------------------------------------------------


def test_the_district_staff_plan_a_visit_for_a_colleague(staff_a, colleague, jass):
    scheduled = plan(staff_a, jass, TODAY, staff=colleague, kind="training", purpose=" Cloración ")
    stored = ScheduledVisit.objects.get()
    assert stored == scheduled and stored.staff == colleague and stored.created_by == staff_a
    assert stored.purpose == "Cloración" and state_of(stored) == ScheduleState.PLANNED


@pytest.mark.parametrize("who", ["staff_b", "reviewer", "outsider"])
def test_nobody_else_plans_a_visit_of_the_district_and_nothing_is_written(request, jass, who):
    user = request.getfixturevalue(who)
    with pytest.raises(ValidationError, match="Solo el personal del ATM del distrito"):
        plan(user, jass, TODAY)
    assert not ScheduledVisit.objects.exists()


def test_a_staff_member_of_another_district_or_a_reviewer_cannot_be_assigned(
    staff_a, staff_b, reviewer, jass
):
    for other in (staff_b, reviewer):
        with pytest.raises(ValidationError) as refused:
            plan(staff_a, jass, TODAY, staff=other)
        assert refused.value.message_dict == {
            "staff": ["La persona asignada no es personal del ATM del distrito."]
        }
    inactive = UserFactory(
        username="ex.cascas", role=Role.ATM_STAFF, district_id=CASCAS, is_active=False
    )
    with pytest.raises(ValidationError):
        plan(staff_a, jass, TODAY, staff=inactive)
    assert not ScheduledVisit.objects.exists()


def test_a_visit_is_planned_unassigned(staff_a, jass):
    assert plan(staff_a, jass, TODAY).staff is None


def test_a_dissolved_jass_or_a_jass_of_another_district_gets_no_plan(staff_a, staff_b):
    dissolved = JassFactory(district_id=CASCAS, status=JassStatus.DISSOLVED)
    with pytest.raises(ValidationError, match="disuelta"):
        plan(staff_a, dissolved, TODAY)
    lucma = JassFactory(district_id=LUCMA)
    with pytest.raises(ValidationError, match="Solo el personal"):
        plan(staff_a, lucma, TODAY)
    assert not ScheduledVisit.objects.exists()


def test_the_planned_day_is_between_2000_and_the_end_of_next_year(staff_a, jass):
    last = dt.date(TODAY.year + 1, 12, 31)
    assert plan(staff_a, jass, last).date == last
    assert plan(staff_a, jass, dt.date(2000, 1, 1)).date == dt.date(2000, 1, 1)
    with pytest.raises(ValidationError) as refused:
        plan(staff_a, jass, last + dt.timedelta(days=1))
    assert refused.value.message_dict["date"] == [
        f"La fecha prevista es a lo más el {last:%d/%m/%Y}."
    ]
    with pytest.raises(ValidationError) as refused:
        plan(staff_a, jass, dt.date(1999, 12, 31))
    assert "date" in refused.value.message_dict
    assert ScheduledVisit.objects.count() == 2


def test_a_purpose_with_control_characters_or_too_long_is_refused(staff_a, jass):
    for purpose in ["Visita\x00", "x" * 301]:
        with pytest.raises(ValidationError) as refused:
            plan(staff_a, jass, TODAY, purpose=purpose)
        assert "purpose" in refused.value.message_dict
    assert not ScheduledVisit.objects.exists()


def test_an_update_moves_the_day_and_the_person_within_the_same_rules(staff_a, colleague, jass):
    scheduled = plan(staff_a, jass, TODAY)
    other_jass = JassFactory(district_id=CASCAS)
    updated = schedule.scheduled_visit_update(
        user=staff_a,
        scheduled=scheduled,
        data={"date": TODAY + dt.timedelta(days=3), "staff": colleague, "jass": other_jass},
    )
    assert (updated.date, updated.staff, updated.jass) == (
        TODAY + dt.timedelta(days=3),
        colleague,
        other_jass,
    )
    with pytest.raises(ValidationError):
        schedule.scheduled_visit_update(
            user=staff_a, scheduled=updated, data={"jass": JassFactory(district_id=LUCMA)}
        )
    assert ScheduledVisit.objects.get().jass == other_jass


# --- cancel ------------------------------------------------------------------------------------


def test_cancelling_keeps_the_row_with_who_when_and_why(staff_a, jass):
    scheduled = plan(staff_a, jass, TODAY)
    with pytest.raises(ValidationError, match="motivo"):
        schedule.scheduled_visit_cancel(user=staff_a, scheduled=scheduled, reason="  ")
    schedule.scheduled_visit_cancel(user=staff_a, scheduled=scheduled, reason="Huaico en la vía")
    stored = ScheduledVisit.objects.get()
    assert stored.cancelled_by == staff_a and stored.cancel_reason == "Huaico en la vía"
    assert stored.cancelled_at is not None and state_of(stored) == ScheduleState.CANCELLED
    assert not ScheduledVisit.objects.active().exists()
    with pytest.raises(ValidationError, match="fue cancelada"):
        schedule.scheduled_visit_update(user=staff_a, scheduled=stored, data={"purpose": "x"})
    with pytest.raises(ValidationError, match="fue cancelada"):
        schedule.scheduled_visit_cancel(user=staff_a, scheduled=stored, reason="otra vez")


def test_a_done_planned_visit_is_neither_cancelled_nor_edited(staff_a, jass):
    scheduled = plan(staff_a, jass, TODAY - dt.timedelta(days=1), staff=staff_a)
    record(staff_a, jass, TODAY - dt.timedelta(days=1))
    scheduled.refresh_from_db()
    assert state_of(scheduled) == ScheduleState.DONE
    with pytest.raises(ValidationError, match="ya se registró"):
        schedule.scheduled_visit_cancel(user=staff_a, scheduled=scheduled, reason="No fue")
    with pytest.raises(ValidationError, match="ya se registró"):
        schedule.scheduled_visit_update(user=staff_a, scheduled=scheduled, data={"purpose": "x"})


def test_another_district_cannot_cancel(staff_a, staff_b, jass):
    scheduled = plan(staff_a, jass, TODAY)
    with pytest.raises(ValidationError):
        schedule.scheduled_visit_cancel(user=staff_b, scheduled=scheduled, reason="No")
    assert ScheduledVisit.objects.active().count() == 1


# --- linking a recorded visit ------------------------------------------------------------------


def test_recording_a_visit_links_the_nearest_planned_visit_of_that_jass(staff_a, colleague, jass):
    day = TODAY - dt.timedelta(days=10)
    far = plan(staff_a, jass, day - dt.timedelta(days=6), staff=staff_a)
    near = plan(staff_a, jass, day + dt.timedelta(days=2))  # unassigned
    theirs = plan(staff_a, jass, day, staff=colleague)  # another person's: not mine
    outside = plan(staff_a, jass, day + dt.timedelta(days=8), staff=staff_a)
    visit = record(staff_a, jass, day)
    assert ScheduledVisit.objects.get(visit=visit) == near
    second = record(staff_a, jass, day)
    assert ScheduledVisit.objects.get(visit=second) == far
    assert record(staff_a, jass, day).pk not in ScheduledVisit.objects.values_list(
        "visit", flat=True
    )
    theirs.refresh_from_db()
    outside.refresh_from_db()
    assert theirs.visit is None and outside.visit is None


def test_at_the_same_distance_the_one_assigned_to_that_person_wins(staff_a, jass):
    day = TODAY - dt.timedelta(days=10)
    plan(staff_a, jass, day - dt.timedelta(days=1))
    mine = plan(staff_a, jass, day + dt.timedelta(days=1), staff=staff_a)
    assert ScheduledVisit.objects.get(visit=record(staff_a, jass, day)) == mine


def test_a_cancelled_plan_or_another_jass_is_never_linked(staff_a, jass):
    day = TODAY - dt.timedelta(days=3)
    cancelled = plan(staff_a, jass, day)
    schedule.scheduled_visit_cancel(user=staff_a, scheduled=cancelled, reason="Lluvias")
    plan(staff_a, JassFactory(district_id=CASCAS), day)
    record(staff_a, jass, day)
    assert not ScheduledVisit.objects.filter(visit__isnull=False).exists()


def test_the_explicit_link_wins_over_the_automatic_guess(staff_a, jass):
    day = TODAY - dt.timedelta(days=5)
    guessed = plan(staff_a, jass, day)
    chosen = plan(staff_a, jass, day - dt.timedelta(days=20))
    visit = record(staff_a, jass, day)
    assert ScheduledVisit.objects.get(visit=visit) == guessed
    schedule.scheduled_visit_link(user=staff_a, scheduled=chosen, visit=visit)
    guessed.refresh_from_db()
    chosen.refresh_from_db()
    assert chosen.visit == visit and guessed.visit is None
    assert state_of(guessed) == ScheduleState.OVERDUE


def test_the_explicit_link_is_refused_across_jass_twice_or_when_cancelled(staff_a, staff_b, jass):
    day = TODAY - dt.timedelta(days=40)
    scheduled = plan(staff_a, jass, TODAY + dt.timedelta(days=30))
    other = record(staff_a, JassFactory(district_id=CASCAS), day)
    with pytest.raises(ValidationError, match="otra JASS"):
        schedule.scheduled_visit_link(user=staff_a, scheduled=scheduled, visit=other)
    first, second = record(staff_a, jass, day), record(staff_a, jass, day)
    with pytest.raises(ValidationError, match="Solo el personal"):
        schedule.scheduled_visit_link(user=staff_b, scheduled=scheduled, visit=first)
    schedule.scheduled_visit_link(user=staff_a, scheduled=scheduled, visit=first)
    schedule.scheduled_visit_link(user=staff_a, scheduled=scheduled, visit=first)  # same: fine
    with pytest.raises(ValidationError, match="ya tiene una visita registrada"):
        schedule.scheduled_visit_link(user=staff_a, scheduled=scheduled, visit=second)
    cancelled = plan(staff_a, jass, TODAY + dt.timedelta(days=31))
    schedule.scheduled_visit_cancel(user=staff_a, scheduled=cancelled, reason="Sin movilidad")
    with pytest.raises(ValidationError, match="cancelada"):
        schedule.scheduled_visit_link(user=staff_a, scheduled=cancelled, visit=second)
    assert ScheduledVisit.objects.get(pk=scheduled.pk).visit == first


def test_a_voided_visit_stops_counting_and_its_plan_can_be_done_again(staff_a, jass):
    day = TODAY - dt.timedelta(days=2)
    scheduled = plan(staff_a, jass, day, staff=staff_a)
    visit = record(staff_a, jass, day)
    services.visit_void(user=staff_a, visit=Visit.objects.get(pk=visit.pk), reason="Duplicada")
    assert state_of(scheduled) == ScheduleState.OVERDUE
    again = record(staff_a, jass, day)
    scheduled.refresh_from_db()
    assert scheduled.visit == again and state_of(scheduled) == ScheduleState.DONE


# --- planning a month at once (the plan grid's form) --------------------------------------------


def test_a_month_is_planned_at_once_unassigned_on_working_days(staff_a, jass):
    rows = schedule.scheduled_visits_plan_month(
        user=staff_a, jass=jass, year=2026, month=3, count=4
    )
    stored = list(ScheduledVisit.objects.order_by("date"))
    assert len(rows) == len(stored) == 4
    assert [s.date.day for s in stored] == [4, 12, 19, 27]  # March 2026: 22 working days
    assert all(s.staff is None and s.date.weekday() < 5 for s in stored)
    assert {s.purpose for s in stored} == {"Plan de trabajo 2026"}


@pytest.mark.parametrize(
    ("year", "month", "count", "field"),
    [(2026, 3, 0, "count"), (2026, 3, 32, "count"), (2026, 13, 1, "month"), (1999, 3, 1, None)],
)
def test_a_month_plan_out_of_bounds_writes_nothing(staff_a, jass, year, month, count, field):
    with pytest.raises(ValidationError) as refused:
        schedule.scheduled_visits_plan_month(
            user=staff_a, jass=jass, year=year, month=month, count=count
        )
    if field:
        assert field in refused.value.message_dict
    assert not ScheduledVisit.objects.exists()


def test_thirty_one_visits_fit_in_a_month_of_fewer_working_days(staff_a, jass):
    schedule.scheduled_visits_plan_month(user=staff_a, jass=jass, year=2026, month=2, count=31)
    days = list(ScheduledVisit.objects.values_list("date", flat=True))
    assert len(days) == 31 and all(d.month == 2 and d.weekday() < 5 for d in days)
