"""Writes of the visits app. The page, the API and the demo loader all go through these
functions, which keep the registry's summaries (last visit, last training, last finance review,
each water system's last reading) current in the same transaction.

Two ways to the same summaries, on purpose: the write functions update them for the one JASS
they touch, and `summaries_rebuild` recomputes every JASS and system in set-based statements.
A property test checks that after any sequence of writes the two agree.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max, OuterRef, Q, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from jass_registry.models import ChangeRecord, Jass, JassStatus, WaterSystem

from .chlorine import NETWORK_POINTS, network_chlorine_annotations
from .models import (
    MAX_PLANNED_VISITS,
    Agreement,
    ChlorineReading,
    PlannedVisit,
    Visit,
    VisitKind,
    WorkPlan,
)

VOID_REASON_MAX_LENGTH = Visit._meta.get_field("void_reason").max_length
# One visit's lines: an acta holds a handful of readings and agreements; the caps keep one
# request from writing thousands of rows (the page's formsets and the API's lists say the same).
MAX_READINGS_PER_VISIT = 30
MAX_AGREEMENTS_PER_VISIT = 20
AGREEMENT_MAX_YEARS_AHEAD = 5  # a due date at most five years after the visit
# Work plans: from the first year of the Programa de Incentivos to next year.
WORK_PLAN_FIRST_YEAR = 2009

VISIT_FIELDS = [
    "date",
    "kind",
    "topics",
    "findings",
    "attendees",
    "finances_reviewed",
    "cash_balance",
]


# --- summaries ---------------------------------------------------------------------------------


def _jass_summary(jass_id: int) -> dict[str, dt.date | None]:
    """One aggregate over the JASS's visits."""
    return (
        Visit.objects.valid()
        .filter(jass_id=jass_id)
        .aggregate(
            last_visit_on=Max("date"),
            last_training_on=Max("date", filter=Q(kind=VisitKind.TRAINING)),
            last_finance_review_on=Max("date", filter=Q(finances_reviewed=True)),
        )
    )


def _system_summaries() -> dict[str, Subquery]:
    """A water system's summaries as subqueries over its valid readings: the latest reading
    anywhere (shown as a fact) and the reading that decides its chlorine, from the network
    (`visits.chlorine`, the one definition of adequacy)."""
    latest = (
        ChlorineReading.objects.valid()
        .filter(water_system=OuterRef("pk"))
        .order_by("-taken_on", "-id")
    )
    return {
        "last_reading_on": Subquery(latest.values("taken_on")[:1]),
        "last_reading_mg_l": Subquery(latest.values("mg_per_l")[:1]),
        **_network_summary(),
    }


def _network_summary() -> dict[str, Subquery]:
    network = network_chlorine_annotations(start=None, end=None)
    return {
        "network_reading_on": network["network_on"],
        "network_reading_mg_l": network["network_mg_l"],
    }


def summaries_refresh(jass_id: int) -> None:
    """Recompute the summaries of one JASS and its water systems (two UPDATE statements)."""
    Jass.objects.filter(pk=jass_id).update(**_jass_summary(jass_id))
    WaterSystem.objects.filter(jass_id=jass_id).update(**_system_summaries())


def _summaries_after_create(visit: Visit, readings: list[ChlorineReading]) -> None:
    """A new visit can only move the summaries forward: compare and keep the later date."""
    jass = Jass.objects.select_for_update().get(pk=visit.jass_id)
    changed = []
    if jass.last_visit_on is None or visit.date > jass.last_visit_on:
        jass.last_visit_on = visit.date
        changed.append("last_visit_on")
    if visit.kind == VisitKind.TRAINING and (
        jass.last_training_on is None or visit.date > jass.last_training_on
    ):
        jass.last_training_on = visit.date
        changed.append("last_training_on")
    if visit.finances_reviewed and (
        jass.last_finance_review_on is None or visit.date > jass.last_finance_review_on
    ):
        jass.last_finance_review_on = visit.date
        changed.append("last_finance_review_on")
    if changed:
        Jass.objects.filter(pk=jass.pk).update(**{f: getattr(jass, f) for f in changed})
    if readings:
        # The latest reading of a system breaks ties on id, as the rebuild does.
        for system_id in {r.water_system_id for r in readings}:
            system = WaterSystem.objects.get(pk=system_id)
            updates = {}
            for reading in sorted(
                (r for r in readings if r.water_system_id == system_id),
                key=lambda r: (r.taken_on, r.pk),
            ):
                if system.last_reading_on is None or reading.taken_on >= system.last_reading_on:
                    updates["last_reading_on"] = system.last_reading_on = reading.taken_on
                    updates["last_reading_mg_l"] = system.last_reading_mg_l = reading.mg_per_l
            if updates:
                WaterSystem.objects.filter(pk=system_id).update(**updates)
        # A network reading of the deciding day may be outdone by one already stored that day
        # (a last house beats a first house, the lowest value wins): recompute those systems'
        # deciding reading, in one statement.
        network = {r.water_system_id for r in readings if r.point in NETWORK_POINTS}
        if network:
            WaterSystem.objects.filter(pk__in=network).update(**_network_summary())


@transaction.atomic
def summaries_rebuild() -> dict[str, int]:
    """Recompute every summary from the visits and readings, set-based (two UPDATE statements)."""
    visits = Visit.objects.valid().filter(jass=OuterRef("pk")).order_by("-date").values("date")
    jass_count = Jass.objects.update(
        last_visit_on=Subquery(visits[:1]),
        last_training_on=Subquery(visits.filter(kind=VisitKind.TRAINING)[:1]),
        last_finance_review_on=Subquery(visits.filter(finances_reviewed=True)[:1]),
    )
    system_count = WaterSystem.objects.update(**_system_summaries())
    return {"jass": jass_count, "water_systems": system_count}


# --- visits ------------------------------------------------------------------------------------


def _check_jass(user, jass: Jass) -> None:
    if not user.is_staff_of(jass.district_id):
        raise ValidationError({"jass": [_("La JASS no existe.")]})
    if jass.status == JassStatus.DISSOLVED:
        raise ValidationError({"jass": [_("La organización está disuelta.")]})


def _build_readings(jass: Jass, visit: Visit, rows: list[dict[str, Any]]) -> list[ChlorineReading]:
    if len(rows) > MAX_READINGS_PER_VISIT:
        raise ValidationError(
            {
                "readings": [
                    _("Una visita tiene a lo más %(n)d mediciones de cloro.")
                    % {"n": MAX_READINGS_PER_VISIT}
                ]
            }
        )
    systems = {s.pk: s for s in WaterSystem.objects.filter(jass=jass)}
    readings, errors = [], []
    for index, row in enumerate(rows, start=1):
        system = row.get("water_system")
        system_id = getattr(system, "pk", system)
        if system_id not in systems:
            errors.append(
                _("Medición %(n)d: el sistema de agua no pertenece a esta JASS.") % {"n": index}
            )
            continue
        reading = ChlorineReading(
            water_system=systems[system_id],
            visit=visit,
            taken_on=row.get("taken_on") or visit.date,
            point=row.get("point") or "",
            mg_per_l=row.get("mg_per_l"),
        )
        try:
            reading.full_clean(exclude=["visit"])
        except ValidationError as error:
            errors.append(_("Medición %(n)d: %(e)s") % {"n": index, "e": " ".join(error.messages)})
        if reading.taken_on and visit.date and reading.taken_on > visit.date:
            errors.append(
                _("Medición %(n)d: la fecha no puede ser posterior a la visita.") % {"n": index}
            )
        readings.append(reading)
    if errors:
        raise ValidationError({"readings": errors})
    return readings


def _build_agreements(visit: Visit, rows: list[dict[str, Any]]) -> list[Agreement]:
    if len(rows) > MAX_AGREEMENTS_PER_VISIT:
        raise ValidationError(
            {
                "agreements": [
                    _("Una visita tiene a lo más %(n)d acuerdos.") % {"n": MAX_AGREEMENTS_PER_VISIT}
                ]
            }
        )
    latest_due = _years_after(visit.date, AGREEMENT_MAX_YEARS_AHEAD) if visit.date else None
    agreements, errors = [], []
    for index, row in enumerate(rows, start=1):
        agreement = Agreement(
            visit=visit,
            task=row.get("task") or "",
            responsible=row.get("responsible") or "",
            due_on=row.get("due_on"),
            done_on=row.get("done_on"),
        )
        try:
            agreement.full_clean(exclude=["visit"])
        except ValidationError as error:
            errors.append(_("Acuerdo %(n)d: %(e)s") % {"n": index, "e": " ".join(error.messages)})
        else:
            if latest_due and agreement.due_on > latest_due:
                errors.append(
                    _("Acuerdo %(n)d: la fecha límite es a lo más %(y)d años después de la visita.")
                    % {"n": index, "y": AGREEMENT_MAX_YEARS_AHEAD}
                )
        agreements.append(agreement)
    if errors:
        raise ValidationError({"agreements": errors})
    return agreements


def _years_after(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def work_plan_years() -> range:
    """The years a work plan can be written for (a plan of year 1 or 5000 is a typo)."""
    return range(WORK_PLAN_FIRST_YEAR, timezone.localdate().year + 2)


def _clean_visit(visit: Visit) -> None:
    # A cash balance without a finance review is refused (not dropped): the caller meant one.
    visit.full_clean(exclude=["jass", "staff"])


@transaction.atomic
def visit_record(
    *,
    user,
    jass: Jass,
    data: dict[str, Any],
    readings: list[dict[str, Any]] = (),
    agreements: list[dict[str, Any]] = (),
) -> Visit:
    """Record a visit with its readings and agreements: all of it, or nothing."""
    _check_jass(user, jass)
    visit = Visit(jass=jass, staff=user, **{f: v for f, v in data.items() if f in VISIT_FIELDS})
    _clean_visit(visit)
    reading_objs = _build_readings(jass, visit, list(readings))
    agreement_objs = _build_agreements(visit, list(agreements))
    visit.save()
    for obj in (*reading_objs, *agreement_objs):
        obj.visit = visit
    ChlorineReading.objects.bulk_create(reading_objs)
    Agreement.objects.bulk_create(agreement_objs)
    _summaries_after_create(visit, reading_objs)
    return visit


def _ensure_not_voided(visit: Visit) -> None:
    """A voided visit is a closed record (read under a row lock: a void committed a moment
    ago is seen)."""
    voided_at = (
        Visit.objects.select_for_update().values_list("voided_at", flat=True).get(pk=visit.pk)
    )
    if voided_at is not None:
        raise ValidationError(_("Esta visita fue anulada: no se modifica."))


def _reading_key(r: ChlorineReading) -> tuple:
    return (r.water_system_id, r.point, r.mg_per_l, r.taken_on)


def _agreement_key(a: Agreement) -> tuple:
    return (a.task, a.responsible, a.due_on)


def _reading_text(r: ChlorineReading) -> str:
    return f"{r.water_system} · {r.get_point_display()} · {r.mg_per_l} mg/L · {r.taken_on}"


def _agreement_text(a: Agreement) -> str:
    return f"{a.task} · {a.responsible} · {a.due_on}"


def _replace_lines(old: list, new: list, key) -> tuple[list, list, list]:
    """Pair the visit's stored lines with the edited ones by content: (kept pairs, removed,
    added). Unchanged lines keep their rows (an agreement keeps its "done" mark)."""
    by_key: dict[tuple, list] = {}
    for obj in old:
        by_key.setdefault(key(obj), []).append(obj)
    kept, added = [], []
    for obj in new:
        same = by_key.get(key(obj))
        if same:
            kept.append((same.pop(0), obj))
        else:
            added.append(obj)
    removed = [obj for objs in by_key.values() for obj in objs]
    return kept, removed, added


@transaction.atomic
def visit_update(
    *,
    user,
    visit: Visit,
    data: dict[str, Any],
    readings: list[dict[str, Any]] | None = None,
    agreements: list[dict[str, Any]] | None = None,
) -> Visit:
    """Edit a visit that is not voided; given readings/agreements replace the visit's own.

    Lines that did not change keep their rows. Lines the edit removes are corrections of this
    visit's own acta: they are removed, and what they said is kept in the JASS's change history
    with the acting user (a `visit_updated` record)."""
    _check_jass(user, visit.jass)
    _ensure_not_voided(visit)
    for field, value in data.items():
        if field in VISIT_FIELDS:
            setattr(visit, field, value)
    _clean_visit(visit)
    reading_objs = _build_readings(visit.jass, visit, readings) if readings is not None else None
    agreement_objs = _build_agreements(visit, agreements) if agreements is not None else None
    visit.save()
    history: dict[str, list[str]] = {}
    if reading_objs is not None:
        _kept, removed, added = _replace_lines(
            list(visit.readings.select_related("water_system")), reading_objs, _reading_key
        )
        if removed or added:
            history["readings"] = [
                "; ".join(_reading_text(r) for r in removed) or None,
                "; ".join(_reading_text(r) for r in added) or None,
            ]
            ChlorineReading.objects.filter(pk__in=[r.pk for r in removed]).delete()
            ChlorineReading.objects.bulk_create(added)
    if agreement_objs is not None:
        kept, removed, added = _replace_lines(
            list(visit.agreements.all()), agreement_objs, _agreement_key
        )
        for stored, edited in kept:
            if edited.done_on is not None and edited.done_on != stored.done_on:
                stored.done_on, stored.done_by = edited.done_on, user
                stored.save(update_fields=["done_on", "done_by"])
        if removed or added:
            history["agreements"] = [
                "; ".join(_agreement_text(a) for a in removed) or None,
                "; ".join(_agreement_text(a) for a in added) or None,
            ]
            Agreement.objects.filter(pk__in=[a.pk for a in removed]).delete()
            Agreement.objects.bulk_create(added)
    if history:
        ChangeRecord.objects.create(
            jass_id=visit.jass_id,
            user=user,
            action=ChangeRecord.Action.VISIT_UPDATED,
            target=str(visit)[:200],
            changes=history,
        )
    summaries_refresh(visit.jass_id)
    return visit


@transaction.atomic
def visit_void(*, user, visit: Visit, reason: str) -> Visit:
    """Void (anular) a visit: it is never deleted. It keeps its readings and agreements, is
    shown as voided, and stops counting: lists, exports, summaries, risk signals and the goal
    engine read `Visit.objects.valid()`. The void is in the JASS's history with its reason."""
    _check_jass(user, visit.jass)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": [_("Indique el motivo de la anulación.")]})
    if len(reason) > VOID_REASON_MAX_LENGTH:
        raise ValidationError(
            {
                "reason": [
                    _("El motivo tiene como máximo %(n)d caracteres.")
                    % {"n": VOID_REASON_MAX_LENGTH}
                ]
            }
        )
    _ensure_not_voided(visit)
    visit.voided_at = timezone.now()
    visit.voided_by = user
    visit.void_reason = reason
    visit.save(update_fields=["voided_at", "voided_by", "void_reason", "updated_at"])
    ChangeRecord.objects.create(
        jass_id=visit.jass_id,
        user=user,
        action=ChangeRecord.Action.VISIT_VOIDED,
        target=str(visit)[:200],
        changes={"reason": [None, reason]},
    )
    summaries_refresh(visit.jass_id)
    return visit


@transaction.atomic
def agreement_mark_done(*, user, agreement: Agreement) -> Agreement:
    """Done today: the date is the server's, so it is never in the future."""
    _check_jass(user, agreement.visit.jass)
    _ensure_not_voided(agreement.visit)
    agreement.done_on = timezone.localdate()
    agreement.done_by = user
    agreement.save(update_fields=["done_on", "done_by"])
    return agreement


# --- work plan ---------------------------------------------------------------------------------


@transaction.atomic
def work_plan_save(
    *, user, district_id: str, year: int, cells: dict[tuple[int, int], int]
) -> WorkPlan:
    """Replace the plan's cells: {(jass_id, month): planned visits}; zeros are dropped."""
    if not user.is_staff_of(district_id):
        raise ValidationError(_("Solo el personal del ATM del distrito planifica."))
    years = work_plan_years()
    if year not in years:
        raise ValidationError(
            _("El plan de trabajo es de un año entre %(first)d y %(last)d.")
            % {"first": years[0], "last": years[-1]},
            code="year_out_of_range",
        )
    valid_jass = set(Jass.objects.filter(district_id=district_id).values_list("pk", flat=True))
    errors = []
    for (jass_id, month), count in cells.items():
        if jass_id not in valid_jass:
            errors.append(_("La JASS %(id)s no es del distrito.") % {"id": jass_id})
        if not 1 <= month <= 12:
            errors.append(_("Mes no válido: %(m)s.") % {"m": month})
        if count < 0 or count > MAX_PLANNED_VISITS:
            errors.append(
                _("Las visitas previstas van de 0 a %(max)d.") % {"max": MAX_PLANNED_VISITS}
            )
    if errors:
        raise ValidationError(errors)
    plan, _created = WorkPlan.objects.get_or_create(district_id=district_id, year=year)
    # The grid is edited in place, never deleted: a cell left empty is kept at 0 (and not
    # shown), so no row of the plan disappears.
    stored = {(p.jass_id, p.month): p for p in plan.items.select_for_update()}
    changed, new = [], []
    for key, item in stored.items():
        count = cells.get(key, 0)
        if item.visits != count:
            item.visits = count
            changed.append(item)
    for (jass_id, month), count in cells.items():
        if count and (jass_id, month) not in stored:
            new.append(PlannedVisit(plan=plan, jass_id=jass_id, month=month, visits=count))
    PlannedVisit.objects.bulk_update(changed, ["visits"])
    PlannedVisit.objects.bulk_create(new)
    plan.save(update_fields=["updated_at"])
    return plan
