"""The public page of a district: readable without login, cached, and with nothing personal."""

import datetime as dt

import pytest
from django.core.cache import cache

from incentives.models import DistrictResult, EvaluationRun, Goal, ResultReview, RunKind
from tests.conftest import CASCAS
from tests.factories import BoardMemberFactory, BoardTermFactory, JassFactory, UserFactory
from tests.test_query_counts import count_queries

URL = f"/publico/distritos/{CASCAS}/"


@pytest.fixture(autouse=True)
def empty_cache():
    cache.clear()
    yield
    cache.clear()


def _result(goal_code: str, kind: str, cutoff: dt.date, *, score: int, passed: bool, **review):
    run = EvaluationRun.objects.create(
        goal=Goal.objects.get(code=goal_code), cutoff=cutoff, kind=kind, status="done"
    )
    return DistrictResult.objects.create(
        run=run, district_id=CASCAS, score=score, passed=passed, **review
    )


def test_anyone_reads_the_districts_jass_counts_indicators_and_goal_results(client, staff_a):
    JassFactory.create_batch(3, district_id=CASCAS)
    JassFactory(district_id=CASCAS, registry_number="", recognition_resolution="")
    JassFactory(district_id=CASCAS, status="dissolved")
    reviewer = UserFactory(username="rev.salazar", first_name="Carmen", last_name="Salazar")
    _result(
        "2017-M35",
        RunKind.OFFICIAL,
        dt.date(2017, 12, 31),
        score=85,
        passed=True,
        review=ResultReview.APPROVED,
        review_comment="Conforme, revisado con la Sra. Carmen",
        reviewed_by=reviewer,
    )
    # An official result not yet approved is not public; the newest progress run is.
    _result("2026-M5", RunKind.OFFICIAL, dt.date(2026, 7, 31), score=90, passed=True)
    _result("2026-M5", RunKind.PROGRESS, dt.date(2026, 10, 1), score=20, passed=False)
    _result("2026-M5", RunKind.PROGRESS, dt.date(2026, 11, 20), score=55, passed=False)

    response = client.get(URL)

    assert response.status_code == 200
    page = response.content.decode()
    assert "Cascas" in page and "Gran Chimú" in page
    assert "Creada por ordenanza O.M. N.° 012-2015-MDC" in page
    counts = response.context["public"].counts
    assert counts == {"known": 4, "active": 4, "registered": 3, "dissolved": 1}
    goals = {g.goal.code: g for g in response.context["public"].goals}
    assert set(goals) == {"2017-M35", "2026-M5"}
    assert goals["2017-M35"].official.score == 85 and goals["2017-M35"].progress is None
    assert goals["2026-M5"].official is None
    assert goals["2026-M5"].progress.score == 55
    assert "puntaje 55 de 70 como mínimo" in page
    assert "No cumple" in page and "Cumple" in page
    assert "Salazar" not in page and "Conforme" not in page


def test_the_page_shows_no_dni_phone_or_name_of_members_staff_or_head(client, staff_a):
    term = BoardTermFactory(jass=JassFactory(district_id=CASCAS, name="JASS Casmiche"))
    member = BoardMemberFactory(
        term=term, full_name="Doris Alvarado Rojas", dni="41234567", phone="987654321"
    )
    staff_a.first_name, staff_a.last_name = "Rosa", "Quispe"
    staff_a.save()

    page = client.get(URL).content.decode()

    for private in (member.full_name, "Alvarado", member.dni, member.phone, "Rosa", "Quispe"):
        assert private not in page
    assert "staff.cascas" not in page


def test_the_page_is_cached_for_everyone_and_no_store_only_for_a_signed_in_user(client, staff_a):
    JassFactory(district_id=CASCAS)
    first = client.get(URL)
    assert first.status_code == 200
    directives = {d.strip() for d in first["Cache-Control"].split(",")}
    assert {"public", "max-age=300"} <= directives
    assert not first.cookies  # no CSRF or session cookie: one copy serves everyone
    JassFactory(district_id=CASCAS)
    assert count_queries(lambda: client.get(URL)) == 0  # served from the cache
    assert client.get(URL).context is None
    client.force_login(staff_a)
    signed_in = client.get(URL)
    assert signed_in.status_code == 200 and "no-store" in signed_in["Cache-Control"]


def test_an_unknown_district_is_not_found(client, db):
    assert client.get("/publico/distritos/999999/").status_code == 404
    assert client.get("/publico/distritos/13110/").status_code == 404


def test_the_page_makes_the_same_queries_at_one_jass_and_at_fifty(client, staff_a):
    JassFactory(district_id=CASCAS)
    one = count_queries(lambda: client.get(URL))
    cache.clear()
    JassFactory.create_batch(49, district_id=CASCAS)
    fifty = count_queries(lambda: client.get(URL))
    # district with its place, office, JASS counts, indicators (JASS, systems), approved official
    # results, latest progress results
    assert one == fifty == 7
