"""evidence_review: a reviewer approves or returns an evidence item (returning says what to
correct), each decision kept as an event; the page and the service refuse the same things."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from incentives import services
from incentives.models import Evidence, EvidenceStatus, Goal
from tests.conftest import CASCAS


@pytest.fixture
def item(staff_a):
    requirement = Goal.objects.get(code="2015-M11").requirements.get(code="1")
    return Evidence.objects.create(
        district_id=CASCAS,
        requirement=requirement,
        doc_type="ordinance_atm",
        number="O.M. 012-2015",
        issued_on=dt.date(2015, 6, 18),
        file="evidence/x.pdf",
        uploaded_by=staff_a,
    )


def test_a_reviewer_approves_and_the_event_is_kept(item, reviewer):
    services.evidence_review(user=reviewer, evidence=item, approve=True, comment="  Conforme ")
    item.refresh_from_db()
    assert (item.status, item.comment) == (EvidenceStatus.APPROVED, "Conforme")
    assert item.reviewed_at is not None
    assert list(item.events.values_list("status", "comment", "user")) == [
        (EvidenceStatus.APPROVED, "Conforme", reviewer.pk)
    ]


def test_returning_needs_a_comment(item, reviewer):
    with pytest.raises(ValidationError) as error:
        services.evidence_review(user=reviewer, evidence=item, approve=False, comment="   ")
    assert error.value.message_dict == {
        "comment": ["Para observar una evidencia indique qué debe corregirse."]
    }
    item.refresh_from_db()
    assert item.status == EvidenceStatus.SUBMITTED and not item.events.exists()


def test_the_districts_own_staff_cannot_review(item, staff_a):
    with pytest.raises(ValidationError):
        services.evidence_review(user=staff_a, evidence=item, approve=True)
    item.refresh_from_db()
    assert item.status == EvidenceStatus.SUBMITTED


def test_the_page_shows_why_a_return_was_refused(client, item, reviewer):
    client.force_login(reviewer)
    response = client.post(
        reverse("incentives:evidence_review", args=[item.pk]), {"decision": "return"}, follow=True
    )
    assert "Para observar una evidencia indique qué debe corregirse." in response.content.decode()
    item.refresh_from_db()
    assert item.status == EvidenceStatus.SUBMITTED
