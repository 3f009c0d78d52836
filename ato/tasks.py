"""Celery tasks of the project package (reading several apps). Thin: they call ato's modules.

`send_weekly_digests` is Celery beat's Monday entry (ato/settings.py, CELERY_BEAT_SCHEDULE):
safe to run again, a head already written to today is skipped (`weekly_digest_sent_on`)."""

from __future__ import annotations

from dataclasses import asdict

from celery import shared_task

from . import digest


@shared_task
def send_weekly_digests() -> dict:
    """The weekly digest email to every ATM head who wants it (ato/digest.py). Returns counts
    only: recipients, sent, empty (not sent), failed."""
    return asdict(digest.send_weekly_digests())
