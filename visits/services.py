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

from jass_registry.indicators import ADEQUATE_CHLORINE_MG_L
from jass_registry.models import Jass, JassStatus, WaterSystem

from .models import Agreement, ChlorineReading, PlannedVisit, Visit, VisitKind, WorkPlan

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
    return Visit.objects.filter(jass_id=jass_id).aggregate(
        last_visit_on=Max("date"),
        last_training_on=Max("date", filter=Q(kind=VisitKind.TRAINING)),
        last_finance_review_on=Max("date", filter=Q(finances_reviewed=True)),
    )


def _latest_readings():
    return ChlorineReading.objects.filter(water_system=OuterRef("pk")).order_by("-taken_on", "-id")


def _system_summary_annotations():
    latest = _latest_readings()
    return {
        "new_reading_on": Subquery(latest.values("taken_on")[:1]),
        "new_reading_mg_l": Subquery(latest.values("mg_per_l")[:1]),
        "new_adequate_on": Subquery(
            latest.filter(mg_per_l__gte=ADEQUATE_CHLORINE_MG_L).values("taken_on")[:1]
        ),
    }


def summaries_refresh(jass_id: int) -> None:
    """Recompute the summaries of one JASS and its water systems (a handful of queries)."""
    Jass.objects.filter(pk=jass_id).update(**_jass_summary(jass_id))
    systems = WaterSystem.objects.filter(jass_id=jass_id).annotate(**_system_summary_annotations())
    for system in systems:
        WaterSystem.objects.filter(pk=system.pk).update(
            last_reading_on=system.new_reading_on,
            last_reading_mg_l=system.new_reading_mg_l,
            last_adequate_reading_on=system.new_adequate_on,
        )


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
                if reading.mg_per_l >= ADEQUATE_CHLORINE_MG_L and (
                    system.last_adequate_reading_on is None
                    or reading.taken_on > system.last_adequate_reading_on
                ):
                    updates["last_adequate_reading_on"] = system.last_adequate_reading_on = (
                        reading.taken_on
                    )
            if updates:
                WaterSystem.objects.filter(pk=system_id).update(**updates)


@transaction.atomic
def summaries_rebuild() -> dict[str, int]:
    """Recompute every summary from the visits and readings, set-based (two UPDATE statements)."""
    visits = Visit.objects.filter(jass=OuterRef("pk")).order_by("-date").values("date")
    jass_count = Jass.objects.update(
        last_visit_on=Subquery(visits[:1]),
        last_training_on=Subquery(visits.filter(kind=VisitKind.TRAINING)[:1]),
        last_finance_review_on=Subquery(visits.filter(finances_reviewed=True)[:1]),
    )
    latest = _latest_readings()
    system_count = WaterSystem.objects.update(
        last_reading_on=Subquery(latest.values("taken_on")[:1]),
        last_reading_mg_l=Subquery(latest.values("mg_per_l")[:1]),
        last_adequate_reading_on=Subquery(
            latest.filter(mg_per_l__gte=ADEQUATE_CHLORINE_MG_L).values("taken_on")[:1]
        ),
    )
    return {"jass": jass_count, "water_systems": system_count}


# --- visits ------------------------------------------------------------------------------------


def _check_jass(user, jass: Jass) -> None:
    if not user.is_staff_of(jass.district_id):
        raise ValidationError({"jass": [_("La JASS no existe.")]})
    if jass.status == JassStatus.DISSOLVED:
        raise ValidationError({"jass": [_("La organización está disuelta.")]})


def _build_readings(jass: Jass, visit: Visit, rows: list[dict[str, Any]]) -> list[ChlorineReading]:
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
        agreements.append(agreement)
    if errors:
        raise ValidationError({"agreements": errors})
    return agreements


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


@transaction.atomic
def visit_update(
    *,
    user,
    visit: Visit,
    data: dict[str, Any],
    readings: list[dict[str, Any]] | None = None,
    agreements: list[dict[str, Any]] | None = None,
) -> Visit:
    """Edit a visit; given readings/agreements replace the visit's own."""
    _check_jass(user, visit.jass)
    for field, value in data.items():
        if field in VISIT_FIELDS:
            setattr(visit, field, value)
    _clean_visit(visit)
    reading_objs = _build_readings(visit.jass, visit, readings) if readings is not None else None
    agreement_objs = _build_agreements(visit, agreements) if agreements is not None else None
    visit.save()
    if reading_objs is not None:
        visit.readings.all().delete()
        ChlorineReading.objects.bulk_create(reading_objs)
    if agreement_objs is not None:
        visit.agreements.all().delete()
        Agreement.objects.bulk_create(agreement_objs)
    summaries_refresh(visit.jass_id)
    return visit


@transaction.atomic
def visit_delete(*, user, visit: Visit) -> None:
    _check_jass(user, visit.jass)
    jass_id = visit.jass_id
    visit.delete()
    summaries_refresh(jass_id)


@transaction.atomic
def agreement_mark_done(*, user, agreement: Agreement, done_on: dt.date | None = None) -> Agreement:
    _check_jass(user, agreement.visit.jass)
    done_on = done_on or timezone.localdate()
    if done_on > timezone.localdate():
        raise ValidationError({"done_on": [_("La fecha no puede ser posterior a hoy.")]})
    agreement.done_on = done_on
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
    valid_jass = set(Jass.objects.filter(district_id=district_id).values_list("pk", flat=True))
    errors = []
    for (jass_id, month), count in cells.items():
        if jass_id not in valid_jass:
            errors.append(_("La JASS %(id)s no es del distrito.") % {"id": jass_id})
        if not 1 <= month <= 12:
            errors.append(_("Mes no válido: %(m)s.") % {"m": month})
        if count < 0 or count > 31:
            errors.append(_("Las visitas previstas van de 0 a 31."))
    if errors:
        raise ValidationError(errors)
    plan, _created = WorkPlan.objects.get_or_create(district_id=district_id, year=year)
    plan.items.all().delete()
    PlannedVisit.objects.bulk_create(
        PlannedVisit(plan=plan, jass_id=j, month=m, visits=c) for (j, m), c in cells.items() if c
    )
    plan.save(update_fields=["updated_at"])
    return plan
