"""The visit form's rows as the server sends them: a row template for the page's "Agregar"
buttons (static/js/rows.js) with the caps and their messages, and, for a phone without script,
the extra rows and "Quitar" boxes as before. The page's behaviour is in
tests/browser/test_visit_form_rows.py."""

import re

from django.urls import reverse

from tests.conftest import CASCAS
from tests.visits.conftest import page_data
from visits.models import Visit


def form_page(client, staff_a, jass) -> str:
    client.force_login(staff_a)
    url = reverse("visits:create", args=[CASCAS]) + f"?jass={jass.pk}"
    return client.get(url).content.decode()


def test_each_formset_sends_an_empty_row_template_its_cap_and_why(
    client, staff_a, jass_with_system
):
    jass, _ = jass_with_system
    html = form_page(client, staff_a, jass)
    templates = re.findall(r"<template data-formset-empty>(.*?)</template>", html, re.S)
    assert len(templates) == 2
    assert 'name="readings-__prefix__-mg_per_l"' in templates[0]
    assert 'name="agreements-__prefix__-task"' in templates[1]
    # The caps are the service's, read by the script from the management form.
    assert 'name="readings-MAX_NUM_FORMS" value="30"' in html
    assert 'name="agreements-MAX_NUM_FORMS" value="20"' in html
    assert 'data-cap-message="Máximo 30 mediciones por visita."' in html
    assert 'data-cap-message="Máximo 20 acuerdos por visita."' in html
    assert "Agregar medición" in html and "Agregar acuerdo" in html


def test_without_script_the_page_keeps_its_extra_rows_and_delete_boxes(
    client, staff_a, jass_with_system
):
    jass, _ = jass_with_system
    html = form_page(client, staff_a, jass)
    # The buttons are hidden until the script shows them; the hint says how to get more rows.
    assert re.search(r"<button[^>]*data-formset-add hidden", html)
    assert "Guarde y luego edite la visita" in html
    rows = re.findall(r'name="readings-\d+-DELETE"', html)
    assert len(rows) == 2  # the two extra rows, each with its "Quitar" box
    assert len(re.findall(r'name="agreements-\d+-DELETE"', html)) == 1


def test_a_saved_row_removed_on_the_edit_page_and_a_blank_row_added_saves_the_rest(
    client, staff_a, jass_with_system
):
    """What the script posts after removing one of two saved readings and adding a row left
    blank: INITIAL_FORMS lowered with the removal, so the blank row is an extra one (skipped)
    rather than an initial one (which Django would require filled in)."""
    jass, systems = jass_with_system
    client.force_login(staff_a)
    create = reverse("visits:create", args=[CASCAS]) + f"?jass={jass.pk}"
    assert client.post(create, page_data(systems)).status_code == 302
    visit = Visit.objects.get()
    assert visit.readings.count() == 2
    data = page_data(systems)
    for key in [k for k in data if k.startswith("readings-")]:
        del data[key]
    data.update(
        {
            "readings-TOTAL_FORMS": "2",
            "readings-INITIAL_FORMS": "1",
            "readings-0-water_system": str(systems[0].pk),
            "readings-0-point": "last_house",
            "readings-0-mg_per_l": "0.55",
            "readings-1-water_system": "",
            "readings-1-point": "",
            "readings-1-mg_per_l": "",
            "agreements-INITIAL_FORMS": "1",
        }
    )
    response = client.post(reverse("visits:edit", args=[visit.pk]), data)
    assert response.status_code == 302
    assert [(r.point, str(r.mg_per_l)) for r in visit.readings.all()] == [("last_house", "0.55")]
