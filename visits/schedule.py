"""The agenda: planned visits (`ScheduledVisit`) with a day, a staff member, a JASS and a
purpose. Writes go through the services here (keyword-only, typed, atomic, the model's own
validation through `full_clean`); pages, the plan grid and the visit services call them.

The rules, once:
- Only the district's ATM staff plan its visits; the staff member assigned is one of the
  district's active ATM users (or nobody yet); a dissolved JASS gets no new plans.
- A planned day is not before 2000 (the model) and not after 31 December of next year: the same
  horizon as the work plan's years (`visits.services.work_plan_years`), so every planned visit
  has a column in the plan grid, and a typo of 2062 for 2026 is refused.
- Nothing is deleted: cancelling keeps the row with who, when and why.
- A planned visit is done when a valid visit is linked to it. Recording a visit links it: from
  the agenda's "Registrar visita" link explicitly (`scheduled_visit_link`), and otherwise
  automatically (`link_recorded_visit`, called at the end of `services.visit_record`): the
  nearest unlinked planned visit of that JASS within ±7 days, assigned to the same staff member
  or to nobody. A link to a visit voided later stops counting, and the row can be linked again.
"""

from __future__ import annotations

import calendar
import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import Case, Q, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from jass_registry.models import Jass, JassStatus
from territory.models import Role, User

from .models import MAX_PLANNED_VISITS, ScheduledVisit, Visit

# How far from the visit's date an unlinked planned visit is taken as the one it fulfils.
AUTO_LINK_WINDOW_DAYS = 7
CANCEL_REASON_MAX_LENGTH = ScheduledVisit._meta.get_field("cancel_reason").max_length
SCHEDULE_FIELDS = ["jass", "date", "staff", "kind", "purpose"]


class ScheduleState(models.TextChoices):
    PLANNED = "planned", gettext_lazy("Programada")
    OVERDUE = "overdue", gettext_lazy("Atrasada")
    DONE = "done", gettext_lazy("Realizada")
    CANCELLED = "cancelled", gettext_lazy("Cancelada")


# --- reads ---------------------------------------------------------------------------------------


def _done() -> Q:
    return Q(cancelled_at__isnull=True, visit__isnull=False, visit__voided_at__isnull=True)


def _pending() -> Q:
    """Neither cancelled nor done (never linked, or linked to a visit voided since)."""
    unlinked = Q(visit__isnull=True) | Q(visit__voided_at__isnull=False)
    return Q(cancelled_at__isnull=True) & unlinked


def state_condition(state: str, today: dt.date) -> Q:
    """The rows in one state on `today` (a filter, so an index on date can serve it)."""
    return {
        ScheduleState.CANCELLED: Q(cancelled_at__isnull=False),
        ScheduleState.DONE: _done(),
        ScheduleState.OVERDUE: _pending() & Q(date__lt=today),
        ScheduleState.PLANNED: _pending() & Q(date__gte=today),
    }[state]


def with_state(queryset, today: dt.date):
    """Each row's state as `state` (computed in the same query)."""
    return queryset.annotate(
        state=Case(
            When(cancelled_at__isnull=False, then=Value(ScheduleState.CANCELLED.value)),
            When(_done(), then=Value(ScheduleState.DONE.value)),
            When(date__lt=today, then=Value(ScheduleState.OVERDUE.value)),
            default=Value(ScheduleState.PLANNED.value),
            output_field=models.CharField(),
        )
    )


def schedule_rows(district_id: str, today: dt.date):
    """A district's planned visits with what the lists show joined and their state."""
    return with_state(
        ScheduledVisit.objects.in_district(district_id).select_related("jass", "staff", "visit"),
        today,
    )


def district_staff(district_id: str):
    """Who can be assigned a planned visit: the district's active ATM users."""
    return User.objects.filter(
        district_id=district_id, role__in=[Role.ATM_HEAD, Role.ATM_STAFF], is_active=True
    ).order_by("first_name", "last_name", "username")


def plannable_jass(district_id: str):
    """The JASS a visit can be planned for: the district's, except the dissolved."""
    return (
        Jass.objects.filter(district_id=district_id)
        .exclude(status=JassStatus.DISSOLVED)
        .order_by("name")
    )


def last_plannable_day(today: dt.date | None = None) -> dt.date:
    """31 December of next year (see the module's docstring)."""
    today = today or timezone.localdate()
    return dt.date(today.year + 1, 12, 31)


def working_days(year: int, month: int) -> list[dt.date]:
    """Monday to Friday of the month (public holidays are not known here)."""
    days = calendar.monthrange(year, month)[1]
    return [
        day for day in (dt.date(year, month, d) for d in range(1, days + 1)) if day.weekday() < 5
    ]


def spread_over_working_days(year: int, month: int, count: int) -> list[dt.date]:
    """`count` days spread evenly over the month's working days (the middle of each share);
    more visits than working days put two on some days."""
    days = working_days(year, month)
    return [days[int((i + 0.5) * len(days) / count)] for i in range(count)]


# --- writes --------------------------------------------------------------------------------------


def _check_staff(user, district_id: str) -> None:
    if not (user and user.is_authenticated and user.is_staff_of(district_id)):
        raise ValidationError(_("Solo el personal del ATM del distrito programa visitas."))


def _check_jass(jass: Jass, district_id: str) -> None:
    if jass.district_id != district_id:
        raise ValidationError({"jass": [_("La JASS no es del distrito.")]})
    if jass.status == JassStatus.DISSOLVED:
        raise ValidationError({"jass": [_("La organización está disuelta.")]})


def _clean(scheduled: ScheduledVisit, *, district_id: str) -> None:
    """The model's rules, then the agenda's: the JASS and the staff member of the district, the
    day within the horizon. All the errors at once, by field."""
    errors: dict[str, list[str]] = {}
    try:
        scheduled.full_clean(exclude=["visit"])
    except ValidationError as error:
        errors = error.message_dict
    if scheduled.jass_id and "jass" not in errors:
        try:
            _check_jass(scheduled.jass, district_id)
        except ValidationError as error:
            errors.update(error.message_dict)
    if (
        scheduled.staff_id
        and "staff" not in errors
        and not district_staff(district_id).filter(pk=scheduled.staff_id).exists()
    ):
        errors["staff"] = [_("La persona asignada no es personal del ATM del distrito.")]
    latest = last_plannable_day()
    if scheduled.date and "date" not in errors and scheduled.date > latest:
        errors["date"] = [
            _("La fecha prevista es a lo más el %(d)s.") % {"d": latest.strftime("%d/%m/%Y")}
        ]
    if errors:
        raise ValidationError(errors)


def _locked(scheduled: ScheduledVisit) -> ScheduledVisit:
    """The row read again under a lock: a cancel or a link committed a moment ago is seen."""
    return ScheduledVisit.objects.select_for_update().get(pk=scheduled.pk)


def _is_done(scheduled: ScheduledVisit) -> bool:
    return (
        scheduled.visit_id is not None
        and Visit.objects.filter(pk=scheduled.visit_id, voided_at__isnull=True).exists()
    )


def _ensure_open(scheduled: ScheduledVisit) -> None:
    if scheduled.cancelled_at is not None:
        raise ValidationError(_("Esta visita programada fue cancelada: no se modifica."))
    if _is_done(scheduled):
        raise ValidationError(_("Esta visita programada ya se registró: no se modifica."))


@transaction.atomic
def scheduled_visit_create(
    *,
    user,
    jass: Jass,
    date: dt.date,
    staff: User | None = None,
    kind: str = "",
    purpose: str = "",
) -> ScheduledVisit:
    """Plan one visit of the user's district."""
    _check_staff(user, jass.district_id)
    scheduled = ScheduledVisit(
        jass=jass,
        date=date,
        staff=staff,
        kind=kind or "",
        purpose=(purpose or "").strip(),
        created_by=user,
    )
    _clean(scheduled, district_id=jass.district_id)
    scheduled.save()
    return scheduled


@transaction.atomic
def scheduled_visit_update(
    *, user, scheduled: ScheduledVisit, data: dict[str, Any]
) -> ScheduledVisit:
    """Change the day, the staff member, the JASS, the kind or the purpose of a planned visit
    that is neither cancelled nor done. The JASS stays in the same district."""
    district_id = scheduled.jass.district_id
    _check_staff(user, district_id)
    current = _locked(scheduled)
    _ensure_open(current)
    for field in SCHEDULE_FIELDS:
        if field in data:
            value = data[field]
            if field == "purpose":
                value = (value or "").strip()
            elif field == "kind":
                value = value or ""
            setattr(current, field, value)
    _clean(current, district_id=district_id)
    current.save()
    return current


@transaction.atomic
def scheduled_visit_cancel(*, user, scheduled: ScheduledVisit, reason: str) -> ScheduledVisit:
    """Cancel a planned visit that was not done: the row is kept with who, when and why, and
    stops counting in the calendar, "Mi semana", the plan grid and the comparison."""
    _check_staff(user, scheduled.jass.district_id)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": [_("Indique el motivo de la cancelación.")]})
    if len(reason) > CANCEL_REASON_MAX_LENGTH:
        raise ValidationError(
            {
                "reason": [
                    _("El motivo tiene como máximo %(n)d caracteres.")
                    % {"n": CANCEL_REASON_MAX_LENGTH}
                ]
            }
        )
    current = _locked(scheduled)
    _ensure_open(current)
    current.cancelled_at = timezone.now()
    current.cancelled_by = user
    current.cancel_reason = reason
    current.full_clean(exclude=["visit", "jass", "staff"])
    current.save(update_fields=["cancelled_at", "cancelled_by", "cancel_reason", "updated_at"])
    return current


@transaction.atomic
def scheduled_visit_link(*, user, scheduled: ScheduledVisit, visit: Visit) -> ScheduledVisit:
    """Link a recorded visit to the planned visit it fulfils (the agenda's "Registrar visita").

    Same district and same JASS; not a cancelled plan, not a voided visit; a plan already done
    by another valid visit is refused. If the automatic link (`link_recorded_visit`) had given
    this visit to another planned visit, the user's choice wins: that one is pending again."""
    _check_staff(user, scheduled.jass.district_id)
    current = _locked(scheduled)
    if visit.jass_id != current.jass_id:
        raise ValidationError(_("La visita registrada es de otra JASS que la programada."))
    if visit.voided_at is not None:
        raise ValidationError(_("La visita fue anulada: no se vincula a la agenda."))
    if current.cancelled_at is not None:
        raise ValidationError(_("Esta visita programada fue cancelada."))
    if current.visit_id == visit.pk:
        return current
    if _is_done(current):
        raise ValidationError(_("Esta visita programada ya tiene una visita registrada."))
    # One planned visit per visit (a one-to-one link): free it from the automatic guess first.
    ScheduledVisit.objects.filter(visit=visit).exclude(pk=current.pk).update(
        visit=None, updated_at=timezone.now()
    )
    current.visit = visit
    current.save(update_fields=["visit", "updated_at"])
    return current


def link_recorded_visit(visit: Visit) -> ScheduledVisit | None:
    """Link a visit just recorded to the planned visit it most likely fulfils: of its JASS,
    pending, within ±AUTO_LINK_WINDOW_DAYS of its date, assigned to its staff member or to
    nobody; the nearest day first, then one assigned to that person, then the earlier, then the
    older row. Called by `services.visit_record` inside its transaction.

    Each candidate is taken with a conditional UPDATE (still pending, still linked as read), so
    two visits recorded at once never take the same planned visit, and no lock is held."""
    if visit.voided_at is not None or ScheduledVisit.objects.filter(visit=visit).exists():
        return None
    window = dt.timedelta(days=AUTO_LINK_WINDOW_DAYS)
    candidates = sorted(
        ScheduledVisit.objects.active()
        .filter(jass_id=visit.jass_id, date__range=(visit.date - window, visit.date + window))
        .filter(Q(staff_id=visit.staff_id) | Q(staff__isnull=True))
        .filter(Q(visit__isnull=True) | Q(visit__voided_at__isnull=False))
        .values_list("pk", "date", "staff_id", "visit_id"),
        key=lambda c: (abs((c[1] - visit.date).days), c[2] is None, c[1], c[0]),
    )
    for pk, _date, _staff_id, linked_id in candidates:
        taken = (
            ScheduledVisit.objects.filter(pk=pk, visit_id=linked_id, cancelled_at__isnull=True)
            .filter(Q(visit__isnull=True) | Q(visit__voided_at__isnull=False))
            .update(visit=visit, updated_at=timezone.now())
        )
        if taken:
            return ScheduledVisit.objects.get(pk=pk)
    return None


@transaction.atomic
def scheduled_visits_plan_month(
    *, user, jass: Jass, year: int, month: int, count: int, purpose: str = ""
) -> list[ScheduledVisit]:
    """Plan `count` visits to a JASS in a month at once (the plan grid's form): unassigned,
    spread over the month's working days, to be given a person and a day later."""
    _check_staff(user, jass.district_id)
    if not 1 <= month <= 12:
        raise ValidationError({"month": [_("Mes no válido.")]})
    if not 1 <= count <= MAX_PLANNED_VISITS:
        raise ValidationError(
            {"count": [_("Se programan de 1 a %(max)d visitas.") % {"max": MAX_PLANNED_VISITS}]}
        )
    first, latest = dt.date(2000, 1, 1), last_plannable_day()
    if not first.year <= year <= latest.year:
        raise ValidationError(
            _("Se programa para un año entre %(first)d y %(last)d.")
            % {"first": first.year, "last": latest.year},
            code="year_out_of_range",
        )
    purpose = (purpose or "").strip() or _("Plan de trabajo %(y)d") % {"y": year}
    rows = [
        ScheduledVisit(jass=jass, date=day, purpose=purpose, created_by=user)
        for day in spread_over_working_days(year, month, count)
    ]
    _clean(rows[0], district_id=jass.district_id)  # the same JASS, month and purpose for all
    return ScheduledVisit.objects.bulk_create(rows)
