"""The Monday digest email (ato/digest.py): each ATM head gets their own district's new risk
signals, agreements that fell overdue, evidence returned and goal deadlines, in Spanish text
and HTML; nobody who turned it off, and nothing when there is nothing to say."""

import datetime as dt

import pytest
from celery.schedules import crontab
from django.conf import settings
from django.core import mail
from django.utils import timezone

from ato.digest import SECTION_LIMIT, send_weekly_digests
from incentives.models import Goal
from incentives.services import evidence_review
from territory.models import DistrictCategory, Role, User
from tests.conftest import CASCAS, LUCMA
from tests.factories import (
    BoardMemberFactory,
    BoardTermFactory,
    JassFactory,
    UserFactory,
    VisitFactory,
    atm_ordinance_evidence,
)
from visits.models import Agreement

# The run's day: tomorrow, so that today's writes fall inside "this week" [monday - 7, monday).
MONDAY = timezone.localdate() + dt.timedelta(days=1)
DNI, PHONE = "41234567", "987654321"


def head(ubigeo: str, username: str, **kwargs) -> User:
    return UserFactory(
        username=username,
        role=Role.ATM_HEAD,
        district_id=ubigeo,
        email=f"{username}@muni.gob.pe",
        **kwargs,
    )


def agreement(jass, task: str, due_on: dt.date, done_on=None) -> Agreement:
    visit = VisitFactory(jass=jass, date=timezone.localdate() - dt.timedelta(days=30))
    return Agreement.objects.create(
        visit=visit, task=task, responsible="Doris Alvarado", due_on=due_on, done_on=done_on
    )


@pytest.fixture
def week(reviewer, settings):
    """A week of news in Cascas (and some in Lucma), and what must stay out of it."""
    settings.ATO_BASE_URL = "https://ato.example.pe"
    cascas, lucma = head(CASCAS, "jefa.cascas"), head(LUCMA, "jefe.lucma")
    # A board that expired three days before Monday: "Consejo directivo vencido" is new.
    expired = JassFactory(district_id=CASCAS, name="JASS Santa Rosa")
    term = BoardTermFactory(
        jass=expired,
        starts_on=MONDAY - dt.timedelta(days=700),
        ends_on=MONDAY - dt.timedelta(days=3),
    )
    BoardMemberFactory(term=term, full_name="Doris Alvarado", dni=DNI, phone=PHONE)
    # A board that expired a year ago: at risk, but nothing new this week.
    old = JassFactory(district_id=CASCAS, name="JASS Antigua")
    BoardTermFactory(
        jass=old,
        starts_on=MONDAY - dt.timedelta(days=1100),
        ends_on=MONDAY - dt.timedelta(days=365),
    )
    agreement(expired, "Reparar la válvula", MONDAY - dt.timedelta(days=2))
    agreement(expired, "Limpiar el reservorio", MONDAY - dt.timedelta(days=20))  # last month
    agreement(expired, "Comprar cloro", MONDAY - dt.timedelta(days=2), done_on=timezone.localdate())
    agreement(old, "Nombrar fiscal", MONDAY + dt.timedelta(days=5))  # not yet due
    evidence = atm_ordinance_evidence(district_id=CASCAS, uploaded_by=cascas)
    evidence_review(user=reviewer, evidence=evidence, approve=False, comment="Falta la firma")
    year = MONDAY.year
    Goal.objects.create(
        code=f"{year}-M90",
        number=90,
        year=year,
        title="Meta de prueba de categoría C",
        deadline=MONDAY + dt.timedelta(days=10),
        categories=["C"],
        minimum_score=50,
    )
    Goal.objects.create(
        code=f"{year}-M91",
        number=91,
        year=year,
        title="Meta lejana",
        deadline=MONDAY + dt.timedelta(days=60),
        categories=["C"],
        minimum_score=50,
    )
    DistrictCategory.objects.create(district_id=CASCAS, year=year, category="C")
    DistrictCategory.objects.create(district_id=LUCMA, year=year, category="A")
    lucma_jass = JassFactory(district_id=LUCMA, name="JASS de Lucma")
    agreement(lucma_jass, "Tarea de Lucma", MONDAY - dt.timedelta(days=1))
    # Django's in-memory email backend (locmem, the test environment's): an empty outbox.
    mail.outbox = []
    return {"cascas": cascas, "lucma": lucma, "expired": expired}


def mail_to(user):
    found = [m for m in mail.outbox if m.to == [user.email]]
    assert len(found) == 1, [m.to for m in mail.outbox]
    message = found[0]
    html = dict((kind, body) for body, kind in message.alternatives)["text/html"]
    return message, message.body, html


def test_each_section_of_the_head_s_email(week):
    result = send_weekly_digests(today=MONDAY)
    assert result.sent == 2
    message, text, html = mail_to(week["cascas"])
    assert "Resumen semanal de Cascas" in message.subject
    for body in (text, html):
        assert "Alertas nuevas esta semana (1)" in body
        assert "JASS Santa Rosa" in body
        assert "Consejo directivo vencido" in body
        assert "JASS Antigua" not in body  # expired a year ago: not news
        assert "Acuerdos que vencieron esta semana (1)" in body
        assert "Reparar la válvula" in body
        assert "Limpiar el reservorio" not in body
        assert "Comprar cloro" not in body
        assert "Nombrar fiscal" not in body
        assert "Evidencias observadas esta semana (1)" in body
        assert "Falta la firma" in body
        assert "Metas que vencen en los próximos 30 días (1)" in body
        assert "Meta de prueba de categoría C" in body
        assert "Meta lejana" not in body
        # Absolute links, to the JASS and to turning the digest off.
        assert f"https://ato.example.pe/jass/{week['expired'].pk}/" in body
        assert "https://ato.example.pe/cuenta/" in body
    assert '<a href="https://ato.example.pe/jass/' in html


def test_other_districts_data_and_personal_data_stay_out(week):
    send_weekly_digests(today=MONDAY)
    _message, text, html = mail_to(week["cascas"])
    for body in (text, html):
        assert "Tarea de Lucma" not in body
        assert "JASS de Lucma" not in body
        assert DNI not in body
        assert PHONE not in body
    _message, text, html = mail_to(week["lucma"])
    assert "Tarea de Lucma" in text
    assert "Santa Rosa" not in text
    assert "Falta la firma" not in text
    assert "Meta de prueba" not in text  # Lucma is category A: the goal is not theirs


def test_who_does_not_receive_it(week):
    off = head(CASCAS, "otra.jefa", weekly_digest=False)
    inactive = head(CASCAS, "jefa.anterior", is_active=False)
    no_email = UserFactory(username="sin.correo", role=Role.ATM_HEAD, district_id=CASCAS)
    staff = UserFactory(
        username="tecnico", role=Role.ATM_STAFF, district_id=CASCAS, email="t@muni.gob.pe"
    )
    quiet = head("131103", "jefe.tranquilo")  # a district with nothing to say
    result = send_weekly_digests(today=MONDAY)
    addressed = {m.to[0] for m in mail.outbox}
    assert addressed == {week["cascas"].email, week["lucma"].email}
    for user in (off, inactive, staff, quiet):
        assert user.email not in addressed
    assert no_email.email == ""
    assert result.empty == 1  # the quiet district's head: an empty digest is not sent
    assert result.sent == 2


def test_turning_it_off_in_mi_cuenta(client, week):
    client.force_login(week["cascas"])
    page = client.get("/cuenta/").content.decode()
    assert "Recibir el resumen semanal por correo" in page
    response = client.post("/cuenta/resumen-semanal/", {})  # the checkbox left unticked
    assert response.status_code == 302
    week["cascas"].refresh_from_db()
    assert week["cascas"].weekly_digest is False
    send_weekly_digests(today=MONDAY)
    assert [m.to for m in mail.outbox] == [[week["lucma"].email]]
    client.post("/cuenta/resumen-semanal/", {"weekly_digest": "on"})
    week["cascas"].refresh_from_db()
    assert week["cascas"].weekly_digest is True


def test_a_second_run_the_same_day_sends_nothing_again(week):
    assert send_weekly_digests(today=MONDAY).sent == 2
    again = send_weekly_digests(today=MONDAY)
    assert again.recipients == 0 and again.sent == 0
    assert len(mail.outbox) == 2


def test_a_long_section_lists_the_first_and_counts_the_rest(week):
    for i in range(SECTION_LIMIT + 5):
        jass = JassFactory(district_id=CASCAS, name=f"JASS {i:03d}")
        BoardTermFactory(
            jass=jass,
            starts_on=MONDAY - dt.timedelta(days=700),
            ends_on=MONDAY - dt.timedelta(days=2),
        )
    send_weekly_digests(today=MONDAY)
    _message, text, html = mail_to(week["cascas"])
    assert f"Alertas nuevas esta semana ({SECTION_LIMIT + 6})" in text
    assert "… y 6 más" in text and "… y 6 más" in html


def test_the_beat_schedule_runs_the_task_on_monday_morning(week):
    from ato.celery import app
    from ato.tasks import send_weekly_digests as task

    entry = settings.CELERY_BEAT_SCHEDULE["weekly-digest"]
    assert entry["task"] == "ato.tasks.send_weekly_digests" == task.name
    schedule = entry["schedule"]
    assert isinstance(schedule, crontab)
    assert schedule.day_of_week == {1} and schedule.hour == {7} and schedule.minute == {0}
    assert settings.CELERY_TIMEZONE == "America/Lima"
    app.loader.import_default_modules()  # what a worker does at start: autodiscovery
    assert task.name in app.tasks
    counts = task.delay().get()
    # Eager in tests, on today's date: both heads are this run's recipients.
    assert counts["recipients"] == 2


def test_the_run_reads_the_same_queries_for_one_district_or_many(week):
    """Set-based: the recipients, the signals today and a week ago, the agreements, the
    evidence, the goals and the categories: seven reads whatever the number of districts,
    plus one UPDATE per email sent (the day it went out)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def reads(today):
        mail.outbox = []
        with CaptureQueriesContext(connection) as ctx:
            result = send_weekly_digests(today=today)
        selects = [q for q in ctx.captured_queries if q["sql"].startswith("SELECT")]
        updates = [q for q in ctx.captured_queries if q["sql"].startswith("UPDATE")]
        assert len(updates) == result.sent
        return len(selects)

    User.objects.exclude(pk=week["cascas"].pk).update(weekly_digest=False)
    one = reads(MONDAY)
    for ubigeo in ("131103", "131104", "130101"):
        head(ubigeo, f"jefe.{ubigeo}")
        DistrictCategory.objects.create(district_id=ubigeo, year=MONDAY.year, category="C")
    User.objects.update(weekly_digest=True, weekly_digest_sent_on=None)
    many = reads(MONDAY)
    assert one == many == 7
