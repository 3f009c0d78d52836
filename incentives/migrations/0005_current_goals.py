"""Two check kinds for the goals after 2017 (head_designated_by, registry_updated_since) and the
goals 2019-M5 and 2026-M5 from incentives/data/goals.json. A goal already present is left as the
admin left it, so running this again (or after an admin created the goal) changes nothing."""

from django.db import migrations, models


def forwards(apps, schema_editor):
    from incentives.catalogue import seed_goals

    seed_goals(
        apps.get_model("incentives", "Goal"),
        apps.get_model("incentives", "Requirement"),
        codes={"2019-M5", "2026-M5"},
        only_missing=True,
    )


class Migration(migrations.Migration):
    dependencies = [("incentives", "0004_input_bounds")]

    operations = [
        migrations.AlterField(
            model_name="requirement",
            name="kind",
            field=models.CharField(
                choices=[
                    ("evidence", "Evidencia aprobada por el revisor"),
                    ("office_budget", "Presupuesto PIA del ATM"),
                    ("jass_registered_ratio", "Proporción de JASS inscritas y reconocidas"),
                    ("jass_visited_ratio", "Proporción de JASS activas visitadas"),
                    ("chlorination_ratio", "Proporción de sistemas con cloro adecuado"),
                    ("board_current_ratio", "Proporción de JASS con consejo directivo vigente"),
                    ("board_trained_ratio", "Proporción de consejos directivos capacitados"),
                    ("jass_count_min", "Número mínimo de JASS inscritas"),
                    (
                        "head_designated_by",
                        "Responsable del ATM designado por resolución hasta una fecha",
                    ),
                    (
                        "registry_updated_since",
                        "Proporción de JASS activas con registro actualizado o visitadas desde "
                        "una fecha",
                    ),
                ],
                max_length=32,
                verbose_name="tipo de verificación",
            ),
        ),
        migrations.RunPython(forwards, migrations.RunPython.noop),
    ]
