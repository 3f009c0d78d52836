from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from communities import importing
from territory.models import District

# An administrator's file (INEI's national directory is ~100,000 rows, ~8 MB as CSV) may be
# larger than a web upload.
COMMAND_MAX_BYTES = 64 * 1024 * 1024
MAX_ERRORS_SHOWN = 50


class Command(BaseCommand):
    help = (
        "Importa centros poblados desde el directorio del INEI (CSV o XLSX con UBIGEO, CODCCPP, "
        "NOMCCPP, AREA, VIVIENDAS, POBLACION, LATITUD, LONGITUD). Actualiza por código. Si "
        "alguna fila tiene errores, no se guarda nada."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument(
            "--district",
            metavar="UBIGEO",
            help="Solo este distrito: una fila de otro distrito es un error.",
        )

    def handle(self, *args, file: Path, district: str | None = None, **options):
        if district is not None and not District.objects.filter(pk=district).exists():
            raise CommandError(f"El distrito {district} no existe.")
        try:
            if file.stat().st_size > COMMAND_MAX_BYTES:
                raise CommandError(f"{file} pesa más de {COMMAND_MAX_BYTES // 2**20} MB.")
            content = file.read_bytes()
        except OSError as exc:
            raise CommandError(f"No se pudo leer {file}: {exc}") from exc
        result = importing.preview(
            content=content,
            filename=file.name,
            district_id=district,
            max_bytes=COMMAND_MAX_BYTES,
        )
        if not result.ok:
            for error in result.file_errors:
                self.stderr.write(error)
            for row in result.error_rows[:MAX_ERRORS_SHOWN]:
                self.stderr.write(f"Fila {row.line}: " + "; ".join(row.errors))
            count = len(result.error_rows)
            raise CommandError(
                f"{count} fila(s) con errores: no se guardó nada."
                if count
                else "No se pudo leer el archivo: no se guardó nada."
            )
        created, updated = importing.apply(preview_result=result, user=None)
        self.stdout.write(
            self.style.SUCCESS(f"Centros poblados: {created} nuevos, {updated} actualizados.")
        )
