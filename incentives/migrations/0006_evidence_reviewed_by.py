# The reviewer of an evidence item, kept on the item (the queue and the API show the name without
# reading the events); filled for items already reviewed from their last event.

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def from_events(apps, schema_editor):
    Evidence = apps.get_model("incentives", "Evidence")
    EvidenceEvent = apps.get_model("incentives", "EvidenceEvent")
    for item in Evidence.objects.exclude(status="submitted").only("pk"):
        event = EvidenceEvent.objects.filter(evidence=item).order_by("-at", "-id").first()
        if event is not None:
            Evidence.objects.filter(pk=item.pk).update(reviewed_by_id=event.user_id)


class Migration(migrations.Migration):
    dependencies = [
        ("incentives", "0005_current_goals"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="evidence",
            name="reviewed_by",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.RunPython(from_events, migrations.RunPython.noop),
    ]
