"""The reviewers' evidence queue (page, export and /api/v1/evidence/): every district's evidence,
waiting first and oldest first, filtered by one FilterSet, approved or returned from the queue
through the same service as the district's page."""

import datetime as dt

import pytest
from django.urls import reverse

from incentives.models import Evidence, EvidenceStatus, Goal
from tests.conftest import CASCAS, LUCMA, api_client_for


def evidence(district_id, uploaded_by, number, status=EvidenceStatus.SUBMITTED):
    return Evidence.objects.create(
        district_id=district_id,
        requirement=Goal.objects.get(code="2015-M11").requirements.get(code="1"),
        doc_type="ordinance_atm",
        number=number,
        issued_on=dt.date(2015, 6, 18),
        file="evidence/x.pdf",
        uploaded_by=uploaded_by,
        status=status,
    )


@pytest.fixture
def queue(staff_a, staff_b):
    return [
        evidence(CASCAS, staff_a, "O.M. 1 aprobada", EvidenceStatus.APPROVED),
        evidence(LUCMA, staff_b, "O.M. 2 la más antigua"),
        evidence(CASCAS, staff_a, "O.M. 3 la más reciente"),
    ]


def test_the_queue_shows_waiting_evidence_first_oldest_first_with_counts(client, reviewer, queue):
    client.force_login(reviewer)
    page = client.get("/evidencias/").content.decode()
    assert page.index("O.M. 2 la más antigua") < page.index("O.M. 3 la más reciente")
    assert page.index("O.M. 3 la más reciente") < page.index("O.M. 1 aprobada")
    assert "Todas (3)" in page and "Presentada (2)" in page and "Aprobada (1)" in page
    assert reverse("incentives:evidence_file", args=[queue[1].pk]) in page


def test_the_queue_filters_by_district_department_and_status_and_keeps_the_counts(
    client, reviewer, queue
):
    client.force_login(reviewer)
    page = client.get("/evidencias/", {"status": "submitted", "district": LUCMA}).content.decode()
    assert "O.M. 2 la más antigua" in page and "O.M. 3" not in page and "O.M. 1" not in page
    assert "Presentada (1)" in page  # the counts follow every filter but the status
    page = client.get("/evidencias/", {"department": "14"}).content.decode()
    assert "Ninguna evidencia coincide con los filtros." in page
    page = client.get("/evidencias/", {"department": "x\x00"}).content.decode()
    assert "Revise los filtros" in page


def test_a_reviewer_returns_from_the_queue_and_comes_back_to_it(client, reviewer, queue):
    client.force_login(reviewer)
    back = "/evidencias/?status=submitted"
    response = client.post(
        reverse("incentives:evidence_review", args=[queue[2].pk]),
        {"decision": "return", "comment": "Falta la firma", "next": back},
    )
    assert response.status_code == 302 and response.url == back
    queue[2].refresh_from_db()
    assert (queue[2].status, queue[2].comment, queue[2].reviewed_by) == (
        EvidenceStatus.RETURNED,
        "Falta la firma",
        reviewer,
    )
    page = client.get("/evidencias/", {"status": "returned"}).content.decode()
    assert "Falta la firma" in page and reviewer.get_full_name() in page


def test_a_return_without_a_comment_is_refused_and_a_foreign_next_is_ignored(
    client, reviewer, queue
):
    client.force_login(reviewer)
    response = client.post(
        reverse("incentives:evidence_review", args=[queue[1].pk]),
        {"decision": "return", "next": "https://example.com/"},
        follow=True,
    )
    assert response.redirect_chain[-1][0] == reverse("incentives:evidence", args=[LUCMA])
    assert "indique qué debe corregirse" in response.content.decode()
    queue[1].refresh_from_db()
    assert queue[1].status == EvidenceStatus.SUBMITTED


def test_evidence_already_reviewed_is_not_reviewed_again(client, reviewer, queue):
    client.force_login(reviewer)
    response = client.post(
        reverse("incentives:evidence_review", args=[queue[0].pk]),
        {"decision": "return", "comment": "Otra vez"},
        follow=True,
    )
    assert "Esta evidencia ya fue revisada." in response.content.decode()
    queue[0].refresh_from_db()
    assert queue[0].status == EvidenceStatus.APPROVED


def test_the_atm_sees_the_reviewers_comment_name_and_date_on_its_evidence_page(
    client, staff_a, reviewer, queue
):
    client.force_login(reviewer)
    client.post(
        reverse("incentives:evidence_review", args=[queue[2].pk]),
        {"decision": "return", "comment": "Falta la firma"},
    )
    reviewer.first_name, reviewer.last_name = "Rosa", "Quispe"
    reviewer.save()
    client.force_login(staff_a)
    page = client.get(f"/distritos/{CASCAS}/evidencias/").content.decode()
    assert "Observada" in page and "Falta la firma" in page and "Rosa Quispe, el " in page


def test_the_export_has_the_filtered_queue(client, reviewer, queue):
    client.force_login(reviewer)
    response = client.get("/evidencias/exportar.csv", {"status": "submitted"})
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    assert "O.M. 2 la más antigua" in body and "O.M. 1 aprobada" not in body
    assert body.index("O.M. 2") < body.index("O.M. 3")


def test_the_api_lists_evidence_with_its_review_for_reviewers_and_own_staff(
    reviewer, staff_a, queue
):
    rows = api_client_for(reviewer).get("/api/v1/evidence/").json()["results"]
    assert [r["number"] for r in rows] == [
        "O.M. 2 la más antigua",
        "O.M. 3 la más reciente",
        "O.M. 1 aprobada",
    ]
    assert set(rows[0]) >= {
        "id",
        "district",
        "requirement",
        "number",
        "issued_on",
        "status",
        "submitted_at",
        "reviewed_at",
        "reviewer_name",
        "comment",
        "file_url",
    }
    assert rows[0]["file_url"].endswith(f"/evidencias/{queue[1].pk}/archivo/")
    own = api_client_for(staff_a).get("/api/v1/evidence/", {"ordering": "-submitted_at"}).json()
    assert [r["district"] for r in own["results"]] == [CASCAS, CASCAS]
    assert own["results"][0]["number"] == "O.M. 3 la más reciente"
    filtered = api_client_for(reviewer).get(
        "/api/v1/evidence/", {"status": "approved", "goal": "2015-M11", "department": "13"}
    )
    assert [r["number"] for r in filtered.json()["results"]] == ["O.M. 1 aprobada"]
    assert api_client_for(reviewer).get("/api/v1/evidence/", {"goal": "M1"}).status_code == 400


def test_the_api_approves_and_returns_through_the_same_rules(reviewer, staff_a, queue):
    api = api_client_for(reviewer)
    refused = api.post(f"/api/v1/evidence/{queue[1].pk}/return/", {"comment": " "}, format="json")
    assert refused.status_code == 400 and "comment" in refused.json()
    done = api.post(f"/api/v1/evidence/{queue[1].pk}/approve/", {}, format="json")
    assert done.status_code == 200
    assert (done.json()["status"], done.json()["reviewer_name"]) == (
        "approved",
        reviewer.get_full_name(),
    )
    again = api.post(f"/api/v1/evidence/{queue[1].pk}/return/", {"comment": "x"}, format="json")
    assert again.status_code == 400
    own = api_client_for(staff_a).post(f"/api/v1/evidence/{queue[2].pk}/approve/", {})
    assert own.status_code == 403
