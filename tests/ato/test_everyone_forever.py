"""The Everyone Forever page: the district's coverage and its trend, grades of its systems and
JASS, its worst services and centres without service; for reviewers the same as counts."""

import datetime as dt
from decimal import Decimal

from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from communities.coverage import coverage_snapshot
from communities.models import CoverageQuarter, PopulatedCentre, quarter_start
from jass_registry.models import Jass, WaterSystem
from tests.conftest import CASCAS, LUCMA
from tests.factories import (
    BoardMemberFactory,
    BoardTermFactory,
    CentreServiceFactory,
    JassFactory,
    PopulatedCentreFactory,
    WaterSystemFactory,
)


def graded(system: WaterSystem, grade: str, score: str) -> WaterSystem:
    """The copy of the latest grade that service_grades keeps on the system."""
    WaterSystem.objects.filter(pk=system.pk).update(grade=grade, score=Decimal(score))
    return system


def at(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(9)))


def district_with_services():
    good = JassFactory(name="JASS Buena")
    weak = JassFactory(name="JASS Débil")
    Jass.objects.filter(pk=weak.pk).update(grade="D", score=Decimal("0.250"))
    graded(WaterSystemFactory(jass=good, name="Sistema A"), "A", "0.950")
    graded(WaterSystemFactory(jass=weak, name="Sistema Peor"), "D", "0.210")
    graded(WaterSystemFactory(jass=weak, name="Sistema Regular"), "C", "0.550")
    WaterSystemFactory(jass=good, name="Nuevo")  # never assessed
    WaterSystemFactory(jass=good, name="Viejo", retired_on=dt.date(2020, 1, 1))  # not counted
    served = PopulatedCentreFactory(
        name="Servido", households=60, created_at=at(dt.date(2025, 1, 5))
    )
    CentreServiceFactory(
        centre=served, jass=good, households_served=60, created_at=at(dt.date(2025, 1, 5))
    )
    PopulatedCentreFactory(
        name="Olvidado Grande", households=40, created_at=at(dt.date(2025, 8, 1))
    )
    PopulatedCentreFactory(name="Olvidado Chico", households=10, created_at=at(dt.date(2025, 8, 1)))
    PopulatedCentreFactory(name="Pueblo", households=300, area="urban")
    term = BoardTermFactory(jass=weak)
    BoardMemberFactory(term=term, full_name="Doris Alvarado Rojas", dni="41234567")


def test_the_district_page_shows_coverage_trend_grades_worst_and_gaps(client, staff_a):
    district_with_services()
    coverage_snapshot(dt.date(2025, 3, 1), today=dt.date(2025, 11, 1))  # 60 of 60
    coverage_snapshot(dt.date(2025, 9, 1), today=dt.date(2025, 11, 1))  # 60 of 110
    client.force_login(staff_a)
    response = client.get(reverse("everyone_forever", args=[CASCAS]))
    view = response.context["view"]
    assert (view.coverage.households, view.coverage.households_served) == (110, 60)
    assert [(p.label, p.percent) for p in view.trend][:2] == [
        ("T1 2025", "100 %"),
        ("T3 2025", "55 %"),
    ]
    assert view.trend[-1].live
    assert view.systems == {"A": 1, "B": 0, "C": 1, "D": 1, "none": 1}
    assert view.jass["D"] == 1 and view.jass["none"] == 1
    assert [s.name for s in view.worst_systems] == ["Sistema Peor", "Sistema Regular"]
    assert [j.name for j in view.worst_jass] == ["JASS Débil"]
    assert [c.name for c in view.unserved] == ["Olvidado Grande", "Olvidado Chico"]
    assert (view.unserved_count, view.unserved_households) == (2, 50)
    page = response.content.decode()
    assert "55 %" in page and 'data-chart="coverage-trend"' in page
    assert reverse("communities:detail", args=[view.unserved[0].code]) in page
    assert reverse("jass_registry:detail", args=[view.worst_jass[0].pk]) in page
    assert "<script>" not in page  # CSP: data in json_script, code in static/js


def test_the_district_page_links_to_it(client, staff_a):
    district_with_services()
    client.force_login(staff_a)
    page = client.get(reverse("district", args=[CASCAS])).content.decode()
    assert reverse("everyone_forever", args=[CASCAS]) in page
    assert "55 %" in page


def test_reviewers_see_counts_by_department_and_province_without_personal_data(
    client, reviewer, staff_a
):
    district_with_services()
    PopulatedCentreFactory(district_id=LUCMA, households=100)
    client.force_login(reviewer)
    response = client.get(reverse("everyone_forever_national"))
    view = response.context["view"]
    assert (view.total.households, view.total.households_served) == (210, 60)
    la_libertad = next(a for a in view.areas if a.code == "13")
    assert la_libertad.unserved_centres == 3 and la_libertad.systems["D"] == 1
    assert [d.ubigeo for d, _c in view.lowest] == [LUCMA, CASCAS]
    page = response.content.decode()
    for private in ("Doris", "41234567", "Olvidado", "JASS Débil", "Sistema Peor"):
        assert private not in page
    provinces = client.get(reverse("everyone_forever_national"), {"department": "13"})
    gran_chimu = next(a for a in provinces.context["view"].areas if a.code == "1311")
    assert (gran_chimu.households, gran_chimu.percent) == (210, "29 %")
    bad = client.get(reverse("everyone_forever_national"), {"department": "99\x00"})
    assert bad.status_code == 200 and bad.context["view"].department is None


def test_staff_do_not_open_the_national_page(client, staff_a):
    client.force_login(staff_a)
    assert client.get(reverse("everyone_forever_national")).status_code == 403


def test_reviewers_read_the_latest_stored_quarter_and_when_it_was_computed(client, reviewer):
    """Nationally and by department the coverage is the latest quarter's snapshot, not the
    register read now: a service added since shows the next night, and the page says which
    quarter and when it was computed."""
    district_with_services()
    PopulatedCentreFactory(district_id=LUCMA, households=100)
    today = timezone.localdate()
    coverage_snapshot(today)  # Cascas 60 of 110, Lucma 0 of 100
    stored = CoverageQuarter.objects.get(district_id=CASCAS, quarter=quarter_start(today))
    forgotten = PopulatedCentre.objects.get(name="Olvidado Grande")
    CentreServiceFactory(
        centre=forgotten, jass=Jass.objects.get(name="JASS Buena"), households_served=40
    )
    client.force_login(reviewer)
    for params in ({}, {"department": "13"}):
        response = client.get(reverse("everyone_forever_national"), params)
        view = response.context["view"]
        assert (view.total.households, view.total.households_served) == (210, 60)
        assert (view.trend[-1].households_served, view.trend[-1].live) == (60, False)
        assert view.snapshot.live_districts == 0
        page = response.content.decode()
        assert "29 %" in page  # 60 of 210; read now it would be 100 of 210
        when = date_format(timezone.localtime(stored.computed_at), "SHORT_DATETIME_FORMAT")
        label = f"T{(today.month - 1) // 3 + 1} {today.year}"
        assert f"Cobertura guardada del {label}, calculado el {when}" in page
    # The next night's snapshot counts the new service.
    coverage_snapshot(today)
    view = client.get(reverse("everyone_forever_national")).context["view"]
    assert view.total.households_served == 100


def test_a_district_without_a_stored_row_of_that_quarter_is_read_now(client, reviewer):
    district_with_services()
    PopulatedCentreFactory(district_id=LUCMA, households=100)
    CentreServiceFactory(
        centre=PopulatedCentre.objects.get(district_id=LUCMA), households_served=30
    )
    coverage_snapshot(timezone.localdate())
    CoverageQuarter.objects.filter(district_id=LUCMA).delete()  # e.g. a district added since
    client.force_login(reviewer)
    response = client.get(reverse("everyone_forever_national"))
    view = response.context["view"]
    assert (view.total.households, view.total.households_served) == (210, 90)
    assert view.snapshot.live_districts == 1
    assert [d.ubigeo for d, _c in view.lowest] == [LUCMA, CASCAS]
    page = response.content.decode()
    assert "1 distrito sin cobertura guardada de ese trimestre se calculó ahora." in page


def test_with_nothing_stored_the_reviewers_page_reads_the_register_now(client, reviewer):
    district_with_services()
    client.force_login(reviewer)
    response = client.get(reverse("everyone_forever_national"))
    view = response.context["view"]
    assert (view.total.households, view.total.households_served) == (110, 60)
    assert view.trend[-1].live and view.snapshot.quarter is None
    assert "Aún no hay cobertura guardada por trimestre: calculado ahora." in (
        response.content.decode()
    )
