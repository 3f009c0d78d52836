"""District coverage ("everyone"): households served over households of the district's rural
centres, a centre's served households capped at its own households.

Placeholder until the set-based query lands (see below)."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal


def ratio_of(served: int, households: int) -> Decimal | None:
    """served / households to 4 decimals; None when the district has no rural households."""
    if not households:
        return None
    return (Decimal(served) / Decimal(households)).quantize(Decimal("0.0001"), ROUND_HALF_UP)
