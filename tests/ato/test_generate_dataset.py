"""`generate_dataset`: a repeatable synthetic country that looks like the field, and that never
overwrites real data unless forced."""

import datetime as dt
import statistics

import pytest
from django.core.management import CommandError, call_command
from django.db.models import Count, Sum

from ato.models import SyntheticDataset
from ato.synthetic import Generator
from jass_registry.models import BoardTerm, Jass, JassStatus
from jass_registry.risk import signal_codes, signals_of, with_risk, worst_first
from territory.models import District
from tests.factories import JassFactory
from visits.models import ChlorineReading, Visit

UNTIL = dt.date(2026, 11, 26)


def fingerprint():
    return (
        list(Jass.objects.order_by("pk").values_list("name", "registry_number", "status")),
        Visit.objects.aggregate(n=Count("pk"), staff=Count("staff", distinct=True)),
        ChlorineReading.objects.aggregate(n=Count("pk"), total=Sum("mg_per_l")),
        list(BoardTerm.objects.order_by("pk").values_list("starts_on", "ends_on")),
    )


def test_the_same_seed_gives_the_same_district(db):
    call_command("generate_dataset", scale="district", jass=60, until=UNTIL, seed=5, verbosity=0)
    first = fingerprint()
    call_command("generate_dataset", scale="district", jass=60, until=UNTIL, seed=5, verbosity=0)
    assert fingerprint() == first
    assert SyntheticDataset.objects.get().counts["jass"] == 60
    call_command("generate_dataset", scale="district", jass=60, until=UNTIL, seed=6, verbosity=0)
    assert fingerprint() != first


def test_a_busy_district_looks_like_the_field(db):
    counts = Generator("district", seed=11, until=UNTIL, jass_total=300).generate()
    assert Jass.objects.filter(district_id="131101").count() == counts["jass"] == 300
    # About ten visits per JASS over five years, two readings per visit, 1.5 systems per JASS.
    assert 7 <= counts["visits"] / counts["jass"] <= 15
    assert 1.5 <= counts["chlorine_readings"] / counts["visits"] <= 2.5
    assert 1.3 <= counts["water_systems"] / counts["jass"] <= 1.7
    assert 3 <= counts["board_members"] / counts["board_terms"] <= 5
    # Boards lapse: some current terms have ended, most have not.
    latest = Jass.objects.annotate(n=Count("board_terms")).filter(n__gt=0).count()
    expired = sum(
        1
        for jass in Jass.objects.prefetch_related("board_terms")
        if jass.board_terms.all() and max(t.ends_on for t in jass.board_terms.all()) < UNTIL
    )
    assert 0.15 < expired / latest < 0.5
    # Visits cluster in campaign months rather than spreading evenly over 60 months.
    months = Visit.objects.values_list("date__year", "date__month").distinct().count()
    assert months <= 24
    assert not Visit.objects.filter(date__gt=UNTIL).exists()
    # Chlorination lapses: both adequate and inadequate latest readings exist.
    assert ChlorineReading.objects.filter(mg_per_l__gte="0.5").exists()
    assert ChlorineReading.objects.filter(mg_per_l__lt="0.2").exists()


def test_jass_per_district_are_skewed_like_real_districts(db):
    ubigeos = list(District.objects.values_list("pk", flat=True))
    sizes = Generator("national", seed=2026, until=UNTIL).district_sizes(ubigeos)
    values = sorted(sizes.values())
    assert sum(values) == 30_000 and len(values) == len(ubigeos) == 1891
    assert values[-1] > 10 * statistics.median(values)  # a few large districts
    assert 0.02 < sum(1 for v in values if v == 0) / len(values) < 0.1  # some with none


def test_it_refuses_a_database_with_real_data_unless_forced(db):
    real = JassFactory(name="JASS Real")
    with pytest.raises(CommandError, match="no son sintéticos"):
        call_command("generate_dataset", scale="district", jass=5, until=UNTIL, verbosity=0)
    assert Jass.objects.get() == real
    call_command("generate_dataset", scale="district", jass=5, until=UNTIL, force=True, verbosity=0)
    assert not Jass.objects.filter(name="JASS Real").exists()
    assert Jass.objects.count() == 5


def test_python_flags_agree_with_the_sql_flags(db):
    """The JASS list decides signals in Python (`flags=False`); the filters use SQL flags.
    On a synthetic district, every JASS and several dates, both give the same signals."""
    Generator("district", seed=3, until=UNTIL, jass_total=120).generate()
    assert Jass.objects.exclude(status=JassStatus.ACTIVE).exists()
    for today in (UNTIL, UNTIL - dt.timedelta(days=200), UNTIL - dt.timedelta(days=700)):
        sql = {j.pk: signal_codes(j) for j in with_risk(Jass.objects.all(), today)}
        light = with_risk(Jass.objects.all(), today, flags=False)
        python = {j.pk: signal_codes(j) for j in light}
        assert python == sql
        fired = {code for codes in sql.values() for code in codes}
        assert len(fired) >= 5, fired  # the comparison covers most signals, not none


def test_worst_first_lists_what_the_sql_flags_list(db):
    """The district page's at-risk list (`worst_first`: the facts once per JASS, counted over
    a CTE) gives the rows, order and reasons of the ORM's `with_risk` form, on a synthetic
    district, several dates and lengths, inactive JASS included."""
    Generator("district", seed=5, until=UNTIL, jass_total=80).generate()
    for today in (UNTIL, UNTIL - dt.timedelta(days=200), UNTIL - dt.timedelta(days=700)):
        for limit in (3, 25, 200):
            orm = (
                with_risk(Jass.objects.all(), today)
                .filter(at_risk=True)
                .order_by("-risk_count", "name", "pk")[:limit]
            )
            expected = [(j.pk, [(s.code, s.reason) for s in signals_of(j)]) for j in orm]
            listed = worst_first(Jass.objects.all(), today, limit)
            assert [(j.pk, [(s.code, s.reason) for s in signals_of(j)]) for j in listed] == (
                expected
            )
            assert expected  # the comparison is not between two empty lists
