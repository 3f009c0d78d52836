"""`generate_dataset`: a repeatable synthetic country that looks like the field, and that never
overwrites real data unless forced."""

import datetime as dt
import statistics

import pytest
from django.core.management import CommandError, call_command
from django.db.models import Count, Sum

from ato import synthetic, synthetic_centres, synthetic_history
from ato.models import SyntheticDataset
from ato.synthetic import Generator
from incentives.models import DistrictResult, EvaluationRun, Evidence
from jass_registry.models import BoardMember, BoardTerm, Jass, JassStatus
from jass_registry.risk import signal_codes, signals_of, with_risk, worst_first
from territory.models import District
from tests.factories import JassFactory
from visits.models import Agreement, ChlorineReading, Visit

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


# --- issue 14: five years of history (`--years`) -------------------------------------------------


def history_fingerprint():
    """The rows, with JASS numbered from 0 (SQLite does not restart ids after a wipe)."""
    base = Jass.objects.order_by("pk").values_list("pk", flat=True).first()
    return (
        [
            (j - base, d)
            for j, d in Visit.objects.order_by("jass_id", "date", "kind").values_list(
                "jass_id", "date"
            )
        ],
        ChlorineReading.objects.aggregate(n=Count("pk"), total=Sum("mg_per_l")),
        [
            (j - base, s, e)
            for j, s, e in BoardTerm.objects.order_by("jass_id", "starts_on").values_list(
                "jass_id", "starts_on", "ends_on"
            )
        ],
        list(
            BoardMember.objects.order_by("term__jass_id", "term__starts_on", "role").values_list(
                "full_name", "dni"
            )
        ),
    )


def recent_visits(edge):
    base = Jass.objects.order_by("pk").values_list("pk", flat=True).first()
    rows = Visit.objects.filter(date__gte=edge).order_by("jass_id", "date", "kind", "cash_balance")
    return [
        (j - base, *rest)
        for j, *rest in rows.values_list("jass_id", "date", "kind", "cash_balance")
    ]


def test_five_years_of_history_spread_over_the_years_with_boards_turning_over(db):
    counts = Generator("district", seed=7, until=UNTIL, jass_total=40, years=5).generate()
    one_year = Generator("district", seed=7, until=UNTIL, jass_total=40).generate()
    # About five times the visits and readings of the one-year dataset, same country.
    assert 4 <= counts["visits"] / one_year["visits"] <= 6
    assert 4 <= counts["chlorine_readings"] / one_year["chlorine_readings"] <= 6
    assert (
        counts["jass"] == one_year["jass"] and counts["water_systems"] == one_year["water_systems"]
    )
    assert counts["board_terms"] > 2 * one_year["board_terms"]
    assert counts["years"] == 5 and counts["evaluation_runs"] == 4 * 6

    Generator("district", seed=7, until=UNTIL, jass_total=40, years=5).generate()
    history = synthetic_history.History(Generator("district", 7, UNTIL, years=5), 5)
    # Every earlier year holds visits, readings and agreements, none after `until`.
    for k in range(1, 5):
        first, last = history.year_span(k)
        in_year = Visit.objects.filter(date__range=(first, last))
        assert in_year.count() > counts["jass"], (k, first, last)
        assert ChlorineReading.objects.filter(taken_on__range=(first, last)).exists()
        assert Agreement.objects.filter(visit__date__range=(first, last)).exists()
    assert not Visit.objects.filter(date__gt=UNTIL).exists()
    # Agreements of the earlier years were closed; open ones are the current period's.
    assert not Agreement.objects.filter(visit__date__lt=history.edge, done_on__isnull=True).exists()
    # Boards turn over every two years: JASS with four or more terms that never overlap, the
    # older terms ended, their members kept (names, DNI) for the personal-data rules.
    terms_of = {}
    for jass_id, starts, ends in BoardTerm.objects.values_list("jass_id", "starts_on", "ends_on"):
        terms_of.setdefault(jass_id, []).append((starts, ends))
    assert sum(1 for terms in terms_of.values() if len(terms) >= 4) > len(terms_of) / 2
    for terms in terms_of.values():
        terms.sort()
        assert all(a[1] < b[0] for a, b in zip(terms, terms[1:], strict=False))
    ended = BoardMember.objects.filter(term__ends_on__lt=UNTIL - dt.timedelta(days=365 * 5))
    assert ended.exclude(dni="").exists()
    # Some were re-elected (one DNI on several terms); one DNI is always one person.
    names_of = {}
    for dni, name in BoardMember.objects.exclude(dni="").values_list("dni", "full_name"):
        names_of.setdefault(dni, set()).add(name)
    assert all(len(names) == 1 for names in names_of.values())
    assert BoardMember.objects.exclude(dni="").count() > len(names_of)
    # Evidence and runs of several goal years.
    assert Evidence.objects.values("requirement__goal__year").distinct().count() >= 3
    runs = EvaluationRun.objects.all()
    assert runs.order_by("cutoff").values("cutoff").distinct().count() == 4
    assert not runs.exclude(status="done").exists()
    assert DistrictResult.objects.count() == sum(run.districts_total for run in runs) > 0


def test_five_years_keep_the_current_period_of_one_year_and_the_seed(db):
    """With --years 5 the last five years are the rows of --years 1 (queries that read a window
    ending today read the same rows), and the same seed gives the same history."""
    Generator("district", seed=9, until=UNTIL, jass_total=30, years=5).generate()
    edge = synthetic_history.History(Generator("district", 9, UNTIL, years=5), 5).edge
    recent = recent_visits(edge)
    first = history_fingerprint()
    Generator("district", seed=9, until=UNTIL, jass_total=30, years=5).generate()
    assert history_fingerprint() == first
    Generator("district", seed=9, until=UNTIL, jass_total=30).generate()
    assert not Visit.objects.filter(date__lt=edge).exists()
    assert recent_visits(edge) == recent
    Generator("district", seed=10, until=UNTIL, jass_total=30, years=5).generate()
    assert history_fingerprint() != first


def test_five_years_keep_every_batch_of_the_current_period(db, monkeypatch):
    """Over several batches of districts (as at national scale) too: the earlier years draw
    from their own stream, so the current period of a later batch is that of --years 1."""
    monkeypatch.setitem(synthetic.SCALES, "pair", {"jass": 40, "districts": ["131101", "131102"]})
    monkeypatch.setattr(synthetic, "DISTRICT_BATCH", 1)
    monkeypatch.setitem(synthetic_centres.CENTRES, "pair", 50)
    Generator("pair", seed=4, until=UNTIL, years=3).generate()
    edge = synthetic_history.History(Generator("pair", 4, UNTIL, years=3), 3).edge
    assert Visit.objects.filter(date__lt=edge, jass__district_id="131102").exists()
    five = recent_visits(edge)
    Generator("pair", seed=4, until=UNTIL).generate()
    assert recent_visits(edge) == five


def test_years_out_of_range_are_refused(db):
    with pytest.raises(CommandError, match="--years"):
        call_command("generate_dataset", scale="district", jass=5, until=UNTIL, years=0)
    assert not Jass.objects.exists()
