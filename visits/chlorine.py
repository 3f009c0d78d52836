"""Chlorine judged where people drink: THE one definition of an adequately chlorinated water
system, which the risk signal, the district indicator, the goal engine, its reference rule, the
checklist's items and the service grade all read.

Peru's standard applies in the distribution network (DS 031-2010-SA, Reglamento de la Calidad
del Agua para Consumo Humano; SUNASS: at least 0.5 mg/L of free residual chlorine in the
network). So a system's chlorine is decided by its network samples, the first and the last
house: of a window's readings, the latest sampling day that has a network reading decides, and
on that day the last house decides when it was sampled (it is the farthest from the dosing, the
least chlorine), else the first house; several readings of that point that day: the lowest. A
reservoir reading shows the dosing, not the water at the tap, and never decides.

`deciding_reading` states it in plain Python (the reference rule and the checklist use it);
`with_network_chlorine` is the same rule in one SQL query over any number of water systems (the
engine and the summaries use it); a property test holds every reader to both
(tests/visits/test_chlorine_adequacy.py).

The registry keeps the all-time deciding reading on each water system, `network_reading_on` and
`network_reading_mg_l` (visits.services keeps them; "network_mg_l" would clash with this
module's annotation), for the risk signal and the district indicator: adequate when that reading
is within the window and at least the standard.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.db.models import Case, IntegerField, OuterRef, Q, Subquery, Value, When

from jass_registry.standards import ADEQUATE_CHLORINE_MG_L

from .models import ChlorineReading, ReadingPoint

NETWORK_POINTS = (ReadingPoint.FIRST_HOUSE, ReadingPoint.LAST_HOUSE)


def _order(reading: Any) -> int:
    """The tiebreak between readings of the same day, point and value (insertion order)."""
    for name in ("order", "pk", "id"):
        value = getattr(reading, name, None)
        if value is not None:
            return value
    return 0


def deciding_reading(readings: Iterable[Any]) -> Any | None:
    """The reading that decides a system's chlorine among `readings` (objects with `.taken_on`,
    `.point`, `.mg_per_l`; the caller has already kept only those that count: the window, not
    voided, created by the cutoff). None when no reading was taken in the network."""
    network = [r for r in readings if r.point in NETWORK_POINTS]
    if not network:
        return None
    day = max(r.taken_on for r in network)
    that_day = [r for r in network if r.taken_on == day]
    last_house = [r for r in that_day if r.point == ReadingPoint.LAST_HOUSE]
    return min(last_house or that_day, key=lambda r: (r.mg_per_l, _order(r)))


def is_adequate(mg_per_l: Decimal | None) -> bool:
    """At least the standard's free residual chlorine (a missing value is not adequate)."""
    return mg_per_l is not None and mg_per_l >= ADEQUATE_CHLORINE_MG_L


def _deciding_rows(start: dt.date | None, end: dt.date | None, created_by: dt.datetime | None):
    """The outer water system's valid network readings between start and end, the deciding one
    first (the order of `deciding_reading`: latest day, last house before first house, lowest
    value, then insertion order)."""
    readings = ChlorineReading.objects.valid().filter(
        water_system=OuterRef("pk"), point__in=NETWORK_POINTS
    )
    if start is not None:
        readings = readings.filter(taken_on__gte=start)
    if end is not None:
        readings = readings.filter(taken_on__lte=end)
    if created_by is not None:
        # An official run counts readings recorded (with their visit) by the end of the cutoff.
        readings = readings.filter(Q(visit__isnull=True) | Q(visit__created_at__lte=created_by))
    last_house_first = Case(
        When(point=ReadingPoint.LAST_HOUSE, then=Value(0)),
        default=Value(1),
        output_field=IntegerField(),
    )
    return readings.order_by("-taken_on", last_house_first, "mg_per_l", "id")


def network_chlorine_annotations(
    *,
    start: dt.date | None,
    end: dt.date | None,
    created_by: dt.datetime | None = None,
) -> dict[str, Subquery]:
    """`network_on` and `network_mg_l` of the deciding reading, as annotations for a queryset
    of water systems (for `.annotate`, `.alias` or `.update`)."""
    rows = _deciding_rows(start, end, created_by)
    return {
        "network_on": Subquery(rows.values("taken_on")[:1]),
        "network_mg_l": Subquery(rows.values("mg_per_l")[:1]),
    }


def with_network_chlorine(
    water_systems_qs,
    *,
    start: dt.date | None,
    end: dt.date | None,
    created_by: dt.datetime | None = None,
):
    """Annotate each water system with `network_on` (date) and `network_mg_l` (Decimal) of its
    deciding reading between `start` and `end` (inclusive; None: unbounded), counting only valid
    readings (not taken at a voided visit) and, with `created_by`, only those recorded by then.
    Both are None when no network reading falls in the window. One query, whatever the number
    of systems."""
    return water_systems_qs.annotate(
        **network_chlorine_annotations(start=start, end=end, created_by=created_by)
    )
