"""The district checklist says, row by row, which JASS, water systems, evidence and budget lines
were counted and which were not, and why, with values as a person reads them."""

import datetime as dt

from django.utils import timezone

from incentives import explain
from incentives.models import DistrictResult, EvaluationRun, Goal
from jass_registry.models import Jass
from territory.models import AtmOffice, DistrictCategory
from tests.conftest import CASCAS, api_client_for
from tests.factories import BoardTermFactory, JassFactory, WaterSystemFactory
from tests.incentives.conftest import compute
from tests.test_query_counts import count_queries
from visits.models import ChlorineReading
from visits.services import visit_record

CUTOFF = dt.date(2026, 11, 20)


def _run(kind="progress"):
    goal = Goal.objects.get(code="2017-M35")
    return compute(EvaluationRun.objects.create(goal=goal, cutoff=CUTOFF, kind=kind))


def test_the_checklist_lists_each_jass_with_why_it_was_not_counted(client, scope, staff_a):
    expired = JassFactory(district_id=CASCAS, name="JASS Pampa Vieja")
    BoardTermFactory(jass=expired, starts_on=dt.date(2024, 6, 11), ends_on=dt.date(2026, 6, 10))
    system = WaterSystemFactory(jass=expired, name="Gravedad 1")
    ChlorineReading.objects.create(
        water_system=system, taken_on=dt.date(2026, 11, 12), point="reservoir", mg_per_l="0.30"
    )
    run = _run()
    client.force_login(staff_a)
    page = client.get(f"/evaluaciones/{run.pk}/distritos/{CASCAS}/").content.decode()
    assert "JASS Pampa Vieja" in page
    assert "sin consejo directivo vigente desde 11/06/2026" in page
    # a reservoir reading alone does not decide: chlorine is judged in the network
    assert "solo lecturas en el reservorio (0.30 mg/L): no muestra el agua en el grifo" in page


def test_the_api_lists_the_items_with_points_and_counted_equals_the_numerator(scope, staff_a):
    JassFactory(district_id=CASCAS, name="JASS Pampa Vieja")
    BoardTermFactory(jass=JassFactory(district_id=CASCAS, name="JASS Alto"))
    run = _run()
    body = api_client_for(staff_a).get(f"/api/v1/runs/{run.pk}/results/{CASCAS}/").json()
    rows = {r["code"]: r for r in body["requirements"]}
    board = rows["3"]
    assert (board["points"], board["points_earned"]) == (20, 0)
    assert board["denominator"] == len(board["items"]) == 4
    assert board["numerator"] == sum(i["counted"] for i in board["items"]) == 1
    alto = next(i for i in board["items"] if i["name"] == "JASS Alto")
    assert alto["type"] == "jass" and alto["counted"]
    assert alto["reason"].startswith("consejo directivo vigente hasta")
    assert rows["5"]["points_earned"] == rows["5"]["points"] == 15
    assert rows["5"]["items"][0]["type"] == "budget"


def test_another_districts_checklist_is_not_found_for_atm_staff(scope, staff_b, reviewer):
    run = _run()
    assert (
        api_client_for(staff_b).get(f"/api/v1/runs/{run.pk}/results/{CASCAS}/").status_code == 404
    )
    assert (
        api_client_for(reviewer).get(f"/api/v1/runs/{run.pk}/results/{CASCAS}/").status_code == 200
    )


def test_an_official_checklist_leaves_out_what_was_created_after_the_cutoff(scope, staff_a):
    late = JassFactory(district_id=CASCAS, name="JASS Nueva")
    Jass.objects.filter(pk=late.pk).update(
        created_at=timezone.make_aware(
            dt.datetime.combine(CUTOFF + dt.timedelta(days=2), dt.time())
        )
    )
    run = _run("official")
    body = api_client_for(staff_a).get(f"/api/v1/runs/{run.pk}/results/{CASCAS}/").json()
    names = {i["name"] for r in body["requirements"] for i in r["items"]}
    assert "JASS Nueva" not in names


def test_every_ratio_row_counts_as_many_items_as_the_stored_numerator(scope, reviewer):
    for n in range(3):
        jass = JassFactory(district_id=CASCAS, registry_number="" if n else "9-2020")
        BoardTermFactory(jass=jass)
        WaterSystemFactory(jass=jass)
    run = _run()
    stored = {
        r.requirement.code: r
        for r in DistrictResult.objects.get(run=run, district_id=CASCAS).requirements.all()
    }
    body = api_client_for(reviewer).get(f"/api/v1/runs/{run.pk}/results/{CASCAS}/").json()
    for row in body["requirements"]:
        if explain.is_ratio(stored[row["code"]].requirement.kind):
            counted = sum(i["counted"] for i in row["items"])
            assert counted == stored[row["code"]].numerator, row["code"]
            assert len(row["items"]) == (stored[row["code"]].denominator or 0), row["code"]


def test_the_checklist_reads_as_many_queries_for_30_jass_as_for_1(client, scope, staff_a):
    def jass_with_everything():
        jass = JassFactory(district_id=CASCAS)
        BoardTermFactory(jass=jass)
        system = WaterSystemFactory(jass=jass)
        ChlorineReading.objects.create(
            water_system=system, taken_on=CUTOFF, point="reservoir", mg_per_l="0.6"
        )

    client.force_login(staff_a)
    jass_with_everything()
    run = _run()
    url = f"/evaluaciones/{run.pk}/distritos/{CASCAS}/"
    one = count_queries(lambda: client.get(url))
    for _ in range(29):
        jass_with_everything()
    run = _run()
    url = f"/evaluaciones/{run.pk}/distritos/{CASCAS}/"
    # session, user, run, district, result, its requirement rows; then the district's data for
    # the rules: JASS, visits, water systems, readings, board terms, budget lines, evidence; and
    # the session's idle-timeout refresh (the evidence items' reviews are read only when a row
    # looked at evidence: none in 2017-M35).
    assert count_queries(lambda: client.get(url)) == one
    assert one == 14


def _run_2026():
    DistrictCategory.objects.create(district_id=CASCAS, year=2026, category="C")
    goal = Goal.objects.get(code="2026-M5")
    return compute(EvaluationRun.objects.create(goal=goal, cutoff=CUTOFF, kind="progress"))


def test_the_head_row_says_when_and_by_which_resolution_the_head_was_designated(scope, staff_a):
    AtmOffice.objects.filter(district_id=CASCAS).update(
        head_resolution="R.A. 045-2026", head_designated_on=dt.date(2026, 7, 15)
    )
    run = _run_2026()
    body = api_client_for(staff_a).get(f"/api/v1/runs/{run.pk}/results/{CASCAS}/").json()
    head = {r["code"]: r for r in body["requirements"]}["1"]
    assert head["points_earned"] == 0
    [item] = head["items"]
    assert (item["type"], item["counted"]) == ("office", False)
    assert item["reason"] == "designado por R.A. 045-2026 el 15/07/2026, después del 30/06/2026"


def test_the_registry_row_links_each_jass_to_the_visit_that_updated_it(client, scope, staff_a):
    visited = JassFactory(district_id=CASCAS, name="JASS Visitada")
    JassFactory(district_id=CASCAS, name="JASS Olvidada")
    visit = visit_record(
        user=staff_a,
        jass=visited,
        data={"date": dt.date(2026, 3, 10), "kind": "supervision", "findings": "Todo en orden"},
    )
    run = _run_2026()
    body = api_client_for(staff_a).get(f"/api/v1/runs/{run.pk}/results/{CASCAS}/").json()
    registry = {r["code"]: r for r in body["requirements"]}["5"]
    items = {i["name"]: i for i in registry["items"]}
    done = items["JASS Visitada"]
    assert (done["type"], done["id"], done["counted"]) == ("visit", visit.pk, True)
    assert done["reason"] == "visitada el 10/03/2026"
    olvidada = items["JASS Olvidada"]
    assert not olvidada["counted"]
    assert olvidada["reason"] == "sin cambios en el registro ni visitas desde 01/01/2026"
    assert registry["numerator"] == sum(i["counted"] for i in registry["items"])
    client.force_login(staff_a)
    page = client.get(f"/evaluaciones/{run.pk}/distritos/{CASCAS}/").content.decode()
    assert f'href="/visitas/{visit.pk}/"' in page
    # 1 of 4 active JASS (with the scope's two) is below 60 %: the row says what is missing
    assert "con registro actualizado o visitada" in page
