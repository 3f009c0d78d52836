"""Visits recorded at the same moment for one JASS each take a different planned visit, and no
planned visit is taken twice (link_recorded_visit's conditional UPDATE). PostgreSQL only: SQLite
serialises writers, so the race cannot happen there."""

import datetime as dt

import pytest
from django.core.management import call_command

from territory.models import District, Role
from tests.conftest import CASCAS
from tests.factories import AtmOfficeFactory, JassFactory, UserFactory
from tests.visits.test_visit_uuid_concurrency import run_together
from visits import schedule, services
from visits.models import ScheduledVisit, Visit

SENDERS = 8
DAY = dt.date(2026, 3, 10)

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def cascas_jass(postgres):
    if not District.objects.filter(pk=CASCAS).exists():
        call_command("load_territory", verbosity=0)
    AtmOfficeFactory(district_id=CASCAS)
    user = UserFactory(username="agenda.cascas", role=Role.ATM_HEAD, district_id=CASCAS)
    return user, JassFactory(district_id=CASCAS)


def test_visits_recorded_at_once_take_each_planned_visit_once(cascas_jass):
    user, jass = cascas_jass
    planned = [
        schedule.scheduled_visit_create(user=user, jass=jass, date=DAY + dt.timedelta(days=d))
        for d in (0, 1, 3)
    ]

    def record(i):
        return services.visit_record(
            user=user, jass=jass, data={"date": DAY, "kind": "supervision"}
        ).pk

    visit_ids = run_together(SENDERS, record)
    assert len(set(visit_ids)) == SENDERS == Visit.objects.count()
    linked = list(
        ScheduledVisit.objects.filter(pk__in=[p.pk for p in planned]).values_list(
            "visit_id", flat=True
        )
    )
    assert None not in linked and len(set(linked)) == 3 and set(linked) <= set(visit_ids)
