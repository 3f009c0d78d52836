"""Recording the service assessment at a visit ("Evaluar el servicio"): own district's staff
only, Spanish validation, one per system and visit, edited while the visit is not voided, and
the grade follows at once."""

import datetime as dt

import pytest
from django.urls import reverse

from jass_registry.models import WaterSystem
from service_grades.models import ServiceAssessment
from tests.conftest import CASCAS
from tests.factories import JassFactory, WaterSystemFactory
from visits import services as visit_services

from .conftest import GOOD, TODAY, last_house, visit

FORM = {k: str(v) for k, v in GOOD.items()}


def assess_url(v, system):
    return reverse("service_grades:assess", args=[v.pk, system.pk])


@pytest.fixture
def visited(staff_a):
    jass = JassFactory(district_id=CASCAS, name="JASS San Juan")
    system = WaterSystemFactory(jass=jass, name="Sistema San Juan")
    treated = WaterSystemFactory(jass=jass, name="Planta", system_type="gravity_treated")
    v = visit(staff_a, jass, readings=[last_house(system, "0.70")])
    return jass, system, treated, v


def test_the_visit_page_links_to_the_assessment(client, staff_a, visited):
    _jass, _system, _treated, v = visited
    client.force_login(staff_a)
    page = client.get(reverse("visits:detail", args=[v.pk])).content.decode()
    assert reverse("service_grades:visit", args=[v.pk]) in page
    assert "Evaluar el servicio" in page


def test_staff_record_an_assessment_and_the_grade_follows(client, staff_a, visited):
    jass, system, _treated, v = visited
    client.force_login(staff_a)
    listing = client.get(reverse("service_grades:visit", args=[v.pk])).content.decode()
    assert "Sistema San Juan" in listing and "Sin evaluar" in listing
    response = client.post(assess_url(v, system), FORM)
    assert response.status_code == 302
    assessment = ServiceAssessment.objects.get(visit=v, water_system=system)
    assert (assessment.hours_dry, assessment.created_by) == (24, staff_a)
    system.refresh_from_db()
    assert system.grade == "A"
    listing = client.get(reverse("service_grades:visit", args=[v.pk])).content.decode()
    assert "Bueno" in listing and "120 de 120 asociados al día" in listing


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"hours_dry": "25"}, "hours_dry", "menor o igual a 24"),
        ({"hours_rainy": "-1"}, "hours_rainy", "mayor o igual a 0"),
        ({"associates_paid": "121"}, "associates_paid", "no pueden ser más que los asociados"),
        ({"associates": ""}, "associates", "o ninguno de los dos"),
        ({"storage": "not_applicable"}, "storage", "no es una de las opciones"),
        ({"hours_dry": "9" * 30}, "hours_dry", "menor o igual a 24"),
        ({"source_intake": "bueno\x00"}, "source_intake", "no es una de las opciones"),
    ],
)
def test_bad_input_is_a_spanish_form_error_and_nothing_is_saved(
    client, staff_a, visited, change, field, message
):
    _jass, system, _treated, v = visited
    client.force_login(staff_a)
    response = client.post(assess_url(v, system), {**FORM, **change})
    assert response.status_code == 200
    assert message in " ".join(response.context["form"].errors.get(field, []))
    assert not ServiceAssessment.objects.exists()


def test_a_treated_systems_treatment_must_be_judged(client, staff_a, visited):
    _jass, _system, treated, v = visited
    client.force_login(staff_a)
    page = client.get(assess_url(v, treated)).content.decode()
    assert "No aplica" not in page
    response = client.post(assess_url(v, treated), FORM)  # treatment: not_applicable
    assert response.status_code == 200
    assert response.context["form"].errors["treatment"]
    assert client.post(assess_url(v, treated), {**FORM, "treatment": "fair"}).status_code == 302


def test_one_assessment_per_system_and_visit_edited_in_place(client, staff_a, visited):
    _jass, system, _treated, v = visited
    client.force_login(staff_a)
    client.post(assess_url(v, system), FORM)
    client.post(assess_url(v, system), {**FORM, "distribution": "not_working", "hours_dry": "6"})
    assessment = ServiceAssessment.objects.get()
    assert (assessment.distribution, assessment.hours_dry) == ("not_working", 6)
    system.refresh_from_db()
    # 0.35 x 9/12 (three good, one not working) + 0.30 x 30/48 + 0.35 x 1 = 0.800
    assert (system.grade, str(system.score)) == ("B", "0.800")


def test_the_service_refuses_a_second_assessment_in_spanish(staff_a, visited):
    from django.core.exceptions import ValidationError

    from service_grades import services

    _jass, system, _treated, v = visited
    services.assessment_record(user=staff_a, visit=v, water_system=system, data=GOOD)
    with pytest.raises(ValidationError) as error:
        services.assessment_record(user=staff_a, visit=v, water_system=system, data=GOOD)
    assert "ya tiene una evaluación en esta visita" in str(error.value)
    assert ServiceAssessment.objects.count() == 1


def test_a_system_of_another_jass_is_404_and_a_voided_visit_is_not_edited(client, staff_a, visited):
    _jass, system, _treated, v = visited
    other = WaterSystemFactory(jass=JassFactory(district_id=CASCAS))
    client.force_login(staff_a)
    assert client.get(assess_url(v, other)).status_code == 404
    client.post(assess_url(v, system), FORM)
    visit_services.visit_void(user=staff_a, visit=v, reason="Registrada dos veces")
    response = client.post(assess_url(v, system), {**FORM, "hours_dry": "1"}, follow=True)
    assert "fue anulada" in response.content.decode()
    assert ServiceAssessment.objects.get().hours_dry == 24
    listing = client.get(reverse("service_grades:visit", args=[v.pk])).content.decode()
    assert "Visita anulada" in listing and "Editar</a>" not in listing


def test_a_retired_system_is_not_offered_after_its_retirement(client, staff_a, visited):
    jass, system, _treated, _v = visited
    WaterSystem.objects.filter(pk=system.pk).update(retired_on=TODAY - dt.timedelta(days=10))
    later = visit(staff_a, jass, days_ago=1)
    client.force_login(staff_a)
    page = client.get(reverse("service_grades:visit", args=[later.pk])).content.decode()
    assert "Sistema San Juan" not in page and "Planta" in page


def test_reviewers_read_but_do_not_assess_and_other_districts_get_404(
    client, staff_a, staff_b, reviewer, visited
):
    _jass, system, _treated, v = visited
    client.force_login(reviewer)
    assert client.get(reverse("service_grades:visit", args=[v.pk])).status_code == 200
    assert client.get(assess_url(v, system)).status_code == 403
    assert client.post(assess_url(v, system), FORM).status_code == 403
    client.force_login(staff_b)
    assert client.get(reverse("service_grades:visit", args=[v.pk])).status_code == 404
    assert client.post(assess_url(v, system), FORM).status_code == 404
    assert not ServiceAssessment.objects.exists()
