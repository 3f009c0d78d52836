"""Personal data is not cached (offices share computers): every answer to a signed-in user
says `Cache-Control: no-store, private`. Scoping answers 404 before any right is checked: a
reviewer-only action on another district's object does not reveal that it exists, and a run
page shows ATM staff only their own district."""

import datetime as dt

import pytest
from django.urls import reverse

from incentives import services as incentive_services
from incentives.models import EvaluationRun, EvidenceEvent, Goal
from territory.models import District, DistrictCategory
from tests.conftest import CASCAS, LUCMA, api_client_for
from tests.factories import atm_ordinance_evidence


def no_store(response) -> bool:
    directives = {d.strip() for d in response.get("Cache-Control", "").split(",")}
    return {"no-store", "private"} <= directives


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def evidence(staff_a):
    return atm_ordinance_evidence(district_id=CASCAS, uploaded_by=staff_a)


@pytest.fixture
def run(staff_a, staff_b):
    """An official run of 2017-M35 with a result for Cascas and one for Lucma."""
    for ubigeo in (CASCAS, LUCMA):
        DistrictCategory.objects.get_or_create(
            district_id=ubigeo, year=2017, defaults={"category": "C"}
        )
    goal = Goal.objects.get(code="2017-M35")
    run = EvaluationRun.objects.create(goal=goal, cutoff=dt.date(2026, 1, 31), kind="official")
    for chunk in incentive_services.run_split(run.pk):
        incentive_services.chunk_evaluate(run.pk, chunk)
    run.refresh_from_db()
    assert run.districts_total == 2
    return run


# --- no-store ---------------------------------------------------------------------------------


def test_a_page_for_a_signed_in_user_is_not_stored(client, staff_a):
    client.force_login(staff_a)
    response = client.get(reverse("district", args=[CASCAS]))
    assert response.status_code == 200 and no_store(response)


def test_an_api_answer_to_a_token_is_not_stored(staff_a):
    response = api_client_for(staff_a).get("/api/v1/jass/")
    assert response.status_code == 200 and no_store(response)


def test_an_export_is_not_stored(client, staff_a):
    client.force_login(staff_a)
    response = client.get(reverse("jass_registry:export", args=[CASCAS, "csv"]))
    assert response.status_code == 200 and no_store(response)


def test_static_files_and_anonymous_pages_keep_their_caching(client, staff_a):
    # (The login page and /healthz are never cached by their own decorators.)
    anonymous = client.get("/api/docs/")
    assert anonymous.status_code == 200 and not no_store(anonymous)
    client.force_login(staff_a)
    static = client.get("/static/css/ato.css")
    assert static.status_code == 200 and not no_store(static)


# --- reviewer-only actions: scope first, then the right ---------------------------------------


def test_reviewing_evidence_is_404_for_other_district_staff_and_403_for_its_own(
    client, staff_a, staff_b, evidence
):
    url = reverse("incentives:evidence_review", args=[evidence.pk])
    client.force_login(staff_b)
    assert client.post(url, {"decision": "approve"}).status_code == 404
    client.force_login(staff_a)
    assert client.post(url, {"decision": "approve"}).status_code == 403
    evidence.refresh_from_db()
    assert evidence.status == "submitted"
    assert not EvidenceEvent.objects.filter(evidence=evidence, status="approved").exists()


def test_other_district_staff_approving_a_result_through_the_api_get_404(staff_a, staff_b, run):
    path = f"/api/v1/runs/{run.pk}/results/{CASCAS}/approve/"
    assert api_client_for(staff_b).post(path, {}, format="json").status_code == 404
    assert api_client_for(staff_a).post(path, {}, format="json").status_code == 403
    assert run.results.get(district_id=CASCAS).review == "pending"


# --- a run as ATM staff see it ------------------------------------------------------------------


def test_a_run_page_shows_lucma_staff_only_lucma(client, staff_b, run):
    cascas = District.objects.get(pk=CASCAS)
    client.force_login(staff_b)
    page = client.get(reverse("incentives:run", args=[run.pk])).content.decode()
    progress = client.get(reverse("incentives:run_progress", args=[run.pk])).content.decode()
    assert "Lucma" in page
    assert cascas.name not in page
    assert "1 de 1 distritos" in page and "1 de 1 distritos" in progress
    assert "2 de 2" not in page + progress


def test_the_run_api_shows_lucma_staff_only_lucma(staff_b, reviewer, run):
    api = api_client_for(staff_b)
    detail = api.get(f"/api/v1/runs/{run.pk}/").json()
    assert (detail["districts_total"], detail["districts_done"]) == (1, 1)
    results = api.get(f"/api/v1/runs/{run.pk}/results/").json()["results"]
    assert [r["district"] for r in results] == [LUCMA]
    assert api.get(f"/api/v1/exports/compliance.csv?run={run.pk}").status_code == 403
    # Reviewers still read the national progress.
    national = api_client_for(reviewer).get(f"/api/v1/runs/{run.pk}/").json()
    assert (national["districts_total"], national["districts_done"]) == (2, 2)
