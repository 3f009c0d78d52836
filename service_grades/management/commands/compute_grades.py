"""`manage.py compute_grades [--quarter AAAA-MM-DD]`: the country's service grades for a quarter
(default: the current one), computed here and recorded as a run like the page's button."""

from __future__ import annotations

import datetime as dt
import time

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from service_grades.models import GradeRun, quarter_of
from service_grades.services import grade_run_execute


class Command(BaseCommand):
    help = "Calcula los niveles de servicio (A–D) de todos los sistemas de agua y JASS del país."

    def add_arguments(self, parser):
        parser.add_argument(
            "--quarter",
            help="Un día del trimestre (AAAA-MM-DD); por defecto, el trimestre en curso.",
        )

    def handle(self, *args, quarter=None, **options):
        today = timezone.localdate()
        try:
            day = dt.date.fromisoformat(quarter) if quarter else today
        except ValueError as error:
            raise CommandError("Fecha no válida: use AAAA-MM-DD.") from error
        if day > today:
            raise CommandError("El trimestre no puede ser futuro.")
        run = GradeRun.objects.create(quarter=quarter_of(day))
        started = time.perf_counter()
        run = grade_run_execute(run.pk)
        self.stdout.write(
            f"Trimestre {run.quarter:%Y-%m}: {run.systems} sistemas y {run.jass} JASS "
            f"calificados en {time.perf_counter() - started:.1f} s."
        )
