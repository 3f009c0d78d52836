"""Seeds the six goals of shared/DESIGN.md (2015-M11 ... 2017-M41) with their published titles,
years, deadlines and municipality types; their requirement tables are the working model."""

from django.db import migrations


def forwards(apps, schema_editor):
    from incentives.catalogue import seed_goals

    seed_goals(
        apps.get_model("incentives", "Goal"),
        apps.get_model("incentives", "Requirement"),
        codes={"2015-M11", "2015-M40", "2016-M35", "2016-M42", "2017-M35", "2017-M41"},
    )


class Migration(migrations.Migration):
    dependencies = [("incentives", "0001_initial")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
