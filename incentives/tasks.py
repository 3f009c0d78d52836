"""Celery tasks of the goal engine. Thin: they take ids and call the services.

`evaluate_chunk` is idempotent (upserts on run and district), so it is acknowledged late and
requeued when a worker dies mid-task; it retries only on named connection errors, with a
countdown well below the broker's visibility timeout."""

from __future__ import annotations

from celery import shared_task
from django.db import InterfaceError, OperationalError
from kombu.exceptions import OperationalError as BrokerError

from . import services

RETRY_ON = (OperationalError, InterfaceError, BrokerError)


@shared_task(queue="evaluation")
def start_run(run_id: int) -> int:
    chunks = services.run_split(run_id)
    for chunk in chunks:
        evaluate_chunk.delay(run_id, chunk)
    return len(chunks)


@shared_task(
    queue="evaluation",
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=RETRY_ON,
    retry_backoff=2,
    retry_backoff_max=60,
    max_retries=5,
)
def evaluate_chunk(run_id: int, district_ids: list[str]) -> int:
    return services.chunk_evaluate(run_id, district_ids)


@shared_task
def refresh_progress_runs() -> int:
    """Nightly (Celery beat): a progress run of every goal whose deadline has not passed."""
    from django.utils import timezone

    from .models import Goal, RunKind

    today = timezone.localdate()
    count = 0
    for goal in Goal.objects.filter(deadline__gte=today):
        services.run_start(user=None, goal=goal, cutoff=today, kind=RunKind.PROGRESS)
        count += 1
    return count
