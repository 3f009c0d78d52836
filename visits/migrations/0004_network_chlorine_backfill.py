"""Fill the water systems' new summary of network chlorine (jass_registry 0009) from the readings
already recorded, in one UPDATE: the rule of visits/chlorine.py as it stood when this migration
was written (historical models cannot call it): of the valid readings at the first or last house,
the latest day; that day the last house before the first house, the lowest value first."""

from django.db import migrations
from django.db.models import Case, IntegerField, OuterRef, Q, Subquery, Value, When

NETWORK_POINTS = ("first_house", "last_house")


def backfill(apps, schema_editor):
    WaterSystem = apps.get_model("jass_registry", "WaterSystem")
    ChlorineReading = apps.get_model("visits", "ChlorineReading")
    Visit = apps.get_model("visits", "Visit")
    voided = Visit.objects.filter(voided_at__isnull=False).values("pk")
    rows = (
        ChlorineReading.objects.exclude(Q(visit__in=voided))
        .filter(water_system=OuterRef("pk"), point__in=NETWORK_POINTS)
        .order_by(
            "-taken_on",
            Case(
                When(point="last_house", then=Value(0)),
                default=Value(1),
                output_field=IntegerField(),
            ),
            "mg_per_l",
            "id",
        )
    )
    WaterSystem.objects.update(
        network_reading_on=Subquery(rows.values("taken_on")[:1]),
        network_reading_mg_l=Subquery(rows.values("mg_per_l")[:1]),
    )


class Migration(migrations.Migration):
    dependencies = [
        ("visits", "0003_input_bounds"),
        ("jass_registry", "0009_network_chlorine"),
    ]

    operations = [migrations.RunPython(backfill, migrations.RunPython.noop)]
