from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

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
            text = file.read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as exc:
            raise CommandError(f"No se pudo leer {file}: {exc}") from exc
        result = categories_import(text=text)
        if not result.ok:
            for error in result.errors:
                self.stderr.write(error)
            raise CommandError(f"{len(result.errors)} fila(s) con errores: no se guardó nada.")
        self.stdout.write(
            self.style.SUCCESS(
                f"Tipos de municipalidad: {result.created} nuevos, {result.updated} actualizados."
            )
        )
