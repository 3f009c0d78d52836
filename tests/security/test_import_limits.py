"""Imports cannot exhaust memory: a file is refused by its byte size before it is parsed, rows
are read as a stream and the row cap stops the reading, a sheet's declared dimension is
ignored, a zip bomb is refused, and a huge cell is an error of its row (never a crash). The
hostile files are the ones `bench/import_limits.py` measures."""

import io
import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse

from bench.import_limits import declared_huge_xlsx, huge_cell_csv, xlsx, zip_bomb_xlsx
from common import spreadsheets
from jass_registry import importing
from jass_registry.models import Jass
from territory.models import DistrictCategory

CASCAS = "131101"
HEADER = "Nombre,Tipo,Centros poblados,N.° de inscripción,Estado\n"


def upload(client, content: bytes, name: str):
    return client.post(
        reverse("jass_registry:import", args=[CASCAS]), {"file": SimpleUploadedFile(name, content)}
    )


def no_parsing(monkeypatch):
    def parsed(*args, **kwargs):
        raise AssertionError("the file was parsed")

    monkeypatch.setattr(spreadsheets, "_csv_rows", parsed)
    monkeypatch.setattr(spreadsheets, "_xlsx_rows", parsed)
    monkeypatch.setattr(importing, "preview", parsed)


def test_a_file_over_the_byte_limit_is_refused_before_it_is_parsed(
    client, staff_a, settings, monkeypatch
):
    settings.ATO_IMPORT_MAX_BYTES = 1024 * 1024
    no_parsing(monkeypatch)
    client.force_login(staff_a)
    content = (HEADER + "JASS Alta,JASS,Alta,001-2024,Activa\n" * 30_000).encode()
    response = upload(client, content, "jass.csv")
    assert response.status_code == 302
    page = client.get(response.url).content.decode()
    assert "pesa más de 1 MB" in page
    assert not Jass.objects.exists()


def test_the_category_import_refuses_a_file_over_the_byte_limit(db, settings, tmp_path):
    settings.ATO_IMPORT_MAX_BYTES = 100
    path = tmp_path / "categorias.csv"
    path.write_text("ubigeo,year,category\n" + "131101,2017,C\n" * 10)
    with pytest.raises(CommandError, match="pesa más de"):
        call_command("import_categories", path, stdout=io.StringIO())
    assert not DistrictCategory.objects.exists()


def test_a_sheet_declaring_a_huge_dimension_is_read_quickly_and_correctly(client, staff_a):
    content = declared_huge_xlsx()  # ~2 KB declaring A1:XFD20000: 327 million cells
    assert len(content) < 3000
    client.force_login(staff_a)
    start = time.perf_counter()
    response = upload(client, content, "jass.xlsx")
    assert time.perf_counter() - start < 2
    preview = response.context["preview"]
    assert preview.ok, (preview.file_errors, [r.errors for r in preview.rows])
    assert [r.data["name"] for r in preview.rows] == ["JASS Santa Rosa"]


def test_too_many_rows_are_refused_while_reading(staff_a, monkeypatch):
    monkeypatch.setattr(importing, "MAX_ROWS", 10)
    # After 2,000 rows the file is not UTF-8: reading every row first would fail on it.
    rows = "".join(f"JASS {i},JASS,Alta,{i:04d}-2024,Activa\n" for i in range(2000))
    content = (HEADER + rows).encode() + b"\xff\xfe broken\n" * 1000
    result = importing.preview(content=content, filename="jass.csv", district_id=CASCAS)
    assert result.file_errors == ["El archivo tiene más de 10 filas de datos."]


def test_too_many_rows_in_a_sheet_are_refused_while_reading(staff_a, monkeypatch):
    monkeypatch.setattr(importing, "MAX_ROWS", 10)
    rows = [HEADER.strip().split(",")] + [[f"JASS {i}", "JASS"] for i in range(12)]
    result = importing.preview(content=xlsx(rows), filename="jass.xlsx", district_id=CASCAS)
    assert result.file_errors == ["El archivo tiene más de 10 filas de datos."]


def test_one_huge_cell_is_an_error_of_its_row_not_a_crash(client, staff_a):
    client.force_login(staff_a)
    response = upload(client, huge_cell_csv(5 * 1024 * 1024), "jass.csv")
    assert response.status_code == 200
    preview = response.context["preview"]
    assert [r.line for r in preview.error_rows] == [2]
    assert "más de 1000 caracteres" in preview.error_rows[0].errors[0]
    assert "token" not in response.context


def test_a_long_cell_in_a_sheet_is_an_error_of_its_row(staff_a, settings):
    settings.ATO_IMPORT_MAX_CELL_CHARS = 50
    rows = [HEADER.strip().split(","), ["JASS Alta", "JASS", "x" * 5000]]
    result = importing.preview(content=xlsx(rows), filename="jass.xlsx", district_id=CASCAS)
    assert "la columna 3 tiene más de 50 caracteres" in result.error_rows[0].errors


def test_a_zip_bomb_is_refused_before_it_is_inflated(client, staff_a):
    content = zip_bomb_xlsx(5 * 1024 * 1024)  # ~150 KB that inflates to 150 MB
    client.force_login(staff_a)
    start = time.perf_counter()
    response = upload(client, content, "jass.xlsx")
    assert time.perf_counter() - start < 2
    errors = response.context["preview"].file_errors
    assert errors == ["El archivo XLSX descomprimido pesaría más de 100 MB; no se lee."]


def test_a_file_that_is_not_a_spreadsheet_is_refused_in_spanish(staff_a):
    result = importing.preview(content=b"%PDF-1.4", filename="jass.xlsx", district_id=CASCAS)
    assert result.file_errors == ["El archivo no es un XLSX válido."]
