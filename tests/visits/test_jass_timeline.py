"""The visit timeline on the JASS page."""

import datetime as dt

from django.urls import reverse

from visits.services import visit_record


def test_the_jass_page_loads_its_visit_timeline(client, staff_a, jass_with_system):
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
