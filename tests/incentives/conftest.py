"""Shared by the run, review and goal-status tests: Cascas and Lucma in category C for 2017,
Cascas with an office budget and two JASS, and a run computed in this process (no worker)."""

import pytest

from incentives import services
from territory.models import AtmBudget, DistrictCategory
from tests.conftest import CASCAS, LUCMA
from tests.factories import JassFactory


@pytest.fixture
def scope(staff_a, staff_b):
    for ubigeo in (CASCAS, LUCMA):
        DistrictCategory.objects.create(district_id=ubigeo, year=2017, category="C")
    AtmBudget.objects.create(office=staff_a.district.atm_office, year=2017, amount=25000)
    JassFactory.create_batch(2, district_id=CASCAS)


def compute(run):
    for chunk in services.run_split(run.pk):
        services.chunk_evaluate(run.pk, chunk)
    run.refresh_from_db()
    return run
