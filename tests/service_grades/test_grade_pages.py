"""Grades where people read them: the JASS and water-system pages say why (components in
Spanish, percent and weights), lists and API rows carry grade and score (null when never
assessed), filter and sort by grade, and the district API counts its active systems by grade."""

import pytest
from django.urls import reverse

from service_grades.models import ServiceScore
from tests.conftest import CASCAS, api_client_for
from tests.factories import JassFactory, WaterSystemFactory


def test_the_jass_page_shows_its_grade_and_components(client, staff_a, graded):
    jass = graded["jass"]
    client.force_login(staff_a)
    page = client.get(reverse("jass_registry:detail", args=[jass.pk])).content.decode()
    assert reverse("service_grades:jass", args=[jass.pk]) in page  # loaded with htmx
    assert reverse("service_grades:system", args=[graded["alto"].pk]) in page
    fragment = client.get(
        reverse("service_grades:jass", args=[jass.pk]), HTTP_HX_REQUEST="true"
    ).content.decode()
    assert "<html" not in fragment
    assert "grade-A" in fragment
    for words in (
        "Servicio de sus sistemas de agua",
        "Asociados al día en su cuota",
        "120 de 120 asociados al día",
        "Consejo directivo vigente",
        "Consejo directivo capacitado",
        "Cuentas revisadas en los últimos 12 meses",
        "50 %",  # the systems' weight
        "15 %",  # the associates' weight
        "100 %",
    ):
        assert words in fragment, words
    # The never-assessed system is listed without a grade.
    assert "Gravedad Bajo" in fragment and "Sin evaluar" in fragment


def test_the_water_system_page_says_why(client, reviewer, graded):
    client.force_login(reviewer)
    page = client.get(reverse("service_grades:system", args=[graded["alto"].pk])).content.decode()
    for words in (
        "Infraestructura (estado de sus componentes)",
        "Fuente y captación: Bueno",
        "Tratamiento: No aplica",
        "24 h en época seca, 24 h en época de lluvias",
        "0.60 mg/L en la red",
        "35 %",
        "30 %",
        "1.000",
    ):
        assert words in page, words
    never = client.get(reverse("service_grades:system", args=[graded["bajo"].pk])).content.decode()
    assert "nunca fue evaluado" in never


def test_jass_list_page_filters_and_sorts_by_grade(client, staff_a, graded):
    JassFactory(district_id=CASCAS, name="JASS Nunca Evaluada")
    client.force_login(staff_a)
    url = reverse("jass_registry:list", args=[CASCAS])
    names = lambda r: [j.name for j in r.context["page"]]  # noqa: E731
    assert names(client.get(url, {"grade": "A"})) == ["JASS Santa Rosa"]
    assert names(client.get(url, {"grade": "none"})) == ["JASS Nunca Evaluada"]
    assert names(client.get(url, {"ordering": "grade"})) == [
        "JASS Santa Rosa",
        "JASS Nunca Evaluada",
    ]
    assert client.get(url, {"grade": "E"}).context["form"].errors
    export = client.get(reverse("jass_registry:export", args=[CASCAS, "csv"]), {"grade": "A"})
    body = b"".join(export.streaming_content).decode("utf-8-sig")
    assert "Nivel de servicio" in body and ",A," in body


def test_api_rows_carry_grade_and_score_and_filter_by_grade(staff_a, graded):
    JassFactory(district_id=CASCAS, name="JASS Nunca Evaluada")
    api = api_client_for(staff_a)
    rows = {r["name"]: r for r in api.get("/api/v1/jass/").json()["results"]}
    assert rows["JASS Santa Rosa"]["grade"] == "A"
    assert rows["JASS Santa Rosa"]["score"] == "1.000"
    assert rows["JASS Nunca Evaluada"]["grade"] is None
    assert rows["JASS Nunca Evaluada"]["score"] is None
    only = api.get("/api/v1/jass/", {"grade": "none"}).json()["results"]
    assert [r["name"] for r in only] == ["JASS Nunca Evaluada"]
    assert api.get("/api/v1/jass/", {"grade": "Z"}).status_code == 400
    # Never assessed last, whichever the direction (PostgreSQL would put NULL first).
    for ordering in ("-score", "score", "grade", "-grade"):
        ordered = api.get("/api/v1/jass/", {"ordering": ordering}).json()["results"]
        assert ordered[-1]["name"] == "JASS Nunca Evaluada", ordering
    systems = {r["name"]: r for r in api.get("/api/v1/water-systems/").json()["results"]}
    assert (systems["Gravedad Alto"]["grade"], systems["Gravedad Alto"]["score"]) == ("A", "1.000")
    assert systems["Gravedad Bajo"]["grade"] is None
    graded_only = api.get("/api/v1/water-systems/", {"grade": "A"}).json()["results"]
    assert [r["name"] for r in graded_only] == ["Gravedad Alto"]


def test_grade_and_score_are_not_written_through_the_api(staff_a, graded):
    api = api_client_for(staff_a)
    bajo = graded["bajo"]
    response = api.patch(f"/api/v1/water-systems/{bajo.pk}/", {"grade": "A"}, format="json")
    assert response.status_code == 200
    bajo.refresh_from_db()
    assert bajo.grade is None


def test_district_detail_counts_active_systems_by_grade(staff_a, graded):
    WaterSystemFactory(jass=graded["jass"], name="Retirado", retired_on="2020-01-01")
    dissolved = JassFactory(district_id=CASCAS, status="dissolved")
    WaterSystemFactory(jass=dissolved)
    grades = api_client_for(staff_a).get(f"/api/v1/districts/{CASCAS}/").json()["grades"]
    assert grades == {"A": 1, "B": 0, "C": 0, "D": 0, "none": 1}


def test_district_grades_page_lists_filters_and_exports(client, staff_a, graded):
    client.force_login(staff_a)
    url = reverse("service_grades:district", args=[CASCAS])
    page = client.get(url, {"grade": "none"})
    assert [s.name for s in page.context["page"]] == ["Gravedad Bajo"]
    assert page.context["systems"] == {"A": 1, "B": 0, "C": 0, "D": 0, "none": 1}
    worst_first = client.get(url, {"ordering": "-grade"}).context["page"]
    assert [s.name for s in worst_first] == ["Gravedad Alto", "Gravedad Bajo"]  # none last
    export = client.get(reverse("service_grades:district_export", args=[CASCAS, "csv"]))
    body = b"".join(export.streaming_content).decode("utf-8-sig")
    assert "Gravedad Alto" in body and "Sin evaluar" in body and "1.000" in body


@pytest.mark.parametrize("bad", ["\x00", "A" * 101])
def test_district_grades_page_refuses_bad_filters_without_500(client, staff_a, graded, bad):
    client.force_login(staff_a)
    response = client.get(reverse("service_grades:district", args=[CASCAS]), {"q": bad})
    assert response.status_code == 200 and response.context["form"].errors


def test_other_districts_get_404_for_every_grade_page(client, staff_b, graded):
    client.force_login(staff_b)
    for url in (
        reverse("service_grades:jass", args=[graded["jass"].pk]),
        reverse("service_grades:system", args=[graded["alto"].pk]),
        reverse("service_grades:visit", args=[graded["visit"].pk]),
        reverse("service_grades:district", args=[CASCAS]),
    ):
        assert client.get(url).status_code == 404, url
    api = api_client_for(staff_b)
    assert api.get(f"/api/v1/assessments/{graded['assessment'].pk}/").status_code == 404


def test_scores_are_kept_per_quarter_with_their_components(graded):
    row = ServiceScore.objects.get(subject="system", water_system=graded["alto"])
    assert row.quarter.day == 1 and row.quarter.month in (1, 4, 7, 10)
    assert row.components["water_quality"] == {
        "value": 1.0,
        "weight": 0.35,
        "network_on": graded["visit"].date.isoformat(),
        "network_mg_l": "0.60",
    }
