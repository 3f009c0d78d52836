"""`manage.py backup [--dest DIR] [--keep N]`: one complete backup (PostgreSQL dump, uploaded
files, manifest) under DIR, keeping the newest N there (README, "Copias de seguridad")."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from ato.backups import BackupError, backup_create


class Command(BaseCommand):
    help = "Copia de seguridad: volcado de PostgreSQL, archivos subidos y manifiesto."

    def add_arguments(self, parser):
        parser.add_argument(
            "--dest",
            type=Path,
            default=None,
            help="Carpeta de las copias (por defecto ATO_BACKUP_DIR).",
        )
        parser.add_argument(
            "--keep",
            type=int,
            default=None,
            help="Copias que se conservan (por defecto ATO_BACKUP_KEEP).",
        )

    def handle(self, *args, dest, keep, **options):
        self.verbosity = options["verbosity"]
        destination = dest or Path(settings.ATO_BACKUP_DIR)
        keep = settings.ATO_BACKUP_KEEP if keep is None else keep
        if keep < 1:
            raise CommandError("--keep debe ser al menos 1.")
        try:
            folder = backup_create(destination=destination, keep=keep, log=self._log)
        except BackupError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(self.style.SUCCESS(f"Copia completa: {folder}"))

    def _log(self, message: str) -> None:
        if self.verbosity >= 1:
            self.stdout.write(message)
