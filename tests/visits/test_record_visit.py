import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from jass_registry.models import WaterSystem
from tests.factories import JassFactory, WaterSystemFactory
from visits.models import ChlorineReading, Visit

CASCAS = "131101"


def page_data(systems, **overrides):
    today = timezone.localdate()
    data = {
        "date": (today - dt.timedelta(days=2)).isoformat(),
        "kind": "supervision",
        "topics": ["chlorination", "finance"],
        "findings": "Reservorio limpio; falta cloro en la última vivienda.",
        "attendees": "Presidente(a), Tesorero(a)",
        "finances_reviewed": "on",
        "cash_balance": "350.50",
        "readings-TOTAL_FORMS": "2",
        "readings-INITIAL_FORMS": "0",
        "readings-0-water_system": str(systems[0].pk),
        "readings-0-point": "reservoir",
        "readings-0-mg_per_l": "0.80",
        "readings-1-water_system": str(systems[0].pk),
        "readings-1-point": "last_house",
        "readings-1-mg_per_l": "0.55",
        "agreements-TOTAL_FORMS": "1",
        "agreements-INITIAL_FORMS": "0",
        "agreements-0-task": "Comprar hipoclorito",
        "agreements-0-responsible": "Tesorero(a)",
        "agreements-0-due_on": (today + dt.timedelta(days=30)).isoformat(),
    }
    data.update(overrides)
    return data


@pytest.fixture
def jass_with_system(staff_a):
    jass = JassFactory(district_id=CASCAS)
    return jass, [WaterSystemFactory(jass=jass)]


def test_a_visit_with_two_readings_and_an_agreement_updates_the_summaries(
    client, staff_a, jass_with_system
):
    jass, systems = jass_with_system
    client.force_login(staff_a)
    url = reverse("visits:create", args=[CASCAS]) + f"?jass={jass.pk}"
    assert "Mediciones de cloro residual libre" in client.get(url).content.decode()
    response = client.post(url, page_data(systems))
    visit = Visit.objects.get()
    assert response.status_code == 302 and response.url == reverse("visits:detail", args=[visit.pk])
    assert visit.staff == staff_a and visit.topics == ["chlorination", "finance"]
    assert visit.readings.count() == 2 and visit.agreements.count() == 1
    jass.refresh_from_db()
    system = WaterSystem.objects.get(pk=systems[0].pk)
    assert jass.last_visit_on == visit.date == jass.last_finance_review_on
    assert jass.last_training_on is None
    assert system.last_reading_on == visit.date
    assert system.last_reading_mg_l == Decimal("0.55")  # the later one of the same day
    assert system.last_adequate_reading_on == visit.date


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"date": "2999-01-01"}, "no puede ser posterior a hoy"),
        ({"readings-0-mg_per_l": "-0.1"}, "mayor o igual a 0"),
        ({"readings-0-mg_per_l": "7"}, "menor o igual a 5"),
        ({"readings-0-mg_per_l": "0.555"}, "2 dígitos decimales"),
        ({"agreements-0-due_on": ""}, "Este campo es"),
        ({"cash_balance": "-1"}, "mayor o igual a 0"),
        ({"finances_reviewed": "", "cash_balance": "20"}, "solo si se revisaron las cuentas"),
        ({"kind": "fiesta"}, "Escoja una opción válida"),
    ],
)
def test_bad_input_is_explained_and_nothing_is_written(
    client, staff_a, jass_with_system, overrides, message
):
    jass, systems = jass_with_system
    client.force_login(staff_a)
    url = reverse("visits:create", args=[CASCAS]) + f"?jass={jass.pk}"
    response = client.post(url, page_data(systems, **overrides))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Visit.objects.exists() and not ChlorineReading.objects.exists()
    jass.refresh_from_db()
    assert jass.last_visit_on is None


def test_a_reading_for_another_jass_system_is_refused(client, staff_a, jass_with_system):
    jass, systems = jass_with_system
    other = WaterSystemFactory(jass=JassFactory(district_id=CASCAS))
    client.force_login(staff_a)
    url = reverse("visits:create", args=[CASCAS]) + f"?jass={jass.pk}"
    response = client.post(url, page_data(systems, **{"readings-0-water_system": str(other.pk)}))
    assert "Escoja una opción válida" in response.content.decode()
    assert not Visit.objects.exists()


def test_editing_and_voiding_a_visit_recompute_the_summaries(client, staff_a, jass_with_system):
    jass, systems = jass_with_system
    client.force_login(staff_a)
    url = reverse("visits:create", args=[CASCAS]) + f"?jass={jass.pk}"
    client.post(url, page_data(systems, date="2026-01-10", kind="training"))
    client.post(url, page_data(systems, date="2026-03-10"))
    first, second = Visit.objects.order_by("date")
    jass.refresh_from_db()
    assert (jass.last_visit_on, jass.last_training_on) == (
        dt.date(2026, 3, 10),
        dt.date(2026, 1, 10),
    )
    response = client.post(
        reverse("visits:edit", args=[second.pk]),
        page_data(
            systems,
            date="2026-02-10",
            **{"readings-TOTAL_FORMS": "1", "readings-0-mg_per_l": "0.10"},
        ),
    )
    assert response.status_code == 302
    system = WaterSystem.objects.get(pk=systems[0].pk)
    assert (system.last_reading_on, system.last_reading_mg_l) == (
        dt.date(2026, 2, 10),
        Decimal("0.10"),
    )
    assert system.last_adequate_reading_on == dt.date(2026, 1, 10)
    page = client.get(reverse("visits:void", args=[second.pk])).content.decode()
    assert "No se borra" in page
    client.post(reverse("visits:void", args=[second.pk]), {"reason": "Duplicada", "confirm": "on"})
    jass.refresh_from_db()
    system.refresh_from_db()
    assert jass.last_visit_on == dt.date(2026, 1, 10)
    assert system.last_reading_mg_l == Decimal("0.55")


def test_a_dissolved_jass_cannot_be_visited(client, staff_a):
    jass = JassFactory(district_id=CASCAS, status="dissolved")
    client.force_login(staff_a)
    response = client.get(reverse("visits:create", args=[CASCAS]), {"jass": jass.pk})
    assert "Escoja una opción válida" in response.content.decode()


def test_the_acta_has_what_a_signed_record_needs(client, staff_a, jass_with_system):
    jass, systems = jass_with_system
    client.force_login(staff_a)
    client.post(reverse("visits:create", args=[CASCAS]) + f"?jass={jass.pk}", page_data(systems))
    visit = Visit.objects.get()
    page = client.get(reverse("visits:acta", args=[visit.pk])).content.decode()
    for text in [
        "Acta de visita",
        jass.name,
        "Comprar hipoclorito",
        "0.80",
        "Presidente(a) de la JASS",
    ]:
        assert text in page
    assert "acta.css" in page  # the A4 layout (@page size: A4) and the signature lines


def test_agreements_are_listed_overdue_first_and_marked_done(client, staff_a, jass_with_system):
    from visits.services import visit_record

    jass, systems = jass_with_system
    today = timezone.localdate()
    visit = visit_record(
        user=staff_a,
        jass=jass,
        data={"date": today - dt.timedelta(days=40), "kind": "follow_up"},
        agreements=[
            {"task": "Más tarde", "responsible": "A", "due_on": today + dt.timedelta(days=20)},
            {"task": "Vencido", "responsible": "B", "due_on": today - dt.timedelta(days=5)},
        ],
    )
    client.force_login(staff_a)
    page = client.get(reverse("visits:agreements", args=[CASCAS]))
    assert [a.task for a in page.context["page"]] == ["Vencido", "Más tarde"]
    assert "Vencido" in page.content.decode()
    overdue = visit.agreements.get(task="Vencido")
    client.post(reverse("visits:agreement_done", args=[overdue.pk]))
    overdue.refresh_from_db()
    assert overdue.done_on == today and overdue.done_by == staff_a
    page = client.get(reverse("visits:agreements", args=[CASCAS]))
    assert [a.task for a in page.context["page"]] == ["Más tarde"]


def test_the_visit_list_filters_and_exports(client, staff_a, reviewer, jass_with_system):
    from visits.services import visit_record

    jass, _systems = jass_with_system
    visit_record(user=staff_a, jass=jass, data={"date": dt.date(2026, 1, 10), "kind": "training"})
    visit_record(
        user=staff_a, jass=jass, data={"date": dt.date(2026, 5, 10), "kind": "supervision"}
    )
    client.force_login(reviewer)
    url = reverse("visits:list", args=[CASCAS])
    kinds = lambda r: [v.kind for v in r.context["page"]]  # noqa: E731
    assert kinds(client.get(url)) == ["supervision", "training"]
    assert kinds(client.get(url, {"kind": "training"})) == ["training"]
    assert kinds(client.get(url, {"start": "2026-02-01", "end": "2026-12-31"})) == ["supervision"]
    bad = client.get(url, {"start": "2026-12-01", "end": "2026-01-01"})
    assert "debe ser anterior" in bad.content.decode()
    export = client.get(reverse("visits:export", args=[CASCAS, "csv"]), {"kind": "training"})
    text = b"".join(export.streaming_content).decode("utf-8-sig")
    assert "Capacitación" in text and "Supervisión" not in text


def test_work_plan_is_saved_and_compared_with_visits_done(client, staff_a, jass_with_system):
    from visits.services import visit_record

    jass, _systems = jass_with_system
    client.force_login(staff_a)
    url = reverse("visits:work_plan", args=[CASCAS, 2026])
    response = client.post(
        url, {f"c-{jass.pk}-1": "2", f"c-{jass.pk}-3": "1", f"c-{jass.pk}-4": "x"}
    )
    assert "no es un número" in response.content.decode()
    client.post(url, {f"c-{jass.pk}-1": "2", f"c-{jass.pk}-3": "1"})
    visit_record(user=staff_a, jass=jass, data={"date": dt.date(2026, 1, 20), "kind": "training"})
    progress = client.get(reverse("visits:work_plan_progress", args=[CASCAS, 2026]))
    months = {m["month"]: (m["planned"], m["done"]) for m in progress.context["months"]}
    assert months[1] == (2, 1) and months[3] == (1, 0) and months[2] == (0, 0)
    assert progress.context["totals"] == {"planned": 3, "done": 1}


def test_the_jass_page_loads_its_visit_timeline(client, staff_a, jass_with_system):
    from visits.services import visit_record

    jass, systems = jass_with_system
    visit_record(
        user=staff_a,
        jass=jass,
        data={"date": dt.date(2026, 1, 20), "kind": "training"},
        readings=[{"water_system": systems[0].pk, "point": "reservoir", "mg_per_l": "0.70"}],
    )
    client.force_login(staff_a)
    detail = client.get(reverse("jass_registry:detail", args=[jass.pk])).content.decode()
    assert reverse("visits:jass_timeline", args=[jass.pk]) in detail
    timeline = client.get(reverse("visits:jass_timeline", args=[jass.pk])).content.decode()
    assert "Capacitación" in timeline and "0.70 mg/L" in timeline


def test_the_chlorine_chart_has_the_readings_and_the_target(client, staff_a, jass_with_system):
    from visits.services import visit_record

    jass, systems = jass_with_system
    visit_record(
        user=staff_a,
        jass=jass,
        data={"date": timezone.localdate() - dt.timedelta(days=3), "kind": "supervision"},
        readings=[
            {"water_system": systems[0].pk, "point": "reservoir", "mg_per_l": "0.70"},
            {"water_system": systems[0].pk, "point": "last_house", "mg_per_l": "0.30"},
        ],
    )
    client.force_login(staff_a)
    response = client.get(reverse("visits:chlorine_chart", args=[systems[0].pk]))
    chart = response.context["chart"]
    assert chart["target"] == 0.5
    assert [p["y"] for p in chart["series"]["reservoir"]] == [0.7]
    assert [p["y"] for p in chart["series"]["last_house"]] == [0.3]
    assert "chart.umd.min.js" in response.content.decode()
