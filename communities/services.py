"""Writes to the populated centres and their services. The pages, the REST API and the import
call these functions (the import writes in bulk with the same model rules), so the same rules
hold everywhere and every write leaves a CentreChange with the acting user."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from common.validators import not_in_future
from jass_registry.models import Jass, JassStatus, WaterSystem
from territory.access import require_staff_of

from .models import CentreChange, CentreService, PopulatedCentre

CENTRE_FIELDS = [
    "code",
    "name",
    "area",
    "households",
    "population",
    "latitude",
    "longitude",
]
STAFF_ONLY = gettext_lazy("Solo el personal del ATM del distrito registra centros poblados.")


def plain(value: Any) -> Any:
    """A JSON-safe value for the change history."""
    if isinstance(value, dt.date | Decimal):
        return str(value)
    return value


def _record(*, centre: PopulatedCentre, user, action: str, target: str = "", changes=None):
    CentreChange.objects.create(
        centre=centre, user=user, action=action, target=target[:200], changes=changes or {}
    )


def _ensure_open(centre: PopulatedCentre) -> None:
    """A retired centre is a closed record. Read under a row lock, so a retirement committed a
    moment ago is not written over by a stale object."""
    retired = (
        PopulatedCentre.objects.select_for_update()
        .values_list("retired_on", flat=True)
        .get(pk=centre.pk)
    )
    if retired is not None:
        raise ValidationError(
            _("%(name)s está dado de baja: es un registro cerrado y no se modifica.")
            % {"name": centre.name}
        )


# --- centres ----------------------------------------------------------------------------------


@transaction.atomic
def centre_create(*, user, district_id: str, data: dict[str, Any]) -> PopulatedCentre:
    require_staff_of(user, district_id, STAFF_ONLY)
    centre = PopulatedCentre(
        district_id=district_id, **{f: v for f, v in data.items() if f in CENTRE_FIELDS}
    )
    centre.full_clean()
    centre.save()
    _record(
        centre=centre,
        user=user,
        action=CentreChange.Action.CREATED,
        target=centre.name,
        changes={
            f: [None, plain(getattr(centre, f))]
            for f in CENTRE_FIELDS
            if getattr(centre, f) not in (None, "")
        },
    )
    return centre


@transaction.atomic
def centre_update(*, user, centre: PopulatedCentre, data: dict[str, Any]) -> PopulatedCentre:
    require_staff_of(user, centre.district_id, STAFF_ONLY)
    _ensure_open(centre)
    before = {f: getattr(centre, f) for f in CENTRE_FIELDS}
    for field, value in data.items():
        if field in CENTRE_FIELDS:
            setattr(centre, field, value)
    centre.full_clean()
    centre.save()
    changes = {
        f: [plain(before[f]), plain(getattr(centre, f))]
        for f in CENTRE_FIELDS
        if before[f] != getattr(centre, f)
    }
    if changes:
        _record(
            centre=centre,
            user=user,
            action=CentreChange.Action.UPDATED,
            target=centre.name,
            changes=changes,
        )
    return centre


@transaction.atomic
def centre_retire(
    *, user, centre: PopulatedCentre, retired_on: dt.date | None = None
) -> PopulatedCentre:
    """The centre leaves the register (it was merged, abandoned or entered twice); its open
    services end the same day. Kept with its history, never deleted."""
    require_staff_of(user, centre.district_id, STAFF_ONLY)
    _ensure_open(centre)
    retired_on = retired_on or timezone.localdate()
    not_in_future(retired_on)
    centre.retired_on = retired_on
    centre.full_clean()
    centre.save(update_fields=["retired_on", "updated_at"])
    ended = list(centre.services.filter(ended_on__isnull=True).select_related("jass"))
    for service in ended:
        service.ended_on = max(retired_on, timezone.localdate(service.created_at))
        service.save(update_fields=["ended_on"])
    _record(
        centre=centre,
        user=user,
        action=CentreChange.Action.RETIRED,
        target=centre.name,
        changes={
            "retired_on": [None, str(retired_on)],
            **({"services": [[s.jass.name for s in ended], []]} if ended else {}),
        },
    )
    return centre


# --- services ---------------------------------------------------------------------------------


@transaction.atomic
def service_add(
    *,
    user,
    centre: PopulatedCentre,
    jass: Jass,
    households_served: int,
    water_system: WaterSystem | None = None,
) -> CentreService:
    """A JASS (and one of its water systems, when known) serving the centre. The JASS and the
    system are of the centre's district (model rule); a dissolved JASS or a retired system
    serves no one."""
    require_staff_of(user, centre.district_id, STAFF_ONLY)
    _ensure_open(centre)
    errors: dict[str, list[str]] = {}
    if jass.status == JassStatus.DISSOLVED:
        errors["jass"] = [_("La organización está disuelta.")]
    if water_system is not None and water_system.retired_on is not None:
        errors["water_system"] = [_("El sistema de agua está dado de baja.")]
    if errors:
        raise ValidationError(errors)
    service = CentreService(
        centre=centre,
        jass=jass,
        water_system=water_system,
        households_served=households_served,
    )
    service.full_clean()
    service.save()
    _record(
        centre=centre,
        user=user,
        action=CentreChange.Action.SERVICE_ADDED,
        target=jass.name,
        changes={
            "jass": [None, jass.name],
            **({"water_system": [None, water_system.name]} if water_system else {}),
            "households_served": [None, households_served],
        },
    )
    return service


@transaction.atomic
def service_end(*, user, service: CentreService, ended_on: dt.date | None = None) -> CentreService:
    """The JASS no longer serves the centre (from `ended_on`, today by default)."""
    centre = service.centre
    require_staff_of(user, centre.district_id, STAFF_ONLY)
    locked = CentreService.objects.select_for_update().get(pk=service.pk)
    if locked.ended_on is not None:
        raise ValidationError(_("Este servicio ya terminó."))
    service.ended_on = ended_on or timezone.localdate()
    service.full_clean()
    service.save(update_fields=["ended_on"])
    _record(
        centre=centre,
        user=user,
        action=CentreChange.Action.SERVICE_ENDED,
        target=service.jass.name,
        changes={"ended_on": [None, str(service.ended_on)]},
    )
    return service


@transaction.atomic
def centre_services_set(
    *, user, centre: PopulatedCentre, served_by: list[dict[str, Any]]
) -> list[CentreService]:
    """Make the centre's open services those of `served_by` (each a dict of `jass`,
    `water_system`, `households_served`), as the API's PATCH says: a JASS left out stops
    serving today, a JASS whose system or households changed is ended and recorded anew, an
    unchanged one is kept. Returns the open services."""
    require_staff_of(user, centre.district_id, STAFF_ONLY)
    jass_ids = [row["jass"].pk for row in served_by]
    if len(jass_ids) != len(set(jass_ids)):
        raise ValidationError(
            {"served_by": [_("Cada JASS figura una sola vez entre los servicios.")]}
        )
    current = {s.jass_id: s for s in centre.services.filter(ended_on__isnull=True)}
    kept = []
    for row in served_by:
        system = row.get("water_system")
        existing = current.pop(row["jass"].pk, None)
        if existing is not None and (
            existing.water_system_id == (system.pk if system else None)
            and existing.households_served == row["households_served"]
        ):
            kept.append(existing)
            continue
        if existing is not None:
            service_end(user=user, service=existing)
        kept.append(
            service_add(
                user=user,
                centre=centre,
                jass=row["jass"],
                water_system=system,
                households_served=row["households_served"],
            )
        )
    for service in current.values():
        service_end(user=user, service=service)
    return kept
