"""Visits and agreements carry their district (issue 14), so a district's visits and open
agreements are read from their own indexes. Added empty here, filled by 0009, required by 0010
(three migrations: PostgreSQL refuses to alter a table with the fill's pending FK checks)."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("territory", "0007_weekly_digest_sent_on"),
        ("visits", "0007_visit_valid_jass_date"),
    ]

    operations = [
        migrations.AddField(
            model_name="visit",
            name="district",
            field=models.ForeignKey(
                db_index=False,
                editable=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="territory.district",
                verbose_name="distrito",
            ),
        ),
        migrations.AddField(
            model_name="agreement",
            name="district",
            field=models.ForeignKey(
                db_index=False,
                editable=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="territory.district",
                verbose_name="distrito",
            ),
        ),
    ]
