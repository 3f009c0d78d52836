"""The change history of a JASS as people read it: field labels, and personal data (DNI, phone)
masked for anyone but the district's staff."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext as _

from .models import BoardMember, BoardRole, ChangeRecord, Jass, WaterSystem

PERSONAL_KEYS = {"dni", "phone"}
HISTORY_LIMIT = 200


def mask(value) -> str:
    """Personal data shown to others as dots and its last two characters at most."""
    text = str(value or "")
    return "••••••" + text[-2:] if len(text) > 4 else "••••"


def _label(key: str) -> str:
    for model in (Jass, WaterSystem, BoardMember):
        try:
            return str(model._meta.get_field(key).verbose_name)
        except Exception:  # noqa: BLE001 - not a field of this model
            continue
    return {"reason": _("motivo"), "members": _("miembros")}.get(key, key)


def _show(key: str, value, sees_personal: bool):
    if value is None or value == "":
        return "—"
    if key in PERSONAL_KEYS and not sees_personal:
        return mask(value)
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


def history_rows(jass: Jass, *, sees_personal: bool) -> list[HistoryRow]:
    records = ChangeRecord.objects.filter(jass=jass).select_related("user")[:HISTORY_LIMIT]
    return [
        HistoryRow(
            record=r,
            changes=[
                (_label(k), _show(k, old, sees_personal), _show(k, new, sees_personal))
                for k, (old, new) in (r.changes or {}).items()
            ],
        )
        for r in records
    ]
