"""Nothing is hard-deleted, anywhere. A visit is voided (anulada) with a reason: it stays in the
database with its readings and agreements, is shown as voided, and stops counting in lists,
exports, summaries, risk signals and the goal engine. No domain model can be deleted from the
Django admin."""

import datetime as dt

import pytest
from django.contrib import admin
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from incentives import engine
from incentives.checks import CheckKind
from jass_registry.models import ChangeRecord, Jass
from jass_registry.risk import Signal, signal_codes, with_risk
from tests.conftest import CASCAS, api_client_for
from tests.factories import JassFactory, UserFactory, WaterSystemFactory
from visits import schedule, services
from visits.models import Agreement, ChlorineReading, ScheduledVisit, Visit

TODAY = timezone.localdate()


@pytest.fixture
def visited(staff_a):
    """A JASS with an older visit and a recent one; the recent one is the one voided."""
    jass = JassFactory(district_id=CASCAS, name="JASS Santa Rosa")
    system = WaterSystemFactory(jass=jass)
    old = services.visit_record(
        user=staff_a,
        jass=jass,
        data={"date": TODAY - dt.timedelta(days=400), "kind": "supervision"},
        readings=[{"water_system": system.pk, "point": "reservoir", "mg_per_l": "0.30"}],
    )
    recent = services.visit_record(
        user=staff_a,
        jass=jass,
        data={"date": TODAY - dt.timedelta(days=3), "kind": "training", "findings": "Hallazgo X"},
        # at the last house: chlorine is judged in the network (visits/chlorine.py)
        readings=[{"water_system": system.pk, "point": "last_house", "mg_per_l": "0.80"}],
        agreements=[{"task": "Clorar el reservorio", "responsible": "Operador", "due_on": TODAY}],
    )
    return jass, system, old, recent


def void_through_the_api(staff_a, visit, **body):
    return api_client_for(staff_a).delete(f"/api/v1/visits/{visit.pk}/", body, format="json")


def test_an_api_delete_voids_the_visit_and_keeps_it_with_its_readings_and_agreements(
    staff_a, visited
):
    jass, _system, _old, recent = visited
    response = void_through_the_api(staff_a, recent, reason="Registrada dos veces")
    assert response.status_code == 204
    recent.refresh_from_db()
    assert recent.voided_at is not None and recent.voided_by == staff_a
    assert recent.void_reason == "Registrada dos veces"
    assert ChlorineReading.objects.filter(visit=recent).count() == 1
    assert Agreement.objects.filter(visit=recent).count() == 1
    record = ChangeRecord.objects.get(jass=jass, action="visit_voided")
    assert record.user == staff_a and record.changes["reason"][1] == "Registrada dos veces"


def test_a_voided_visit_leaves_the_lists_exports_and_api_list_but_its_detail_says_voided(
    client, staff_a, visited
):
    _jass, _system, old, recent = visited
    assert void_through_the_api(staff_a, recent).status_code == 204
    api = api_client_for(staff_a)
    listed = [row["id"] for row in api.get("/api/v1/visits/").json()["results"]]
    assert listed == [old.pk]
    detail = api.get(f"/api/v1/visits/{recent.pk}/").json()
    assert detail["voided"] is True and detail["void_reason"]

    client.force_login(staff_a)
    visits_page = client.get(reverse("visits:list", args=[CASCAS])).content.decode()
    agreements_page = client.get(reverse("visits:agreements", args=[CASCAS])).content.decode()
    export = b"".join(
        client.get(reverse("visits:export", args=[CASCAS, "csv"])).streaming_content
    ).decode()
    assert "Hallazgo X" not in export and f"{old.pk}," in export
    assert reverse("visits:detail", args=[recent.pk]) not in visits_page
    assert "Clorar el reservorio" not in agreements_page
    timeline = client.get(reverse("visits:jass_timeline", args=[recent.jass_id])).content
    assert "Anulada" in timeline.decode()


def test_a_voided_visit_no_longer_counts_in_summaries_or_risk_signals(staff_a, visited):
    jass, system, old, recent = visited
    jass.refresh_from_db()
    assert jass.last_visit_on == recent.date
    assert void_through_the_api(staff_a, recent).status_code == 204
    assert ChlorineReading.objects.filter(visit=recent).exists()  # kept, but not counted
    jass.refresh_from_db()
    system.refresh_from_db()
    assert jass.last_visit_on == old.date
    assert jass.last_training_on is None
    assert str(system.last_reading_mg_l) == "0.30"
    annotated = with_risk(Jass.objects.filter(pk=jass.pk), TODAY).get()
    assert Signal.NO_RECENT_VISIT in signal_codes(annotated)


def test_the_rebuild_command_agrees_that_a_voided_visit_does_not_count(staff_a, visited):
    jass, system, old, recent = visited
    services.visit_void(user=staff_a, visit=recent, reason="Error de digitación")
    services.summaries_rebuild()
    jass.refresh_from_db()
    system.refresh_from_db()
    assert (jass.last_visit_on, str(system.last_reading_mg_l)) == (old.date, "0.30")


class Req:
    def __init__(self, kind, params):
        self.kind, self.params = kind, params


def test_the_goal_engine_ignores_voided_visits_and_their_readings(staff_a, visited):
    jass, _system, _old, recent = visited
    visited_ratio = Req(
        CheckKind.JASS_VISITED_RATIO,
        {"min_ratio": "0.5", "from": str(TODAY - dt.timedelta(days=30)), "min_visits": 1},
    )
    chlorination = Req(
        CheckKind.CHLORINATION_RATIO, {"min_ratio": "0.5", "min_mg_l": "0.5", "window_days": 60}
    )

    def measured():
        return [
            engine.measure(r, [CASCAS], TODAY, False)[CASCAS].numerator
            for r in (visited_ratio, chlorination)
        ]

    assert measured() == [1, 1]
    services.visit_void(user=staff_a, visit=recent, reason="No se realizó")
    assert measured() == [0, 0]


def test_a_voided_visit_cannot_be_edited_nor_voided_again(client, staff_a, visited):
    _jass, _system, _old, recent = visited
    assert void_through_the_api(staff_a, recent, reason="Duplicada").status_code == 204
    api = api_client_for(staff_a)
    response = api.patch(f"/api/v1/visits/{recent.pk}/", {"findings": "Otra"}, format="json")
    assert response.status_code == 400
    assert void_through_the_api(staff_a, recent, reason="Otra razón").status_code == 204
    recent.refresh_from_db()
    assert (recent.findings, recent.void_reason) == ("Hallazgo X", "Duplicada")
    client.force_login(staff_a)
    assert client.get(reverse("visits:edit", args=[recent.pk])).status_code == 302


def test_the_void_page_asks_for_a_reason_and_a_confirmation(client, staff_a, visited):
    _jass, _system, _old, recent = visited
    client.force_login(staff_a)
    url = reverse("visits:void", args=[recent.pk])
    assert client.post(url, {"confirm": "on"}).status_code == 200
    assert client.post(url, {"reason": "Duplicada"}).status_code == 200
    assert Visit.objects.get(pk=recent.pk).voided_at is None
    assert client.post(url, {"reason": "Duplicada", "confirm": "on"}).status_code == 302
    assert Visit.objects.filter(pk=recent.pk, void_reason="Duplicada").exists()
    detail = client.get(reverse("visits:detail", args=[recent.pk])).content.decode()
    assert "Anulada" in detail and "Duplicada" in detail


def test_editing_a_visit_keeps_unchanged_lines_and_records_the_removed_ones(staff_a, visited):
    jass, system, _old, recent = visited
    agreement = recent.agreements.get()
    services.agreement_mark_done(user=staff_a, agreement=agreement)
    services.visit_update(
        user=staff_a,
        visit=Visit.objects.get(pk=recent.pk),
        data={},
        readings=[{"water_system": system.pk, "point": "last_house", "mg_per_l": "0.60"}],
        agreements=[{"task": "Clorar el reservorio", "responsible": "Operador", "due_on": TODAY}],
    )
    kept = Agreement.objects.get(visit=recent)
    assert kept.pk == agreement.pk and kept.done_on == TODAY  # not deleted and recreated
    record = ChangeRecord.objects.get(jass=jass, action="visit_updated")
    assert "0.80" in record.changes["readings"][0] and "0.60" in record.changes["readings"][1]


def test_cancelling_a_planned_visit_keeps_its_row(client, staff_a):
    jass = JassFactory(district_id=CASCAS)
    scheduled = schedule.scheduled_visit_create(user=staff_a, jass=jass, date=TODAY)
    client.force_login(staff_a)
    url = reverse("visits:schedule_cancel", args=[scheduled.pk])
    assert client.post(url, {"reason": "Huaico", "confirm": "on"}).status_code == 302
    assert list(ScheduledVisit.objects.values_list("pk", "cancel_reason")) == [
        (scheduled.pk, "Huaico")
    ]
    assert client.delete(url).status_code == 405
    assert ScheduledVisit.objects.count() == 1


def test_no_domain_model_can_be_deleted_in_the_admin(db):
    superuser = UserFactory(username="root", is_superuser=True, is_staff=True)
    request = RequestFactory().get("/admin/")
    request.user = superuser
    ours = {"territory", "jass_registry", "visits", "incentives"}
    checked = []
    for model, model_admin in admin.site._registry.items():
        if model._meta.app_label not in ours:
            continue
        checked.append(model.__name__)
        assert not model_admin.has_delete_permission(request), model
        assert "delete_selected" not in model_admin.get_actions(request), model
        for inline in model_admin.get_inline_instances(request):
            assert not inline.has_delete_permission(request), (model, inline)
    assert {"Jass", "BoardTerm", "Evidence", "User", "AtmOffice"} <= set(checked)
