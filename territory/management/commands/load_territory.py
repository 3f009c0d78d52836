from django.apps import apps
from django.core.management.base import BaseCommand

from territory.loading import load_territory


class Command(BaseCommand):
    help = "Carga (o actualiza) los departamentos, provincias y distritos del INEI. Idempotente."

    def handle(self, *args, **options):
        counts = load_territory(
            apps.get_model("territory", "Department"),
            apps.get_model("territory", "Province"),
            apps.get_model("territory", "District"),
        )
        self.stdout.write(
            self.style.SUCCESS(
                "Territorio: {departments} departamentos, {provinces} provincias, "
                "{districts} distritos.".format(**counts)
            )
        )
