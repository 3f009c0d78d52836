"""The grade pages and lists read a constant number of queries, however many systems,
assessments or JASS (the same 1-vs-50 check as tests/test_query_counts.py)."""

from service_grades.grading import compute_scores
from service_grades.models import quarter_of
from tests.conftest import CASCAS, api_client_for
from tests.factories import JassFactory, ServiceAssessmentFactory, VisitFactory, WaterSystemFactory
from tests.test_query_counts import count_queries

from .conftest import TODAY


def assessed_systems(n: int, staff, jass=None) -> None:
    """n assessed water systems of Cascas (each JASS with one visit), graded."""
    for _ in range(n):
        owner = jass or JassFactory(district_id=CASCAS)
        visit = VisitFactory(jass=owner, staff=staff)
        ServiceAssessmentFactory(
            visit=visit, water_system=WaterSystemFactory(jass=owner), created_by=staff
        )
    compute_scores(quarter_of(TODAY))


def test_district_grades_page(client, staff_a):
    client.force_login(staff_a)
    url = f"/distritos/{CASCAS}/niveles-de-servicio/"
    assessed_systems(1, staff_a)
    one = count_queries(lambda: client.get(url, {"ordering": "-grade", "grade": "C"}))
    assessed_systems(49, staff_a)
    fifty = count_queries(lambda: client.get(url, {"ordering": "-grade", "grade": "C"}))
    # session, user, the district, COUNT for the paginator, the page of systems with their
    # JASS, the systems' and the JASS' grade counts, the session's idle-timeout refresh
    assert one == fifty == 8


def test_district_grades_export(client, staff_a):
    client.force_login(staff_a)
    url = f"/distritos/{CASCAS}/niveles-de-servicio/exportar.csv"
    assessed_systems(1, staff_a)
    one = count_queries(lambda: client.get(url))
    assessed_systems(49, staff_a)
    assert count_queries(lambda: client.get(url)) == one


def test_assessments_endpoint(staff_a, reviewer):
    api = api_client_for(reviewer)
    assessed_systems(1, staff_a)
    one = count_queries(lambda: api.get("/api/v1/assessments/"))
    assessed_systems(49, staff_a)
    fifty = count_queries(lambda: api.get("/api/v1/assessments/"))
    # token+user, COUNT, the page with visits and their JASS and authors
    assert one == fifty == 3


def test_jass_service_fragment_and_system_page(client, staff_a):
    client.force_login(staff_a)
    jass = JassFactory(district_id=CASCAS)
    assessed_systems(1, staff_a, jass=jass)
    fragment = f"/jass/{jass.pk}/servicio/"
    one = count_queries(lambda: client.get(fragment, HTTP_HX_REQUEST="true"))
    assessed_systems(29, staff_a, jass=jass)
    assert count_queries(lambda: client.get(fragment, HTTP_HX_REQUEST="true")) == one
    system = jass.water_systems.first()
    page = f"/sistemas/{system.pk}/servicio/"
    one = count_queries(lambda: client.get(page))
    for _ in range(20):
        ServiceAssessmentFactory(
            visit=VisitFactory(jass=jass, staff=staff_a), water_system=system, created_by=staff_a
        )
    assert count_queries(lambda: client.get(page)) == one


def test_jass_list_endpoint_with_grade_filter(staff_a):
    api = api_client_for(staff_a)
    assessed_systems(1, staff_a)
    one = count_queries(lambda: api.get("/api/v1/jass/", {"grade": "C"}))
    assessed_systems(49, staff_a)
    assert count_queries(lambda: api.get("/api/v1/jass/", {"grade": "C"})) == one
