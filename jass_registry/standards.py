"""Field standards: the thresholds and windows that the risk signals, the district indicators,
the visit pages and the goal engine's defaults all read. Change one here and every rule, label
and template follows (templates read them as `{{ standards.NAME }}`, see `context_processors`).

They live in the registry, the lowest app that needs them, so visits and incentives can import
them without importing each other.
"""

from __future__ import annotations

from decimal import Decimal

# Free residual chlorine in the distribution network: adequate from 0.5 mg/L (DS 031-2010-SA;
# SUNASS). Which reading is judged against it is decided in one place, visits/chlorine.py: the
# network's (last house, else first house), never the reservoir's.
ADEQUATE_CHLORINE_MG_L = Decimal("0.5")
# A network reading counts for this long (signal, district indicator, engine default).
CHLORINE_WINDOW_DAYS = 60

# A board whose term ends within this many days is flagged as ending.
BOARD_ENDING_DAYS = 60
# A new board should have a training visit within this many days of its start.
TRAINING_WINDOW_DAYS = 90
# A JASS with no visit for this long is flagged.
VISIT_GAP_DAYS = 180
# The accounts should be reviewed at least once in this many months.
FINANCE_REVIEW_MONTHS = 12
# The district indicator counts active JASS visited in the last this many months.
VISITED_WINDOW_MONTHS = 12

# The same windows in days, for date arithmetic (a 365-day year: 12 months are 365 days).
FINANCE_REVIEW_DAYS = FINANCE_REVIEW_MONTHS * 365 // 12
VISITED_WINDOW_DAYS = VISITED_WINDOW_MONTHS * 365 // 12
