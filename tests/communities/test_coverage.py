"""District coverage: households served over households of the rural centres, a centre's
served households capped at its own; stored per quarter. The stored figures and the one-query
`district_coverage` are checked against a recount in plain Python from the rows."""

import datetime as dt

import pytest
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from communities.coverage import coverage_of, coverage_snapshot, district_coverage, quarter_end
from communities.models import CentreService, CoverageQuarter, PopulatedCentre
from communities.tasks import snapshot_coverage
from tests.conftest import CASCAS, LUCMA
from tests.factories import CentreServiceFactory, JassFactory, PopulatedCentreFactory

pytestmark = pytest.mark.django_db


def at(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(10)))


def test_served_households_are_capped_per_centre_over_rural_centres_only():
    big = PopulatedCentreFactory(households=10)
    CentreServiceFactory(centre=big, households_served=30)  # capped at 10
    half = PopulatedCentreFactory(households=20)
    CentreServiceFactory(centre=half, households_served=5)
    CentreServiceFactory(centre=half, households_served=4)  # two JASS: 9
    PopulatedCentreFactory(households=8)  # no service
    town = PopulatedCentreFactory(households=500, area="urban")
    CentreServiceFactory(centre=town, households_served=500)
    coverage = coverage_of(CASCAS)
    assert (coverage.households, coverage.households_served) == (38, 19)
    assert str(coverage.ratio) == "0.5000"
    assert coverage.percent == "50 %"


def test_retired_centres_and_ended_services_do_not_count_today_but_did_before():
    gone = PopulatedCentreFactory(households=10, created_at=at(dt.date(2025, 1, 1)))
    CentreServiceFactory(centre=gone, households_served=10, created_at=at(dt.date(2025, 1, 1)))
    gone.retired_on = dt.date(2025, 6, 1)
    gone.save()
    kept = PopulatedCentreFactory(households=10, created_at=at(dt.date(2025, 1, 1)))
    CentreServiceFactory(
        centre=kept,
        households_served=10,
        created_at=at(dt.date(2025, 1, 1)),
        ended_on=dt.date(2025, 9, 1),
    )
    late = PopulatedCentreFactory(households=10, created_at=at(dt.date(2025, 12, 1)))
    assert coverage_of(CASCAS).households == 20  # gone is retired
    assert coverage_of(CASCAS).households_served == 0
    march = coverage_of(CASCAS, asof=dt.date(2025, 3, 31))
    assert (march.households, march.households_served) == (20, 20)  # late was not there yet
    august = coverage_of(CASCAS, asof=dt.date(2025, 8, 31))
    assert (august.households, august.households_served) == (10, 10)
    assert late.pk


def test_a_district_without_rural_centres_has_no_ratio():
    assert coverage_of(LUCMA).ratio is None
    assert coverage_of(LUCMA).percent == "—"


def test_the_snapshot_stores_every_district_and_updates_in_place():
    centre = PopulatedCentreFactory(households=12, created_at=at(dt.date(2026, 1, 10)))
    rows = coverage_snapshot(dt.date(2026, 2, 1), today=dt.date(2026, 11, 1))
    assert rows == CoverageQuarter.objects.count() > 1800  # every district, Cascas included
    stored = CoverageQuarter.objects.get(district_id=CASCAS, quarter=dt.date(2026, 1, 1))
    assert (stored.households, stored.households_served) == (12, 0)
    CentreServiceFactory(centre=centre, households_served=6, created_at=at(dt.date(2026, 3, 1)))
    coverage_snapshot(dt.date(2026, 1, 1), today=dt.date(2026, 11, 1))
    stored.refresh_from_db()
    assert (stored.households, stored.households_served, stored.percent) == (12, 6, "50 %")
    assert CoverageQuarter.objects.filter(district_id=CASCAS).count() == 1
    assert CoverageQuarter.objects.get(district_id=LUCMA, quarter=stored.quarter).households == 0


def test_the_nightly_task_snapshots_todays_quarter():
    PopulatedCentreFactory(households=5)
    snapshot_coverage.delay()
    today = timezone.localdate()
    stored = CoverageQuarter.objects.get(district_id=CASCAS)
    assert stored.quarter == dt.date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)
    assert stored.households == 5


def test_a_quarter_ends_on_its_last_day():
    assert quarter_end(dt.date(2026, 10, 1)) == dt.date(2026, 12, 31)
    assert quarter_end(dt.date(2026, 1, 1)) == dt.date(2026, 3, 31)


# --- the property: stored coverage equals a recount from the rows -------------------------------

DAYS = [dt.date(2025, 2, 1), dt.date(2025, 5, 1), dt.date(2025, 8, 1), dt.date(2025, 11, 1)]
centre_rows = st.lists(
    st.fixed_dictionaries(
        {
            "district": st.sampled_from([CASCAS, LUCMA]),
            "area": st.sampled_from(["rural", "rural", "urban"]),
            "households": st.integers(0, 60),
            "created": st.sampled_from(DAYS),
            "retired": st.one_of(st.none(), st.sampled_from(DAYS)),
            "services": st.lists(
                st.fixed_dictionaries(
                    {
                        "served": st.integers(1, 80),
                        "created": st.sampled_from(DAYS),
                        "ended": st.one_of(st.none(), st.sampled_from(DAYS)),
                    }
                ),
                max_size=3,
            ),
        }
    ),
    max_size=12,
)


def recount(asof: dt.date | None) -> dict[str, tuple[int, int]]:
    """The definition read literally, one row at a time."""
    totals: dict[str, list[int]] = {}
    for centre in PopulatedCentre.objects.all():
        if centre.area != "rural":
            continue
        if asof is None:
            if centre.retired_on is not None:
                continue
        elif timezone.localdate(centre.created_at) > asof or (
            centre.retired_on is not None and centre.retired_on <= asof
        ):
            continue
        served = 0
        for service in CentreService.objects.filter(centre=centre):
            if asof is None:
                counts = service.ended_on is None
            else:
                counts = timezone.localdate(service.created_at) <= asof and (
                    service.ended_on is None or service.ended_on > asof
                )
            served += service.households_served if counts else 0
        row = totals.setdefault(centre.district_id, [0, 0])
        row[0] += centre.households
        row[1] += min(served, centre.households)
    return {d: (h, s) for d, (h, s) in totals.items()}


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(rows=centre_rows, asof=st.one_of(st.none(), st.sampled_from(DAYS)))
def test_stored_and_computed_coverage_equal_a_recount_from_the_rows(rows, asof):
    # A fresh register per example (test data: the app itself never deletes).
    CentreService.objects.all().delete()
    PopulatedCentre.objects.all().delete()
    CoverageQuarter.objects.all().delete()
    # One JASS per service of a centre: a JASS serves a centre once at a time.
    jass = {d: [JassFactory(district_id=d) for _ in range(3)] for d in (CASCAS, LUCMA)}
    for i, row in enumerate(rows):
        centre = PopulatedCentreFactory(
            district_id=row["district"],
            code=f"{row['district']}{i + 1:04d}",
            area=row["area"],
            households=row["households"],
            created_at=at(row["created"]),
            retired_on=row["retired"]
            if row["retired"] and row["retired"] >= row["created"]
            else None,
        )
        for j, service in enumerate(row["services"]):
            ended = (
                service["ended"]
                if service["ended"] and service["ended"] >= service["created"]
                else None
            )
            CentreService.objects.create(
                centre=centre,
                jass=jass[row["district"]][j],
                households_served=service["served"],
                created_at=at(service["created"]),
                ended_on=ended,
            )
    expected = recount(asof)
    # Both statements of district_coverage: the country's join, a few districts' subqueries.
    for districts in (None, [CASCAS, LUCMA]):
        computed = district_coverage(districts, asof=asof)
        assert {d: (c.households, c.households_served) for d, c in computed.items()} == expected
    today = asof or timezone.localdate()
    coverage_snapshot(today, today=today)
    stored = {
        q.district_id: (q.households, q.households_served)
        for q in CoverageQuarter.objects.filter(households__gt=0)
    }
    assert stored == {d: v for d, v in expected.items() if v[0] > 0}
