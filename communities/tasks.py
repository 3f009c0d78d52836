"""Celery task of the coverage snapshot. Thin: it calls `coverage.coverage_snapshot`, an upsert
on (district, quarter), so a repeat or a retry writes the same rows."""

from __future__ import annotations

import datetime as dt

from celery import shared_task
from django.db import InterfaceError, OperationalError
from django.utils import timezone

from .coverage import coverage_snapshot

RETRY_ON = (OperationalError, InterfaceError)


@shared_task(
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=RETRY_ON,
    retry_backoff=2,
    max_retries=5,
)
def snapshot_coverage(quarter: str | None = None) -> int:
    """Every district's coverage of `quarter` (ISO date of any day in it; today's quarter when
    None). Nightly, so the current quarter's row follows the register until the quarter ends."""
    day = dt.date.fromisoformat(quarter) if quarter else timezone.localdate()
    return coverage_snapshot(day)
