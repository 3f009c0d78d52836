"""Loads Peru's 25 departments, 196 provinces and 1,891 districts (INEI) from the committed
fixture, so every database, the test database included, has the territory after `migrate`."""

from django.db import migrations


def forwards(apps, schema_editor):
    from territory.loading import load_territory

    load_territory(
        apps.get_model("territory", "Department"),
        apps.get_model("territory", "Province"),
        apps.get_model("territory", "District"),
    )


class Migration(migrations.Migration):
    dependencies = [("territory", "0001_initial")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop, elidable=False)]
