"""GET, POST, PATCH /api/v1/populated-centres/ (by code) and coverage on the district endpoint,
as shared/API.md "Added in 1.1" says."""

from django.utils import timezone

from communities.models import CentreChange, CentreService, PopulatedCentre
from tests.conftest import CASCAS, LUCMA, api_client_for
from tests.factories import (
    CentreServiceFactory,
    JassFactory,
    PopulatedCentreFactory,
    WaterSystemFactory,
)

FIELDS = {
    "code",
    "name",
    "district",
    "area",
    "households",
    "population",
    "latitude",
    "longitude",
    "served_by",
    "retired_on",
}


def new_centre(**changes):
    return {
        "code": f"{CASCAS}0321",
        "name": "Tambo Alto",
        "district": CASCAS,
        "area": "rural",
        "households": 40,
        "population": 140,
        "latitude": "-7.460000",
        "longitude": "-78.820000",
        **changes,
    }


def test_the_contract_fields_and_served_by(staff_a):
    system = WaterSystemFactory(jass=JassFactory(district_id=CASCAS))
    centre = PopulatedCentreFactory(households=30)
    CentreServiceFactory(centre=centre, jass=system.jass, water_system=system, households_served=25)
    ended = CentreServiceFactory(centre=centre, households_served=3)
    ended.ended_on = timezone.localdate(ended.created_at)
    ended.save()
    body = api_client_for(staff_a).get(f"/api/v1/populated-centres/{centre.code}/").json()
    assert set(body) == FIELDS
    assert body["district"] == CASCAS and body["area"] == "rural"
    assert body["served_by"] == [
        {"jass": system.jass_id, "water_system": system.pk, "households_served": 25}
    ]


def test_filters_district_area_and_served(reviewer):
    served = PopulatedCentreFactory()
    CentreServiceFactory(centre=served)
    PopulatedCentreFactory(area="urban")
    lucma = PopulatedCentreFactory(district_id=LUCMA)
    api = api_client_for(reviewer)

    def codes(**params):
        return {r["code"] for r in api.get("/api/v1/populated-centres/", params).json()["results"]}

    assert codes() == set(PopulatedCentre.objects.values_list("code", flat=True))
    assert codes(district=LUCMA) == {lucma.code}
    assert codes(served="true") == {served.code}
    assert served.code not in codes(served="false", district=CASCAS)
    assert codes(area="urban", district=CASCAS) and codes(area="rural", served="true") == {
        served.code
    }
    assert api.get("/api/v1/populated-centres/", {"area": "suburbana"}).status_code == 400


def test_staff_create_with_services_and_a_patch_replaces_them(staff_a):
    api = api_client_for(staff_a)
    first, second = JassFactory(district_id=CASCAS), JassFactory(district_id=CASCAS)
    response = api.post(
        "/api/v1/populated-centres/",
        new_centre(served_by=[{"jass": first.pk, "households_served": 30}]),
        format="json",
    )
    assert response.status_code == 201, response.json()
    code = response.json()["code"]
    assert response.json()["served_by"][0]["jass"] == first.pk
    response = api.patch(
        f"/api/v1/populated-centres/{code}/",
        {"served_by": [{"jass": second.pk, "households_served": 12}]},
        format="json",
    )
    assert response.status_code == 200, response.json()
    assert [s["jass"] for s in response.json()["served_by"]] == [second.pk]
    ended = CentreService.objects.get(jass=first)
    assert ended.ended_on is not None  # ended, not deleted
    actions = set(CentreChange.objects.values_list("action", flat=True))
    assert {"created", "service_added", "service_ended"} <= actions


def test_bad_input_is_a_spanish_400_and_writes_nothing(staff_a):
    api = api_client_for(staff_a)
    lucma_jass = JassFactory(district_id=LUCMA)
    cases = [
        (new_centre(code=f"{LUCMA}0001"), "code"),
        (new_centre(households=-3), "households"),
        (new_centre(latitude="5.5"), "latitude"),
        (new_centre(served_by=[{"jass": lucma_jass.pk, "households_served": 5}]), "served_by"),
        (new_centre(served_by=[{"jass": 1, "households_served": 0}]), "served_by"),
        (new_centre(name="A\x00B"), "name"),
    ]
    for body, field in cases:
        response = api.post("/api/v1/populated-centres/", body, format="json")
        assert response.status_code == 400, (field, response.json())
        assert field in response.json()
    assert not PopulatedCentre.objects.exists()


def test_other_district_is_404_and_reviewers_read_only(staff_b, reviewer):
    centre = PopulatedCentreFactory()
    other = api_client_for(staff_b)
    assert other.get(f"/api/v1/populated-centres/{centre.code}/").status_code == 404
    assert (
        other.patch(f"/api/v1/populated-centres/{centre.code}/", {"name": "X"}).status_code == 404
    )
    response = other.post(
        "/api/v1/populated-centres/", new_centre(code=f"{CASCAS}0777"), format="json"
    )
    assert response.status_code == 400 and "district" in response.json()
    review = api_client_for(reviewer)
    assert review.get(f"/api/v1/populated-centres/{centre.code}/").status_code == 200
    assert (
        review.patch(f"/api/v1/populated-centres/{centre.code}/", {"name": "X"}).status_code == 403
    )
    assert review.post("/api/v1/populated-centres/", new_centre(), format="json").status_code == 403
    assert PopulatedCentre.objects.get().name == centre.name


def test_no_delete(staff_a):
    centre = PopulatedCentreFactory()
    response = api_client_for(staff_a).delete(f"/api/v1/populated-centres/{centre.code}/")
    assert response.status_code == 405
    assert PopulatedCentre.objects.filter(pk=centre.pk).exists()


def test_the_district_endpoint_gives_its_coverage(staff_b):
    centre = PopulatedCentreFactory(households=40)
    CentreServiceFactory(centre=centre, households_served=10)
    PopulatedCentreFactory(households=60, area="urban")
    api = api_client_for(staff_b)  # territory is public reference data
    coverage = api.get(f"/api/v1/districts/{CASCAS}/").json()["coverage"]
    assert coverage == {"households": 40, "households_served": 10, "ratio": "0.2500"}
    empty = api.get(f"/api/v1/districts/{LUCMA}/").json()["coverage"]
    assert empty == {"households": 0, "households_served": 0, "ratio": None}
