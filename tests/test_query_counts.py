"""List pages and list endpoints read a constant number of queries, however many rows."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from territory.models import DistrictCategory
from tests.conftest import api_client_for
from tests.factories import JassFactory


def count_queries(call) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = call()
        if hasattr(response, "streaming_content"):
            b"".join(response.streaming_content)
    assert response.status_code == 200
    # ATOMIC_REQUESTS wraps each request in a savepoint here (the test runs in a transaction):
    # those markers are not queries that rows could multiply. Neither is the API token's
    # last-use stamp, written on a token's first request and then at most once a minute.
    return sum(
        1
        for q in ctx.captured_queries
        if not q["sql"].startswith(("SAVEPOINT", "RELEASE"))
        and not q["sql"].startswith('UPDATE "territory_apitoken" SET "last_used"')
    )


@pytest.fixture
def registry_rows():
    """n JASS in each Gran Chimú district and a category per district."""

    def make(n: int):
        for ubigeo in ("131101", "131102", "131103", "131104"):
            DistrictCategory.objects.get_or_create(
                district_id=ubigeo, year=2017, defaults={"category": "C"}
            )
            JassFactory.create_batch(n, district_id=ubigeo)

    return make


def test_district_list_page(client, reviewer, registry_rows):
    client.force_login(reviewer)
    registry_rows(1)
    one = count_queries(lambda: client.get("/distritos/", {"q": "cascas"}))
    registry_rows(49)
    fifty = count_queries(lambda: client.get("/distritos/", {"department": "13"}))
    # session, user, MAX(category year), COUNT for the paginator, the page of districts
    # (place, category and JASS counts in one statement), departments for the filter,
    # the session's idle-timeout refresh (UPDATE), and with a department chosen, its provinces
    # for the second <select>.
    assert one == 7
    assert fifty == one + 1  # the province <select> appears only with a department
    assert (
        count_queries(lambda: client.get("/distritos/", {"department": "13", "page": "2"})) == fifty
    )


def test_district_export(client, reviewer, registry_rows):
    client.force_login(reviewer)
    registry_rows(1)
    one = count_queries(lambda: client.get("/distritos/exportar.csv", {"q": "cascas"}))
    registry_rows(49)
    many = count_queries(lambda: client.get("/distritos/exportar.csv"))
    # session, user, MAX(category year), the session's idle-timeout refresh (UPDATE), the
    # districts (one statement, streamed in chunks of 500 rows)
    assert one == many == 5


def test_district_list_endpoint(reviewer, registry_rows):
    api = api_client_for(reviewer)
    registry_rows(1)
    one = count_queries(lambda: api.get("/api/v1/districts/", {"page_size": 1}))
    registry_rows(49)
    fifty = count_queries(lambda: api.get("/api/v1/districts/", {"page_size": 50}))
    five_hundred = count_queries(lambda: api.get("/api/v1/districts/", {"page_size": 500}))
    # token+user, MAX(category year), COUNT for pagination, the page (one statement)
    assert one == fifty == five_hundred == 4


def test_district_detail_endpoint(staff_a, registry_rows):
    api = api_client_for(staff_a)
    registry_rows(1)
    one = count_queries(lambda: api.get("/api/v1/districts/131101/"))
    registry_rows(49)
    fifty = count_queries(lambda: api.get("/api/v1/districts/131101/"))
    # token+user, MAX(category year), the district, the office, its budgets,
    # the JASS aggregate, the water-system aggregate, the latest result of each goal,
    # the coverage (one GROUP BY over the district's rural centres), the grades (one aggregate
    # over the active water systems' grade)
    assert one == fifty == 10


@pytest.fixture
def cascas_jass():
    """n JASS in Cascas, each with a current board of five and a water system."""
    import datetime as dt

    from tests.factories import BoardMemberFactory, BoardTermFactory, WaterSystemFactory

    def make(n: int):
        for _ in range(n):
            jass = JassFactory(district_id="131101")
            term = BoardTermFactory(
                jass=jass, starts_on=dt.date(2026, 1, 1), ends_on=dt.date(2027, 12, 31)
            )
            BoardMemberFactory(term=term)
            WaterSystemFactory(jass=jass)

    return make


def test_jass_list_page(client, staff_a, cascas_jass):
    client.force_login(staff_a)
    cascas_jass(1)
    one = count_queries(lambda: client.get("/distritos/131101/jass/"))
    cascas_jass(49)
    fifty = count_queries(lambda: client.get("/distritos/131101/jass/"))
    # session, user, district (with place), COUNT for the paginator, the page of JASS with their
    # risk signals (board dates as subqueries of the same statement), session refresh
    assert one == fifty == 6


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_jass_export(client, staff_a, cascas_jass, fmt):
    client.force_login(staff_a)
    cascas_jass(1)
    one = count_queries(lambda: client.get(f"/distritos/131101/jass/exportar.{fmt}"))
    cascas_jass(49)
    fifty = count_queries(lambda: client.get(f"/distritos/131101/jass/exportar.{fmt}"))
    # session, user, district, session refresh, the JASS with their signals (one statement)
    assert one == fifty == 5


def test_jass_list_endpoint(staff_a, reviewer, cascas_jass):
    api = api_client_for(reviewer)
    cascas_jass(1)
    one = count_queries(lambda: api.get("/api/v1/jass/", {"page_size": 50}))
    cascas_jass(49)
    fifty = count_queries(lambda: api.get("/api/v1/jass/", {"page_size": 50}))
    five_hundred = count_queries(lambda: api.get("/api/v1/jass/", {"page_size": 500}))
    # token+user, COUNT, the page with signals
    assert one == fifty == five_hundred == 3


@pytest.mark.parametrize("path", ["/api/v1/board-terms/", "/api/v1/water-systems/"])
def test_board_and_water_system_endpoints(staff_a, cascas_jass, path):
    api = api_client_for(staff_a)
    cascas_jass(1)
    one = count_queries(lambda: api.get(path))
    cascas_jass(49)
    fifty = count_queries(lambda: api.get(path))
    # token+user, COUNT, the page (+ members of the page's terms, one prefetch)
    assert one == fifty


@pytest.fixture
def cascas_visits(staff_a):
    """n visits in Cascas, each with two readings and an agreement."""
    import datetime as dt

    from tests.factories import WaterSystemFactory
    from visits.services import visit_record

    def make(n: int):
        for i in range(n):
            jass = JassFactory(district_id="131101")
            system = WaterSystemFactory(jass=jass)
            visit_record(
                user=staff_a,
                jass=jass,
                data={"date": dt.date(2026, 1, 1) + dt.timedelta(days=i % 200), "kind": "training"},
                readings=[
                    {"water_system": system.pk, "point": "reservoir", "mg_per_l": "0.6"},
                    {"water_system": system.pk, "point": "last_house", "mg_per_l": "0.3"},
                ],
                agreements=[{"task": "t", "responsible": "r", "due_on": dt.date(2026, 12, 1)}],
            )

    return make


@pytest.mark.parametrize(
    "path",
    [
        "/distritos/131101/visitas/",
        "/distritos/131101/visitas/exportar.csv",
        "/distritos/131101/acuerdos/",
        "/distritos/131101/",
    ],
)
def test_visit_pages(client, staff_a, cascas_visits, path):
    client.force_login(staff_a)
    cascas_visits(1)
    one = count_queries(lambda: client.get(path))
    cascas_visits(49)
    fifty = count_queries(lambda: client.get(path))
    # Visits list: session, user, district, the staff <select> and the JASS <select> of the
    # filter form, COUNT, the page's ids (index-only), its rows (JASS and staff joined, counts
    # by subquery), session refresh.
    # Agreements: session, user, district, COUNT, the page (visit and JASS joined), refresh.
    # District home: session, user, district, office, JASS counts, the two indicator
    # aggregates, the at-risk list (signals in the same statement), refresh.
    assert one == fifty


def test_visit_list_endpoint(reviewer, cascas_visits):
    api = api_client_for(reviewer)
    cascas_visits(1)
    one = count_queries(lambda: api.get("/api/v1/visits/"))
    cascas_visits(49)
    fifty = count_queries(lambda: api.get("/api/v1/visits/"))
    # token+user, COUNT, the page (staff joined), readings of the page, agreements of the page
    assert one == fifty == 5


@pytest.fixture
def goal_run():
    """An official 2017-M35 run over n districts of La Libertad."""
    import datetime as dt

    from incentives import services
    from incentives.models import EvaluationRun, Goal
    from territory.models import District

    def make(n: int):
        DistrictCategory.objects.filter(year=2017).delete()
        for ubigeo in (
            District.objects.filter(department_id="13")
            .order_by("pk")
            .values_list("pk", flat=True)[:n]
        ):
            DistrictCategory.objects.create(district_id=ubigeo, year=2017, category="C")
        run = EvaluationRun.objects.create(
            goal=Goal.objects.get(code="2017-M35"), cutoff=dt.date(2026, 11, 20), kind="official"
        )
        for chunk in services.run_split(run.pk):
            services.chunk_evaluate(run.pk, chunk)
        return run

    return make


@pytest.mark.parametrize("where", ["api", "page", "goal", "export"])
def test_goal_results(client, reviewer, goal_run, where):
    api = api_client_for(reviewer)
    client.force_login(reviewer)

    def call(run):
        if where == "api":
            return lambda: api.get(f"/api/v1/runs/{run.pk}/results/", {"page_size": 50})
        if where == "page":
            return lambda: client.get(f"/evaluaciones/{run.pk}/")
        if where == "export":
            return lambda: client.get(f"/evaluaciones/{run.pk}/exportar.csv")
        return lambda: client.get("/metas/2017-M35/")

    one = count_queries(call(goal_run(1)))
    fifty = count_queries(call(goal_run(50)))
    # API: token+user, the run, COUNT, the page of results, their requirement results.
    # Run page: session, user, the run, departments, COUNT, the page (district, province and
    # department joined), session refresh. Goal page: session, user, the goal, its
    # requirements, the latest run, the results by department, the recent runs, refresh.
    assert one == fifty


@pytest.fixture
def evidence_rows(staff_a, staff_b):
    """n evidence items in Cascas and n in Lucma, half of them reviewed."""
    import datetime as dt

    from incentives.models import Evidence, Goal

    requirement = Goal.objects.get(code="2015-M11").requirements.get(code="1")

    def make(n: int, reviewer):
        for district, user in (("131101", staff_a), ("131102", staff_b)):
            for i in range(n):
                Evidence.objects.create(
                    district_id=district,
                    requirement=requirement,
                    doc_type="ordinance_atm",
                    number=f"O.M. {i}",
                    issued_on=dt.date(2015, 6, 18),
                    file="evidence/x.pdf",
                    uploaded_by=user,
                    status="approved" if i % 2 else "submitted",
                    reviewed_by=reviewer if i % 2 else None,
                )

    return make


def test_evidence_queue_page_and_export(client, reviewer, evidence_rows):
    client.force_login(reviewer)
    evidence_rows(1, reviewer)
    one = count_queries(lambda: client.get("/evidencias/", {"department": "13"}))
    evidence_rows(30, reviewer)
    many = count_queries(lambda: client.get("/evidencias/", {"department": "13"}))
    # session, user, the counts per status (one GROUP BY), COUNT for the paginator, the page
    # (district, department, goal, requirement and reviewer joined), departments and goals for
    # the filters, the session's idle-timeout refresh (UPDATE)
    assert one == many == 8
    # session, user, the rows (streamed), the session's refresh, and the counts the export
    # shares with the page
    assert count_queries(lambda: client.get("/evidencias/exportar.csv")) == 5


def test_evidence_and_notification_endpoints(staff_a, reviewer, evidence_rows):
    api = api_client_for(reviewer)
    evidence_rows(1, reviewer)
    one = count_queries(lambda: api.get("/api/v1/evidence/", {"page_size": 50}))
    evidence_rows(30, reviewer)
    many = count_queries(lambda: api.get("/api/v1/evidence/", {"page_size": 50}))
    # token+user, COUNT for pagination, the page (requirement, goal and reviewer joined)
    assert one == many == 3
    # token+user, COUNT, the page
    assert count_queries(lambda: api_client_for(staff_a).get("/api/v1/notifications/")) == 3


OVERVIEW_CALLS = {
    # token+user, the goal, the latest finished run, the figures (one GROUP BY department)
    "summary": (lambda run: ("api", "/api/v1/goals/2017-M35/summary/", {}), 4),
    # token+user, the goal, the run, the figures (GROUP BY province), the department exists
    "summary_province": (
        lambda run: ("api", "/api/v1/goals/2017-M35/summary/", {"run": run.pk, "department": "13"}),
        5,
    ),
    # session, user, the goal, the latest finished run, the figures, the session refresh
    "export": (lambda run: ("page", "/metas/2017-M35/exportar.csv", {}), 6),
    # session, user, the goal, its requirements, the latest finished run, the figures, the
    # departments for the filter, the recent runs, the session refresh
    "goal_page": (lambda run: ("page", "/metas/2017-M35/", {}), 9),
    # session, user, the goals with their latest finished run, the categories in scope, the
    # results per run and category, the session refresh
    "goal_list": (lambda run: ("page", "/metas/", {}), 6),
    # session, user, the run, the figures, the session refresh
    "run_progress": (lambda run: ("page", f"/evaluaciones/{run.pk}/progreso/", {}), 5),
}


@pytest.mark.parametrize("where", OVERVIEW_CALLS)
def test_goal_overview(client, reviewer, goal_run, where):
    """The goal's figures are aggregate SQL: the same queries for 1 district in scope as for 50."""
    api = api_client_for(reviewer)
    client.force_login(reviewer)
    request, expected = OVERVIEW_CALLS[where]

    def call(run):
        door, path, query = request(run)
        return lambda: (api if door == "api" else client).get(path, query)

    one = count_queries(call(goal_run(1)))
    fifty = count_queries(call(goal_run(50)))
    assert (one, fifty) == (expected, expected)


@pytest.fixture
def cascas_centres():
    """n rural centres in Cascas, every other one (the first not) served by its own JASS and
    water system."""
    from tests.factories import CentreServiceFactory, PopulatedCentreFactory, WaterSystemFactory

    def make(n: int):
        for i in range(n):
            centre = PopulatedCentreFactory(district_id="131101", households=20 + i)
            if i % 2 == 1:
                system = WaterSystemFactory(jass=JassFactory(district_id="131101"))
                CentreServiceFactory(
                    centre=centre, jass=system.jass, water_system=system, households_served=15
                )

    return make


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("/distritos/131101/centros-poblados/?ordering=-households", 8),
        ("/distritos/131101/centros-poblados/?served=false&area=rural&q=caserio", 8),
        ("/distritos/131101/centros-poblados/sin-servicio/", 7),
        ("/distritos/131101/centros-poblados/exportar.csv", 6),
        ("/distritos/131101/centros-poblados/exportar.xlsx", 6),
    ],
)
def test_centre_pages(client, staff_a, cascas_centres, path, expected):
    client.force_login(staff_a)
    cascas_centres(1)
    one = count_queries(lambda: client.get(path))
    cascas_centres(49)
    fifty = count_queries(lambda: client.get(path))
    # session, user, the district (place), the session's refresh; the list page: COUNT, the
    # page, its open services (with JASS and system) and the coverage; the export: the rows
    # and their open services per chunk of 1,000; the centres without service: COUNT, the
    # page and the coverage.
    assert one == fifty == expected


def test_centre_detail_page(client, staff_a, cascas_centres):
    from communities.models import PopulatedCentre

    client.force_login(staff_a)
    cascas_centres(1)
    centre = PopulatedCentre.objects.get()
    one = count_queries(lambda: client.get(f"/centros-poblados/{centre.code}/"))
    cascas_centres(49)
    fifty = count_queries(lambda: client.get(f"/centros-poblados/{centre.code}/"))
    # session, user, the centre (district, place), its services (JASS, system), its history,
    # the session's refresh; the service form's JASS and water systems <select>s (one query
    # each, whose options grow, not the queries)
    assert one == fifty == 8


def test_populated_centre_endpoint(staff_a, reviewer, cascas_centres):
    from communities.models import PopulatedCentre

    cascas_centres(1)
    api = api_client_for(reviewer)
    code = PopulatedCentre.objects.get().code
    one = count_queries(lambda: api.get("/api/v1/populated-centres/", {"district": "131101"}))
    detail = count_queries(lambda: api.get(f"/api/v1/populated-centres/{code}/"))
    cascas_centres(49)
    fifty = count_queries(lambda: api.get("/api/v1/populated-centres/", {"served": "true"}))
    # token+user, COUNT, the page, its open services (one prefetch); the detail: token+user,
    # the centre, its open services
    assert one == fifty == 4
    assert detail == 3


@pytest.mark.parametrize(
    ("who", "path", "expected"),
    [
        ("staff", "/distritos/131101/todos-por-siempre/", 12),
        ("staff", "/distritos/131101/", None),  # the district page: its own count elsewhere
        ("reviewer", "/todos-por-siempre/", 12),
        ("reviewer", "/todos-por-siempre/?department=13", 14),
    ],
)
def test_everyone_forever_pages(client, staff_a, reviewer, cascas_centres, who, path, expected):
    from communities.coverage import coverage_snapshot

    client.force_login(staff_a if who == "staff" else reviewer)
    cascas_centres(1)
    coverage_snapshot(dt.date(2026, 3, 31), today=dt.date(2026, 11, 1))
    coverage_snapshot(timezone.localdate())  # the nightly snapshot of the running quarter
    one = count_queries(lambda: client.get(path))
    cascas_centres(49)
    coverage_snapshot(dt.date(2026, 6, 30), today=dt.date(2026, 11, 1))
    coverage_snapshot(timezone.localdate())
    fifty = count_queries(lambda: client.get(path))
    # Everyone Forever, district (ato/everyone_forever.district_view): the coverage, the
    # stored quarters, systems and JASS by grade, the worst systems and JASS, the centres
    # without service and their count; nationally: the districts' places, the area names,
    # the coverage stored for the latest quarter (a district without a row of it would add
    # its live read), the gaps, systems and JASS by grade, the stored quarters, the lowest
    # districts; plus session, user and the session's refresh.
    assert one == fifty
    if expected is not None:
        assert one == expected


# --- field work (issue 13): the offline app's district data -------------------------------------


def test_field_district_data(client, staff_a):
    from tests.factories import WaterSystemFactory

    client.force_login(staff_a)
    WaterSystemFactory(jass=JassFactory(district_id="131101"))
    one = count_queries(lambda: client.get("/campo/datos.json"))
    for jass in JassFactory.create_batch(49, district_id="131101"):
        WaterSystemFactory.create_batch(2, jass=jass)
    fifty = count_queries(lambda: client.get("/campo/datos.json"))
    # session, user, the district, its JASS, their systems, its staff, the session's refresh
    assert one == fifty == 7


# --- field work (issue 13): the district map ---------------------------------------------------


def test_district_map_data_and_page(client, staff_a):
    from decimal import Decimal

    from tests.factories import WaterSystemFactory

    point = {"latitude": Decimal("-7.48"), "longitude": Decimal("-78.82")}
    client.force_login(staff_a)

    def add(n):
        for jass in JassFactory.create_batch(n, district_id="131101", **point):
            WaterSystemFactory(jass=jass, **point)
            WaterSystemFactory(jass=jass)  # listed as without coordinates
        JassFactory.create_batch(n, district_id="131101")  # listed as without coordinates

    add(1)
    data_one = count_queries(lambda: client.get("/distritos/131101/mapa.json"))
    page_one = count_queries(lambda: client.get("/distritos/131101/mapa/"))
    add(49)
    data_fifty = count_queries(lambda: client.get("/distritos/131101/mapa.json"))
    page_fifty = count_queries(lambda: client.get("/distritos/131101/mapa/"))
    # mapa.json: session, user, the district, its JASS with their signals' facts (one query),
    # its systems with their JASS, the session's refresh.
    assert data_one == data_fifty == 6
    # The page: session, user, the district, the JASS and the systems without coordinates
    # (the first 100 of each, so no count below that), the session's refresh.
    assert page_one == page_fifty == 6


# --- field work (issue 13): agreements with their follow-up notes, the visit page (H1) ---


@pytest.fixture
def noted_agreements(staff_a):
    """A visit in Cascas with n agreements, each with two follow-up notes, and n acta files."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tests.factories import WaterSystemFactory
    from visits import services
    from visits.models import Agreement, VisitAttachment

    jass = JassFactory(district_id="131101")
    WaterSystemFactory(jass=jass)
    visit = services.visit_record(
        user=staff_a, jass=jass, data={"date": dt.date(2026, 1, 5), "kind": "follow_up"}
    )

    def make(n: int):
        for i in range(n):
            agreement = Agreement.objects.create(
                visit=visit, task=f"Acuerdo {i}", responsible="Operador", due_on=dt.date(2026, 3, 1)
            )
            for text in ("Primera nota", "Segunda nota"):
                services.agreement_note_add(user=staff_a, agreement=agreement, text=text)
            photo = SimpleUploadedFile("acta.png", b"\x89PNG\r\n\x1a\n" + b"0" * 16)
            if VisitAttachment.objects.filter(visit=visit).count() < 10:
                services.attachment_add(user=staff_a, visit=visit, file=photo)
        return visit

    return make


@pytest.mark.parametrize("page", ["agreements", "visit"])
def test_agreements_with_notes(client, staff_a, noted_agreements, settings, tmp_path, page):
    settings.MEDIA_ROOT = tmp_path
    client.force_login(staff_a)
    visit = noted_agreements(1)
    path = "/distritos/131101/acuerdos/" if page == "agreements" else f"/visitas/{visit.pk}/"
    one = count_queries(lambda: client.get(path))
    noted_agreements(49)
    fifty = count_queries(lambda: client.get(path))
    # Agreements: session, user, district, COUNT, the page (visit and JASS joined), the notes
    # of the page's agreements (authors joined), session refresh. The visit page: session, user,
    # the visit, its readings, its agreements, their notes, the live actas, refresh.
    assert one == fifty


def test_visit_attachments_endpoint(staff_a, noted_agreements, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    api = api_client_for(staff_a)
    visit = noted_agreements(1)
    url = f"/api/v1/visits/{visit.pk}/attachments/"
    one = count_queries(lambda: api.get(url))
    noted_agreements(9)
    # token+user, the visit (scoped), its live actas (uploader joined)
    assert count_queries(lambda: api.get(url)) == one


# --- the agenda (issue 13 part 4) ----------------------------------------------------------------


@pytest.fixture
def cascas_schedule(staff_a):
    """n planned visits of Cascas in March 2026 (each its own JASS), assigned to staff_a, and
    in this week (so "Mi semana" lists them); a third are done (linked to a visit)."""
    from visits.schedule import scheduled_visit_create, scheduled_visit_link
    from visits.services import visit_record

    today = timezone.localdate()
    monday = today - dt.timedelta(days=today.weekday())

    def make(n: int):
        for i in range(n):
            jass = JassFactory(district_id="131101")
            scheduled_visit_create(
                user=staff_a, jass=jass, date=dt.date(2026, 3, 1 + i % 28), staff=staff_a
            )
            mine = scheduled_visit_create(
                user=staff_a, jass=jass, date=monday + dt.timedelta(days=i % 7), staff=staff_a
            )
            if i % 3 == 0:
                visit = visit_record(
                    user=staff_a,
                    jass=jass,
                    data={"date": monday - dt.timedelta(days=30), "kind": "training"},
                )
                scheduled_visit_link(user=staff_a, scheduled=mine, visit=visit)

    return make


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        # session, user, district, the staff choices of the filter, COUNT, the page (JASS,
        # staff and visit joined, the state computed in the same query), the JASS <select>,
        # session refresh
        ("/distritos/131101/agenda/", 8),
        ("/distritos/131101/agenda/?state=overdue&q=jass", 8),
        # session, user, district, the staff choices, the rows (streamed), refresh
        ("/distritos/131101/agenda/exportar.csv", 6),
        # session, user, district, the staff choices, the month's rows (joined), the JASS
        # <select>, refresh
        ("/distritos/131101/agenda/2026/3/", 7),
        # session, user, the week's rows, the earlier overdue ones (each joined), refresh
        ("/mi-semana/", 5),
        # session, user, district, the counts (one GROUP BY), the district's JASS, the form's
        # JASS <select>, refresh
        ("/distritos/131101/plan/2026/", 7),
        # session, user, district, planned and done per month (one GROUP BY), the visits
        # recorded per month (one GROUP BY), refresh
        ("/distritos/131101/plan/2026/avance/", 6),
    ],
)
def test_schedule_pages(client, staff_a, cascas_schedule, path, expected):
    client.force_login(staff_a)
    cascas_schedule(1)
    one = count_queries(lambda: client.get(path))
    cascas_schedule(49)
    fifty = count_queries(lambda: client.get(path))
    assert one == fifty == expected


# --- issue 14: activity and weekly digest ---


@pytest.fixture
def cascas_history(staff_a):
    """n writes of each source in Cascas: JASS edits, visits, centre edits, evidence events."""
    from communities.models import CentreChange
    from incentives.models import EvidenceEvent
    from jass_registry.models import ChangeRecord
    from tests.factories import PopulatedCentreFactory, VisitFactory, atm_ordinance_evidence

    jass = JassFactory(district_id="131101")
    centre = PopulatedCentreFactory(district_id="131101")
    evidence = atm_ordinance_evidence(district_id="131101", uploaded_by=staff_a)

    def make(n: int):
        for i in range(n):
            ChangeRecord.objects.create(
                jass=jass,
                action="updated",
                target=jass.name,
                user=staff_a,
                changes={"associates": [i, i + 1], "dni": ["", "41234567"]},
            )
            VisitFactory(jass=jass, staff=staff_a)
            CentreChange.objects.create(
                centre=centre, action="updated", user=staff_a, changes={"households": [i, i + 1]}
            )
            EvidenceEvent.objects.create(evidence=evidence, status="submitted", user=staff_a)

    return make


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        # session, user, district, the users for the filter's <select>, then one query per
        # source, each at most a page and one row (evidence events, centre changes, visits,
        # registry records, agreement notes, service assessments, planned and cancelled visits,
        # personal-data access requests, each joined to its object and user), session refresh.
        # No COUNT. (tests/ato/test_activity_sources.py fills the five later sources too.)
        ("/distritos/131101/actividad/", 14),
        # visits, registry, agreement notes and service assessments only
        ("/distritos/131101/actividad/?kind=visits&q=jass", 9),
        # the same, streamed row by row from the nine ordered sources
        ("/distritos/131101/actividad/exportar.csv", 14),
    ],
)
def test_district_activity(client, reviewer, staff_a, cascas_history, path, expected):
    client.force_login(reviewer)
    cascas_history(1)
    one = count_queries(lambda: client.get(path))
    cascas_history(49)
    fifty = count_queries(lambda: client.get(path))
    assert one == fifty == expected


# --- issue 14: personal data (Ley 29733) ---


@pytest.fixture
def cascas_person(staff_a):
    """`make(n)`: n more memberships of one person (DNI 41234567) in Cascas, each with the
    board-start record that names them."""
    from jass_registry.services import board_term_start

    def make(n):
        for _ in range(n):
            board_term_start(
                user=staff_a,
                jass=JassFactory(),
                starts_on=dt.date(2025, 1, 1),
                ends_on=dt.date(2026, 12, 31),
                members=[
                    {"role": "president", "full_name": "Doris Alvarado", "dni": "41234567"},
                    {"role": "treasurer", "full_name": "Elena Cruz", "dni": ""},
                ],
            )

    return make


@pytest.mark.parametrize(
    ("method", "path", "data", "expected"),
    [
        # session, user, district, the register's latest 20 events (joined to their user),
        # session refresh
        ("get", "/distritos/131101/datos-personales/", None, 5),
        # session, user, district, the person's memberships (joined to term and JASS, through
        # the board_member_dni index), the board records of their JASS (joined to user and
        # JASS), INSERT of the register's event, session refresh
        ("post", "/distritos/131101/datos-personales/", {"dni": "41234567"}, 7),
        # the same, the file written from the rows read
        (
            "post",
            "/distritos/131101/datos-personales/descargar/",
            {"dni": "41234567", "fmt": "csv"},
            7,
        ),
    ],
)
def test_personal_data_pages(client, staff_a, cascas_person, method, path, data, expected):
    client.force_login(staff_a)
    cascas_person(1)
    call = getattr(client, method)
    one = count_queries(lambda: call(path, data))
    cascas_person(49)
    fifty = count_queries(lambda: call(path, data))
    assert one == fifty == expected
