"""Run the Ley 29733 retention by hand: `manage.py erase_personal_data [--dry-run]`.

The nightly Celery beat task does the same (jass_registry.tasks.erase_expired_personal_data).
Prints counts only, never a DNI or a phone."""

from __future__ import annotations

import datetime as dt
import time

from django.core.management.base import BaseCommand, CommandError

from jass_registry import personal_data


class Command(BaseCommand):
    help = (
        "Ley 29733: elimina el DNI y el teléfono de los exmiembros de consejos directivos cuyo "
        "último periodo terminó hace más de ATO_PERSONAL_DATA_RETENTION_YEARS años (los nombres "
        "se conservan; cada eliminación queda registrada)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Solo cuenta lo que se eliminaría; no cambia nada.",
        )
        parser.add_argument(
            "--today",
            help="Fecha desde la que se cuenta el plazo (AAAA-MM-DD); por omisión, hoy.",
        )

    def handle(self, *args, dry_run: bool = False, today: str | None = None, **options):
        day = None
        if today:
            try:
                day = dt.date.fromisoformat(today)
            except ValueError as error:
                raise CommandError(f"--today: {error}") from error
        started = time.perf_counter()
        result = personal_data.personal_data_erase_expired(today=day, dry_run=dry_run)
        elapsed = time.perf_counter() - started
        verb = "Se eliminaría" if dry_run else "Se eliminó"
        self.stdout.write(
            f"{verb} el DNI y el teléfono de {result.members} miembros de consejos directivos "
            f"en {result.districts} distritos (periodos terminados antes del "
            f"{result.cutoff.isoformat()}, {personal_data.retention_years()} años)"
            + ("" if dry_run else f"; {result.history_masked} registros del historial enmascarados")
            + f"; {elapsed:.2f} s"
        )
