"""The district's centre pages: list (search, filters, order, export), centres without service
largest first, register and edit with Spanish errors, a centre's services added and ended with
confirmation, another district's 404."""

import io

from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from communities.models import CentreService, PopulatedCentre
from tests.conftest import CASCAS
from tests.factories import CentreServiceFactory, JassFactory, PopulatedCentreFactory


def names(response) -> list[str]:
    return [c.name for c in response.context["page"]]


def test_the_list_searches_filters_and_sorts_by_households(client, reviewer):
    small = PopulatedCentreFactory(name="Ñaupa Huasi", households=5)
    big = PopulatedCentreFactory(name="La Pampa", households=90)
    CentreServiceFactory(centre=big, households_served=80)
    town = PopulatedCentreFactory(name="Cascas", households=900, area="urban")
    PopulatedCentreFactory(name="Retirado", retired_on="2025-01-01")
    client.force_login(reviewer)
    url = reverse("communities:list", args=[CASCAS])
    assert names(client.get(url, {"ordering": "-households"})) == [town.name, big.name, small.name]
    assert names(client.get(url, {"q": "naupa"})) == [small.name]  # no accents, no case
    assert names(client.get(url, {"served": "false", "area": "rural"})) == [small.name]
    assert names(client.get(url, {"served": "true"})) == [big.name]
    response = client.get(url, {"ordering": "households"})
    assert names(response) == [small.name, big.name, town.name]
    assert "Sin servicio" in response.content.decode()
    bad = client.get(url, {"area": "x" * 500, "q": "a\x00b"})
    assert bad.status_code == 200 and names(bad) == []
    assert "Revise los filtros" in bad.content.decode()


def test_the_export_has_the_filtered_rows(client, staff_a):
    served = PopulatedCentreFactory(name="=HYPERLINK()", households=40)
    jass = JassFactory(name="JASS Santa Rosa")
    CentreServiceFactory(centre=served, jass=jass, households_served=70)
    PopulatedCentreFactory(name="Sin agua")
    client.force_login(staff_a)
    response = client.get(reverse("communities:export", args=[CASCAS, "csv"]), {"served": "true"})
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    lines = text.strip().splitlines()
    assert lines[0].startswith("Código,Nombre,Área,Viviendas")
    assert len(lines) == 2 and "'=HYPERLINK()" in lines[1] and "JASS Santa Rosa" in lines[1]
    assert ",40,150,40," in lines[1]  # served households capped at the centre's
    xlsx = client.get(reverse("communities:export", args=[CASCAS, "xlsx"]))
    sheet = load_workbook(io.BytesIO(b"".join(xlsx))).active
    assert sheet.max_row == 3


def test_centres_without_service_largest_first(client, staff_a):
    PopulatedCentreFactory(name="Mediano", households=30)
    PopulatedCentreFactory(name="Grande", households=80)
    served = PopulatedCentreFactory(name="Atendido", households=100)
    CentreServiceFactory(centre=served)
    PopulatedCentreFactory(name="Urbano", households=500, area="urban")
    client.force_login(staff_a)
    response = client.get(reverse("communities:unserved", args=[CASCAS]))
    assert names(response) == ["Grande", "Mediano"]


def test_register_shows_spanish_errors_then_saves(client, staff_a):
    client.force_login(staff_a)
    url = reverse("communities:create", args=[CASCAS])
    assert client.get(url).context["form"]["code"].value() == CASCAS
    data = {
        "code": "1311020001",
        "name": "Mal",
        "area": "rural",
        "households": "5",
        "population": "9",
    }
    response = client.post(url, data)
    assert response.status_code == 200
    assert "ubigeo del distrito (131101)" in response.content.decode()
    response = client.post(url, {**data, "code": f"{CASCAS}0001"})
    assert response.status_code == 302
    assert PopulatedCentre.objects.get().code == f"{CASCAS}0001"


def test_a_service_is_added_and_ended_with_confirmation(client, staff_a):
    centre = PopulatedCentreFactory(households=40)
    jass = JassFactory(name="JASS Lluchubamba")
    client.force_login(staff_a)
    detail = client.get(reverse("communities:detail", args=[centre.code]))
    assert "Ninguna JASS atiende" in detail.content.decode()
    response = client.post(
        reverse("communities:service_add", args=[centre.code]),
        {"jass": jass.pk, "households_served": "35"},
    )
    assert response.status_code == 302
    service = CentreService.objects.get()
    end_url = reverse("communities:service_end", args=[service.pk])
    page = client.get(end_url).content.decode()
    assert "data-confirm" in page
    started = timezone.localdate(service.created_at).isoformat()  # Lima's day, not UTC's
    response = client.post(end_url, {"ended_on": started})
    assert response.status_code == 200  # the confirmation box is required
    service.refresh_from_db()
    assert service.ended_on is None
    client.post(end_url, {"ended_on": started, "confirm": "on"})
    service.refresh_from_db()
    assert service.ended_on is not None
    page = client.get(reverse("communities:detail", args=[centre.code])).content.decode()
    assert "Servicios terminados" in page and "JASS Lluchubamba" in page


def test_another_district_gets_404_and_a_reviewer_reads(client, staff_b, reviewer):
    centre = PopulatedCentreFactory()
    service = CentreServiceFactory(centre=centre)
    client.force_login(staff_b)
    for url in [
        reverse("communities:list", args=[CASCAS]),
        reverse("communities:unserved", args=[CASCAS]),
        reverse("communities:detail", args=[centre.code]),
        reverse("communities:edit", args=[centre.code]),
        reverse("communities:service_end", args=[service.pk]),
        reverse("everyone_forever", args=[CASCAS]),
    ]:
        assert client.get(url).status_code == 404, url
    client.force_login(reviewer)
    page = client.get(reverse("communities:detail", args=[centre.code]))
    assert page.status_code == 200 and page.context["can_edit"] is False
    assert client.get(reverse("communities:edit", args=[centre.code])).status_code == 403


def test_an_invalid_edit_shows_its_errors_and_keeps_the_stored_code(client, staff_a):
    centre = PopulatedCentreFactory()
    client.force_login(staff_a)
    response = client.post(
        reverse("communities:edit", args=[centre.code]),
        {"code": "-1", "name": "²", "area": "١٢", "households": "9" * 40, "population": "-1"},
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert reverse("communities:detail", args=[centre.code]) in page  # the Cancel link
    assert "10 dígitos" in page
    centre.refresh_from_db()
    assert centre.name != "²"
