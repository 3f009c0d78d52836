"""The ATM home puts what reviewers returned first ("Observado"), with the comment, the reviewer
and the date, until the district answers it."""

import datetime as dt

import pytest

from incentives import services
from incentives.models import EvaluationRun, Goal
from territory.models import DistrictCategory
from tests.conftest import CASCAS
from tests.factories import atm_ordinance_evidence
from tests.incentives.conftest import compute


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def scope(staff_a):
    DistrictCategory.objects.create(district_id=CASCAS, year=2017, category="C")


def test_the_home_shows_returned_results_and_evidence_first(client, scope, staff_a, reviewer):
    reviewer.first_name, reviewer.last_name = "Rosa", "Quispe"
    reviewer.save()
    run = compute(
        EvaluationRun.objects.create(
            goal=Goal.objects.get(code="2017-M35"), cutoff=dt.date(2026, 11, 20), kind="official"
        )
    )
    services.result_review(
        user=reviewer,
        result=run.results.get(district_id=CASCAS),
        approve=False,
        comment="Revise el padrón de JASS",
    )
    item = atm_ordinance_evidence(district_id=CASCAS, uploaded_by=staff_a)
    services.evidence_review(user=reviewer, evidence=item, approve=False, comment="Sin firma")
    client.force_login(staff_a)
    page = client.get(f"/distritos/{CASCAS}/").content.decode()
    observed = page.index("Observado por el revisor")
    assert observed < page.index("Área Técnica Municipal (ATM)")
    assert "Revise el padrón de JASS" in page and "Sin firma" in page
    assert page.count("Rosa Quispe, el ") == 2
    assert f"/evidencias/#evidencia-{item.pk}" in page
    assert "<strong>Observado</strong>" in page[page.index("Metas del Programa") :]


def test_evidence_presented_again_leaves_the_observed_list(client, staff_a, reviewer):
    item = atm_ordinance_evidence(district_id=CASCAS, uploaded_by=staff_a)
    services.evidence_review(user=reviewer, evidence=item, approve=False, comment="Sin firma")
    atm_ordinance_evidence(district_id=CASCAS, uploaded_by=staff_a)  # the corrected one
    client.force_login(staff_a)
    page = client.get(f"/distritos/{CASCAS}/").content.decode()
    assert "Observado por el revisor" not in page
