"""Visits and agreements carry their JASS's district (issue 14): whichever door writes them,
the district lists read their own index and never show another district's rows."""

import datetime as dt

import pytest

from tests.conftest import CASCAS, LUCMA, api_client_for
from tests.factories import JassFactory, UserFactory
from visits.models import Agreement, Visit
from visits.services import visit_record

pytestmark = pytest.mark.django_db


def test_a_recorded_visit_and_its_agreements_take_the_jass_district(staff_a, site):
    jass, _system = site
    visit = visit_record(
        user=staff_a,
        jass=jass,
        data={"date": dt.date(2026, 3, 2), "kind": "follow_up"},
        agreements=[{"task": "Clorar", "responsible": "Operador", "due_on": "2026-04-01"}],
    )
    assert Visit.objects.get(pk=visit.pk).district_id == CASCAS
    assert Agreement.objects.get(visit=visit).district_id == CASCAS


def test_a_bulk_insert_by_ids_is_filled_in_one_query(staff_a, django_assert_num_queries):
    jass = [JassFactory(district_id=CASCAS), JassFactory(district_id=LUCMA)]
    visits = [
        Visit(jass_id=j.pk, date=dt.date(2026, 1, 5), staff=staff_a, kind="training") for j in jass
    ]
    with django_assert_num_queries(2):  # the JASS's districts, then the insert
        Visit.objects.bulk_create(visits)
    assert sorted(Visit.objects.values_list("district_id", flat=True)) == [CASCAS, LUCMA]
    agreements = [
        Agreement(visit_id=v.pk, task="Clorar", responsible="Operador", due_on=v.date)
        for v in visits
    ]
    Agreement.objects.bulk_create(agreements)
    assert sorted(Agreement.objects.values_list("district_id", flat=True)) == [CASCAS, LUCMA]


def test_district_lists_show_only_their_own_rows(client, staff_a, site):
    jass, _system = site
    mine = visit_record(
        user=staff_a,
        jass=jass,
        data={"date": dt.date(2026, 3, 2), "kind": "follow_up"},
        agreements=[
            {"task": "Comprar cloro", "responsible": "Tesorero(a)", "due_on": "2026-12-31"}
        ],
    )
    lucma = UserFactory(username="head.lucma", role="atm_head", district_id=LUCMA)
    theirs = visit_record(
        user=lucma,
        jass=JassFactory(district_id=LUCMA, name="JASS de Lucma"),
        data={"date": dt.date(2026, 3, 3), "kind": "follow_up"},
        agreements=[
            {"task": "Reparar la válvula", "responsible": "Operador", "due_on": "2026-12-31"}
        ],
    )
    ids = [v["id"] for v in api_client_for(staff_a).get("/api/v1/visits/").json()["results"]]
    assert ids == [mine.pk]
    ids = [
        v["id"]
        for v in api_client_for(staff_a).get(f"/api/v1/visits/?district={LUCMA}").json()["results"]
    ]
    assert ids == []
    client.force_login(staff_a)
    page = client.get(f"/distritos/{CASCAS}/acuerdos/").content.decode()
    assert "Comprar cloro" in page and "Reparar la válvula" not in page
    assert theirs.district_id == LUCMA
