"""The synthetic country's populated centres: skewed like real districts, some rural
households without service, and a coverage trend."""

import datetime as dt
import statistics

from ato.synthetic import Generator
from ato.synthetic_centres import CENTRES, _sizes
from communities.coverage import coverage_of
from communities.models import CentreService, CoverageQuarter, PopulatedCentre
from territory.models import District

UNTIL = dt.date(2026, 11, 26)


def test_centres_per_district_are_skewed_like_real_districts(db):
    import random

    ubigeos = list(District.objects.values_list("pk", flat=True))
    sizes = _sizes(random.Random(3), ubigeos, CENTRES["national"])
    values = sorted(sizes.values())
    assert abs(sum(values) - 85_000) < 0.03 * 85_000
    median = statistics.median(values)
    assert 30 <= median <= 50
    assert values[-1] > 5 * median and values[0] <= median / 3  # a long tail both ways
    assert max(values) <= 9999  # four digits of the INEI code


def test_a_generated_district_has_centres_gaps_and_a_rising_trend(db):
    counts = Generator("district", seed=7, until=UNTIL, jass_total=60).generate()
    assert counts["populated_centres"] == PopulatedCentre.objects.count() == 450
    assert counts["centre_services"] == CentreService.objects.count()
    assert not PopulatedCentre.objects.exclude(code__startswith="131101").exists()
    coverage = coverage_of("131101", asof=UNTIL)
    unserved = 1 - coverage.households_served / coverage.households
    assert 0.05 < unserved < 0.3
    trend = list(
        CoverageQuarter.objects.filter(district_id="131101")
        .order_by("quarter")
        .values_list("households_served", flat=True)
    )
    assert len(trend) == 8 and trend[0] < trend[-1]
