import json
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from incentives.catalogue import goal_load


class Command(BaseCommand):
    help = (
        "Crea o reemplaza una meta y su tabla de requisitos desde un JSON (el formato de "
        "export_goal). Si algún requisito tiene parámetros inválidos, no se guarda nada."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument(
            "--official", action="store_true", help="La tabla es la oficial publicada."
        )

    def handle(self, *args, file: Path, official: bool, **options):
        try:
            data = json.loads(file.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise CommandError(f"No se pudo leer {file}: {exc}") from exc
        try:
            # --official marks the table as the published one; without it the file says which.
            goal = goal_load(data, working_model=False if official else None)
        except (ValidationError, KeyError) as exc:
            messages = exc.messages if isinstance(exc, ValidationError) else [f"falta {exc}"]
            for message in messages:
                self.stderr.write(message)
            raise CommandError("La meta no se guardó.") from exc
        self.stdout.write(
            self.style.SUCCESS(f"Meta {goal.code}: {goal.requirements.count()} requisitos.")
        )
