"""Editing and voiding a visit (page and API) recompute the JASS and water system summaries;
a voided visit is kept."""

import datetime as dt
from decimal import Decimal

from django.urls import reverse

from jass_registry.models import WaterSystem
from tests.conftest import CASCAS, api_client_for
from tests.visits.conftest import body, page_data
from visits.models import Visit


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
    # The reservoir's 0.10 of 10/02 is the latest reading, but chlorine is judged in the
    # network: the last house's 0.55 of 10/01 still decides.
    assert (system.network_reading_on, system.network_reading_mg_l) == (
        dt.date(2026, 1, 10),
        Decimal("0.55"),
    )
    page = client.get(reverse("visits:void", args=[second.pk])).content.decode()
    assert "No se borra" in page
    client.post(reverse("visits:void", args=[second.pk]), {"reason": "Duplicada", "confirm": "on"})
    jass.refresh_from_db()
    system.refresh_from_db()
    assert jass.last_visit_on == dt.date(2026, 1, 10)
    assert system.last_reading_mg_l == Decimal("0.55")


def test_patch_and_delete_which_voids_keep_the_summaries_right(staff_a, site):
    jass, system = site
    api = api_client_for(staff_a)
    first = api.post("/api/v1/visits/", body(jass, system, date="2026-01-10"), format="json").json()
    second = api.post(
        "/api/v1/visits/", body(jass, system, date="2026-03-10", kind="supervision"), format="json"
    ).json()
    api.patch(f"/api/v1/visits/{second['id']}/", {"date": "2026-02-01"}, format="json")
    jass.refresh_from_db()
    assert jass.last_visit_on == dt.date(2026, 2, 1)
    assert api.delete(f"/api/v1/visits/{second['id']}/").status_code == 204
    jass.refresh_from_db()
    assert jass.last_visit_on == dt.date(2026, 1, 10) == jass.last_training_on
    assert Visit.objects.valid().get().pk == first["id"]
    assert Visit.objects.count() == 2  # the voided one is kept
