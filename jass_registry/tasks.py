"""Celery tasks of the registry. Thin: they call the services.

`erase_expired_personal_data` is Celery beat's nightly entry (ato/settings.py): idempotent, an
erased row is never a candidate again, so a repeated or late run changes nothing more."""

from __future__ import annotations

from celery import shared_task

from . import personal_data


@shared_task
def erase_expired_personal_data() -> dict:
    """Ley 29733: blank the DNI and phone of former board members past the retention period
    (`ATO_PERSONAL_DATA_RETENTION_YEARS`). Returns counts only, never personal data."""
    result = personal_data.personal_data_erase_expired()
    return {
        "cutoff": result.cutoff.isoformat(),
        "members": result.members,
        "districts": result.districts,
        "history_masked": result.history_masked,
    }
