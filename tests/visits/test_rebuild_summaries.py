"""The rebuild_summaries command restores summaries that drifted from the visits."""

import datetime as dt

from django.core.management import call_command

from jass_registry.models import Jass
from visits.services import visit_record


def test_the_rebuild_command_restores_tampered_summaries(staff_a, site):
    jass, system = site
    visit_record(user=staff_a, jass=jass, data={"date": dt.date(2026, 1, 5), "kind": "training"})
    Jass.objects.filter(pk=jass.pk).update(last_visit_on=None, last_training_on=dt.date(2020, 1, 1))
    call_command("rebuild_summaries", stdout=open("/dev/null", "w"))  # noqa: SIM115
    jass.refresh_from_db()
    assert jass.last_visit_on == jass.last_training_on == dt.date(2026, 1, 5)
