"""The district's public page (/publico/distritos/<ubigeo>/) is linked from the signed-in pages
that show one district: the district page and its checklist in a run (the goal map's popup links
it too: tests/browser/test_goal_map.py)."""

import datetime as dt

from incentives.models import EvaluationRun, Goal
from territory.models import DistrictCategory
from tests.conftest import CASCAS
from tests.incentives.conftest import compute

PUBLIC = f'href="/publico/distritos/{CASCAS}/"'


def test_the_district_page_links_to_its_public_page(client, staff_a, reviewer):
    for user in (staff_a, reviewer):
        client.force_login(user)
        assert PUBLIC in client.get(f"/distritos/{CASCAS}/").content.decode()


def test_the_checklist_links_to_the_districts_public_page(client, staff_a, reviewer, staff_b):
    DistrictCategory.objects.create(district_id=CASCAS, year=2017, category="C")
    goal = Goal.objects.get(code="2017-M35")
    run = compute(EvaluationRun.objects.create(goal=goal, cutoff=dt.date(2026, 11, 20)))
    client.force_login(reviewer)
    assert PUBLIC in client.get(f"/evaluaciones/{run.pk}/distritos/{CASCAS}/").content.decode()
    client.force_login(staff_b)  # another district's checklist stays out of reach
    assert client.get(f"/evaluaciones/{run.pk}/distritos/{CASCAS}/").status_code == 404


def test_the_linked_public_page_opens_without_login(client, staff_a):
    assert client.get(f"/publico/distritos/{CASCAS}/").status_code == 200
