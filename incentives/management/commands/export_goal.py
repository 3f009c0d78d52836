import json

from django.core.management.base import BaseCommand, CommandError

from incentives.catalogue import goal_to_dict
from incentives.models import Goal


class Command(BaseCommand):
    help = "Escribe una meta (con su tabla de requisitos) en JSON."

    def add_arguments(self, parser):
        parser.add_argument("code")

    def handle(self, *args, code, **options):
        goal = Goal.objects.filter(code=code).first()
        if goal is None:
            raise CommandError(f"No existe la meta {code}.")
        self.stdout.write(json.dumps(goal_to_dict(goal), ensure_ascii=False, indent=2, default=str))
