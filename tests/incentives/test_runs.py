"""Evaluation runs: started through the API, computed per district, idempotent, scoped per user."""

import datetime as dt

import pytest

from incentives import services
from incentives.models import DistrictResult, EvaluationRun, Goal
from tests.conftest import CASCAS, LUCMA, api_client_for
from tests.incentives.conftest import compute


def test_a_run_computes_every_district_in_scope_and_rerunning_a_chunk_changes_nothing(
    scope, staff_a
):
    goal = Goal.objects.get(code="2017-M35")
    run = compute(EvaluationRun.objects.create(goal=goal, cutoff=dt.date(2026, 11, 20)))
    assert (run.status, run.districts_total, run.districts_done) == ("done", 2, 2)
    cascas = DistrictResult.objects.get(run=run, district_id=CASCAS)
    budget = cascas.requirements.get(requirement__code="5")
    assert budget.met and budget.value == 25000
    before = list(DistrictResult.objects.order_by("pk").values("pk", "score", "passed"))
    services.chunk_evaluate(run.pk, [CASCAS, LUCMA])  # a redelivered chunk
    assert list(DistrictResult.objects.order_by("pk").values("pk", "score", "passed")) == before
    run.refresh_from_db()
    assert run.districts_done == 2


def test_reviewers_start_runs_through_the_api(scope, reviewer, django_capture_on_commit_callbacks):
    api = api_client_for(reviewer)
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(
            "/api/v1/goals/2017-M35/runs/",
            {"cutoff": "2026-11-20", "kind": "progress"},
            format="json",
        )
    assert response.status_code == 202
    run_id = response.json()["id"]
    run = api.get(f"/api/v1/runs/{run_id}/").json()
    assert (run["status"], run["districts_total"], run["districts_done"]) == ("done", 2, 2)
    results = api.get(f"/api/v1/runs/{run_id}/results/", {"department": "13"}).json()
    assert {r["district"] for r in results["results"]} == {CASCAS, LUCMA}
    assert {r["code"] for r in results["results"][0]["requirements"]} == {"1", "2", "3", "4", "5"}


@pytest.mark.parametrize(
    ("path", "body", "status"),
    [
        ("/api/v1/goals/2030-M1/runs/", {"cutoff": "2026-01-01", "kind": "progress"}, 404),
        ("/api/v1/goals/2017-M35/runs/", {"cutoff": "2999-01-01", "kind": "official"}, 400),
        ("/api/v1/goals/2017-M35/runs/", {"cutoff": "ayer", "kind": "progress"}, 400),
        ("/api/v1/goals/2017-M35/runs/", {"cutoff": "2026-01-01", "kind": "final"}, 400),
    ],
)
def test_a_bad_run_request_is_refused_and_starts_no_run(reviewer, path, body, status):
    response = api_client_for(reviewer).post(path, body, format="json")
    assert response.status_code == status
    assert not EvaluationRun.objects.exists()


def test_staff_see_only_their_districts_result(scope, staff_b):
    run = compute(
        EvaluationRun.objects.create(
            goal=Goal.objects.get(code="2017-M35"), cutoff=dt.date(2026, 11, 20)
        )
    )
    results = api_client_for(staff_b).get(f"/api/v1/runs/{run.pk}/results/").json()["results"]
    assert [r["district"] for r in results] == [LUCMA]
