"""Reviewing district results: only official results are reviewed, and an approved one is frozen."""

import datetime as dt

from incentives import services
from incentives.models import DistrictResult, EvaluationRun, Goal
from territory.models import AtmBudget
from tests.conftest import CASCAS, LUCMA, api_client_for
from tests.incentives.conftest import compute


def test_an_approved_official_result_is_frozen(scope, reviewer, staff_a):
    goal = Goal.objects.get(code="2017-M35")
    run = compute(
        EvaluationRun.objects.create(goal=goal, cutoff=dt.date(2026, 11, 20), kind="official")
    )
    api = api_client_for(reviewer)
    assert (
        api.post(
            f"/api/v1/runs/{run.pk}/results/{CASCAS}/return/", {"comment": ""}, format="json"
        ).status_code
        == 400
    )
    assert (
        api.post(f"/api/v1/runs/{run.pk}/results/{CASCAS}/approve/", {}, format="json").status_code
        == 200
    )
    AtmBudget.objects.filter(office__district_id=CASCAS).update(amount=0)
    services.chunk_evaluate(run.pk, [CASCAS, LUCMA])
    cascas = DistrictResult.objects.get(run=run, district_id=CASCAS)
    assert cascas.requirements.get(requirement__code="5").met  # frozen: not recomputed
    again = api.post(
        "/api/v1/goals/2017-M35/runs/", {"cutoff": "2026-11-20", "kind": "official"}, format="json"
    )
    assert again.status_code == 409
    assert (
        api.post(f"/api/v1/runs/{run.pk}/results/{CASCAS}/approve/", {}, format="json").status_code
        == 409
    )


def test_progress_results_are_not_reviewed(scope, reviewer):
    run = compute(
        EvaluationRun.objects.create(
            goal=Goal.objects.get(code="2017-M35"), cutoff=dt.date(2026, 11, 20)
        )
    )
    response = api_client_for(reviewer).post(
        f"/api/v1/runs/{run.pk}/results/{CASCAS}/approve/", {}, format="json"
    )
    assert response.status_code == 400
