"""The old work plan's counts (PlannedVisit: JASS × month of a WorkPlan year) become planned
visits of the agenda (ScheduledVisit), so no plan is lost when the plan grid starts reading the
agenda: one row per planned visit, unassigned, purpose "Plan de trabajo <year>", the month's
visits spread over its working days (Monday to Friday, the middle of each share).

PlannedVisit and WorkPlan stay (not dropped) but are no longer written. A cell already converted
(rows of that JASS and month with a "Plan de trabajo" purpose, made by no one) is skipped, so
running the conversion twice adds nothing. Going back leaves the agenda as it is: nothing is
deleted. 12,000 rows (500 JASS, two visits a month) take about 1 s on PostgreSQL."""

import calendar
import datetime as dt

from django.db import migrations

PURPOSE = "Plan de trabajo {year}"


def _spread(year: int, month: int, count: int) -> list[dt.date]:
    # A frozen copy of visits.schedule.spread_over_working_days: a migration does not follow
    # later changes of the code.
    last = calendar.monthrange(year, month)[1]
    days = [dt.date(year, month, d) for d in range(1, last + 1)]
    days = [day for day in days if day.weekday() < 5]
    return [days[int((i + 0.5) * len(days) / count)] for i in range(count)]


def convert_plans(apps, schema_editor=None) -> int:
    """Create the agenda's rows of every non-zero plan cell; the number of rows created."""
    PlannedVisit = apps.get_model("visits", "PlannedVisit")
    ScheduledVisit = apps.get_model("visits", "ScheduledVisit")
    # The cells already converted, in one query (not one per cell).
    done = {
        (jass_id, day.year, day.month)
        for jass_id, day in ScheduledVisit.objects.filter(
            created_by__isnull=True, purpose__startswith="Plan de trabajo "
        ).values_list("jass_id", "date")
    }
    rows = []
    cells = (
        PlannedVisit.objects.filter(visits__gt=0)
        .values_list("jass_id", "plan__year", "month", "visits")
        .order_by("plan__year", "jass_id", "month")
    )
    for jass_id, year, month, count in cells.iterator():
        if (jass_id, year, month) in done:
            continue
        purpose = PURPOSE.format(year=year)
        rows += [
            ScheduledVisit(jass_id=jass_id, date=day, purpose=purpose)
            for day in _spread(year, month, count)
        ]
    ScheduledVisit.objects.bulk_create(rows, batch_size=2000)
    return len(rows)


class Migration(migrations.Migration):
    dependencies = [("visits", "0005_field_work")]

    operations = [migrations.RunPython(convert_plans, migrations.RunPython.noop, elidable=True)]
