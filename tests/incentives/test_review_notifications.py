"""A review reaches the district's ATM staff: a notification in ATO for each of them and an
email once the review commits (Spanish, text and HTML); nobody else hears of it."""

import datetime as dt

import pytest
from django.core import mail

from incentives import services
from incentives.models import EvaluationRun, Goal
from territory.models import Notification, Role
from tests.conftest import CASCAS
from tests.factories import UserFactory, atm_ordinance_evidence
from tests.incentives.conftest import compute


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def cascas_colleague(staff_a):
    return UserFactory(
        username="staff2.cascas", role=Role.ATM_STAFF, district_id=CASCAS, email="ana@cascas.pe"
    )


def test_returning_evidence_notifies_the_districts_staff_in_ato_and_by_email(
    staff_a, staff_b, cascas_colleague, reviewer, django_capture_on_commit_callbacks
):
    staff_a.email = "jefe@cascas.pe"
    staff_a.save()
    item = atm_ordinance_evidence(district_id=CASCAS, uploaded_by=staff_a)
    with django_capture_on_commit_callbacks(execute=True):
        services.evidence_review(
            user=reviewer, evidence=item, approve=False, comment="Falta la firma del alcalde"
        )
    notes = Notification.objects.order_by("user__username")
    assert [n.user for n in notes] == [staff_a, cascas_colleague]  # not Lucma, not the reviewer
    note = notes[0]
    assert note.kind == "evidence_returned" and note.read_at is None
    assert note.message == (
        f"{reviewer.get_full_name()} observó la evidencia O.M. 012-2015 "
        f"(2015-M11 · {item.requirement.title}): Falta la firma del alcalde"
    )
    assert note.url == f"/distritos/{CASCAS}/evidencias/#evidencia-{item.pk}"
    staff_a.refresh_from_db()
    assert staff_a.unread_notifications == 1
    assert sorted(m.to[0] for m in mail.outbox) == ["ana@cascas.pe", "jefe@cascas.pe"]
    message = mail.outbox[0]
    assert message.subject == "ATO · Evidencia O.M. 012-2015 observada"
    assert "Falta la firma del alcalde" in message.body
    assert f"http://127.0.0.1:8000/distritos/{CASCAS}/evidencias/#evidencia-{item.pk}" in (
        message.body
    )
    html, kind = message.alternatives[0]
    assert kind == "text/html" and "Véalo en ATO" in html and "Falta la firma" in html


def test_no_email_leaves_before_the_review_commits(staff_a, reviewer, settings):
    staff_a.email = "jefe@cascas.pe"
    staff_a.save()
    item = atm_ordinance_evidence(district_id=CASCAS, uploaded_by=staff_a)
    services.evidence_review(user=reviewer, evidence=item, approve=True)
    assert mail.outbox == []  # the test's transaction never commits: nothing is sent
    assert Notification.objects.get().kind == "evidence_approved"


def test_a_refused_review_notifies_nobody(staff_a, reviewer):
    item = atm_ordinance_evidence(district_id=CASCAS, uploaded_by=staff_a)
    with pytest.raises(services.ValidationError):
        services.evidence_review(user=reviewer, evidence=item, approve=False, comment="")
    assert not Notification.objects.exists()


def test_returning_a_district_result_notifies_its_staff(
    scope, staff_a, reviewer, django_capture_on_commit_callbacks
):
    staff_a.email = "jefe@cascas.pe"
    staff_a.save()
    goal = Goal.objects.get(code="2017-M35")
    run = compute(
        EvaluationRun.objects.create(goal=goal, cutoff=dt.date(2026, 11, 20), kind="official")
    )
    result = run.results.get(district_id=CASCAS)
    with django_capture_on_commit_callbacks(execute=True):
        services.result_review(
            user=reviewer, result=result, approve=False, comment="Revise el padrón de JASS"
        )
    note = Notification.objects.get(user=staff_a)
    assert note.kind == "result_returned"
    assert note.message == (
        f"{reviewer.get_full_name()} observó el resultado oficial de la meta 2017-M35 al "
        "20/11/2026: Revise el padrón de JASS"
    )
    assert note.url == f"/evaluaciones/{run.pk}/distritos/{CASCAS}/"
    assert [m.subject for m in mail.outbox] == ["ATO · Resultado de la meta 2017-M35 observado"]
