"""The change history of a JASS as people read it: field labels, and personal data (DNI, phone)
masked for anyone but the district's staff."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from .models import BoardMember, BoardRole, BoardTerm, ChangeRecord, Jass, WaterSystem

PERSONAL_KEYS = {"dni", "phone"}
HISTORY_LIMIT = 200


def mask(value) -> str:
    """Personal data shown to others as dots and its last two characters at most."""
    text = str(value or "")
    return "••••••" + text[-2:] if len(text) > 4 else "••••"


def _model_for(action: str):
    """Which model a history record's fields belong to."""
    if action.startswith("system_"):
        return WaterSystem
    if action in (ChangeRecord.Action.MEMBER_RECTIFIED, ChangeRecord.Action.DATA_ERASED):
        return BoardMember
    if action.startswith("board_"):
        return BoardTerm
    return Jass


def _field(model, key: str):
    try:
        field = model._meta.get_field(key)
    except FieldDoesNotExist:
        return None
    return field if field.concrete else None  # not a reverse relation such as "members"


def _label(model, key: str) -> str:
    field = _field(model, key)
    if field is not None:
        return str(field.verbose_name)
    return {
        "reason": _("motivo"),
        "members": _("miembros"),
        "readings": _("mediciones de cloro"),
        "agreements": _("acuerdos"),
    }.get(key, key)


def _show(model, key: str, value, sees_personal: bool):
    if value is None or value == "":
        return "—"
    if key in PERSONAL_KEYS and not sees_personal:
        return mask(value)
    field = _field(model, key)
    if field is not None and field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if field is not None and isinstance(field, models.DateField) and isinstance(value, str):
        try:
            return date_format(dt.date.fromisoformat(value), "SHORT_DATE_FORMAT")
        except ValueError:
            return value
    if key == "members" and isinstance(value, list):
        parts = []
        for m in value:
            role = (
                BoardRole(m["role"]).label if m.get("role") in BoardRole.values else m.get("role")
            )
            dni = m.get("dni")
            dni = (dni if sees_personal else mask(dni)) if dni else ""
            parts.append(f"{role}: {m.get('full_name', '')}" + (f" (DNI {dni})" if dni else ""))
        return "; ".join(parts)
    if isinstance(value, bool):
        return _("Sí") if value else _("No")
    return value


@dataclass
class HistoryRow:
    record: ChangeRecord
    changes: list[tuple[str, object, object]]


def change_lines(record: ChangeRecord, *, sees_personal: bool) -> list[tuple[str, object, object]]:
    """(field label, old, new) of one record, personal data masked unless `sees_personal`.
    Also read by the district's activity page (ato/activity.py)."""
    model = _model_for(record.action)
    lines = []
    for key, pair in (record.changes or {}).items():
        if key.startswith("_"):  # for the code (e.g. `_member`, personal_data.py), not shown
            continue
        old, new = (
            (list(pair) + [None, None])[:2] if isinstance(pair, list | tuple) else (None, pair)
        )
        lines.append(
            (
                _label(model, key),
                _show(model, key, old, sees_personal),
                _show(model, key, new, sees_personal),
            )
        )
    return lines


def history_rows(jass: Jass, *, sees_personal: bool) -> list[HistoryRow]:
    records = ChangeRecord.objects.filter(jass=jass).select_related("user")[:HISTORY_LIMIT]
    return [
        HistoryRow(record=r, changes=change_lines(r, sees_personal=sees_personal)) for r in records
    ]
