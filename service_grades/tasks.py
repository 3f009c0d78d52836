"""Celery tasks of the service grades. Thin: they take ids and call the services.

`compute_grades` is idempotent (the scores are upserted on subject and quarter), so running it
twice changes nothing; `compute_grades_nightly` is Celery beat's entry (ato/settings.py)."""

from __future__ import annotations

from celery import shared_task
from django.core.exceptions import ValidationError

from . import services


@shared_task
def compute_grades(run_id: int) -> dict:
    run = services.grade_run_execute(run_id)
    return {"systems": run.systems, "jass": run.jass}


@shared_task
def compute_grades_nightly() -> int | None:
    """Every night: the current quarter's grades for the whole country (skipped while a
    reviewer's recomputation is still running)."""
    try:
        run = services.grade_run_start(user=None)
    except ValidationError:
        return None
    return run.pk
