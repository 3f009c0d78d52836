"""2026-M5 was seeded (0005) with "(modelo de trabajo 2026)" in its title, repeating what the
goal's working_model flag already says on every page. Drop the words from a database seeded
before goals.json lost them; a title an admin has edited since is left as it is."""

from django.db import migrations

SEEDED = (
    "Fortalecimiento del Área Técnica Municipal para la gestión de los servicios de agua y "
    "saneamiento en el ámbito rural (modelo de trabajo 2026)"
)
TITLE = SEEDED.removesuffix(" (modelo de trabajo 2026)")


def forwards(apps, schema_editor):
    Goal = apps.get_model("incentives", "Goal")
    Goal.objects.filter(code="2026-M5", title=SEEDED).update(title=TITLE)


def backwards(apps, schema_editor):
    Goal = apps.get_model("incentives", "Goal")
    Goal.objects.filter(code="2026-M5", title=TITLE).update(title=SEEDED)


class Migration(migrations.Migration):
    dependencies = [("incentives", "0007_coverage_and_grade_kinds")]

    operations = [migrations.RunPython(forwards, backwards)]
