"""The JASS list's filters: the district page (and its export) and /api/v1/jass/ read one
FilterSet (jass_registry/filters.py), so they pick the same JASS for the same rule."""

import pytest
from django.urls import reverse

from jass_registry.risk import Signal
from tests.conftest import CASCAS, api_client_for
from tests.factories import BoardTermFactory, JassFactory, WaterSystemFactory, days_from_today


@pytest.fixture
def cascas_mix(db):
    """An active JASS with no board, one with a current board and a water system never
    chlorinated, an inactive one (no signals) and a JASS of Lucma."""
    JassFactory(district_id=CASCAS, name="JASS Sin Consejo")
    covered = JassFactory(district_id=CASCAS, name="JASS Con Consejo")
    BoardTermFactory(jass=covered, starts_on=days_from_today(-30), ends_on=days_from_today(700))
    WaterSystemFactory(jass=covered)
    JassFactory(district_id=CASCAS, name="JASS Inactiva", status="inactive")
    JassFactory(district_id="131102", name="JASS de Lucma")


def _page_names(client, params) -> list[str]:
    response = client.get(reverse("jass_registry:list", args=[CASCAS]), params)
    return sorted(j.name for j in response.context["page"])


def _api_names(api, params) -> list[str]:
    response = api.get("/api/v1/jass/", {"district": CASCAS, **params})
    assert response.status_code == 200
    return sorted(row["name"] for row in response.json()["results"])


@pytest.mark.parametrize("code", [*Signal.values])
def test_the_page_and_the_api_pick_the_same_jass_for_each_signal(client, staff_a, cascas_mix, code):
    client.force_login(staff_a)
    assert _page_names(client, {"signal": code}) == _api_names(
        api_client_for(staff_a), {"signal": code}
    )


def test_any_signal_on_the_page_is_at_risk_in_the_api(client, staff_a, cascas_mix):
    client.force_login(staff_a)
    page = _page_names(client, {"signal": "any"})
    assert page == _api_names(api_client_for(staff_a), {"at_risk": "true"})
    assert "JASS Inactiva" not in page and "JASS Sin Consejo" in page


def test_an_invalid_page_filter_lists_nothing_and_says_why(client, staff_a, cascas_mix):
    client.force_login(staff_a)
    response = client.get(
        reverse("jass_registry:list", args=[CASCAS]), {"ordering": "password", "q": "jass"}
    )
    assert response.status_code == 200
    assert list(response.context["page"]) == []
    assert "Revise los filtros" in response.content.decode()


def test_the_page_orders_by_name_unless_told(client, staff_a, cascas_mix):
    client.force_login(staff_a)
    url = reverse("jass_registry:list", args=[CASCAS])
    names = [j.name for j in client.get(url).context["page"]]
    assert names == ["JASS Con Consejo", "JASS Inactiva", "JASS Sin Consejo"]
    newest = [j.name for j in client.get(url, {"ordering": "-updated_at"}).context["page"]]
    assert newest[0] == "JASS Inactiva"
