"""Following an agreement up: "Marcar cumplido" on a chosen day (not after today, not before the
visit, the same rule from the page and the API) and follow-up notes kept in order."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from tests.conftest import CASCAS, api_client_for
from visits import services
from visits.models import Agreement, AgreementNote
from visits.services import visit_record, visit_void

PINNED_NOON = dt.datetime(2026, 6, 15, 12, tzinfo=ZoneInfo("America/Lima"))
TODAY = PINNED_NOON.date()
VISIT_DAY = dt.date(2026, 6, 1)

pytestmark = pytest.mark.time_machine(PINNED_NOON, tick=False)


@pytest.fixture
def agreement(staff_a, site):
    jass, _system = site
    visit = visit_record(
        user=staff_a,
        jass=jass,
        data={"date": VISIT_DAY, "kind": "follow_up"},
        agreements=[
            {"task": "Comprar hipoclorito", "responsible": "Tesorero(a)", "due_on": "2026-07-01"}
        ],
    )
    return visit.agreements.get()


def test_marked_done_on_the_day_chosen(client, staff_a, agreement):
    client.force_login(staff_a)
    response = client.post(f"/acuerdos/{agreement.pk}/cumplido/", {"done_on": "2026-06-10"})
    assert response.status_code == 302 and response.url == f"/distritos/{CASCAS}/acuerdos/"
    agreement.refresh_from_db()
    assert agreement.done_on == dt.date(2026, 6, 10) and agreement.done_by == staff_a


def test_no_date_means_today(client, staff_a, agreement):
    client.force_login(staff_a)
    client.post(f"/acuerdos/{agreement.pk}/cumplido/")
    agreement.refresh_from_db()
    assert agreement.done_on == TODAY


@pytest.mark.parametrize(
    ("day", "message"),
    [
        ("2026-06-16", "La fecha de cumplimiento no puede ser posterior a hoy."),
        ("2026-05-31", "La fecha de cumplimiento no puede ser anterior a la visita (01/06/2026)."),
    ],
)
def test_a_day_after_today_or_before_the_visit_is_refused(client, staff_a, agreement, day, message):
    client.force_login(staff_a)
    response = client.post(f"/acuerdos/{agreement.pk}/cumplido/", {"done_on": day}, follow=True)
    assert message in response.content.decode()
    agreement.refresh_from_db()
    assert agreement.done_on is None


def test_an_unreadable_date_is_refused_without_error(client, staff_a, agreement):
    client.force_login(staff_a)
    response = client.post(f"/acuerdos/{agreement.pk}/cumplido/", {"done_on": "31/02/2026"})
    assert response.status_code == 302
    agreement.refresh_from_db()
    assert agreement.done_on is None


def test_the_form_goes_back_to_the_page_it_came_from_only_on_this_site(client, staff_a, agreement):
    client.force_login(staff_a)
    back = f"/visitas/{agreement.visit_id}/"
    response = client.post(f"/acuerdos/{agreement.pk}/cumplido/", {"next": back})
    assert response.url == back
    other = client.post(f"/acuerdos/{agreement.pk}/notas/", {"text": "x", "next": "https://evil"})
    assert other.url == f"/distritos/{CASCAS}/acuerdos/"


def test_the_api_patch_follows_the_same_rule(staff_a, agreement):
    api = api_client_for(staff_a)
    row = {"task": agreement.task, "responsible": agreement.responsible, "due_on": "2026-07-01"}
    early = api.patch(
        f"/api/v1/visits/{agreement.visit_id}/",
        {"agreements": [{**row, "done_on": "2026-05-20"}]},
        format="json",
    )
    assert early.status_code == 400
    assert early.json()["agreements"] == [
        "Acuerdo 1: La fecha de cumplimiento no puede ser anterior a la visita (01/06/2026)."
    ]
    done = api.patch(
        f"/api/v1/visits/{agreement.visit_id}/",
        {"agreements": [{**row, "done_on": "2026-06-12"}]},
        format="json",
    )
    assert done.status_code == 200
    assert Agreement.objects.get().done_on == dt.date(2026, 6, 12)


def test_notes_are_kept_in_order_with_author_and_shown_on_both_pages(client, staff_a, agreement):
    client.force_login(staff_a)
    for text in ("Se pidió la cotización", "Se compró el hipoclorito"):
        assert client.post(f"/acuerdos/{agreement.pk}/notas/", {"text": text}).status_code == 302
    assert list(AgreementNote.objects.values_list("text", "written_by")) == [
        ("Se pidió la cotización", staff_a.pk),
        ("Se compró el hipoclorito", staff_a.pk),
    ]
    for page in (f"/distritos/{CASCAS}/acuerdos/", f"/visitas/{agreement.visit_id}/"):
        html = client.get(page).content.decode()
        first, second = html.index("Se pidió la cotización"), html.index("Se compró el hipoclorito")
        assert first < second
        assert 'type="date" name="done_on"' in html and 'max="2026-06-15"' in html


def test_an_empty_or_too_long_note_is_refused(client, staff_a, agreement):
    client.force_login(staff_a)
    client.post(f"/acuerdos/{agreement.pk}/notas/", {"text": "   "})
    client.post(f"/acuerdos/{agreement.pk}/notas/", {"text": "x" * 1001})
    assert not AgreementNote.objects.exists()
    with pytest.raises(services.ValidationError):
        services.agreement_note_add(user=staff_a, agreement=agreement, text=" ")


def test_others_cannot_write_notes(client, staff_b, reviewer, agreement):
    client.force_login(staff_b)
    assert client.post(f"/acuerdos/{agreement.pk}/notas/", {"text": "x"}).status_code == 404
    client.force_login(reviewer)
    assert client.post(f"/acuerdos/{agreement.pk}/notas/", {"text": "x"}).status_code == 403
    assert not AgreementNote.objects.exists()


def test_a_voided_visits_agreement_takes_no_note(staff_a, agreement):
    visit_void(user=staff_a, visit=agreement.visit, reason="Duplicada")
    with pytest.raises(services.ValidationError):
        services.agreement_note_add(user=staff_a, agreement=agreement, text="Seguimos")
    assert not AgreementNote.objects.exists()


def test_the_agreements_list_stacks_on_a_phone(client, staff_a, agreement):
    client.force_login(staff_a)
    html = client.get(f"/distritos/{CASCAS}/acuerdos/").content.decode()
    assert 'class="striped stack"' in html and 'data-label="Acuerdo"' in html
    assert "overflow-auto" not in html
