"""The benchmark's floor views (bench/floor.py) return the same rows as the endpoints they are
measured against; otherwise a ratio to them would mean nothing."""

import datetime as dt

import pytest

from incentives import services
from incentives.models import EvaluationRun, Goal
from territory.models import DistrictCategory
from tests.conftest import api_client_for
from tests.factories import BoardTermFactory, JassFactory

pytestmark = pytest.mark.urls("bench.urls")


def test_jass_floor_has_the_endpoints_rows_and_their_risk_facts(client, staff_a):
    jass = JassFactory.create_batch(7, district_id="131101")
    BoardTermFactory(jass=jass[0], starts_on=dt.date(2025, 1, 1), ends_on=dt.date(2030, 1, 1))
    JassFactory.create_batch(3, district_id="131102")  # another district: in neither
    api = api_client_for(staff_a).get("/api/v1/jass/", {"district": "131101", "page_size": 5})
    floor = client.get("/bench/floor/jass/", {"district": "131101", "page_size": 5})
    assert api.status_code == floor.status_code == 200
    api_rows, floor_rows = api.json()["results"], floor.json()["results"]
    assert api.json()["count"] == floor.json()["count"] == 7
    assert [r["id"] for r in api_rows] == [r["id"] for r in floor_rows]
    for a, f in zip(api_rows, floor_rows, strict=True):
        assert (a["name"], a["registry_number"], a["last_visit_on"]) == (
            f["name"],
            f["registry_number"],
            f["last_visit_on"],
        )
        assert ("board_missing" in a["risk_signals"]) == (f["board_last_ended_on"] is None)


def test_district_floor_has_the_endpoints_rows(client, reviewer):
    DistrictCategory.objects.create(district_id="131101", year=2017, category="C")
    JassFactory.create_batch(2, district_id="131101")
    api = api_client_for(reviewer).get("/api/v1/districts/", {"year": 2017, "page": 2})
    floor = client.get("/bench/floor/districts/", {"year": 2017, "page": 2})
    api_rows, floor_rows = api.json()["results"], floor.json()["results"]
    assert [r["ubigeo"] for r in api_rows] == [r["ubigeo"] for r in floor_rows]
    assert [(r["category"], r["jass_count"]) for r in api_rows] == [
        (r["category"], r["jass_count"]) for r in floor_rows
    ]
    cascas = client.get("/bench/floor/districts/", {"year": 2017, "page_size": 500, "page": 3})
    row = next(r for r in cascas.json()["results"] if r["ubigeo"] == "131101")
    assert (row["category"], row["jass_count"]) == ("C", 2)


def test_results_floor_has_the_endpoints_rows(client, reviewer):
    for ubigeo in ("131101", "131102", "131103"):
        DistrictCategory.objects.create(district_id=ubigeo, year=2017, category="C")
        JassFactory(district_id=ubigeo)
    run = EvaluationRun.objects.create(
        goal=Goal.objects.get(code="2017-M35"), cutoff=dt.date(2026, 11, 20)
    )
    for chunk in services.run_split(run.pk):
        services.chunk_evaluate(run.pk, chunk)
    api = api_client_for(reviewer).get(f"/api/v1/runs/{run.pk}/results/")
    floor = client.get(f"/bench/floor/runs/{run.pk}/results/")

    def shape(rows, key):
        return [
            (
                r[key],
                r["score"],
                r["passed"],
                [(q.get("code") or q["requirement__code"], q["met"]) for q in r["requirements"]],
            )
            for r in rows
        ]

    assert shape(api.json()["results"], "district") == shape(floor.json()["results"], "district_id")
    assert len(api.json()["results"]) == 3
