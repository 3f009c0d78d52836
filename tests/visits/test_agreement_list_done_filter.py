"""The agreements page lists the open agreements unless `done=1` (the only value its link
sends) asks for the fulfilled ones; any other value keeps the open list, as bookmarks expect."""

import datetime as dt

import pytest
from django.urls import reverse

from tests.conftest import CASCAS
from visits.services import agreement_mark_done, visit_record


@pytest.fixture
def one_open_one_done(staff_a, jass_with_system):
    jass, _systems = jass_with_system
    visit = visit_record(
        user=staff_a,
        jass=jass,
        data={"date": dt.date(2026, 1, 10), "kind": "follow_up"},
        agreements=[
            {"task": "Abierto", "responsible": "A", "due_on": dt.date(2026, 12, 1)},
            {"task": "Cumplido", "responsible": "B", "due_on": dt.date(2026, 12, 1)},
        ],
    )
    agreement_mark_done(user=staff_a, agreement=visit.agreements.get(task="Cumplido"))


@pytest.mark.parametrize(
    ("done", "expected"),
    [(None, ["Abierto"]), ("1", ["Cumplido"]), ("true", ["Abierto"]), ("x" * 500, ["Abierto"])],
)
def test_done_1_and_only_1_lists_the_fulfilled_agreements(
    client, staff_a, one_open_one_done, done, expected
):
    client.force_login(staff_a)
    params = {} if done is None else {"done": done}
    response = client.get(reverse("visits:agreements", args=[CASCAS]), params)
    assert [a.task for a in response.context["page"]] == expected
    assert response.context["show_done"] is (expected == ["Cumplido"])
