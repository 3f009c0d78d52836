"""Integration: a national run on PostgreSQL with a real Celery worker on Redis. The worker is
SIGKILLed mid-run; a new worker finishes it, and the result is exactly one row per district,
equal to an uninterrupted computation."""

import datetime as dt
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection

from incentives import services
from incentives.models import DistrictResult, EvaluationRun, Goal
from territory.models import District, DistrictCategory
from tests.factories import JassFactory, UserFactory

ROOT = Path(__file__).resolve().parents[2]
CUTOFF = dt.date(2026, 11, 20)


def start_worker(env) -> subprocess.Popen:
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "ato",
            "worker",
            "--pool",
            "solo",
            "-Q",
            "evaluation,celery",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            "--loglevel",
            "WARNING",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )


def wait_for(condition, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    pytest.fail(f"timed out waiting for {what}")


@pytest.mark.services
def test_a_killed_worker_does_not_lose_or_duplicate_results(postgres, redis_url, transactional_db):
    from ato.celery import app

    if not District.objects.exists():
        call_command("load_territory", verbosity=0)
    if not Goal.objects.exists():
        from incentives.catalogue import seed_goals

        seed_goals()
    DistrictCategory.objects.bulk_create(
        DistrictCategory(district_id=u, year=2017, category="C")
        for u in District.objects.values_list("pk", flat=True)
    )
    for ubigeo in ("131101", "131102", "090710"):
        JassFactory.create_batch(3, district_id=ubigeo)
    reviewer = UserFactory(username="kill.reviewer", role="reviewer", district_id=None)
    goal = Goal.objects.get(code="2017-M35")
    app.control.purge()

    env = dict(os.environ)
    db = connection.settings_dict
    env["DATABASE_URL"] = (
        f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    )
    env["REDIS_URL"] = redis_url
    env["ATO_EVAL_CHUNK_SIZE"] = "40"
    env["ATO_BROKER_VISIBILITY_TIMEOUT"] = "5"
    first = start_worker(env)
    try:
        run = services.run_start(user=reviewer, goal=goal, cutoff=CUTOFF, kind="progress")
        # Kill it as soon as some chunks are done but not all.
        wait_for(
            lambda: EvaluationRun.objects.get(pk=run.pk).districts_done > 0, 120, "the first chunk"
        )
        os.killpg(first.pid, signal.SIGKILL)
        first.wait(10)
        assert EvaluationRun.objects.get(pk=run.pk).districts_done < District.objects.count()
        second = start_worker(env)
        try:
            wait_for(
                lambda: EvaluationRun.objects.get(pk=run.pk).status == "done",
                240,
                "the run to finish",
            )
        finally:
            os.killpg(second.pid, signal.SIGKILL)
            second.wait(10)
    finally:
        if first.poll() is None:
            os.killpg(first.pid, signal.SIGKILL)

    total = District.objects.count()
    results = DistrictResult.objects.filter(run=run)
    assert results.count() == total == results.values("district").distinct().count()
    assert EvaluationRun.objects.get(pk=run.pk).districts_done == total

    # The same run computed without interruption, in this process.
    reference = EvaluationRun.objects.create(goal=goal, cutoff=CUTOFF)
    for chunk in services.run_split(reference.pk):
        services.chunk_evaluate(reference.pk, chunk)

    def outcome(r):
        return set(
            DistrictResult.objects.filter(run=r).values_list("district_id", "score", "passed")
        )

    assert outcome(run) == outcome(reference)
