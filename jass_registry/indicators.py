"""District indicators read from the registry's summary fields (kept current by visits)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, Exists, OuterRef, Q

from .models import BoardTerm, Jass, JassStatus, WaterSystem
from .standards import ADEQUATE_CHLORINE_MG_L, CHLORINE_WINDOW_DAYS, VISITED_WINDOW_DAYS


@dataclass(frozen=True)
class Ratio:
    numerator: int
    denominator: int

    @property
    def value(self) -> Decimal | None:
        if not self.denominator:
            return None
        return (Decimal(self.numerator) / Decimal(self.denominator)).quantize(Decimal("0.0001"))


def district_indicators(district_id: str, today: dt.date) -> dict[str, Ratio]:
    """Three aggregate queries, whatever the number of JASS."""
    current_board = BoardTerm.objects.filter(
        jass=OuterRef("pk"), starts_on__lte=today, ends_on__gte=today
    )
    jass = (
        Jass.objects.in_district(district_id)
        .active()
        .annotate(has_board=Exists(current_board))
        .aggregate(
            active=Count("pk"),
            visited=Count(
                "pk", filter=Q(last_visit_on__gte=today - dt.timedelta(days=VISITED_WINDOW_DAYS))
            ),
            board=Count("pk", filter=Q(has_board=True)),
        )
    )
    systems = WaterSystem.objects.filter(
        jass__district_id=district_id, jass__status=JassStatus.ACTIVE, retired_on__isnull=True
    ).aggregate(
        active=Count("pk"),
        chlorinated=Count(
            "pk",
            # Chlorine judged where people drink: the network reading that decides
            # (visits/chlorine.py), within the window and at least the standard.
            filter=Q(
                network_reading_on__gte=today - dt.timedelta(days=CHLORINE_WINDOW_DAYS),
                network_reading_mg_l__gte=ADEQUATE_CHLORINE_MG_L,
            ),
        ),
    )
    return {
        "jass_visited_ratio_12m": Ratio(jass["visited"], jass["active"]),
        "chlorination_ratio_60d": Ratio(systems["chlorinated"], systems["active"]),
        "board_current_ratio": Ratio(jass["board"], jass["active"]),
    }
