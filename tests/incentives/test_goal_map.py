"""The goal map: the shapes shipped in static/geo/ cover every district of the territory, and
/metas/<code>/mapa.json colours each district by its status in a run, as the user may see it."""

import datetime as dt
import json
from pathlib import Path

import pytest
from django.conf import settings

from incentives.models import DistrictResult, EvaluationRun, Goal, RunStatus
from territory.models import District, DistrictCategory
from tests.conftest import CASCAS, LUCMA
from tests.test_query_counts import count_queries

GOAL = "2017-M35"
GEO = Path(settings.BASE_DIR) / "static" / "geo"


def shapes(name: str) -> dict:
    return json.loads((GEO / f"{name}.json").read_text(encoding="utf-8"))


@pytest.fixture
def run(db):
    """Category C in 2017 for Cascas (met), Lucma (not met) and two more La Libertad districts
    (not evaluated); one with a result of category A in 2017 (out of scope all the same)."""
    others = list(
        District.objects.filter(department_id="13")
        .exclude(pk__in=[CASCAS, LUCMA])
        .order_by("pk")
        .values_list("pk", flat=True)[:3]
    )
    for ubigeo in [CASCAS, LUCMA, *others[:2]]:
        DistrictCategory.objects.create(district_id=ubigeo, year=2017, category="C")
    DistrictCategory.objects.create(district_id=others[2], year=2017, category="A")
    run = EvaluationRun.objects.create(
        goal=Goal.objects.get(code=GOAL),
        cutoff=dt.date(2026, 11, 20),
        kind="official",
        status=RunStatus.DONE,
    )
    for ubigeo, passed in [(CASCAS, True), (LUCMA, False), (others[2], True)]:
        DistrictResult.objects.create(run=run, district_id=ubigeo, score=50, passed=passed)
    run.others = others
    return run


def get_map(client, user, path=f"/metas/{GOAL}/mapa.json", **query):
    client.force_login(user)
    return client.get(path, query)


# --- The shapes ------------------------------------------------------------------------------


def test_every_district_of_the_territory_is_drawn_once_as_a_polygon_or_a_point(db):
    features = shapes("districts")["features"]
    codes = [f["properties"]["code"] for f in features]
    polygons = {c for c, f in zip(codes, features, strict=True) if f["geometry"]["type"] != "Point"}
    points = {c for c, f in zip(codes, features, strict=True) if f["geometry"]["type"] == "Point"}
    assert len(codes) == len(set(codes)) == 1891
    assert polygons | points == set(District.objects.values_list("pk", flat=True))
    assert (len(polygons), len(points)) == (1824, 67)
    assert "150137" in points  # Santa Anita: a null geometry in the source
    assert {"160109", "160114"}.isdisjoint(codes)  # the old Loreto codes are left undrawn


def test_the_shipped_shapes_are_small_keep_only_the_code_and_carry_their_licence():
    sizes = sum(
        (GEO / f"{n}.json").stat().st_size for n in ("districts", "provinces", "departments")
    )
    assert sizes < 1_500_000
    assert "Mozilla Public License Version 2.0" in (GEO / "LICENSE").read_text(encoding="utf-8")
    assert len(shapes("departments")["features"]) == 25
    for name in ("departments", "provinces", "districts"):
        for feature in shapes(name)["features"]:
            assert set(feature["properties"]) <= {"code", "point"}


# --- The status of each district --------------------------------------------------------------


def test_a_reviewer_gets_every_district_with_its_status_and_the_counts(client, reviewer, run):
    body = get_map(client, reviewer, run=run.pk).json()
    assert (body["goal"], body["run"], body["cutoff"]) == (GOAL, run.pk, "2026-11-20")
    status = body["status"]
    assert len(status) == 1891
    assert (status[CASCAS], status[LUCMA]) == ("met", "not_met")
    assert [status[u] for u in run.others] == ["not_evaluated", "not_evaluated", "out_of_scope"]
    assert body["counts"] == {"met": 1, "not_met": 1, "not_evaluated": 2, "out_of_scope": 1887}
    assert body["names"][CASCAS] == "Cascas"
    assert body["result_url"] == f"/evaluaciones/{run.pk}/distritos/000000/"
    assert body["district_url"] == "/distritos/000000/"
    assert body["public_url"] == "/publico/distritos/000000/"  # the popup's "Página pública"


def test_without_a_run_the_map_shows_the_latest_finished_one(client, reviewer, run):
    EvaluationRun.objects.create(goal=run.goal, cutoff=dt.date(2026, 11, 25), status="running")
    assert get_map(client, reviewer).json()["run"] == run.pk


def test_a_running_run_shows_the_districts_not_yet_evaluated(client, reviewer, run):
    running = EvaluationRun.objects.create(
        goal=run.goal, cutoff=dt.date(2026, 11, 25), status="running"
    )
    DistrictResult.objects.create(run=running, district_id=CASCAS, score=10, passed=False)
    body = get_map(client, reviewer, run=running.pk).json()
    assert body["status"][CASCAS] == "not_met"
    assert body["status"][LUCMA] == "not_evaluated"
    assert body["counts"]["not_evaluated"] == 3


def test_atm_staff_see_only_their_own_district(client, staff_a, staff_b, run):
    assert get_map(client, staff_a, run=run.pk).json()["status"] == {CASCAS: "met"}
    body = get_map(client, staff_b, run=run.pk).json()
    assert body["status"] == {LUCMA: "not_met"}
    assert list(body["names"]) == [LUCMA]
    assert body["counts"] == {"met": 0, "not_met": 1, "not_evaluated": 0, "out_of_scope": 0}


def test_a_signed_in_user_without_a_district_sees_no_district(client, outsider, run):
    assert get_map(client, outsider, run=run.pk).json()["status"] == {}


@pytest.mark.parametrize("value", ["999999", "abc", "0", "1" * 30, "１"])
def test_a_run_that_is_not_one_of_the_goal_is_not_found(client, reviewer, run, value):
    assert get_map(client, reviewer, run=value).status_code == 404


def test_a_run_of_another_goal_or_an_unknown_goal_is_not_found(client, reviewer, run):
    other = Goal.objects.exclude(pk=run.goal_id).first()
    assert (
        get_map(client, reviewer, f"/metas/{other.code}/mapa.json", run=run.pk).status_code == 404
    )
    assert get_map(client, reviewer, "/metas/1999-M1/mapa.json").status_code == 404


def test_a_goal_never_evaluated_has_no_map(client, reviewer, db):
    assert get_map(client, reviewer).status_code == 404


def test_the_map_reads_the_same_number_of_queries_for_four_results_or_forty(client, reviewer, run):
    client.force_login(reviewer)
    path = f"/metas/{GOAL}/mapa.json"
    few = count_queries(lambda: client.get(path, {"run": run.pk}))
    for ubigeo in District.objects.filter(department_id="15").values_list("pk", flat=True)[:40]:
        DistrictCategory.objects.create(district_id=ubigeo, year=2017, category="C")
        DistrictResult.objects.create(run=run, district_id=ubigeo, score=5, passed=False)
    many = count_queries(lambda: client.get(path, {"run": run.pk}))
    # session, user, the goal, the run, the session's idle-timeout refresh (UPDATE), the
    # districts the user may read (code and name), the districts in scope with their result
    assert few == many == 7


def test_the_goal_page_carries_the_map_and_loads_it_from_our_own_files(client, reviewer, run):
    client.force_login(reviewer)
    html = client.get(f"/metas/{GOAL}/", {"run": run.pk}).content.decode()
    assert 'id="goal-map"' in html and 'id="goal-map-data"' in html
    assert f'data-source="/metas/{GOAL}/mapa.json?run={run.pk}"' in html
    assert "/static/geo/districts.json" in html
    assert "/static/vendor/leaflet/leaflet.js" in html
    assert "/static/js/goal_map.js" in html


def test_the_shapes_are_served_as_cacheable_static_files(client):
    response = client.get("/static/geo/districts.json")
    assert response.status_code == 200
    assert response["Cache-Control"] == "public, max-age=86400"
    body = b"".join(response.streaming_content)
    assert json.loads(body)["type"] == "FeatureCollection"
