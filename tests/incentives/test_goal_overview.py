"""A goal's national picture: districts in scope, met, not met and not evaluated, overall and by
department or province, on the goal page, its export, the run page and the summary endpoint."""

import csv
import datetime as dt
import io

import pytest

from incentives.models import DistrictResult, EvaluationRun, Goal, RunStatus
from territory.models import District, DistrictCategory
from tests.conftest import CASCAS, LUCMA, api_client_for

GOAL = "2017-M35"


@pytest.fixture
def national(db):
    """Category C in 2017 (2017-M35's scope) for 5 La Libertad districts (Cascas met, Lucma not
    met, three not evaluated) and 3 Lima districts (one met, one not met, one not evaluated);
    two more districts out of scope: one of category A, one C but in 2016, each with a result
    the figures must not count. Built by hand, so the figures are known."""
    libertad = [CASCAS, LUCMA] + list(
        District.objects.filter(department_id="13")
        .exclude(pk__in=[CASCAS, LUCMA])
        .order_by("pk")
        .values_list("pk", flat=True)[:3]
    )
    lima = list(
        District.objects.filter(department_id="15").order_by("pk").values_list("pk", flat=True)[:5]
    )
    for ubigeo in libertad + lima[:3]:
        DistrictCategory.objects.create(district_id=ubigeo, year=2017, category="C")
    DistrictCategory.objects.create(district_id=lima[3], year=2017, category="A")
    DistrictCategory.objects.create(district_id=lima[4], year=2016, category="C")
    run = EvaluationRun.objects.create(
        goal=Goal.objects.get(code=GOAL),
        cutoff=dt.date(2026, 11, 20),
        kind="official",
        status=RunStatus.DONE,
        districts_total=8,
        districts_done=4,
    )
    for ubigeo, passed in [
        (CASCAS, True),
        (LUCMA, False),
        (lima[0], True),
        (lima[1], False),
        (lima[3], True),
        (lima[4], True),
    ]:
        DistrictResult.objects.create(
            run=run, district_id=ubigeo, score=80 if passed else 20, passed=passed
        )
    return run, libertad, lima


def figures(row):
    return row["in_scope"], row["met"], row["not_met"], row["not_evaluated"]


def test_the_summary_counts_what_a_hand_count_gives(national, reviewer):
    run, libertad, lima = national
    body = api_client_for(reviewer).get(f"/api/v1/goals/{GOAL}/summary/").json()
    assert (body["goal"], body["run"], body["cutoff"], body["kind"]) == (
        GOAL,
        run.pk,
        "2026-11-20",
        "official",
    )
    assert figures(body) == (8, 2, 2, 4)
    areas = {a["code"]: a for a in body["areas"]}
    assert set(areas) == {"13", "15"}
    assert areas["13"]["name"] == "La Libertad"
    assert figures(areas["13"]) == (5, 1, 1, 3)
    assert figures(areas["15"]) == (3, 1, 1, 1)


def test_the_summary_drills_to_the_provinces_of_a_department(national, reviewer):
    run, libertad, _lima = national
    body = (
        api_client_for(reviewer)
        .get(f"/api/v1/goals/{GOAL}/summary/", {"run": run.pk, "department": "13"})
        .json()
    )
    assert figures(body) == (5, 1, 1, 3)
    provinces = {d.province_id for d in District.objects.filter(pk__in=libertad)}
    assert {a["code"] for a in body["areas"]} == provinces
    assert sum(a["in_scope"] for a in body["areas"]) == 5
    gran_chimu = next(a for a in body["areas"] if a["code"] == CASCAS[:4])
    assert (gran_chimu["met"], gran_chimu["not_met"]) == (1, 1)


@pytest.mark.parametrize(
    ("query", "status"),
    [
        ({"run": "abc"}, 400),
        ({"run": "99999999"}, 404),
        ({"department": "1"}, 400),
        ({"department": "ab"}, 400),
        ({"department": "99"}, 404),
        ({"department": "1\x00"}, 400),
    ],
)
def test_a_bad_run_or_department_is_refused_not_a_server_error(national, reviewer, query, status):
    response = api_client_for(reviewer).get(f"/api/v1/goals/{GOAL}/summary/", query)
    assert response.status_code == status


def test_a_run_of_another_goal_is_not_found(national, reviewer):
    other = EvaluationRun.objects.create(
        goal=Goal.objects.exclude(code=GOAL).first(), cutoff=dt.date(2026, 1, 1)
    )
    response = api_client_for(reviewer).get(f"/api/v1/goals/{GOAL}/summary/", {"run": other.pk})
    assert response.status_code == 404


def test_a_goal_without_a_finished_run_has_no_summary(reviewer):
    response = api_client_for(reviewer).get(f"/api/v1/goals/{GOAL}/summary/")
    assert response.status_code == 404


def test_atm_staff_get_only_their_own_districts_figures(national, staff_b, outsider):
    body = api_client_for(staff_b).get(f"/api/v1/goals/{GOAL}/summary/").json()
    assert figures(body) == (1, 0, 1, 0)
    assert [a["code"] for a in body["areas"]] == ["13"]
    nobody = api_client_for(outsider).get(f"/api/v1/goals/{GOAL}/summary/").json()
    assert figures(nobody) == (0, 0, 0, 0) and nobody["areas"] == []


def test_the_goal_page_shows_the_four_figures_and_a_row_per_department(client, national, reviewer):
    client.force_login(reviewer)
    page = client.get(f"/metas/{GOAL}/")
    assert page.context["overview"].total.not_evaluated == 4
    html = page.content.decode()
    assert "distritos en alcance" in html and "sin evaluar" in html
    assert 'id="goal-map"' in html and f'data-run="{national[0].pk}"' in html
    assert "La Libertad" in html and "Lima" in html
    assert f"?run={national[0].pk}&amp;department=13" in html
    assert 'style="' not in html


def test_the_goal_page_drills_to_provinces_that_link_to_their_districts(client, national, reviewer):
    run = national[0]
    client.force_login(reviewer)
    html = client.get(f"/metas/{GOAL}/", {"run": run.pk, "department": "13"}).content.decode()
    assert "Gran Chimú" in html and "Todo el país" in html
    assert f"/evaluaciones/{run.pk}/?department=13&amp;province=1311" in html


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"passed": "true"}, (2, 2, 0, 0)),
        ({"passed": "false"}, (2, 0, 2, 0)),
        ({"category": "C"}, (8, 2, 2, 4)),
        ({"department": "15"}, (3, 1, 1, 1)),
        ({"department": "15", "passed": "true"}, (1, 1, 0, 0)),
        ({"category": "Z"}, (0, 0, 0, 0)),  # not a category of the goal: refused, nothing shown
    ],
)
def test_the_goal_page_filters(client, national, reviewer, query, expected):
    client.force_login(reviewer)
    total = client.get(f"/metas/{GOAL}/", query).context["overview"].total
    assert (total.in_scope, total.met, total.not_met, total.not_evaluated) == expected


def test_any_run_of_the_goal_can_be_picked_and_others_are_not_found(client, national, reviewer):
    client.force_login(reviewer)
    earlier = EvaluationRun.objects.create(
        goal=national[0].goal, cutoff=dt.date(2026, 6, 30), status=RunStatus.DONE
    )
    page = client.get(f"/metas/{GOAL}/", {"run": earlier.pk})
    assert page.context["run"] == earlier
    assert page.context["overview"].total.not_evaluated == 8
    assert client.get(f"/metas/{GOAL}/", {"run": "x"}).status_code == 404
    other = EvaluationRun.objects.create(
        goal=Goal.objects.exclude(code=GOAL).first(), cutoff=dt.date(2026, 1, 1)
    )
    assert client.get(f"/metas/{GOAL}/", {"run": other.pk}).status_code == 404


def test_the_export_carries_the_current_view(client, national, reviewer):
    client.force_login(reviewer)
    response = client.get(f"/metas/{GOAL}/exportar.csv", {"department": "15"})
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert rows[0][:2] == ["Código", "Provincia"]
    assert [r[2:6] for r in rows[1:]] == [["3", "1", "1", "1"]]
    xlsx = client.get(f"/metas/{GOAL}/exportar.xlsx", {"passed": "false"})
    assert xlsx.status_code == 200
    assert xlsx["Content-Type"].startswith("application/vnd.openxmlformats")


def test_the_goal_list_shows_met_of_in_scope(client, national, staff_b, reviewer):
    client.force_login(reviewer)
    assert "2 de 8" in client.get("/metas/").content.decode()
    client.force_login(staff_b)
    assert "0 de 1" in client.get("/metas/").content.decode()


def test_the_run_page_counts_and_links_to_the_goal_page_at_that_run(
    client, national, reviewer, staff_a
):
    run = national[0]
    client.force_login(reviewer)
    html = client.get(f"/evaluaciones/{run.pk}/progreso/").content.decode()
    assert f'href="/metas/{GOAL}/?run={run.pk}"' in html
    overview = client.get(f"/evaluaciones/{run.pk}/").context["overview"]
    assert (overview.total.in_scope, overview.total.met, overview.total.not_evaluated) == (8, 2, 4)
    client.force_login(staff_a)
    mine = client.get(f"/evaluaciones/{run.pk}/").context["overview"].total
    assert (mine.in_scope, mine.met, mine.not_met) == (1, 1, 0)


def test_a_running_run_shows_its_figures_so_far(client, national, reviewer):
    run = national[0]
    EvaluationRun.objects.filter(pk=run.pk).update(status=RunStatus.RUNNING)
    client.force_login(reviewer)
    response = client.get(f"/evaluaciones/{run.pk}/progreso/")
    html = response.content.decode()
    assert "hx-get" in html and "ver resultados" not in html
    assert response.context["overview"].total.not_evaluated == 4
