"""The agenda's pages: the month calendar, "Mi semana", the list with its filters and export,
the forms to plan, re-plan and cancel, and "Registrar visita" from a planned visit."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from territory.models import Role
from tests.conftest import CASCAS, LUCMA
from tests.factories import JassFactory, UserFactory, WaterSystemFactory
from visits import schedule
from visits.models import ScheduledVisit, Visit

TODAY = timezone.localdate()
MONDAY = TODAY - dt.timedelta(days=TODAY.weekday())


def plan(user, jass, day, **kwargs):
    return schedule.scheduled_visit_create(user=user, jass=jass, date=day, **kwargs)


@pytest.fixture
def jass(staff_a):
    return JassFactory(district_id=CASCAS, name="JASS Pampas")


@pytest.fixture
def colleague(staff_a):
    return UserFactory(
        username="tecnico.cascas",
        role=Role.ATM_STAFF,
        district_id=CASCAS,
        first_name="Rosa",
        last_name="Quispe",
    )


# --- month calendar ----------------------------------------------------------------------------


def test_the_calendar_shows_each_day_with_its_planned_visits(client, staff_a, colleague, jass):
    plan(staff_a, jass, dt.date(2026, 3, 10), staff=colleague, purpose="Capacitar al operador")
    plan(staff_a, JassFactory(district_id=CASCAS, name="JASS Lluchu"), dt.date(2026, 3, 10))
    cancelled = plan(staff_a, jass, dt.date(2026, 3, 12), purpose="Cancelada por lluvia")
    schedule.scheduled_visit_cancel(user=staff_a, scheduled=cancelled, reason="Lluvias")
    plan(staff_a, jass, dt.date(2026, 4, 1), purpose="Otro mes")
    client.force_login(staff_a)
    response = client.get(reverse("visits:schedule_month", args=[CASCAS, 2026, 3]))
    assert response.status_code == 200
    days = {d["date"]: d["rows"] for week in response.context["weeks"] for d in week}
    assert [(s.jass.name, s.purpose) for s in days[dt.date(2026, 3, 10)]] == [
        ("JASS Lluchu", ""),
        ("JASS Pampas", "Capacitar al operador"),
    ]
    assert days[dt.date(2026, 3, 12)] == []  # cancelled: not on the calendar
    assert response.context["weeks"][0][0]["date"] == dt.date(2026, 2, 23)  # weeks from Monday
    html = response.content.decode()
    assert "Rosa Quispe" in html and "Capacitar al operador" in html and "Otro mes" not in html
    assert (
        f"/distritos/{CASCAS}/agenda/2026/2/" in html
        and f"/distritos/{CASCAS}/agenda/2026/4/" in html
    )
    shown = client.get(
        reverse("visits:schedule_month", args=[CASCAS, 2026, 3]), {"state": "cancelled"}
    )
    assert "Cancelada por lluvia" in shown.content.decode()


def test_the_calendar_filters_by_staff_and_refuses_odd_input_without_failing(
    client, staff_a, colleague, jass
):
    plan(staff_a, jass, dt.date(2026, 3, 10), staff=colleague)
    plan(staff_a, jass, dt.date(2026, 3, 11))
    client.force_login(staff_a)
    url = reverse("visits:schedule_month", args=[CASCAS, 2026, 3])
    assert client.get(url, {"staff": colleague.pk}).context["count"] == 1
    assert client.get(url, {"staff": "none"}).context["count"] == 1
    odd = client.get(url, {"staff": "x" * 500, "jass": "99999999999999999999999", "q": "ñ" * 101})
    assert odd.status_code == 200 and odd.context["count"] == 0
    for path in [f"/distritos/{CASCAS}/agenda/2026/13/", f"/distritos/{CASCAS}/agenda/1999/1/"]:
        assert client.get(path).status_code == 404


# --- Mi semana ---------------------------------------------------------------------------------


def test_my_week_shows_only_my_planned_visits_and_flags_the_overdue(
    client, staff_a, colleague, jass
):
    mine = plan(staff_a, jass, MONDAY + dt.timedelta(days=2), staff=staff_a, purpose="Mía")
    plan(staff_a, jass, MONDAY + dt.timedelta(days=2), staff=colleague, purpose="De Rosa")
    plan(staff_a, jass, MONDAY + dt.timedelta(days=3), purpose="Sin asignar")
    late = plan(staff_a, jass, MONDAY - dt.timedelta(days=10), staff=staff_a, purpose="Atrasada")
    plan(staff_a, jass, MONDAY + dt.timedelta(days=7), staff=staff_a, purpose="Próxima")
    client.force_login(staff_a)
    response = client.get(reverse("visits:my_week"))
    assert response.status_code == 200
    week = [s for day in response.context["days"] for s in day["rows"]]
    assert week == [mine]
    assert response.context["overdue"] == [late]
    html = response.content.decode()
    assert "De Rosa" not in html and "Sin asignar" not in html and "Próxima" not in html
    assert f"?jass={jass.pk}&amp;agenda={mine.pk}" in html  # its "Registrar visita"
    assert f"?jass={jass.pk}&amp;agenda={late.pk}" in html
    following = client.get(reverse("visits:my_week"), {"semana": response.context["next_week"]})
    assert [s.purpose for d in following.context["days"] for s in d["rows"]] == ["Próxima"]
    by_date = client.get(reverse("visits:my_week"), {"fecha": str(MONDAY + dt.timedelta(days=9))})
    assert by_date.context["monday"] == MONDAY + dt.timedelta(days=7)


@pytest.mark.parametrize(
    "params", [{"semana": "2026-W99"}, {"semana": "ñ"}, {"fecha": "2026-02-30"}, {"semana": "1-W1"}]
)
def test_an_unreadable_week_shows_this_week_instead_of_failing(client, staff_a, params):
    client.force_login(staff_a)
    response = client.get(reverse("visits:my_week"), params)
    assert response.status_code == 200 and response.context["monday"] == MONDAY
    assert "No se entendió la semana pedida" in response.content.decode()


def test_my_week_is_for_atm_staff(client, reviewer):
    client.force_login(reviewer)
    assert client.get(reverse("visits:my_week")).status_code == 403


# --- the list, its filters and export ----------------------------------------------------------


def test_the_list_filters_by_state_month_staff_and_search(client, staff_a, colleague, jass):
    overdue = plan(staff_a, jass, TODAY - dt.timedelta(days=3), purpose="Revisar cloración")
    ahead = plan(staff_a, jass, TODAY + dt.timedelta(days=3), staff=colleague)
    cancelled = plan(staff_a, jass, TODAY + dt.timedelta(days=4))
    schedule.scheduled_visit_cancel(user=staff_a, scheduled=cancelled, reason="Sin movilidad")
    client.force_login(staff_a)
    url = reverse("visits:schedule", args=[CASCAS])

    def listed(**params):
        return [s.pk for s in client.get(url, params).context["page"]]

    assert listed() == [cancelled.pk, ahead.pk, overdue.pk]  # the latest first
    assert listed(state="overdue") == [overdue.pk]
    assert listed(state="planned") == [ahead.pk]
    assert listed(state="cancelled") == [cancelled.pk]
    assert listed(staff=colleague.pk) == [ahead.pk]
    assert listed(q="cloración") == [overdue.pk]
    assert listed(q="PÁMPAS", state="overdue") == [overdue.pk]
    month = (TODAY + dt.timedelta(days=40)).strftime("%Y-%m")
    assert listed(month=month) == []
    refused = client.get(url, {"month": "2026-13"})
    assert refused.status_code == 200 and list(refused.context["page"]) == []
    assert "AAAA-MM" in refused.content.decode()


def test_the_export_is_the_filtered_list_and_formula_safe(client, staff_a, jass):
    plan(staff_a, jass, TODAY, purpose='=HYPERLINK("http://x","clic")')
    plan(staff_a, jass, TODAY + dt.timedelta(days=1), purpose="Otra")
    client.force_login(staff_a)
    response = client.get(
        reverse("visits:schedule_export", args=[CASCAS, "csv"]), {"q": "hyperlink"}
    )
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    lines = body.strip().splitlines()
    assert len(lines) == 2 and lines[0].startswith("ID,Fecha prevista,JASS")
    assert "'=HYPERLINK" in lines[1] and "Sin asignar" in lines[1] and "Programada" in lines[1]
    xlsx = client.get(reverse("visits:schedule_export", args=[CASCAS, "xlsx"]))
    assert xlsx.status_code == 200


def test_another_district_never_sees_the_agenda(client, staff_a, staff_b, jass):
    scheduled = plan(staff_a, jass, TODAY)
    client.force_login(staff_b)
    for path in [
        reverse("visits:schedule", args=[CASCAS]),
        reverse("visits:schedule_month", args=[CASCAS, TODAY.year, TODAY.month]),
        reverse("visits:schedule_detail", args=[scheduled.pk]),
        reverse("visits:schedule_edit", args=[scheduled.pk]),
    ]:
        assert client.get(path).status_code == 404, path
    own = client.get(reverse("visits:schedule", args=[LUCMA]))
    assert own.status_code == 200 and list(own.context["page"]) == []


# --- plan, re-plan, cancel ---------------------------------------------------------------------


def test_the_form_offers_only_the_district_staff_and_jass_not_dissolved(
    client, staff_a, staff_b, colleague, jass
):
    JassFactory(district_id=CASCAS, name="JASS Disuelta", status="dissolved")
    JassFactory(district_id=LUCMA, name="JASS de Lucma")
    client.force_login(staff_a)
    form = client.get(reverse("visits:schedule_create", args=[CASCAS])).context["form"]
    assert set(form.fields["staff"].queryset) == {colleague, staff_a}
    assert [j.name for j in form.fields["jass"].queryset] == ["JASS Pampas"]


def test_a_visit_is_planned_edited_and_cancelled_through_the_pages(client, staff_a, jass):
    client.force_login(staff_a)
    day = TODAY + dt.timedelta(days=5)
    response = client.post(
        reverse("visits:schedule_create", args=[CASCAS]),
        {"jass": jass.pk, "date": day.isoformat(), "staff": staff_a.pk, "purpose": "Cloración"},
    )
    scheduled = ScheduledVisit.objects.get()
    assert response.url == reverse("visits:schedule_month", args=[CASCAS, day.year, day.month])
    too_far = dt.date(TODAY.year + 2, 1, 1)
    refused = client.post(
        reverse("visits:schedule_edit", args=[scheduled.pk]),
        {"jass": jass.pk, "date": too_far.isoformat(), "purpose": "x"},
    )
    assert refused.status_code == 200
    assert refused.context["form"].errors["date"] == [
        f"La fecha prevista es a lo más el 31/12/{TODAY.year + 1}."
    ]
    client.post(
        reverse("visits:schedule_edit", args=[scheduled.pk]),
        {"jass": jass.pk, "date": (day + dt.timedelta(days=1)).isoformat(), "purpose": "Otra"},
    )
    scheduled.refresh_from_db()
    assert (scheduled.date, scheduled.staff, scheduled.purpose) == (
        day + dt.timedelta(days=1),
        None,
        "Otra",
    )
    cancel = reverse("visits:schedule_cancel", args=[scheduled.pk])
    unconfirmed = client.post(cancel, {"reason": "Lluvias"})
    assert unconfirmed.status_code == 200 and ScheduledVisit.objects.active().count() == 1
    assert client.post(cancel, {"reason": "Lluvias", "confirm": "on"}).status_code == 302
    scheduled.refresh_from_db()
    assert scheduled.cancel_reason == "Lluvias" and ScheduledVisit.objects.count() == 1
    again = client.get(reverse("visits:schedule_edit", args=[scheduled.pk]))
    assert again.status_code == 302  # a cancelled plan is closed


def test_a_reviewer_reads_the_plan_but_cannot_change_it(client, staff_a, reviewer, jass):
    scheduled = plan(staff_a, jass, TODAY)
    client.force_login(reviewer)
    detail = client.get(reverse("visits:schedule_detail", args=[scheduled.pk]))
    assert detail.status_code == 200 and "Registrar visita" not in detail.content.decode()
    assert client.get(reverse("visits:schedule_edit", args=[scheduled.pk])).status_code == 403
    cancel = client.post(
        reverse("visits:schedule_cancel", args=[scheduled.pk]), {"reason": "x", "confirm": "on"}
    )
    assert cancel.status_code == 403 and ScheduledVisit.objects.active().count() == 1


# --- "Registrar visita" from a planned visit ---------------------------------------------------


def _visit_post(system, day):
    return {
        "date": day.isoformat(),
        "kind": "supervision",
        "readings-TOTAL_FORMS": "1",
        "readings-INITIAL_FORMS": "0",
        "readings-0-water_system": str(system.pk),
        "readings-0-point": "reservoir",
        "readings-0-mg_per_l": "0.70",
        "agreements-TOTAL_FORMS": "0",
        "agreements-INITIAL_FORMS": "0",
    }


def test_registrar_visita_from_a_planned_visit_links_the_visit_recorded(client, staff_a, jass):
    system = WaterSystemFactory(jass=jass)
    # A month late: outside the automatic window, so only the explicit link can do it.
    scheduled = plan(staff_a, jass, TODAY - dt.timedelta(days=30), staff=staff_a)
    client.force_login(staff_a)
    page = client.get(reverse("visits:schedule_detail", args=[scheduled.pk]))
    link = f"/distritos/{CASCAS}/visitas/nueva/?jass={jass.pk}&agenda={scheduled.pk}"
    assert link.replace("&", "&amp;") in page.content.decode()
    response = client.post(link, _visit_post(system, TODAY))
    assert response.status_code == 302
    scheduled.refresh_from_db()
    assert scheduled.visit == Visit.objects.get()


def test_a_refused_agenda_link_still_records_the_visit_and_says_why(client, staff_a, jass):
    system = WaterSystemFactory(jass=jass)
    other = plan(staff_a, JassFactory(district_id=CASCAS), TODAY - dt.timedelta(days=30))
    client.force_login(staff_a)
    for agenda in [str(other.pk), "abc", "99999999999999999999999"]:
        response = client.post(
            f"/distritos/{CASCAS}/visitas/nueva/?jass={jass.pk}&agenda={agenda}",
            _visit_post(system, TODAY),
            follow=True,
        )
        assert "no se vinculó a la agenda" in response.content.decode()
    assert Visit.objects.count() == 3
    other.refresh_from_db()
    assert other.visit is None


@pytest.mark.parametrize(
    "query",
    [
        "?jass=abc&fecha=xx",
        "?jass=99999999999999999999999&fecha=2026-02-30",
        f"?fecha={'9' * 500}",
        "?jass=%00",
    ],
)
def test_odd_prefill_values_show_the_form_instead_of_failing(client, staff_a, jass, query):
    client.force_login(staff_a)
    response = client.get(reverse("visits:schedule_create", args=[CASCAS]) + query)
    assert response.status_code == 200
