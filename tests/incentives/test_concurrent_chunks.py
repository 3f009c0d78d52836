"""Two chunks of one run committing at the same moment (two Celery workers) must both count:
the run ends "done" with every district, never stuck short of its total."""

import datetime as dt
import threading

import pytest
from django.core.management import call_command
from django.db import connection

from incentives import services
from incentives.models import DistrictResult, EvaluationRun, Goal
from territory.models import District, DistrictCategory


@pytest.mark.django_db(transaction=True)
def test_chunks_finishing_together_both_count(postgres, monkeypatch):
    if not District.objects.exists():
        call_command("load_territory", verbosity=0)
    if not Goal.objects.exists():
        from incentives.catalogue import seed_goals

        seed_goals()
    ubigeos = list(District.objects.order_by("pk").values_list("pk", flat=True)[:12])
    DistrictCategory.objects.bulk_create(
        DistrictCategory(district_id=u, year=2017, category="C") for u in ubigeos
    )
    run = EvaluationRun.objects.create(
        goal=Goal.objects.get(code="2017-M35"), cutoff=dt.date(2026, 11, 20)
    )
    services.run_split(run.pk)
    halves = [ubigeos[:6], ubigeos[6:]]

    # Both chunks have written their results (uncommitted) before either counts progress.
    barrier = threading.Barrier(2, timeout=20)
    counted = services._progress

    def progress_together(run_id):
        barrier.wait()
        counted(run_id)

    monkeypatch.setattr(services, "_progress", progress_together)
    errors = []

    def evaluate(chunk):
        try:
            services.chunk_evaluate(run.pk, chunk)
        except Exception as error:  # reported below, in the test's thread
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=evaluate, args=(half,)) for half in halves]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not errors, errors

    run.refresh_from_db()
    assert DistrictResult.objects.filter(run=run).count() == 12
    assert (run.status, run.districts_done, run.districts_total) == ("done", 12, 12)
