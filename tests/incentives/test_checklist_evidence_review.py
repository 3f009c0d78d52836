"""A reviewer approves or returns evidence from the district checklist's evidence row, through
the same `evidence_review` service and door as the queue, and comes back to the checklist; the
row links each item to its file and to its place on the district's evidence page. ATM staff see
no review buttons, and their POST is refused (their district: 403; another district: 404)."""

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from incentives.models import EvaluationRun, Evidence, EvidenceStatus, Goal
from territory.models import DistrictCategory
from tests.conftest import CASCAS, LUCMA
from tests.incentives.conftest import compute
from tests.test_query_counts import count_queries

GOAL = "2015-M11"  # three evidence requirements; the first reads doc_type ordinance_atm


@pytest.fixture
def run(staff_a, staff_b):
    for ubigeo in (CASCAS, LUCMA):
        DistrictCategory.objects.create(district_id=ubigeo, year=2015, category="C")
    goal = Goal.objects.get(code=GOAL)
    return compute(
        EvaluationRun.objects.create(goal=goal, cutoff=timezone.localdate(), kind="progress")
    )


def present(staff, number, status=EvidenceStatus.SUBMITTED):
    return Evidence.objects.create(
        district_id=staff.district_id,
        requirement=Goal.objects.get(code=GOAL).requirements.get(code="1"),
        doc_type="ordinance_atm",
        number=number,
        issued_on=dt.date(2015, 6, 18),
        file="evidence/x.pdf",
        uploaded_by=staff,
        status=status,
    )


def checklist(run, ubigeo=CASCAS):
    return f"/evaluaciones/{run.pk}/distritos/{ubigeo}/"


def review(client, run, item, decision, comment="", ubigeo=CASCAS):
    return client.post(
        reverse("incentives:evidence_review", args=[item.pk]),
        {"decision": decision, "comment": comment, "next": checklist(run, ubigeo)},
    )


def item_block(page: str, item: Evidence) -> str:
    """The checklist's list entry of one evidence item."""
    match = re.search(rf'<li id="evidencia-{item.pk}">(.*?)</li>', page, re.S)
    assert match, f"evidence {item.pk} is not listed on the checklist"
    return match.group(1)


def test_a_reviewer_sees_the_waiting_evidence_with_its_links_and_buttons(
    client, run, staff_a, reviewer
):
    waiting = present(staff_a, "O.M. 012-2026")
    client.force_login(reviewer)
    block = item_block(client.get(checklist(run)).content.decode(), waiting)
    assert "N.º O.M. 012-2026" in block and "presentada, sin revisar" in block
    assert reverse("incentives:evidence_file", args=[waiting.pk]) in block
    assert f"{reverse('incentives:evidence', args=[CASCAS])}#evidencia-{waiting.pk}" in block
    assert reverse("incentives:evidence_review", args=[waiting.pk]) in block
    assert ">Aprobar</button>" in block and ">Observar</button>" in block


def test_approving_from_the_checklist_comes_back_to_it_with_a_message(
    client, run, staff_a, reviewer
):
    waiting = present(staff_a, "O.M. 012-2026")
    client.force_login(reviewer)
    response = review(client, run, waiting, "approve")
    assert response.status_code == 302 and response.url == checklist(run)
    page = client.get(response.url).content.decode()
    assert "Revisión de la evidencia registrada." in page
    waiting.refresh_from_db()
    assert waiting.status == EvidenceStatus.APPROVED and waiting.reviewed_by == reviewer
    block = item_block(page, waiting)
    assert "aprobada el" in block and waiting.reviewer_name in block
    assert "<button" not in block  # decided once: no buttons left


def test_returning_from_the_checklist_needs_a_comment_said_in_spanish(
    client, run, staff_a, reviewer
):
    waiting = present(staff_a, "O.M. 012-2026")
    client.force_login(reviewer)
    response = review(client, run, waiting, "return", "   ")
    assert response.url == checklist(run)
    page = client.get(response.url).content.decode()
    assert "Para observar una evidencia indique qué debe corregirse." in page
    waiting.refresh_from_db()
    assert waiting.status == EvidenceStatus.SUBMITTED and not waiting.events.exists()

    response = review(client, run, waiting, "return", "Falta la firma del alcalde")
    page = client.get(response.url).content.decode()
    waiting.refresh_from_db()
    assert waiting.status == EvidenceStatus.RETURNED
    block = item_block(page, waiting)
    assert "observada por el revisor" in block and "Falta la firma del alcalde" in block


def test_the_districts_staff_see_the_review_but_no_buttons(client, run, staff_a, reviewer):
    waiting = present(staff_a, "O.M. 012-2026")
    returned = present(staff_a, "O.M. 013-2026")
    client.force_login(reviewer)
    review(client, run, returned, "return", "Ilegible")
    client.force_login(staff_a)
    page = client.get(checklist(run)).content.decode()
    assert "presentada, sin revisar" in item_block(page, waiting)
    assert "Ilegible" in item_block(page, returned)
    assert reverse("incentives:evidence_review", args=[waiting.pk]) not in page
    assert ">Aprobar</button>" not in page


def test_atm_staff_cannot_review_from_the_checklist(client, run, staff_a, staff_b):
    waiting = present(staff_a, "O.M. 012-2026")
    client.force_login(staff_a)
    assert review(client, run, waiting, "approve").status_code == 403
    client.force_login(staff_b)  # another district: neither the page nor the item exists
    assert client.get(checklist(run)).status_code == 404
    assert review(client, run, waiting, "approve").status_code == 404
    waiting.refresh_from_db()
    assert waiting.status == EvidenceStatus.SUBMITTED and not waiting.events.exists()


def test_a_row_without_evidence_says_so_and_the_other_rows_keep_their_links(client, run, reviewer):
    client.force_login(reviewer)
    page = client.get(checklist(run)).content.decode()
    assert "ninguna evidencia presentada" in page
    assert reverse("incentives:evidence", args=[CASCAS]) in page  # "ver evidencias"


def test_the_checklist_reads_the_same_number_of_queries_with_one_or_many_evidence_items(
    client, run, staff_a, reviewer
):
    client.force_login(reviewer)
    present(staff_a, "O.M. 1")
    one = count_queries(lambda: client.get(checklist(run)))
    for n in range(2, 12):
        present(staff_a, f"O.M. {n}")
    assert count_queries(lambda: client.get(checklist(run))) == one
