"""The signed acta's photo or scan on a visit: checked by content, for the district's staff,
never on a voided visit, stored once per uuid, removed by a mark (row and file kept)."""

import uuid as uuid_module

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from jass_registry.models import ChangeRecord
from tests.conftest import api_client_for
from visits import services
from visits.models import VisitAttachment
from visits.services import visit_record, visit_void

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
PDF = b"%PDF-1.4\n%...\n"


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def visit(staff_a, site):
    jass, system = site
    return visit_record(
        user=staff_a,
        jass=jass,
        data={"date": "2026-01-05", "kind": "supervision"},
        readings=[{"water_system": system, "point": "reservoir", "mg_per_l": "0.6"}],
    )


def upload(name="acta.png", content=PNG):
    return SimpleUploadedFile(name, content, content_type="image/png")


def test_staff_attach_the_acta_on_the_page_and_everyone_allowed_reads_it(
    client, staff_a, reviewer, visit
):
    client.force_login(staff_a)
    response = client.post(f"/visitas/{visit.pk}/actas/", {"file": upload("Acta firmada.png")})
    assert response.status_code == 302
    attachment = VisitAttachment.objects.get()
    assert (
        attachment.file.name.endswith(".png") and attachment.district_id == visit.jass.district_id
    )
    page = client.get(f"/visitas/{visit.pk}/").content.decode()
    assert "Acta firmada.png" in page and f"/visitas/{visit.pk}/actas/{attachment.pk}/" in page
    served = client.get(f"/visitas/{visit.pk}/actas/{attachment.pk}/")
    assert served.status_code == 200 and served["Content-Type"] == "image/png"
    assert served["X-Content-Type-Options"] == "nosniff"
    assert served["Content-Security-Policy"] == "sandbox"
    client.force_login(reviewer)
    assert client.get(f"/visitas/{visit.pk}/actas/{attachment.pk}/").status_code == 200
    history = ChangeRecord.objects.get(action="visit_updated")
    assert history.changes == {"acta": [None, "Acta firmada.png"]}


def test_a_jpg_that_is_html_is_refused(client, staff_a, visit):
    client.force_login(staff_a)
    html = SimpleUploadedFile("acta.jpg", b"<html><script>alert(1)</script>", "image/jpeg")
    response = client.post(f"/visitas/{visit.pk}/actas/", {"file": html}, follow=True)
    assert "El archivo debe ser un PDF, JPEG o PNG." in response.content.decode()
    api = api_client_for(staff_a).post(
        f"/api/v1/visits/{visit.pk}/attachments/",
        {"file": SimpleUploadedFile("acta.jpg", b"<html>", "image/jpeg")},
        format="multipart",
    )
    assert api.status_code == 400 and "file" in api.json()
    assert not VisitAttachment.objects.exists()


def test_another_district_gets_404_and_a_reviewer_cannot_attach(
    client, staff_a, staff_b, reviewer, visit
):
    services.attachment_add(user=staff_a, visit=visit, file=upload())
    attachment = VisitAttachment.objects.get()
    client.force_login(staff_b)
    assert client.get(f"/visitas/{visit.pk}/actas/{attachment.pk}/").status_code == 404
    assert client.post(f"/visitas/{visit.pk}/actas/", {"file": upload()}).status_code == 404
    theirs = api_client_for(staff_b)
    assert theirs.get(f"/api/v1/visits/{visit.pk}/attachments/").status_code == 404
    client.force_login(reviewer)
    assert client.post(f"/visitas/{visit.pk}/actas/", {"file": upload()}).status_code == 403
    refused = api_client_for(reviewer).post(
        f"/api/v1/visits/{visit.pk}/attachments/", {"file": upload()}, format="multipart"
    )
    assert refused.status_code == 403
    assert VisitAttachment.objects.count() == 1


def test_a_voided_visit_takes_no_acta(staff_a, visit):
    visit_void(user=staff_a, visit=visit, reason="Registrada dos veces")
    response = api_client_for(staff_a).post(
        f"/api/v1/visits/{visit.pk}/attachments/", {"file": upload()}, format="multipart"
    )
    assert response.status_code == 400 and "anulada" in str(response.json())
    assert not VisitAttachment.objects.exists()


def test_an_upload_repeated_with_its_uuid_is_one_row(staff_a, visit):
    api = api_client_for(staff_a)
    key = str(uuid_module.uuid4())
    url = f"/api/v1/visits/{visit.pk}/attachments/"
    first = api.post(url, {"file": upload(), "uuid": key}, format="multipart")
    assert first.status_code == 201, first.json()
    again = api.post(url, {"file": upload(), "uuid": key}, format="multipart")
    assert again.status_code == 200 and again.json()["id"] == first.json()["id"]
    assert first.json()["uuid"] == key and first.json()["file_url"].endswith(
        f"/visitas/{visit.pk}/actas/{first.json()['id']}/"
    )
    assert VisitAttachment.objects.count() == 1
    listed = api.get(url).json()
    assert [row["uuid"] for row in listed] == [key]


def test_the_same_uuid_on_another_visit_is_refused(staff_a, site, visit):
    jass, _system = site
    other = visit_record(user=staff_a, jass=jass, data={"date": "2026-01-06", "kind": "training"})
    key = uuid_module.uuid4()
    services.attachment_add(user=staff_a, visit=visit, file=upload(), uuid=key)
    with pytest.raises(services.ValidationError):
        services.attachment_add(user=staff_a, visit=other, file=upload(), uuid=key)
    assert VisitAttachment.objects.count() == 1


def test_a_removed_acta_leaves_the_lists_but_its_row_and_file_stay(client, staff_a, visit):
    stored = services.attachment_add(
        user=staff_a, visit=visit, file=upload("acta.pdf", PDF)
    ).attachment
    client.force_login(staff_a)
    response = client.post(f"/visitas/{visit.pk}/actas/{stored.pk}/quitar/")
    assert response.status_code == 302
    stored.refresh_from_db()
    assert stored.removed_at is not None and stored.removed_by == staff_a
    assert stored.file.storage.exists(stored.file.name)
    assert "acta.pdf" not in client.get(f"/visitas/{visit.pk}/").content.decode()
    assert api_client_for(staff_a).get(f"/api/v1/visits/{visit.pk}/attachments/").json() == []
    assert client.get(f"/visitas/{visit.pk}/actas/{stored.pk}/").status_code == 404
    assert ChangeRecord.objects.filter(changes__acta=["acta.pdf", None]).exists()


def test_at_most_ten_live_actas(staff_a, visit):
    for _ in range(services.MAX_ATTACHMENTS_PER_VISIT):
        services.attachment_add(user=staff_a, visit=visit, file=upload())
    with pytest.raises(services.ValidationError) as refused:
        services.attachment_add(user=staff_a, visit=visit, file=upload())
    assert "a lo más 10 actas" in str(refused.value)
    services.attachment_remove(user=staff_a, attachment=VisitAttachment.objects.first())
    services.attachment_add(user=staff_a, visit=visit, file=upload())  # room again
    assert VisitAttachment.objects.count() == 11
