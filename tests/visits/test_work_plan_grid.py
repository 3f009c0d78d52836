"""The work-plan grid at its edges: years outside the plan's range answer 404 and write
nothing; a reviewer reads the grid without the planning form and cannot post it."""

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.conftest import CASCAS
from tests.factories import JassFactory
from visits.models import ScheduledVisit


@pytest.mark.parametrize("year", [2008, timezone.localdate().year + 2])
def test_a_year_outside_the_plan_range_is_not_found(client, staff_a, year):
    jass = JassFactory(district_id=CASCAS)
    client.force_login(staff_a)
    url = f"/distritos/{CASCAS}/plan/{year}/"
    assert client.get(url).status_code == 404
    assert client.post(url, {"jass": jass.pk, "month": "1", "count": "2"}).status_code == 404
    assert not ScheduledVisit.objects.exists()


def test_a_reviewer_reads_the_grid_without_the_form(client, staff_a, reviewer):
    jass = JassFactory(district_id=CASCAS)
    client.force_login(reviewer)
    url = reverse("visits:work_plan", args=[CASCAS, 2026])
    page = client.get(url)
    assert page.status_code == 200 and "Programar varias visitas" not in page.content.decode()
    assert client.post(url, {"jass": jass.pk, "month": "1", "count": "2"}).status_code == 403
    assert not ScheduledVisit.objects.exists()
