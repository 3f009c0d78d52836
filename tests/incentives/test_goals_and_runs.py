import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from incentives import services
from incentives.catalogue import goal_load, goal_to_dict
from incentives.models import DistrictResult, EvaluationRun, Evidence, Goal, Requirement
from territory.models import AtmBudget, DistrictCategory
from tests.conftest import CASCAS, LUCMA, api_client_for
from tests.factories import JassFactory


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


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


def test_the_six_goals_are_seeded_as_working_model(db):
    codes = set(Goal.objects.values_list("code", flat=True))
    assert codes == {"2015-M11", "2015-M40", "2016-M35", "2016-M42", "2017-M35", "2017-M41"}
    assert all(Goal.objects.values_list("working_model", flat=True))
    assert Goal.objects.get(code="2016-M42").categories == ["D"]


@pytest.mark.parametrize(
    ("kind", "params", "message"),
    [
        ("jass_visited_ratio", {"min_ratio": "1.5", "from": "2017-01-01"}, "entre 0 y 1"),
        ("jass_visited_ratio", {"min_ratio": "0.5"}, "Falta el parámetro from"),
        ("office_budget", {"year": "2017", "min_amount": 10}, "número entero"),
        ("evidence", {"doc_type": "x", "other": 1}, "no previsto"),
        ("chlorination_ratio", {"min_ratio": "0.3", "min_mg_l": "-1"}, "no negativo"),
        ("magic", {}, "desconocido"),
    ],
)
def test_wrong_parameters_are_refused_before_any_run(db, kind, params, message):
    requirement = Requirement(
        goal=Goal.objects.first(), code="X", title="x", points=1, kind=kind, params=params
    )
    with pytest.raises(ValidationError) as info:
        requirement.full_clean()
    assert message in str(info.value)


def test_a_goal_round_trips_through_json_and_a_bad_table_writes_nothing(db):
    goal = Goal.objects.get(code="2017-M35")
    data = goal_to_dict(goal)
    data["code"] = "2018-M99"
    data["year"] = 2018
    goal_load(data)
    assert Goal.objects.get(code="2018-M99").requirements.count() == 5
    data["code"] = "2019-M1"
    data["requirements"][0]["params"] = {"min_ratio": "7"}
    with pytest.raises(ValidationError):
        goal_load(data)
    assert not Goal.objects.filter(code="2019-M1").exists()


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
def test_bad_run_requests(reviewer, path, body, status):
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


def test_the_atm_home_says_what_is_missing(client, scope, staff_a):
    compute(
        EvaluationRun.objects.create(
            goal=Goal.objects.get(code="2017-M35"), cutoff=dt.date(2026, 11, 20)
        )
    )
    client.force_login(staff_a)
    page = client.get(reverse("district", args=[CASCAS])).content.decode()
    assert (
        "2017-M35" in page and "Lo que falta" in page and "JASS activas visitadas en el año" in page
    )


def test_evidence_is_checked_by_content_and_reviewed(client, staff_a, reviewer):
    client.force_login(staff_a)
    url = reverse("incentives:evidence", args=[CASCAS])
    requirement = Goal.objects.get(code="2015-M11").requirements.get(code="1")
    fake = SimpleUploadedFile("ordenanza.pdf", b"MZ this is not a pdf")
    data = {"requirement": requirement.pk, "number": "O.M. 012-2015", "issued_on": "2015-06-18"}
    response = client.post(url, data | {"file": fake})
    assert "debe ser un PDF, JPEG o PNG" in response.content.decode()
    assert not Evidence.objects.exists()
    pdf = SimpleUploadedFile("ordenanza.txt", b"%PDF-1.4\n...")
    assert client.post(url, data | {"file": pdf}).status_code == 302
    item = Evidence.objects.get()
    assert item.doc_type == "ordinance_atm" and item.status == "submitted"
    client.force_login(reviewer)
    review = reverse("incentives:evidence_review", args=[item.pk])
    client.post(review, {"decision": "return"})  # a return needs a comment
    item.refresh_from_db()
    assert item.status == "submitted"
    client.post(review, {"decision": "return", "comment": "Falta la firma del alcalde"})
    item.refresh_from_db()
    assert (item.status, item.comment) == ("returned", "Falta la firma del alcalde")
    assert list(item.events.values_list("status", flat=True)) == ["submitted", "returned"]
    client.force_login(staff_a)
    assert "Falta la firma del alcalde" in client.get(url).content.decode()


def test_an_approved_evidence_meets_its_requirement(staff_a, reviewer):
    DistrictCategory.objects.create(district_id=CASCAS, year=2015, category="C")
    goal = Goal.objects.get(code="2015-M11")
    Evidence.objects.create(
        district_id=CASCAS,
        requirement=goal.requirements.get(code="1"),
        doc_type="ordinance_atm",
        number="1",
        issued_on=dt.date(2015, 6, 1),
        file="evidence/x.pdf",
        status="approved",
        uploaded_by=staff_a,
        reviewed_at=timezone.now() - dt.timedelta(days=1),
    )
    run = compute(EvaluationRun.objects.create(goal=goal, cutoff=timezone.localdate()))
    result = DistrictResult.objects.get(run=run)
    assert result.requirements.get(requirement__code="1").met
    assert (result.score, result.passed) == (40, False)  # 40 < 70 although the mandatory one is met
