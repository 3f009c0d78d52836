"""Writes of the visits app. The page, the API and the demo loader all go through these
functions, which keep the registry's summaries (last visit, last training, last finance review,
each water system's last reading) current in the same transaction.

Two ways to the same summaries, on purpose: the write functions update them for the one JASS
they touch, and `summaries_rebuild` recomputes every JASS and system in set-based statements.
A property test checks that after any sequence of writes the two agree.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import uuid as uuid_module
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max, OuterRef, Q, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from common.uploads import validate_upload
from common.validators import CONTROL_CHARACTERS, no_control_characters
from jass_registry.models import ChangeRecord, Jass, JassStatus, WaterSystem

from .chlorine import NETWORK_POINTS, network_chlorine_annotations
from .models import (
    Agreement,
    AgreementNote,
    ChlorineReading,
    Visit,
    VisitAttachment,
    VisitKind,
)

VOID_REASON_MAX_LENGTH = Visit._meta.get_field("void_reason").max_length
# One visit's lines: an acta holds a handful of readings and agreements; the caps keep one
# request from writing thousands of rows (the page's formsets and the API's lists say the same).
MAX_READINGS_PER_VISIT = 30
MAX_AGREEMENTS_PER_VISIT = 20
AGREEMENT_MAX_YEARS_AHEAD = 5  # a due date at most five years after the visit
# Photos or scans of the signed acta kept per visit (removed ones do not count).
MAX_ATTACHMENTS_PER_VISIT = 10
# Work plans: from the first year of the Programa de Incentivos to next year.
WORK_PLAN_FIRST_YEAR = 2009

# The messages the visit services raise, one string each: the services interpolate them and
# GET /api/v1/visits/form-spec/ hands the same templates to the offline form (`%(name)d` and
# `%(name)s` placeholders), so a visit checked on the phone reads exactly as on the server.
MESSAGES = {
    "too_many_readings": gettext_lazy("Una visita tiene a lo más %(n)d mediciones de cloro."),
    "too_many_agreements": gettext_lazy("Una visita tiene a lo más %(n)d acuerdos."),
    "reading_row": gettext_lazy("Medición %(n)d: %(e)s"),
    "reading_system_not_of_jass": gettext_lazy(
        "Medición %(n)d: el sistema de agua no pertenece a esta JASS."
    ),
    "reading_after_visit": gettext_lazy(
        "Medición %(n)d: la fecha no puede ser posterior a la visita."
    ),
    "agreement_row": gettext_lazy("Acuerdo %(n)d: %(e)s"),
    "agreement_due_too_late": gettext_lazy(
        "Acuerdo %(n)d: la fecha límite es a lo más %(y)d años después de la visita."
    ),
    "done_after_today": gettext_lazy("La fecha de cumplimiento no puede ser posterior a hoy."),
    "done_before_visit": gettext_lazy(
        "La fecha de cumplimiento no puede ser anterior a la visita (%(date)s)."
    ),
    "jass_missing": gettext_lazy("La JASS no existe."),
    "jass_dissolved": gettext_lazy(
        "La JASS «%(name)s» fue disuelta el %(date)s: no se registran visitas nuevas. "
        "Consérvela como nota o regístrela en otra JASS."
    ),
    "jass_dissolved_undated": gettext_lazy(
        "La JASS «%(name)s» está disuelta: no se registran visitas nuevas. "
        "Consérvela como nota o regístrela en otra JASS."
    ),
    "visit_conflict": gettext_lazy(
        "Ya se recibió otra versión de esta visita, con un contenido distinto. Compare las dos "
        "versiones y decida cuál conservar: la guardada no se modificó."
    ),
    "visit_conflict_unreadable": gettext_lazy(
        "Este identificador de visita ya se usó para otro registro. Guarde la visita como "
        "una nueva."
    ),
    "visit_voided_conflict": gettext_lazy(
        "Esta visita ya se recibió y luego fue anulada en la oficina: no se registra de nuevo."
    ),
    "visit_voided": gettext_lazy("Esta visita fue anulada: no se modifica."),
    "too_many_attachments": gettext_lazy("Una visita tiene a lo más %(n)d actas adjuntas."),
    "attachment_other_visit": gettext_lazy(
        "Este identificador de archivo ya se usó para el acta de otra visita."
    ),
    "file_too_large": gettext_lazy("El archivo supera los %(mb)d MB."),
    "file_type": gettext_lazy("El archivo debe ser un PDF, JPEG o PNG."),
    "note_empty": gettext_lazy("Escriba la nota de seguimiento."),
}


def message(key: str, **params) -> str:
    """One of MESSAGES in the active language, interpolated."""
    text = str(MESSAGES[key])
    return text % params if params else text


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


def _check_jass(user, jass: Jass, *, new_visit: bool = False) -> None:
    if not user.is_staff_of(jass.district_id):
        raise ValidationError({"jass": [message("jass_missing")]})
    if new_visit:
        # Read under a row lock: a dissolution committed a moment ago is seen, and one that
        # comes later waits for this visit (which it then finds recorded).
        status = Jass.objects.select_for_update().values_list("status", flat=True).get(pk=jass.pk)
        if status == JassStatus.DISSOLVED:
            raise ValidationError(
                {"jass": [ValidationError(_dissolved_text(jass), code="jass_dissolved")]}
            )
    elif jass.status == JassStatus.DISSOLVED:
        raise ValidationError({"jass": [_("La organización está disuelta.")]})


def _dissolved_text(jass: Jass) -> str:
    """The refusal of a visit to a dissolved JASS, with the day of its dissolution (from the
    JASS's history) when it is known."""
    at = (
        ChangeRecord.objects.filter(jass_id=jass.pk, action=ChangeRecord.Action.DISSOLVED)
        .order_by("-at")
        .values_list("at", flat=True)
        .first()
    )
    if at is None:
        return message("jass_dissolved_undated", name=jass.name)
    return message("jass_dissolved", name=jass.name, date=f"{timezone.localdate(at):%d/%m/%Y}")


def _build_readings(jass: Jass, visit: Visit, rows: list[dict[str, Any]]) -> list[ChlorineReading]:
    if len(rows) > MAX_READINGS_PER_VISIT:
        raise ValidationError(
            {"readings": [message("too_many_readings", n=MAX_READINGS_PER_VISIT)]}
        )
    systems = {s.pk: s for s in WaterSystem.objects.filter(jass=jass)}
    readings, errors = [], []
    for index, row in enumerate(rows, start=1):
        system = row.get("water_system")
        system_id = getattr(system, "pk", system)
        if system_id not in systems:
            errors.append(message("reading_system_not_of_jass", n=index))
            continue
        reading = ChlorineReading(
            water_system=systems[system_id],
            visit=visit,
            taken_on=row.get("taken_on") or visit.date,
            point=row.get("point") or "",
            mg_per_l=row.get("mg_per_l"),
        )
        try:
            # The system was just checked to be the JASS's, and the 0-5 constraint repeats the
            # field's validators (which run): two database round trips a reading saved.
            reading.full_clean(exclude=["visit", "water_system"], validate_constraints=False)
        except ValidationError as error:
            errors.append(message("reading_row", n=index, e=" ".join(error.messages)))
        if reading.taken_on and visit.date and reading.taken_on > visit.date:
            errors.append(message("reading_after_visit", n=index))
        readings.append(reading)
    if errors:
        raise ValidationError({"readings": errors})
    return readings


def _done_on_errors(done_on: dt.date | None, visit_date: dt.date | None) -> list[str]:
    """The rule of an agreement's done date, for every door: not after today, not before
    the visit."""
    if done_on is None:
        return []
    if done_on > timezone.localdate():
        return [message("done_after_today")]
    if visit_date and done_on < visit_date:
        return [message("done_before_visit", date=f"{visit_date:%d/%m/%Y}")]
    return []


def _build_agreements(visit: Visit, rows: list[dict[str, Any]]) -> list[Agreement]:
    if len(rows) > MAX_AGREEMENTS_PER_VISIT:
        raise ValidationError(
            {"agreements": [message("too_many_agreements", n=MAX_AGREEMENTS_PER_VISIT)]}
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
        done_errors = _done_on_errors(agreement.done_on, visit.date)
        try:
            agreement.full_clean(exclude=["visit", "done_on"] if done_errors else ["visit"])
        except ValidationError as error:
            messages = [*done_errors, *error.messages]
            errors.append(message("agreement_row", n=index, e=" ".join(messages)))
        else:
            if done_errors:
                errors.append(message("agreement_row", n=index, e=" ".join(done_errors)))
            if latest_due and agreement.due_on > latest_due:
                errors.append(
                    message("agreement_due_too_late", n=index, y=AGREEMENT_MAX_YEARS_AHEAD)
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
    # The uuid's uniqueness is the database's to decide (visit_receive), not a pre-check.
    visit.full_clean(exclude=["jass", "staff", "uuid"], validate_unique=False)


def _two_places(value) -> str | None:
    """A decimal as the API prints it: two places ("0.5", "0.50" and 0.5 are all "0.50")."""
    if value is None or value == "":
        return None
    try:
        return str(Decimal(str(value)).quantize(Decimal("0.01")))
    except (InvalidOperation, ValueError):
        return str(value)


def _iso(value) -> str | None:
    return value.isoformat() if hasattr(value, "isoformat") else (value or None)


def _pk(value):
    return getattr(value, "pk", value)


def submission_digest(
    *,
    jass: Jass | int,
    data: dict[str, Any],
    readings: list[dict[str, Any]] = (),
    agreements: list[dict[str, Any]] = (),
) -> str:
    """SHA-256 (hex) of a visit's validated content, the same from every door: a repeat of a
    send is recognised by it (same digest: the stored visit; another: a conflict).

    Canonical form: a JSON object with sorted keys and no spaces, UTF-8, of the JASS id, the
    date (ISO), kind, the topics sorted, findings and attendees as given (the serializer has
    already trimmed them), finances_reviewed as a boolean, cash_balance as a two-place decimal
    string or null; readings in the order sent as [water system id, point, mg/L as a two-place
    decimal string ("0.5" -> "0.50"), taken_on or else the visit's date]; agreements in the
    order sent as [task, responsible, due_on, done_on or null]."""
    date = _iso(data.get("date"))
    content = {
        "jass": _pk(jass),
        "date": date,
        "kind": data.get("kind") or "",
        "topics": sorted(data.get("topics") or []),
        "findings": data.get("findings") or "",
        "attendees": data.get("attendees") or "",
        "finances_reviewed": bool(data.get("finances_reviewed")),
        "cash_balance": _two_places(data.get("cash_balance")),
        "readings": [
            [
                _pk(r.get("water_system")),
                r.get("point") or "",
                _two_places(r.get("mg_per_l")),
                _iso(r.get("taken_on")) or date,
            ]
            for r in readings
        ],
        "agreements": [
            [
                a.get("task") or "",
                a.get("responsible") or "",
                _iso(a.get("due_on")),
                _iso(a.get("done_on")),
            ]
            for a in agreements
        ],
    }
    canonical = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


class VisitConflict(Exception):
    """A visit sent with a uuid already stored under other content, or stored and voided since.
    `stored` is that visit; the door decides what the caller may see of it."""

    def __init__(self, stored: Visit, code: str):
        super().__init__(code)
        self.stored = stored
        self.code = code  # "visit_conflict" or "visit_voided"


@dataclass(frozen=True)
class Received:
    visit: Visit
    created: bool  # False: a repeat of a send already stored (nothing written)


def _as_repeat(stored: Visit, digest: str) -> Received:
    if stored.is_voided:
        raise VisitConflict(stored, "visit_voided")
    if stored.submission_digest != digest:
        raise VisitConflict(stored, "visit_conflict")
    return Received(stored, created=False)


def visit_receive(
    *,
    user,
    jass: Jass,
    data: dict[str, Any],
    readings: list[dict[str, Any]] = (),
    agreements: list[dict[str, Any]] = (),
    uuid: uuid_module.UUID | str | None = None,
) -> Received:
    """Record a visit sent by a device under its own `uuid`, once and only once.

    A uuid already stored with the same content (digest) returns the stored visit and writes
    nothing, even if that visit was edited on the web since; with other content, or when it was
    voided since, raises VisitConflict. Two sends of one uuid at the same moment write one
    visit: the unique constraint refuses the second, which then answers as a repeat. The repeat
    is looked up before the JASS is checked, so a visit stored before its JASS was dissolved
    still answers 200."""
    digest = submission_digest(jass=jass, data=data, readings=readings, agreements=agreements)
    if uuid is None:
        return Received(_visit_create(user, jass, data, readings, agreements, None, digest), True)
    stored = Visit.objects.filter(uuid=uuid).first()
    if stored is not None:
        return _as_repeat(stored, digest)
    try:
        visit = _visit_create(user, jass, data, readings, agreements, uuid, digest)
    except IntegrityError:
        stored = Visit.objects.filter(uuid=uuid).first()
        if stored is None:
            raise
        return _as_repeat(stored, digest)
    return Received(visit, created=True)


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
    digest = submission_digest(jass=jass, data=data, readings=readings, agreements=agreements)
    return _visit_create(user, jass, data, readings, agreements, None, digest)


@transaction.atomic
def _visit_create(user, jass, data, readings, agreements, uuid, digest) -> Visit:
    _check_jass(user, jass, new_visit=True)
    visit = Visit(jass=jass, staff=user, **{f: v for f, v in data.items() if f in VISIT_FIELDS})
    if uuid is not None:
        visit.uuid = uuid
    visit.submission_digest = digest
    _clean_visit(visit)
    reading_objs = _build_readings(jass, visit, list(readings))
    agreement_objs = _build_agreements(visit, list(agreements))
    visit.save()
    for obj in (*reading_objs, *agreement_objs):
        obj.visit = visit
    ChlorineReading.objects.bulk_create(reading_objs)
    Agreement.objects.bulk_create(agreement_objs)
    _summaries_after_create(visit, reading_objs)
    from .schedule import link_recorded_visit  # the agenda: a planned visit it fulfils is done

    link_recorded_visit(visit)
    return visit


def _ensure_not_voided(visit: Visit) -> None:
    """A voided visit is a closed record (read under a row lock: a void committed a moment
    ago is seen)."""
    voided_at = (
        Visit.objects.select_for_update().values_list("voided_at", flat=True).get(pk=visit.pk)
    )
    if voided_at is not None:
        raise ValidationError(message("visit_voided"), code="visit_voided")


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
def agreement_mark_done(*, user, agreement: Agreement, done_on: dt.date | None = None) -> Agreement:
    """Mark an agreement done on `done_on` (default today): not after today, not before the
    visit. The page's date field and the API's PATCH read the same rule."""
    _check_jass(user, agreement.visit.jass)
    _ensure_not_voided(agreement.visit)
    done_on = done_on or timezone.localdate()
    errors = _done_on_errors(done_on, agreement.visit.date)
    if errors:
        raise ValidationError({"done_on": errors})
    agreement.done_on = done_on
    agreement.done_by = user
    agreement.save(update_fields=["done_on", "done_by"])
    return agreement


@transaction.atomic
def agreement_note_add(*, user, agreement: Agreement, text: str) -> AgreementNote:
    """A follow-up note on an agreement (seguimiento), kept in order; never edited or deleted.
    Written by the district's staff while the visit is not voided."""
    _check_jass(user, agreement.visit.jass)
    _ensure_not_voided(agreement.visit)
    text = (text or "").strip()
    if not text:
        raise ValidationError({"text": [message("note_empty")]})
    note = AgreementNote(agreement=agreement, text=text, written_by=user)
    note.full_clean(exclude=["agreement", "written_by"])
    note.save()
    return note


# --- acta attachments ----------------------------------------------------------------------------


@dataclass(frozen=True)
class AttachmentReceived:
    attachment: VisitAttachment
    created: bool  # False: a repeat of an upload already stored (nothing written)


def attachment_add(
    *,
    user,
    visit: Visit,
    file,
    original_name: str = "",
    uuid: uuid_module.UUID | str | None = None,
) -> AttachmentReceived:
    """Attach a photo or scan of the visit's signed acta (PDF, JPEG or PNG by its content, at
    most MAX_ATTACHMENTS_PER_VISIT live ones), recorded in the JASS's history.

    Idempotent on `uuid`: an upload retried after a lost answer returns the stored attachment
    (its bytes are not compared: a phone resends the photo it took); the same uuid on another
    visit is refused. Two uploads of one uuid at once store one row (the unique constraint)."""
    if uuid is not None:
        stored = VisitAttachment.objects.filter(uuid=uuid).first()
        if stored is not None:
            return _attachment_repeat(stored, visit)
    try:
        attachment = _attachment_create(user, visit, file, original_name, uuid)
    except IntegrityError:
        stored = VisitAttachment.objects.filter(uuid=uuid).first() if uuid else None
        if stored is None:
            raise
        return _attachment_repeat(stored, visit)
    return AttachmentReceived(attachment, created=True)


def _attachment_repeat(stored: VisitAttachment, visit: Visit) -> AttachmentReceived:
    if stored.visit_id != visit.pk:
        raise ValidationError({"uuid": [message("attachment_other_visit")]})
    return AttachmentReceived(stored, created=False)


@transaction.atomic
def _attachment_create(user, visit: Visit, file, original_name: str, uuid) -> VisitAttachment:
    _check_jass(user, visit.jass)
    _ensure_not_voided(visit)  # also locks the visit: the count below is not raced
    validate_upload(file)
    live = VisitAttachment.objects.filter(visit=visit, removed_at__isnull=True).count()
    if live >= MAX_ATTACHMENTS_PER_VISIT:
        raise ValidationError(
            {"file": [message("too_many_attachments", n=MAX_ATTACHMENTS_PER_VISIT)]}
        )
    name = _clip_name(original_name or getattr(file, "name", "") or "")
    attachment = VisitAttachment(
        visit=visit,
        district_id=visit.jass.district_id,
        file=file,
        original_name=name,
        uploaded_by=user,
    )
    if uuid is not None:
        attachment.uuid = uuid
    attachment.full_clean(exclude=["visit", "district", "uploaded_by", "file", "uuid"])
    attachment.save()
    ChangeRecord.objects.create(
        jass_id=visit.jass_id,
        user=user,
        action=ChangeRecord.Action.VISIT_UPDATED,
        target=str(visit)[:200],
        changes={"acta": [None, name or attachment.file.name.rsplit("/", 1)[-1]]},
    )
    return attachment


def _clip_name(name: str) -> str:
    """The client's file name, kept only to show it: its last path part, no control
    characters, at most 200 characters."""
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    return CONTROL_CHARACTERS.sub("", name).strip()[:200]


@transaction.atomic
def attachment_remove(*, user, attachment: VisitAttachment, reason: str = "") -> VisitAttachment:
    """Mark an acta attachment removed: it leaves the visit's page and the API's list; the row
    and the file are kept, and the JASS's history says who removed it and why."""
    visit = attachment.visit
    _check_jass(user, visit.jass)
    _ensure_not_voided(visit)
    reason = (reason or "").strip()[:VOID_REASON_MAX_LENGTH]
    no_control_characters(reason)
    locked = VisitAttachment.objects.select_for_update().get(pk=attachment.pk)
    if locked.removed_at is not None:
        return locked
    locked.removed_at = timezone.now()
    locked.removed_by = user
    locked.save(update_fields=["removed_at", "removed_by"])
    changes = {"acta": [str(locked), None]}
    if reason:
        changes["reason"] = [None, reason]
    ChangeRecord.objects.create(
        jass_id=visit.jass_id,
        user=user,
        action=ChangeRecord.Action.VISIT_UPDATED,
        target=str(visit)[:200],
        changes=changes,
    )
    return locked
