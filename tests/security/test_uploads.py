"""Uploaded files never run in a browser (issue 10, section 1).

An evidence file that started with `%PDF` but was named `acta.htm` used to be stored as `.htm`
and served as `text/html`, inline: a script in it, opened by a reviewer, acted in the reviewer's
name. Every upload is now stored under the type found in its content and served with that type,
`nosniff` and a `sandbox` policy (common/uploads.py)."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from incentives import services
from incentives.models import Evidence, Goal
from territory.models import District
from tests.conftest import CASCAS

PDF = b"%PDF-1.4\n<script>alert(document.cookie)</script>\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
SVG = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
HTML = b"<!doctype html><html><script>fetch('/evidencias/1/revisar/')</script></html>"


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def requirement(db):
    return Goal.objects.get(code="2015-M11").requirements.get(code="1")


def upload(client, requirement, name: str, content: bytes, content_type: str = "text/html"):
    return client.post(
        reverse("incentives:evidence", args=[CASCAS]),
        {
            "requirement": requirement.pk,
            "number": "O.M. 012-2015",
            "issued_on": "2015-06-18",
            "file": SimpleUploadedFile(name, content, content_type=content_type),
        },
    )


def stored_evidence(staff_a, requirement, stored_name: str, content: bytes) -> Evidence:
    """An evidence row pointing at a file written straight to storage, as an older version of
    ATO (or a restore) left it: its stored name says nothing true about its content."""
    name = default_storage.save(stored_name, ContentFile(content))
    return Evidence.objects.create(
        district_id=CASCAS,
        requirement=requirement,
        doc_type="ordinance_atm",
        number="1",
        issued_on=dt.date(2015, 6, 1),
        file=name,
        uploaded_by=staff_a,
    )


def assert_never_runs(response) -> None:
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"] == "sandbox"
    assert "no-store" in response["Cache-Control"]
    assert response["Content-Type"] not in {"text/html", "image/svg+xml"}
    assert "text/html" not in response["Content-Type"]


def test_a_pdf_named_htm_is_stored_as_pdf_and_served_as_pdf(client, staff_a, requirement):
    client.force_login(staff_a)
    assert upload(client, requirement, "acta.htm", PDF).status_code == 302
    item = Evidence.objects.get()
    assert item.file.name.endswith(".pdf")
    assert item.file.name.startswith(f"evidence/{CASCAS}/")
    response = client.get(reverse("incentives:evidence_file", args=[item.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'inline; filename="evidencia-{item.pk}.pdf"'
    assert_never_runs(response)
    assert b"".join(response.streaming_content) == PDF


def test_the_name_and_extension_the_client_sent_never_reach_the_stored_path(
    client, staff_a, requirement
):
    client.force_login(staff_a)
    upload(client, requirement, "../../ordenanza municipal.Html", PNG, "image/svg+xml")
    item = Evidence.objects.get()
    assert item.file.name.endswith(".png")
    assert "ordenanza" not in item.file.name
    assert "html" not in item.file.name.lower() and ".." not in item.file.name


@pytest.mark.parametrize(
    ("name", "content"),
    [("plano.svg", SVG), ("acta.htm", HTML), ("acta.pdf", HTML), ("plano.png", SVG)],
)
def test_svg_and_html_uploads_are_refused_whatever_their_name(
    client, staff_a, requirement, name, content
):
    client.force_login(staff_a)
    response = upload(client, requirement, name, content)
    assert response.status_code == 200
    assert "El archivo debe ser un PDF, JPEG o PNG." in response.content.decode()
    assert not Evidence.objects.exists()


def test_no_door_stores_an_svg_the_service_and_the_model_field_refuse_it(staff_a, requirement):
    with pytest.raises(ValidationError):
        services.evidence_submit(
            user=staff_a,
            district=District.objects.get(pk=CASCAS),
            requirement=requirement,
            number="1",
            issued_on=dt.date(2015, 6, 1),
            file=SimpleUploadedFile("plano.png", SVG, content_type="image/png"),
        )
    item = Evidence(
        district_id=CASCAS,
        requirement=requirement,
        doc_type="ordinance_atm",
        number="1",
        issued_on=dt.date(2015, 6, 1),
        uploaded_by=staff_a,
    )
    with pytest.raises(ValidationError):
        item.file.save("plano.pdf", ContentFile(SVG), save=True)
    assert not Evidence.objects.exists()


def test_a_file_larger_than_the_limit_is_refused(client, staff_a, requirement, settings):
    client.force_login(staff_a)
    response = upload(client, requirement, "acta.pdf", PDF + b"0" * (10 * 1024 * 1024))
    assert "El archivo supera los 10 MB." in response.content.decode()
    assert not Evidence.objects.exists()


@pytest.mark.parametrize("stored_name", ["evidence/legacy/acta.htm", "evidence/legacy/plano.svg"])
def test_a_legacy_stored_file_that_is_not_a_known_type_is_only_downloaded(
    client, staff_a, reviewer, requirement, stored_name
):
    content = SVG if stored_name.endswith(".svg") else HTML
    item = stored_evidence(staff_a, requirement, stored_name, content)
    client.force_login(reviewer)
    response = client.get(reverse("incentives:evidence_file", args=[item.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/octet-stream"
    assert response["Content-Disposition"] == f'attachment; filename="evidencia-{item.pk}.bin"'
    assert_never_runs(response)


def test_a_legacy_pdf_stored_as_htm_is_served_as_pdf(client, staff_a, reviewer, requirement):
    item = stored_evidence(staff_a, requirement, "evidence/legacy/acta.htm", PDF)
    client.force_login(reviewer)
    response = client.get(reverse("incentives:evidence_file", args=[item.pk]))
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("inline;")
    assert_never_runs(response)


def test_another_districts_staff_get_404_for_the_file(client, staff_a, staff_b, requirement):
    item = stored_evidence(staff_a, requirement, "evidence/131101/x.pdf", PDF)
    client.force_login(staff_b)
    response = client.get(reverse("incentives:evidence_file", args=[item.pk]))
    assert response.status_code == 404


def test_a_missing_stored_file_answers_404_not_500(client, staff_a, requirement):
    item = stored_evidence(staff_a, requirement, "evidence/131101/x.pdf", PDF)
    default_storage.delete(item.file.name)
    client.force_login(staff_a)
    assert client.get(reverse("incentives:evidence_file", args=[item.pk])).status_code == 404
