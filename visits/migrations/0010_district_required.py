import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("visits", "0009_fill_district")]

    operations = [
        migrations.AlterField(
            model_name="visit",
            name="district",
            field=models.ForeignKey(
                db_index=False,
                editable=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="territory.district",
                verbose_name="distrito",
            ),
        ),
        migrations.AlterField(
            model_name="agreement",
            name="district",
            field=models.ForeignKey(
                db_index=False,
                editable=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="territory.district",
                verbose_name="distrito",
            ),
        ),
        migrations.RemoveIndex(model_name="visit", name="visit_valid_jass_date"),
        migrations.AddIndex(
            model_name="visit",
            index=models.Index(
                condition=models.Q(("voided_at__isnull", True)),
                fields=["district", "-date", "-id"],
                name="visit_valid_district_date",
            ),
        ),
        migrations.AddIndex(
            model_name="agreement",
            index=models.Index(
                condition=models.Q(("done_on__isnull", True)),
                fields=["district", "due_on", "id"],
                name="agreement_open_district_due",
            ),
        ),
        migrations.AddIndex(
            model_name="agreement",
            index=models.Index(
                condition=models.Q(("done_on__isnull", False)),
                fields=["district", "-done_on"],
                name="agreement_done_district",
            ),
        ),
    ]
