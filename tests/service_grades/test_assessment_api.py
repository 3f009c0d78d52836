"""`/api/v1/assessments/`: the page's rules through the API (staff of the district write,
reviewers read, another district's objects are 404 or refused, Spanish 400s)."""

from service_grades.models import ServiceAssessment
from tests.conftest import api_client_for
from visits import services as visit_services

from .conftest import GOOD


def body(v, system, **change):
    return {"visit": v.pk, "water_system": system.pk, **GOOD, **change}


def test_staff_record_read_and_edit_an_assessment(staff_a, graded):
    api = api_client_for(staff_a)
    created = api.post("/api/v1/assessments/", body(graded["visit"], graded["bajo"]), format="json")
    assert created.status_code == 201, created.content
    data = created.json()
    assert (data["created_by"], data["visit_voided"], data["treatment"]) == (
        "staff.cascas",
        False,
        "not_applicable",
    )
    graded["bajo"].refresh_from_db()
    # Perfect pipes and hours, but no network chlorine reading: 0.65, C.
    assert (graded["bajo"].grade, str(graded["bajo"].score)) == ("C", "0.650")
    patched = api.patch(f"/api/v1/assessments/{data['id']}/", {"hours_dry": 2}, format="json")
    assert patched.status_code == 200 and patched.json()["hours_dry"] == 2
    listed = api.get("/api/v1/assessments/", {"visit": graded["visit"].pk}).json()
    assert listed["count"] == 2


def test_bad_input_is_a_spanish_400_and_writes_nothing(staff_a, graded):
    api = api_client_for(staff_a)
    v, bajo = graded["visit"], graded["bajo"]
    cases = [
        (body(v, bajo, hours_rainy=25), "hours_rainy"),
        (body(v, bajo, associates_paid=500), "associates_paid"),
        (body(v, graded["alto"]), "non_field_errors"),  # already assessed at this visit
        (body(v, bajo, storage="\x00"), "storage"),
    ]
    for payload, field in cases:
        response = api.post("/api/v1/assessments/", payload, format="json")
        assert response.status_code == 400, payload
        assert field in response.json(), response.json()
    duplicate = api.post("/api/v1/assessments/", body(v, graded["alto"]), format="json").json()
    assert "ya tiene una evaluación" in duplicate["non_field_errors"][0]
    assert ServiceAssessment.objects.count() == 1


def test_a_voided_visit_takes_no_assessment_and_leaves_the_list(staff_a, graded):
    api = api_client_for(staff_a)
    visit_services.visit_void(user=staff_a, visit=graded["visit"], reason="Duplicada")
    refused = api.post("/api/v1/assessments/", body(graded["visit"], graded["bajo"]), format="json")
    assert refused.status_code == 400
    pk = graded["assessment"].pk
    assert api.get("/api/v1/assessments/").json()["count"] == 0
    assert api.get(f"/api/v1/assessments/{pk}/").json()["visit_voided"] is True
    assert (
        api.patch(f"/api/v1/assessments/{pk}/", {"hours_dry": 1}, format="json").status_code == 400
    )


def test_reviewers_read_and_other_districts_cannot_reach(staff_b, reviewer, graded, lucma_jass):
    pk = graded["assessment"].pk
    rev = api_client_for(reviewer)
    assert rev.get(f"/api/v1/assessments/{pk}/").status_code == 200
    assert (
        rev.post(
            "/api/v1/assessments/", body(graded["visit"], graded["bajo"]), format="json"
        ).status_code
        == 403
    )
    other = api_client_for(staff_b)
    assert other.get(f"/api/v1/assessments/{pk}/").status_code == 404
    assert other.get("/api/v1/assessments/").json()["count"] == 0
    # Another district's visit and system do not exist for them.
    response = other.post(
        "/api/v1/assessments/", body(graded["visit"], graded["bajo"]), format="json"
    )
    assert response.status_code == 400 and {"visit", "water_system"} <= set(response.json())
    # Their own visit with Cascas's system: refused too.
    _jass, _system, lucma_visit = lucma_jass
    response = other.post("/api/v1/assessments/", body(lucma_visit, graded["bajo"]), format="json")
    assert response.status_code == 400 and "water_system" in response.json()
    assert ServiceAssessment.objects.count() == 1
