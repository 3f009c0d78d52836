from django.core.management.base import BaseCommand

from visits.services import summaries_rebuild


class Command(BaseCommand):
    help = (
        "Recalcula desde las visitas los resúmenes del registro (última visita, capacitación, "
        "revisión de cuentas y última medición de cloro de cada sistema)."
    )

    def handle(self, *args, **options):
        counts = summaries_rebuild()
        self.stdout.write(
            self.style.SUCCESS(
                "Resúmenes recalculados: {jass} JASS, {water_systems} sistemas de agua.".format(
                    **counts
                )
            )
        )
