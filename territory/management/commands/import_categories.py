from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from common import spreadsheets
from territory.services import categories_import


class Command(BaseCommand):
    help = (
        "Importa el tipo de municipalidad PI por año desde un CSV con columnas "
        "ubigeo,year,category. Si alguna fila tiene errores, no se guarda nada."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)

    def handle(self, *args, file: Path, **options):
        try:
            spreadsheets.check_size(file.stat().st_size)  # before a byte of it is read
            content = file.read_bytes()
        except spreadsheets.SpreadsheetRefused as refused:
            raise CommandError(str(refused)) from refused
        except OSError as exc:
            raise CommandError(f"No se pudo leer {file}: {exc}") from exc
        result = categories_import(content=content)
        if not result.ok:
            for error in result.errors:
                self.stderr.write(error)
            raise CommandError(f"{len(result.errors)} fila(s) con errores: no se guardó nada.")
        self.stdout.write(
            self.style.SUCCESS(
                f"Tipos de municipalidad: {result.created} nuevos, {result.updated} actualizados."
            )
        )
