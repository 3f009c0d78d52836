"""The district endpoints (/api/v1/districts/): each row's contract, filters, ordering, paging."""

import pytest
from rest_framework.test import APIClient

from tests.conftest import api_client_for
from tests.factories import (
    AtmBudgetFactory,
    BoardTermFactory,
    CategoryFactory,
    JassFactory,
)


def test_anonymous_clients_get_401(db):
    assert APIClient().get("/api/v1/districts/").status_code == 401
    assert APIClient().get("/api/v1/districts/131101/").status_code == 401


def test_staff_list_every_la_libertad_district(staff_a):
    response = api_client_for(staff_a).get(
        "/api/v1/districts/", {"department": "13", "page_size": 500}
    )
    body = response.json()
    assert response.status_code == 200
    assert body["count"] == 84 == len(body["results"])  # with Alto Trujillo (2017)
    assert {r["department"]["code"] for r in body["results"]} == {"13"}
    assert set(body) == {"count", "next", "previous", "results"}


def test_each_row_carries_the_contract_fields(staff_a):
    CategoryFactory(district_id="131101", year=2017, category="C")
    JassFactory.create_batch(2, district_id="131101")
    JassFactory(district_id="131101", status="dissolved")
    response = api_client_for(staff_a).get("/api/v1/districts/", {"province": "1311"})
    row = response.json()["results"][0]
    assert row == {
        "ubigeo": "131101",
        "name": "Cascas",
        "province": {"code": "1311", "name": "Gran Chimú"},
        "department": {"code": "13", "name": "La Libertad"},
        "category": "C",
        "category_year": 2017,
        "jass_count": 3,
        "active_jass_count": 2,
    }


def test_cascas_detail_has_office_indicators_and_goals(staff_a):
    AtmBudgetFactory(office=staff_a.district.atm_office, year=2017)
    jass = JassFactory(district_id="131101")
    JassFactory(district_id="131101")
    BoardTermFactory(jass=jass)
    response = api_client_for(staff_a).get("/api/v1/districts/131101/")
    body = response.json()
    assert response.status_code == 200
    assert body["name"] == "Cascas"
    assert body["province"]["name"] == "Gran Chimú"
    assert body["department"]["name"] == "La Libertad"
    assert body["atm_office"]["ordinance_number"] == "O.M. N.° 012-2015-MDC"
    assert body["atm_office"]["budgets"] == [
        {"year": 2017, "amount": "36000.00", "description": ""}
    ]
    assert body["indicators"]["board_current_ratio"] == {
        "value": "0.5000",
        "numerator": 1,
        "denominator": 2,
    }
    assert body["indicators"]["jass_visited_ratio_12m"]["denominator"] == 2
    assert body["goals"] == []


def test_a_district_without_office_data_says_so(staff_a):
    body = api_client_for(staff_a).get("/api/v1/districts/010101/").json()
    assert body["atm_office"] is None
    assert body["indicators"]["board_current_ratio"]["value"] is None


def test_an_unknown_ubigeo_is_404(staff_a):
    assert api_client_for(staff_a).get("/api/v1/districts/999999/").status_code == 404
    assert api_client_for(staff_a).get("/api/v1/districts/abc/").status_code == 404


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"province": "1311", "ordering": "-ubigeo"}, ["131104", "131103", "131102", "131101"]),
        ({"province": "1311", "ordering": "name"}, ["131101", "131102", "131103", "131104"]),
        ({"q": "sayapullo"}, ["131104"]),
    ],
)
def test_the_list_filters_by_province_or_name_and_orders(reviewer, params, expected):
    response = api_client_for(reviewer).get("/api/v1/districts/", params)
    assert [r["ubigeo"] for r in response.json()["results"]] == expected


def test_category_filter_reads_the_requested_year(reviewer):
    CategoryFactory(district_id="131101", year=2016, category="D")
    CategoryFactory(district_id="131101", year=2017, category="C")
    client = api_client_for(reviewer)
    assert [
        r["ubigeo"] for r in client.get("/api/v1/districts/", {"category": "C"}).json()["results"]
    ] == ["131101"]
    rows = client.get("/api/v1/districts/", {"category": "D", "year": 2016}).json()["results"]
    assert [(r["ubigeo"], r["category_year"]) for r in rows] == [("131101", 2016)]


def test_page_size_is_capped_at_500(reviewer):
    body = api_client_for(reviewer).get("/api/v1/districts/", {"page_size": 5000}).json()
    assert len(body["results"]) == 500 and body["next"]


def test_a_bad_filter_value_is_a_400_with_the_field(reviewer):
    response = api_client_for(reviewer).get("/api/v1/districts/", {"year": "dos mil"})
    assert response.status_code == 400 and "year" in response.json()
