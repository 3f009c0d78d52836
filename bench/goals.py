"""A run of all six seeded goals for every district, in-process (the engine and the upserts,
without Celery), on the configured database:

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/ato_bench .venv/bin/python bench/goals.py

Every district gets a category for 2015-2017 (C for even ubigeos, D for odd), so each goal has
about half the country in scope. Prints JSON lines {"name", "value", "unit"}. Issue 6 adds the
national synthetic dataset and the end-to-end run through a real worker."""

import datetime as dt
import json
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ato.settings")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402


def main():
    from incentives import services
    from incentives.models import EvaluationRun, Goal
    from territory.models import District, DistrictCategory

    call_command("migrate", verbosity=0)
    DistrictCategory.objects.filter(year__in=[2015, 2016, 2017]).delete()
    DistrictCategory.objects.bulk_create(
        DistrictCategory(district_id=u, year=y, category="C" if int(u) % 2 == 0 else "D")
        for u in District.objects.values_list("pk", flat=True)
        for y in (2015, 2016, 2017)
    )
    start = time.perf_counter()
    runs = []
    districts = 0
    for goal in Goal.objects.filter(
        code__in=["2015-M11", "2015-M40", "2016-M35", "2016-M42", "2017-M35", "2017-M41"]
    ):
        run = EvaluationRun.objects.create(goal=goal, cutoff=dt.date(2026, 11, 20))
        for chunk in services.run_split(run.pk):
            services.chunk_evaluate(run.pk, chunk)
        run.refresh_from_db()
        assert run.status == "done", run.status
        districts += run.districts_done
        runs.append(run.pk)
    elapsed = time.perf_counter() - start
    print(
        json.dumps(
            {
                "name": "six_goals_in_process_s",
                "value": round(elapsed, 2),
                "unit": "s",
                "district_results": districts,
                "db": connection.vendor,
            }
        ),
        flush=True,
    )
    EvaluationRun.objects.filter(pk__in=runs).delete()
    DistrictCategory.objects.filter(year__in=[2015, 2016, 2017]).delete()


if __name__ == "__main__":
    main()
