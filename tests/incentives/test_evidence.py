"""Evidence: uploads checked by content, returned or approved by a reviewer, counted by a run."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from incentives.models import DistrictResult, EvaluationRun, Evidence, Goal
from territory.models import DistrictCategory
from tests.conftest import CASCAS
from tests.incentives.conftest import compute


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def test_evidence_is_checked_by_content_and_reviewed(client, staff_a, reviewer):
    client.force_login(staff_a)
    url = reverse("incentives:evidence", args=[CASCAS])
    requirement = Goal.objects.get(code="2015-M11").requirements.get(code="1")
    fake = SimpleUploadedFile("ordenanza.pdf", b"MZ this is not a pdf")
    data = {"requirement": requirement.pk, "number": "O.M. 012-2015", "issued_on": "2015-06-18"}
    response = client.post(url, data | {"file": fake})
    assert "debe ser un PDF, JPEG o PNG" in response.content.decode()
    assert not Evidence.objects.exists()
    pdf = SimpleUploadedFile("ordenanza.txt", b"%PDF-1.4\n...")
    assert client.post(url, data | {"file": pdf}).status_code == 302
    item = Evidence.objects.get()
    assert item.doc_type == "ordinance_atm" and item.status == "submitted"
    client.force_login(reviewer)
    review = reverse("incentives:evidence_review", args=[item.pk])
    client.post(review, {"decision": "return"})  # a return needs a comment
    item.refresh_from_db()
    assert item.status == "submitted"
    client.post(review, {"decision": "return", "comment": "Falta la firma del alcalde"})
    item.refresh_from_db()
    assert (item.status, item.comment) == ("returned", "Falta la firma del alcalde")
    assert list(item.events.values_list("status", flat=True)) == ["submitted", "returned"]
    client.force_login(staff_a)
    assert "Falta la firma del alcalde" in client.get(url).content.decode()


def test_an_approved_evidence_meets_its_requirement(staff_a, reviewer):
    DistrictCategory.objects.create(district_id=CASCAS, year=2015, category="C")
    goal = Goal.objects.get(code="2015-M11")
    Evidence.objects.create(
        district_id=CASCAS,
        requirement=goal.requirements.get(code="1"),
        doc_type="ordinance_atm",
        number="1",
        issued_on=dt.date(2015, 6, 1),
        file="evidence/x.pdf",
        status="approved",
        uploaded_by=staff_a,
        reviewed_at=timezone.now() - dt.timedelta(days=1),
    )
    run = compute(EvaluationRun.objects.create(goal=goal, cutoff=timezone.localdate()))
    result = DistrictResult.objects.get(run=run)
    assert result.requirements.get(requirement__code="1").met
    assert (result.score, result.passed) == (40, False)  # 40 < 70 although the mandatory one is met
