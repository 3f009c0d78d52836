"""The district's activity page reads every write (issue 14, part 5): besides the registry's,
the visits', the centres' and the evidence's history, the follow-up notes on agreements, the
service assessments, the agenda (planned and cancelled visits) and the access requests to
personal data (Ley 29733) — the latter never with the person's DNI or phone."""

import csv
import datetime as dt
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from ato.activity import SOURCES
from jass_registry import personal_data
from jass_registry.models import BoardMember, ChangeRecord, PersonalDataEvent
from jass_registry.services import board_term_start
from service_grades.models import ServiceAssessment
from service_grades.services import assessment_record
from territory.models import Role
from tests.conftest import CASCAS, LUCMA
from tests.factories import JassFactory, UserFactory, WaterSystemFactory
from visits import services as visit_services
from visits.models import Agreement, AgreementNote, ScheduledVisit
from visits.schedule import scheduled_visit_cancel, scheduled_visit_create

URL = f"/distritos/{CASCAS}/actividad/"
DNI = "41234567"
PHONE = "987654321"
TODAY = timezone.localdate()
GOOD = {
    "source_intake": "good",
    "conduction": "good",
    "treatment": "not_applicable",
    "storage": "good",
    "distribution": "good",
    "hours_dry": 24,
    "hours_rainy": 20,
}


def writes(user, district_id: str, name: str, *, head=None) -> dict:
    """One write of each new kind in a district, by `user` (the access request by `head`)."""
    jass = JassFactory(district_id=district_id, name=name)
    system = WaterSystemFactory(jass=jass, name=f"Gravedad {name}")
    board_term_start(
        user=head or user,
        jass=jass,
        starts_on=dt.date(2025, 1, 1),
        ends_on=dt.date(2026, 12, 31),
        members=[
            {"role": "president", "full_name": "Doris Alvarado", "dni": DNI, "phone": PHONE},
            {"role": "treasurer", "full_name": "Juan Rojas", "dni": "", "phone": ""},
        ],
    )
    visit = visit_services.visit_record(
        user=user,
        jass=jass,
        data={"date": TODAY - dt.timedelta(days=2), "kind": "supervision"},
        agreements=[
            {"task": f"Clorar el reservorio de {name}", "responsible": "Operador", "due_on": TODAY}
        ],
    )
    agreement = Agreement.objects.get(visit=visit)
    note = visit_services.agreement_note_add(
        user=user, agreement=agreement, text=f"Ya compraron el cloro en {name}"
    )
    assessment = assessment_record(user=user, visit=visit, water_system=system, data=GOOD)
    planned = scheduled_visit_create(
        user=user, jass=jass, date=TODAY + dt.timedelta(days=7), purpose="Capacitar al consejo"
    )
    cancelled = scheduled_visit_create(user=user, jass=jass, date=TODAY + dt.timedelta(days=9))
    scheduled_visit_cancel(user=user, scheduled=cancelled, reason="Huaico en la carretera")
    district = jass.district
    personal_data.personal_data_access(user=head or user, district=district, dni=DNI, output="csv")
    return {
        "jass": jass,
        "visit": visit,
        "note": note,
        "assessment": assessment,
        "planned": planned,
        "cancelled": cancelled,
    }


@pytest.fixture
def cascas(staff_a):
    return writes(staff_a, CASCAS, "Santa Rosa")


@pytest.fixture
def lucma(staff_b):
    head = UserFactory(username="jefe.lucma", role=Role.ATM_HEAD, district_id=LUCMA)
    return writes(staff_b, LUCMA, "Lucma Alta", head=head)


def by_action(entries) -> dict:
    found = {}
    for e in entries:
        found.setdefault(e.action, []).append(e)
    return found


def test_the_head_sees_notes_assessments_agenda_and_access_requests(client, staff_a, cascas):
    client.force_login(staff_a)
    response = client.get(URL)
    assert response.status_code == 200
    entries = by_action(response.context["entries"])
    name = staff_a.get_full_name() or staff_a.username

    (note,) = entries["Nota de seguimiento de un acuerdo"]
    assert (note.kind, note.user_name) == ("visits", name)
    assert note.object_text == "Clorar el reservorio de Santa Rosa · Santa Rosa"
    assert note.url == f"/visitas/{cascas['visit'].pk}/"
    assert note.changes == [("nota", "—", "Ya compraron el cloro en Santa Rosa")]

    (assessment,) = entries["Evaluación del servicio registrada"]
    assert (assessment.kind, assessment.user_name) == ("visits", name)
    assert assessment.object_text.startswith("Gravedad Santa Rosa · Santa Rosa · ")
    assert assessment.url == f"/visitas/{cascas['visit'].pk}/evaluacion/"

    planned = entries["Visita programada"]
    assert {e.pk for e in planned} == {cascas["planned"].pk, cascas["cancelled"].pk}
    assert {(e.kind, e.user_name) for e in planned} == {("schedule", name)}
    mine = next(e for e in planned if e.pk == cascas["planned"].pk)
    assert mine.url == f"/agenda/{cascas['planned'].pk}/"
    assert mine.changes == [("propósito", "—", "Capacitar al consejo")]
    assert mine.kind_label == "Agenda de visitas"

    (cancelled,) = entries["Visita programada cancelada"]
    assert (cancelled.kind, cancelled.user_name) == ("schedule", name)
    assert cancelled.at == ScheduledVisit.objects.get(pk=cancelled.pk).cancelled_at
    assert cancelled.changes == [("motivo", "—", "Huaico en la carretera")]

    (access,) = entries["Acceso a datos personales"]
    assert (access.kind, access.user_name) == ("personal_data", name)
    assert access.object_text == "Ficha de datos personales de una persona · descarga CSV"
    assert access.url == f"/distritos/{CASCAS}/datos-personales/"
    assert access.changes == []
    assert DNI not in str(vars(access)) and "67" not in access.object_text

    body = response.content.decode()
    for text in ("Acceso a datos personales", "Huaico en la carretera", "Ya compraron el cloro"):
        assert text in body


def test_a_rectification_is_shown_once_from_the_history_filed_under_personal_data(
    client, staff_a, cascas
):
    member = BoardMember.objects.get(term__jass=cascas["jass"], dni=DNI)
    personal_data.board_member_rectify(
        user=staff_a, member=member, data={"phone": "912345678"}, reason="Pedido de la titular"
    )
    assert PersonalDataEvent.objects.filter(kind="rectification").count() == 1
    client.force_login(staff_a)
    entries = client.get(URL, {"kind": "personal_data"}).context["entries"]
    assert sorted(e.action for e in entries) == [
        "Acceso a datos personales",
        "Rectificación de datos personales",
    ]
    assert {e.kind for e in entries} == {"personal_data"}
    everything = [e.action for e in client.get(URL).context["entries"]]
    assert everything.count("Rectificación de datos personales") == 1
    jass_only = [e.action for e in client.get(URL, {"kind": "jass"}).context["entries"]]
    assert "Rectificación de datos personales" not in jass_only


def test_the_reviewer_sees_who_asked_for_personal_data_but_no_dni_or_phone(
    client, reviewer, staff_a, cascas
):
    client.force_login(reviewer)
    response = client.get(URL)
    body = response.content.decode()
    assert "Acceso a datos personales" in body
    assert (staff_a.get_full_name() or staff_a.username) in body
    assert DNI not in body and PHONE not in body
    text = b"".join(client.get(URL + "exportar.csv").streaming_content).decode("utf-8-sig")
    assert "Acceso a datos personales" in text
    assert DNI not in text and PHONE not in text
    # The masked DNI the register keeps is not shown either: who, when, never whom (the board's
    # start record shows it masked to the reviewer, by the registry history's rule).
    subject = PersonalDataEvent.objects.get(kind="access").subject
    (access,) = [e for e in response.context["entries"] if e.kind == "personal_data"]
    assert subject not in f"{access.object_text} {access.changes}"
    (row,) = [r for r in csv.reader(io.StringIO(text)) if r[4] == "Acceso a datos personales"]
    assert subject not in ",".join(row) and "67" not in ",".join(row[2:])


def test_another_districts_writes_never_appear(client, staff_a, reviewer, staff_b, cascas, lucma):
    for user in (staff_a, reviewer):
        client.force_login(user)
        response = client.get(URL)
        entries = response.context["entries"]
        assert len([e for e in entries if e.action == "Acceso a datos personales"]) == 1
        body = response.content.decode()
        text = b"".join(client.get(URL + "exportar.csv").streaming_content).decode("utf-8-sig")
        for shown in (body, text):
            assert "Santa Rosa" in shown
            assert "Lucma Alta" not in shown
        theirs = {
            ("Nota de seguimiento de un acuerdo", lucma["note"].pk),
            ("Evaluación del servicio registrada", lucma["assessment"].pk),
            ("Visita programada", lucma["planned"].pk),
            ("Visita programada cancelada", lucma["cancelled"].pk),
        }
        assert not theirs & {(e.action, e.pk) for e in entries}
    client.force_login(staff_b)
    assert client.get(URL).status_code == 404
    assert client.get(URL + "exportar.csv").status_code == 404


def test_filters_by_kind_user_and_search(client, staff_a, cascas):
    colleague = UserFactory(username="tecnico.cascas", role=Role.ATM_STAFF, district_id=CASCAS)
    other = scheduled_visit_create(user=colleague, jass=cascas["jass"], date=TODAY)
    scheduled_visit_cancel(user=staff_a, scheduled=other, reason="Sin movilidad")
    client.force_login(staff_a)

    def actions(**params):
        return sorted(e.action for e in client.get(URL, params).context["entries"])

    assert actions(kind="schedule") == [
        "Visita programada",
        "Visita programada",
        "Visita programada",
        "Visita programada cancelada",
        "Visita programada cancelada",
    ]
    assert actions(kind="schedule", user=colleague.pk) == ["Visita programada"]
    assert actions(kind="personal_data") == ["Acceso a datos personales"]
    visits = actions(kind="visits")
    assert "Nota de seguimiento de un acuerdo" in visits
    assert "Evaluación del servicio registrada" in visits
    # Search: the agreement's task, the system's name, the JASS's name; never personal data.
    assert "Nota de seguimiento de un acuerdo" in actions(q="reservorio")
    assert actions(q="gravedad") == ["Evaluación del servicio registrada"]
    assert "Acceso a datos personales" not in actions(q="santa rosa")
    assert "Visita programada cancelada" in actions(q="santa rosa")
    tomorrow = TODAY + dt.timedelta(days=1)
    assert actions(start=tomorrow.isoformat()) == []


def test_the_export_carries_the_new_rows(client, staff_a, cascas):
    client.force_login(staff_a)
    text = b"".join(client.get(URL + "exportar.csv").streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))[1:]
    actions = {r[4] for r in rows}
    assert actions >= {
        "Nota de seguimiento de un acuerdo",
        "Evaluación del servicio registrada",
        "Visita programada",
        "Visita programada cancelada",
        "Acceso a datos personales",
        "Visita registrada",
        "Nuevo consejo directivo",
    }
    kinds = {r[3] for r in rows}
    assert {"Agenda de visitas", "Datos personales", "Visitas"} <= kinds
    assert any("motivo: — → Huaico en la carretera" in r[5] for r in rows)
    stamps = [r[0] for r in rows]
    assert stamps == sorted(stamps, reverse=True)


def many(user, jass, visit, n: int) -> None:
    """n more rows of every source in one district, all at the same instant as each other."""
    now = timezone.now()
    agreement = Agreement.objects.filter(visit=visit).first()
    ChangeRecord.objects.bulk_create(
        ChangeRecord(jass=jass, action="updated", target=f"r{i}", user=user) for i in range(n)
    )
    AgreementNote.objects.bulk_create(
        AgreementNote(agreement=agreement, text=f"n{i}", written_by=user) for i in range(n)
    )
    systems = WaterSystemFactory.create_batch(n, jass=jass)
    ServiceAssessment.objects.bulk_create(
        ServiceAssessment(visit=visit, water_system=s, created_by=user, **GOOD) for s in systems
    )
    ScheduledVisit.objects.bulk_create(
        ScheduledVisit(
            jass=jass,
            date=TODAY,
            created_by=user,
            cancelled_at=now if i % 2 else None,
            cancelled_by=user if i % 2 else None,
            cancel_reason="lluvia" if i % 2 else "",
        )
        for i in range(n)
    )
    PersonalDataEvent.objects.bulk_create(
        PersonalDataEvent(
            district_id=jass.district_id, kind="access", subject="••••••67", user=user
        )
        for _ in range(n)
    )
    for model in (ChangeRecord, PersonalDataEvent):
        model.objects.update(at=now)
    for model in (AgreementNote, ServiceAssessment, ScheduledVisit):
        model.objects.update(created_at=now)


def test_pages_follow_the_cursor_across_every_source_without_gaps_or_repeats(
    client, staff_a, cascas
):
    many(staff_a, cascas["jass"], cascas["visit"], 15)
    client.force_login(staff_a)
    total = len(list(_every_entry(client)))
    seen, url, pages = [], URL, 0
    while url:
        response = client.get(url if url.startswith("/") else URL + url)
        seen += [(e.source, e.pk) for e in response.context["entries"]]
        url = response.context["next_url"]
        pages += 1
    assert len(seen) == len(set(seen)) == total
    assert pages == -(-total // 50)
    assert {source for source, _pk in seen} == set(range(len(SOURCES))) - {0, 1}


def _every_entry(client):
    text = b"".join(client.get(URL + "exportar.csv").streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text)))[1:]


def _queries(client, path) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(path)
        if hasattr(response, "streaming_content"):
            b"".join(response.streaming_content)
    assert response.status_code == 200
    return sum(1 for q in ctx.captured_queries if "SAVEPOINT" not in q["sql"])


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        # session, user, district, the users for the filter, one query per source (nine, each
        # at most a page and a row, joined to its object and user), session refresh
        (URL, 14),
        (URL + "exportar.csv", 14),  # the same sources, streamed
        (URL + "?kind=schedule", 7),  # planned and cancelled only
        (URL + "?q=santa", 13),  # the access requests are not searched: no query
    ],
)
def test_the_query_count_does_not_grow_with_the_rows(
    client, reviewer, staff_a, cascas, path, expected
):
    client.force_login(reviewer)
    assert _queries(client, path) == expected
    many(staff_a, cascas["jass"], cascas["visit"], 30)
    assert _queries(client, path) == expected
