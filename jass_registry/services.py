"""Writes to the registry. The pages, the REST API and the import all call these functions, so
the same rules hold everywhere and every write leaves a ChangeRecord with the acting user."""

from __future__ import annotations

import datetime as dt
import difflib
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from common.text import fold

from .models import (
    BoardMember,
    BoardRole,
    BoardTerm,
    ChangeRecord,
    Jass,
    JassStatus,
    WaterSystem,
)

MAX_BOARD_MEMBERS = 12  # a consejo directivo and its vocales; page and API share the cap

JASS_FIELDS = [
    "name",
    "kind",
    "communities",
    "households",
    "registry_number",
    "recognition_resolution",
    "recognized_on",
    "statute_approved",
    "regulation_approved",
    "associates",
    "monthly_fee",
    "status",
    "latitude",
    "longitude",
]
WATER_SYSTEM_FIELDS = [
    "name",
    "system_type",
    "built_year",
    "households",
    "chlorination",
    "condition",
    "latitude",
    "longitude",
]
SIMILAR_NAME_RATIO = 0.85
REASON_MAX_LENGTH = 300  # as the dissolve form's field
NAME_NOISE_WORDS = {"jass", "de", "del"}


def _plain(value: Any) -> Any:
    """A JSON-safe value for the change history."""
    if isinstance(value, dt.date | Decimal):
        return str(value)
    return value


def _diff(obj, fields: list[str], before: dict[str, Any]) -> dict[str, list[Any]]:
    return {
        f: [_plain(before[f]), _plain(getattr(obj, f))]
        for f in fields
        if before[f] != getattr(obj, f)
    }


DISSOLVE_WITH_ITS_ACTION = gettext_lazy(
    "Para disolver una JASS use la acción Disolver, con su motivo."
)


def ensure_not_dissolved(jass: Jass) -> None:
    """A dissolved JASS is a closed record: no edits, no revival, no new systems or boards.
    Read from the database under a row lock, so a stale object or a dissolution committed a
    moment ago cannot be written over. The pages, the API and the import all reach this."""
    status = Jass.objects.select_for_update().values_list("status", flat=True).get(pk=jass.pk)
    if status == JassStatus.DISSOLVED:
        raise ValidationError(
            _("%(name)s está disuelta: es un registro cerrado y no se modifica.")
            % {"name": jass.name}
        )


def _record(*, jass: Jass, user, action: str, target: str = "", changes=None) -> None:
    ChangeRecord.objects.create(
        jass=jass, user=user, action=action, target=target[:200], changes=changes or {}
    )


# --- JASS -------------------------------------------------------------------------------------


def similar_name_key(name: str) -> str:
    """Name without accents, case and the words "JASS"/"de"/"del"."""
    return " ".join(w for w in fold(name).replace(".", " ").split() if w not in NAME_NOISE_WORDS)


def jass_similar_names(*, district_id: str, name: str, exclude_pk: int | None = None) -> list[Jass]:
    """JASS of the district whose name looks like `name` (to warn before registering twice)."""
    key = similar_name_key(name)
    if not key:
        return []
    candidates = Jass.objects.filter(district_id=district_id).only("pk", "name", "status")
    if exclude_pk:
        candidates = candidates.exclude(pk=exclude_pk)
    similar = []
    for jass in candidates:
        other = similar_name_key(jass.name)
        if other == key or difflib.SequenceMatcher(None, key, other).ratio() >= SIMILAR_NAME_RATIO:
            similar.append(jass)
    return similar


@transaction.atomic
def jass_create(*, user, district_id: str, data: dict[str, Any]) -> Jass:
    if data.get("status") == JassStatus.DISSOLVED:
        raise ValidationError({"status": [DISSOLVE_WITH_ITS_ACTION]})
    jass = Jass(district_id=district_id, **{f: v for f, v in data.items() if f in JASS_FIELDS})
    jass.full_clean()
    jass.save()
    _record(
        jass=jass,
        user=user,
        action=ChangeRecord.Action.CREATED,
        target=jass.name,
        changes={
            f: [None, _plain(getattr(jass, f))]
            for f in JASS_FIELDS
            if getattr(jass, f) not in (None, "", False)
        },
    )
    return jass


@transaction.atomic
def jass_update(*, user, jass: Jass, data: dict[str, Any]) -> Jass:
    """Edit an open JASS. Dissolving is its own action (`jass_dissolve`, with a reason), and a
    dissolved JASS is never edited nor brought back to active or inactive."""
    ensure_not_dissolved(jass)
    if data.get("status") == JassStatus.DISSOLVED:
        raise ValidationError({"status": [DISSOLVE_WITH_ITS_ACTION]})
    before = {f: getattr(jass, f) for f in JASS_FIELDS}
    for field, value in data.items():
        if field in JASS_FIELDS:
            setattr(jass, field, value)
    jass.full_clean()
    jass.save()
    changes = _diff(jass, JASS_FIELDS, before)
    if changes:
        _record(
            jass=jass,
            user=user,
            action=ChangeRecord.Action.UPDATED,
            target=jass.name,
            changes=changes,
        )
    return jass


@transaction.atomic
def jass_dissolve(*, user, jass: Jass, reason: str) -> Jass:
    """The only way to `dissolved`: with a reason, recorded in the history. Dissolution keeps
    the JASS and its history; it only leaves the active register. Dissolving a dissolved JASS
    changes nothing."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": [_("Indique el motivo de la disolución.")]})
    if len(reason) > REASON_MAX_LENGTH:
        raise ValidationError(
            {
                "reason": [
                    _("El motivo tiene como máximo %(n)d caracteres.") % {"n": REASON_MAX_LENGTH}
                ]
            }
        )
    before = Jass.objects.select_for_update().values_list("status", flat=True).get(pk=jass.pk)
    if before == JassStatus.DISSOLVED:
        jass.status = JassStatus.DISSOLVED
        return jass
    jass.status = JassStatus.DISSOLVED
    jass.save(update_fields=["status", "updated_at"])
    changes = {"status": [before, JassStatus.DISSOLVED], "reason": [None, reason]}
    _record(
        jass=jass,
        user=user,
        action=ChangeRecord.Action.DISSOLVED,
        target=jass.name,
        changes=changes,
    )
    return jass


# --- Water systems ----------------------------------------------------------------------------


@transaction.atomic
def water_system_create(*, user, jass: Jass, data: dict[str, Any]) -> WaterSystem:
    ensure_not_dissolved(jass)
    system = WaterSystem(jass=jass, **{f: v for f, v in data.items() if f in WATER_SYSTEM_FIELDS})
    system.full_clean()
    system.save()
    _record(
        jass=jass,
        user=user,
        action=ChangeRecord.Action.SYSTEM_ADDED,
        target=system.name,
        changes={
            f: [None, _plain(getattr(system, f))]
            for f in WATER_SYSTEM_FIELDS
            if getattr(system, f) not in (None, "")
        },
    )
    return system


@transaction.atomic
def water_system_update(*, user, system: WaterSystem, data: dict[str, Any]) -> WaterSystem:
    ensure_not_dissolved(system.jass)
    before = {f: getattr(system, f) for f in WATER_SYSTEM_FIELDS}
    for field, value in data.items():
        if field in WATER_SYSTEM_FIELDS:
            setattr(system, field, value)
    system.full_clean()
    system.save()
    changes = _diff(system, WATER_SYSTEM_FIELDS, before)
    if changes:
        _record(
            jass=system.jass,
            user=user,
            action=ChangeRecord.Action.SYSTEM_UPDATED,
            target=system.name,
            changes=changes,
        )
    return system


@transaction.atomic
def water_system_retire(*, user, system: WaterSystem, retired_on: dt.date) -> WaterSystem:
    from common.validators import not_in_future

    ensure_not_dissolved(system.jass)
    not_in_future(retired_on)
    if system.retired_on:
        raise ValidationError(_("Este sistema ya fue dado de baja."))
    system.retired_on = retired_on
    system.save(update_fields=["retired_on"])
    _record(
        jass=system.jass,
        user=user,
        action=ChangeRecord.Action.SYSTEM_RETIRED,
        target=system.name,
        changes={"retired_on": [None, str(retired_on)]},
    )
    return system


# --- Boards -----------------------------------------------------------------------------------


def validate_board_members(members: list[dict[str, Any]]) -> None:
    """Exactly one president and one treasurer; DNI of 8 digits and not repeated; a member's own
    dates inside sensible bounds."""
    if len(members) > MAX_BOARD_MEMBERS:
        raise ValidationError(
            {
                "members": [
                    _("El consejo directivo tiene a lo más %(n)d miembros.")
                    % {"n": MAX_BOARD_MEMBERS}
                ]
            }
        )
    errors: list[str] = []
    roles = [m.get("role") for m in members]
    for role in (BoardRole.PRESIDENT, BoardRole.TREASURER):
        count = roles.count(role)
        if count != 1:
            errors.append(
                _("El consejo directivo debe tener exactamente un(a) %(role)s (tiene %(n)d).")
                % {"role": BoardRole(role).label.lower(), "n": count}
            )
    dnis = [m.get("dni") for m in members if m.get("dni")]
    if len(dnis) != len(set(dnis)):
        errors.append(_("Un mismo DNI figura en más de un cargo."))
    for m in members:
        own_start, own_end = m.get("starts_on"), m.get("ends_on")
        if own_start and own_end and own_end <= own_start:
            errors.append(
                _("%(name)s: el fin de su periodo debe ser posterior a su inicio.")
                % {"name": m.get("full_name", "")}
            )
    if errors:
        raise ValidationError({"members": errors})


def _board_members(members: list[dict[str, Any]]) -> list[BoardMember]:
    """The members as unsaved rows, each checked by the model; every member's errors at once."""
    board, errors = [], {}
    for index, data in enumerate(members):
        member = BoardMember(
            role=data.get("role") or "",
            full_name=data.get("full_name") or "",
            dni=data.get("dni") or "",
            sex=data.get("sex") or "",
            phone=data.get("phone") or "",
            starts_on=data.get("starts_on"),
            ends_on=data.get("ends_on"),
        )
        try:
            member.full_clean(exclude=["term"])
        except ValidationError as error:
            errors[index] = error.message_dict
        board.append(member)
    if errors:
        raise ValidationError(
            {
                "members": [
                    _("Miembro %(n)d: %(errors)s")
                    % {"n": i + 1, "errors": "; ".join(f"{k}: {' '.join(v)}" for k, v in e.items())}
                    for i, e in errors.items()
                ]
            }
        )
    return board


def _close_current_term(*, user, jass: Jass, starts_on: dt.date) -> None:
    """Close the day before `starts_on` the term that covers it; refuse a start before a term
    already registered."""
    if BoardTerm.objects.filter(jass=jass, starts_on__gt=starts_on).exists():
        raise ValidationError(
            {
                "starts_on": _(
                    "Hay un periodo posterior registrado; no se puede iniciar uno anterior."
                )
            }
        )
    # Locked so two people starting a board at once do not both close and overlap.
    overlapping = (
        BoardTerm.objects.select_for_update()
        .filter(jass=jass, starts_on__lte=starts_on, ends_on__gte=starts_on)
        .order_by("-starts_on")
    )
    for current in overlapping:
        if current.starts_on >= starts_on:
            raise ValidationError(
                {
                    "starts_on": _("Ya hay un periodo que empieza el %(date)s o después.")
                    % {"date": current.starts_on}
                }
            )
        old_end = current.ends_on
        current.ends_on = starts_on - dt.timedelta(days=1)
        current.save(update_fields=["ends_on"])
        _record(
            jass=jass,
            user=user,
            action=ChangeRecord.Action.BOARD_CLOSED,
            target=str(current),
            changes={"ends_on": [str(old_end), str(current.ends_on)]},
        )


@transaction.atomic
def board_term_start(
    *,
    user,
    jass: Jass,
    starts_on: dt.date,
    ends_on: dt.date,
    elected_on: dt.date | None = None,
    election_record: str = "",
    members: list[dict[str, Any]],
) -> BoardTerm:
    """Start a new board term. The term that covers its start is closed the day before."""
    ensure_not_dissolved(jass)
    term = BoardTerm(
        jass=jass,
        starts_on=starts_on,
        ends_on=ends_on,
        elected_on=elected_on,
        election_record=election_record,
    )
    term.full_clean(exclude=["jass"])
    validate_board_members(members)
    board = _board_members(members)
    _close_current_term(user=user, jass=jass, starts_on=starts_on)
    term.save()
    for member in board:
        member.term = term
    BoardMember.objects.bulk_create(board)
    _record(
        jass=jass,
        user=user,
        action=ChangeRecord.Action.BOARD_STARTED,
        target=str(term),
        changes={
            "starts_on": [None, str(starts_on)],
            "ends_on": [None, str(ends_on)],
            "members": [
                None,
                [{"role": m.role, "full_name": m.full_name, "dni": m.dni} for m in board],
            ],
        },
    )
    return term
