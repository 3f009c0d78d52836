"""The model's rules on a populated centre and its services, held by the services."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from communities import services
from communities.models import CentreChange, CentreService, PopulatedCentre
from jass_registry.models import JassStatus
from tests.conftest import CASCAS, LUCMA
from tests.factories import (
    CentreServiceFactory,
    JassFactory,
    WaterSystemFactory,
)

GOOD = {
    "code": f"{CASCAS}0042",
    "name": "Chuquillanqui",
    "area": "rural",
    "households": 64,
    "population": 231,
    "latitude": Decimal("-7.4652"),
    "longitude": Decimal("-78.8213"),
}


def create(user, **changes):
    return services.centre_create(user=user, district_id=CASCAS, data={**GOOD, **changes})


def errors_of(excinfo) -> dict:
    return excinfo.value.message_dict


def test_a_centre_is_registered_with_its_history(staff_a):
    centre = create(staff_a)
    assert centre.name_search == "chuquillanqui"
    record = CentreChange.objects.get(centre=centre)
    assert (record.action, record.user) == ("created", staff_a)
    assert record.changes["households"] == [None, 64]


@pytest.mark.parametrize(
    ("changes", "field", "words"),
    [
        ({"code": "1311020042"}, "code", "ubigeo del distrito (131101)"),
        ({"code": "131101004"}, "code", "10 dígitos"),
        ({"code": "13110100４2"}, "code", "10 dígitos"),  # a full-width digit is not a digit
        ({"households": 3_000_001}, "households", "menor o igual"),
        ({"population": -1}, "population", "mayor o igual"),
        ({"latitude": Decimal("-20.5")}, "latitude", "dentro del Perú"),
        ({"longitude": Decimal("-60.1")}, "longitude", "dentro del Perú"),
        ({"area": "suburbana"}, "area", "no es una opción válida"),
        ({"name": "Santa\x00Rosa"}, "name", "carácter no permitido"),
        ({"name": "x" * 151}, "name", "150"),
    ],
)
def test_bad_values_are_refused_in_spanish_and_nothing_is_written(staff_a, changes, field, words):
    with pytest.raises(ValidationError) as excinfo:
        create(staff_a, **changes)
    assert words in " ".join(errors_of(excinfo)[field])
    assert not PopulatedCentre.objects.exists()
    assert not CentreChange.objects.exists()


def test_a_code_is_registered_once(staff_a):
    create(staff_a)
    with pytest.raises(ValidationError) as excinfo:
        create(staff_a, name="Otro")
    assert "code" in errors_of(excinfo)


def test_only_the_districts_staff_register_its_centres(staff_b, reviewer):
    for user in (staff_b, reviewer):
        with pytest.raises(PermissionDenied):
            create(user)
    assert not PopulatedCentre.objects.exists()


def test_an_edit_is_recorded_and_a_retired_centre_is_closed(staff_a):
    centre = create(staff_a)
    services.centre_update(user=staff_a, centre=centre, data={"households": 70})
    change = CentreChange.objects.filter(action="updated").get()
    assert change.changes == {"households": [64, 70]}
    served = CentreServiceFactory(centre=centre, households_served=50)
    services.centre_retire(user=staff_a, centre=centre, retired_on=dt.date(2026, 2, 1))
    served.refresh_from_db()
    assert served.ended_on is not None  # its services end with it
    with pytest.raises(ValidationError, match="dado de baja"):
        services.centre_update(user=staff_a, centre=centre, data={"households": 80})
    with pytest.raises(ValidationError, match="dado de baja"):
        services.service_add(user=staff_a, centre=centre, jass=JassFactory(), households_served=10)


def test_a_service_is_of_a_jass_and_system_of_the_centres_district(staff_a):
    centre = create(staff_a)
    lucma_jass = JassFactory(district_id=LUCMA)
    with pytest.raises(ValidationError) as excinfo:
        services.service_add(user=staff_a, centre=centre, jass=lucma_jass, households_served=10)
    assert "mismo distrito" in " ".join(errors_of(excinfo)["jass"])
    jass, other = JassFactory(), JassFactory()
    system_of_other = WaterSystemFactory(jass=other)
    with pytest.raises(ValidationError) as excinfo:
        services.service_add(
            user=staff_a,
            centre=centre,
            jass=jass,
            water_system=system_of_other,
            households_served=10,
        )
    assert "pertenecer a la JASS" in " ".join(errors_of(excinfo)["water_system"])
    assert not CentreService.objects.exists()


@pytest.mark.parametrize(
    ("served", "field"), [(0, "households_served"), (100_001, "households_served")]
)
def test_households_served_are_bounded(staff_a, served, field):
    centre = create(staff_a)
    with pytest.raises(ValidationError) as excinfo:
        services.service_add(
            user=staff_a, centre=centre, jass=JassFactory(), households_served=served
        )
    assert field in errors_of(excinfo)


def test_a_dissolved_jass_or_retired_system_serves_no_one_and_a_jass_serves_a_centre_once(staff_a):
    centre = create(staff_a)
    dissolved = JassFactory(status=JassStatus.DISSOLVED)
    with pytest.raises(ValidationError, match="disuelta"):
        services.service_add(user=staff_a, centre=centre, jass=dissolved, households_served=5)
    retired = WaterSystemFactory(jass=JassFactory(), retired_on=dt.date(2025, 1, 1))
    with pytest.raises(ValidationError, match="dado de baja"):
        services.service_add(
            user=staff_a,
            centre=centre,
            jass=retired.jass,
            water_system=retired,
            households_served=5,
        )
    jass = JassFactory()
    services.service_add(user=staff_a, centre=centre, jass=jass, households_served=5)
    with pytest.raises(ValidationError, match="ya atiende"):
        services.service_add(user=staff_a, centre=centre, jass=jass, households_served=6)


def test_ending_a_service_is_recorded_once_and_not_before_it_began(staff_a):
    centre = create(staff_a)
    service = services.service_add(
        user=staff_a, centre=centre, jass=JassFactory(), households_served=20
    )
    with pytest.raises(ValidationError) as excinfo:
        services.service_end(user=staff_a, service=service, ended_on=dt.date(2020, 1, 1))
    assert "anterior a su registro" in " ".join(errors_of(excinfo)["ended_on"])
    service.refresh_from_db()
    services.service_end(user=staff_a, service=service)
    assert CentreChange.objects.filter(action="service_ended").count() == 1
    with pytest.raises(ValidationError, match="ya terminó"):
        services.service_end(user=staff_a, service=service)
