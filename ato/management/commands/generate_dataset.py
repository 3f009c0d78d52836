"""`manage.py generate_dataset --scale national|district`: a synthetic country for benchmarks.
See `ato.synthetic` for what it generates and why."""

import datetime as dt
import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from ato import synthetic


class Command(BaseCommand):
    help = (
        "Genera datos sintéticos repetibles: --scale national (todos los distritos, ~30 000 JASS, "
        "300 000 visitas) o --scale district (un distrito con 500 JASS). Borra los datos "
        "sintéticos anteriores; se niega a tocar una base con datos reales salvo con --force."
    )

    def add_arguments(self, parser):
        parser.add_argument("--scale", choices=sorted(synthetic.SCALES), default="national")
        parser.add_argument("--seed", type=int, default=2026, help="Semilla (por defecto 2026).")
        parser.add_argument(
            "--until",
            type=dt.date.fromisoformat,
            default=None,
            help="Último día de los datos, AAAA-MM-DD (por defecto, hoy).",
        )
        parser.add_argument(
            "--jass", type=int, default=None, help="Total de JASS (por defecto, el de la escala)."
        )
        parser.add_argument(
            "--years",
            type=int,
            default=1,
            help=(
                "Años de historia (por defecto 1, el conjunto de siempre; 5: unas 1,5 millones "
                "de visitas y 3 millones de mediciones a escala nacional)."
            ),
        )
        parser.add_argument(
            "--force",
            action="store_true",
            help="Borrar y generar aunque la base tenga datos reales o sea de producción.",
        )

    def handle(self, *args, scale, seed, until, jass, years, force, **options):
        if settings.HTTPS and not force:
            raise CommandError(
                "Configuración de producción (DJANGO_HTTPS=1): no se generan datos sintéticos."
            )
        reasons = synthetic.real_data_reasons()
        if reasons and not force:
            raise CommandError(
                "La base de datos tiene datos que no son sintéticos ("
                + "; ".join(reasons)
                + "). No se borra nada. Use una base vacía o --force si está seguro."
            )
        if jass is not None and jass < 0:
            raise CommandError("--jass debe ser un número positivo.")
        if not 1 <= years <= synthetic.MAX_YEARS:
            raise CommandError(f"--years debe estar entre 1 y {synthetic.MAX_YEARS}.")
        until = until or timezone.localdate()
        if until > timezone.localdate():
            raise CommandError("--until no puede ser una fecha futura.")
        started = time.perf_counter()
        generator = synthetic.Generator(
            scale,
            seed,
            until,
            jass_total=jass,
            progress=lambda m: self.stdout.write(m),
            years=years,
        )
        try:
            counts = generator.generate()
        except ValueError as error:
            raise CommandError(str(error)) from error
        summary = ", ".join(f"{key} {value}" for key, value in counts.items())
        self.stdout.write(
            self.style.SUCCESS(
                f"Datos sintéticos ({scale}, semilla {seed}, {years} año(s) de historia, hasta "
                f"{until:%d/%m/%Y}) generados en "
                f"{time.perf_counter() - started:.1f} s: {summary}."
            )
        )
