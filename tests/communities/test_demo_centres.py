"""load_demo gives Cascas and Lucma populated centres, some without service, and a coverage
trend; running it again changes nothing."""

import io

from django.core.management import call_command

from communities.coverage import coverage_of
from communities.models import CentreService, CoverageQuarter, PopulatedCentre


def test_demo_centres_with_gaps_and_a_trend(db):
    call_command("load_demo", stdout=io.StringIO())
    counts = (PopulatedCentre.objects.count(), CentreService.objects.count())
    call_command("load_demo", stdout=io.StringIO())
    assert (PopulatedCentre.objects.count(), CentreService.objects.count()) == counts
    for ubigeo in ("131101", "131102"):
        assert PopulatedCentre.objects.in_district(ubigeo).rural().served(False).exists()
        coverage = coverage_of(ubigeo)
        assert 0 < coverage.households_served < coverage.households
        trend = list(
            CoverageQuarter.objects.filter(district_id=ubigeo)
            .order_by("quarter")
            .values_list("households_served", flat=True)
        )
        assert len(trend) == 5 and trend == sorted(trend) and trend[0] < trend[-1]
