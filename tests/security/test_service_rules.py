"""Rules live in the registry's services, so no door skips them: a dissolved JASS is a closed
record for the page, the API and the import alike, and dissolving is its own action with a
reason (`services.jass_dissolve`), never a status written by an edit or an import row."""

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from jass_registry import services
from jass_registry.models import BoardTerm, ChangeRecord, Jass, WaterSystem
from tests.conftest import CASCAS, api_client_for
from tests.factories import JassFactory, WaterSystemFactory

HEADER = "Nombre,N.° de inscripción,Estado\n"


def dissolved_jass(**kwargs) -> Jass:
    return JassFactory(district_id=CASCAS, status="dissolved", **kwargs)


def import_preview(client, rows: list[str]):
    content = (HEADER + "\n".join(rows) + "\n").encode("utf-8")
    response = client.post(
        reverse("jass_registry:import", args=[CASCAS]),
        {"file": SimpleUploadedFile("jass.csv", content)},
    )
    return response.context["preview"]


def test_an_api_patch_cannot_revive_a_dissolved_jass(staff_a):
    jass = dissolved_jass()
    response = api_client_for(staff_a).patch(
        f"/api/v1/jass/{jass.pk}/", {"status": "active"}, format="json"
    )
    assert response.status_code == 400
    assert "disuelta" in str(response.json())
    jass.refresh_from_db()
    assert jass.status == "dissolved"


def test_an_api_patch_cannot_edit_a_dissolved_jass(staff_a):
    jass = dissolved_jass(name="JASS Cerrada")
    response = api_client_for(staff_a).patch(
        f"/api/v1/jass/{jass.pk}/", {"name": "JASS Reabierta", "associates": 90}, format="json"
    )
    assert response.status_code == 400
    jass.refresh_from_db()
    assert (jass.name, jass.associates) == ("JASS Cerrada", None)
    assert not ChangeRecord.objects.filter(jass=jass).exists()


def test_the_api_adds_no_water_system_or_board_to_a_dissolved_jass(staff_a):
    jass = dissolved_jass()
    api = api_client_for(staff_a)
    system = api.post(
        "/api/v1/water-systems/", {"jass": jass.pk, "name": "Nuevo sistema"}, format="json"
    )
    board = api.post(
        "/api/v1/board-terms/",
        {
            "jass": jass.pk,
            "starts_on": "2026-01-01",
            "ends_on": "2027-12-31",
            "members": [
                {"role": "president", "full_name": "Ana Pérez"},
                {"role": "treasurer", "full_name": "Luis Díaz"},
            ],
        },
        format="json",
    )
    assert (system.status_code, board.status_code) == (400, 400)
    assert not WaterSystem.objects.filter(jass=jass).exists()
    assert not BoardTerm.objects.filter(jass=jass).exists()


def test_an_api_patch_to_dissolved_is_refused_and_delete_dissolves_with_a_reason(staff_a):
    jass = JassFactory(district_id=CASCAS)
    api = api_client_for(staff_a)
    response = api.patch(f"/api/v1/jass/{jass.pk}/", {"status": "dissolved"}, format="json")
    assert response.status_code == 400
    assert "Para disolver una JASS use la acción Disolver" in str(response.json())
    jass.refresh_from_db()
    assert jass.status == "active"

    response = api.delete(
        f"/api/v1/jass/{jass.pk}/", {"reason": "Acta de asamblea del 3 de marzo"}, format="json"
    )
    assert response.status_code == 204
    jass.refresh_from_db()
    assert jass.status == "dissolved"
    record = ChangeRecord.objects.get(jass=jass, action="dissolved")
    assert record.changes["reason"][1] == "Acta de asamblea del 3 de marzo"
    assert record.user == staff_a


def test_the_service_registers_no_jass_already_dissolved(staff_a):
    # The API's serializer used to be the only guard; the import and any future door call this.
    with pytest.raises(ValidationError) as refused:
        services.jass_create(
            user=staff_a, district_id=CASCAS, data={"name": "JASS Nueva", "status": "dissolved"}
        )
    assert "Para disolver una JASS use la acción Disolver" in str(refused.value)
    assert not Jass.objects.filter(name="JASS Nueva").exists()


def test_the_edit_pages_refuse_a_dissolved_jass(client, staff_a):
    jass = dissolved_jass(name="JASS Cerrada")
    system = WaterSystemFactory(jass=jass, name="Sistema viejo")
    client.force_login(staff_a)
    edit = client.post(
        reverse("jass_registry:edit", args=[jass.pk]),
        {"name": "JASS Reabierta", "kind": "jass", "status": "active"},
    )
    new_system = client.post(
        reverse("jass_registry:system_create", args=[jass.pk]),
        {"name": "Otro", "system_type": "gravity_untreated", "chlorination": "none"},
    )
    system_edit = client.post(
        reverse("jass_registry:system_edit", args=[system.pk]),
        {
            "name": "Sistema renombrado",
            "system_type": "gravity_untreated",
            "chlorination": "none",
            "condition": "good",
        },
    )
    assert edit.status_code == 302 and new_system.status_code == 302
    assert system_edit.status_code == 200
    assert "disuelta" in system_edit.content.decode()
    jass.refresh_from_db()
    system.refresh_from_db()
    assert (jass.name, jass.status) == ("JASS Cerrada", "dissolved")
    assert system.name == "Sistema viejo"
    assert WaterSystem.objects.filter(jass=jass).count() == 1


def test_an_import_row_cannot_dissolve_a_jass(client, staff_a):
    jass = JassFactory(district_id=CASCAS, name="JASS Santa Rosa", registry_number="015-2024")
    client.force_login(staff_a)
    preview = import_preview(client, ["JASS Santa Rosa,015-2024,Disuelta"])
    assert not preview.ok
    assert preview.error_rows[0].line == 2
    assert (
        "Para disolver una JASS use la acción Disolver, con su motivo."
        in preview.error_rows[0].errors
    )
    jass.refresh_from_db()
    assert jass.status == "active"


def test_an_import_row_cannot_touch_or_revive_a_dissolved_jass(client, staff_a):
    jass = dissolved_jass(name="JASS El Alto", registry_number="020-2019")
    client.force_login(staff_a)
    preview = import_preview(client, ["JASS El Alto,020-2019,Activa"])
    assert not preview.ok
    assert any("disuelta" in e for e in preview.error_rows[0].errors)
    jass.refresh_from_db()
    assert jass.status == "dissolved"


def test_dissolving_needs_a_reason_whoever_calls_the_service(staff_a):
    jass = JassFactory(district_id=CASCAS)
    with pytest.raises(ValidationError):
        services.jass_dissolve(user=staff_a, jass=jass, reason="   ")
    jass.refresh_from_db()
    assert jass.status == "active"
    assert not ChangeRecord.objects.filter(jass=jass).exists()
