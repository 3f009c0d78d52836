"""visits 0006_schedule_from_plan: the old count grid (PlannedVisit) becomes the agenda's rows,
so no plan is lost: one unassigned planned visit per count, on the month's working days."""

import datetime as dt
import importlib

from django.apps import apps

from tests.conftest import CASCAS
from tests.factories import JassFactory
from visits.models import PlannedVisit, ScheduledVisit, WorkPlan

migration = importlib.import_module("visits.migrations.0006_schedule_from_plan")


def test_each_planned_count_becomes_that_many_unassigned_planned_visits(staff_a):
    alfa, beta = JassFactory(district_id=CASCAS), JassFactory(district_id=CASCAS)
    plan_2025 = WorkPlan.objects.create(district_id=CASCAS, year=2025)
    plan_2026 = WorkPlan.objects.create(district_id=CASCAS, year=2026)
    PlannedVisit.objects.bulk_create(
        [
            PlannedVisit(plan=plan_2025, jass=alfa, month=12, visits=1),
            PlannedVisit(plan=plan_2026, jass=alfa, month=3, visits=3),
            PlannedVisit(plan=plan_2026, jass=beta, month=2, visits=31),
            PlannedVisit(plan=plan_2026, jass=beta, month=5, visits=0),  # a cleared cell
        ]
    )
    assert migration.convert_plans(apps) == 35
    rows = ScheduledVisit.objects.order_by("date", "id")
    assert rows.count() == 35 and not rows.filter(staff__isnull=False).exists()
    march = [(s.jass, s.date, s.purpose) for s in rows.filter(date__month=3)]
    assert march == [
        (alfa, dt.date(2026, 3, 5), "Plan de trabajo 2026"),
        (alfa, dt.date(2026, 3, 17), "Plan de trabajo 2026"),
        (alfa, dt.date(2026, 3, 26), "Plan de trabajo 2026"),
    ]
    assert rows.filter(date__year=2025).get().purpose == "Plan de trabajo 2025"
    february = rows.filter(jass=beta, date__year=2026, date__month=2)
    assert february.count() == 31 and all(s.date.weekday() < 5 for s in february)
    assert not rows.filter(date__month=5).exists()
    # Run again (a re-applied migration): nothing is added; the old rows are still there.
    assert migration.convert_plans(apps) == 0
    assert ScheduledVisit.objects.count() == 35 and PlannedVisit.objects.count() == 4


def test_the_migration_spreads_days_as_the_agenda_does():
    from visits.schedule import spread_over_working_days

    for year, month, count in [(2026, 2, 1), (2026, 3, 4), (2025, 12, 31), (2024, 2, 20)]:
        assert migration._spread(year, month, count) == spread_over_working_days(year, month, count)
