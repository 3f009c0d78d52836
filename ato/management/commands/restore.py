"""`manage.py restore BACKUP`: load a backup into an EMPTY database (the configured DATABASE_URL)
and an empty media folder (ATO_MEDIA_ROOT), then compare every table's row count and every
file's SHA-256 with the manifest. Exits non-zero on a refusal or on any difference."""

import os
import time
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from ato.backups import BackupError, backup_restore


class Command(BaseCommand):
    help = "Restaura una copia de seguridad en una base de datos y una carpeta vacías."

    def add_arguments(self, parser):
        parser.add_argument("backup", type=Path, help="Carpeta ato-backup-... de la copia.")
        parser.add_argument(
            "--jobs",
            type=int,
            default=min(4, os.cpu_count() or 1),
            help="Procesos paralelos de pg_restore.",
        )

    def handle(self, *args, backup, jobs, **options):
        self.verbosity = options["verbosity"]
        started = time.monotonic()
        try:
            result = backup_restore(
                backup=backup, media_root=Path(settings.MEDIA_ROOT), jobs=jobs, log=self._log
            )
        except BackupError as error:
            raise CommandError(str(error)) from error
        seconds = time.monotonic() - started
        if not result.ok:
            for problem in result.problems:
                self.stderr.write(problem)
            raise CommandError(
                f"La restauración no coincide con el manifiesto: {len(result.problems)} "
                "diferencias (arriba)."
            )
        self.stdout.write(
            self.style.SUCCESS(
                f"Restauración verificada en {seconds:.1f} s: {result.tables} tablas, "
                f"{result.rows} filas y {result.files} archivos iguales al manifiesto."
            )
        )

    def _log(self, message: str) -> None:
        if self.verbosity >= 1:
            self.stdout.write(message)
