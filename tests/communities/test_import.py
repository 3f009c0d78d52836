"""Import of populated centres from INEI's directory layout: all or nothing, Spanish errors per
row, upsert by code, own district only on the page."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse
from openpyxl import Workbook

from communities import importing
from communities.models import CentreChange, PopulatedCentre
from tests.conftest import CASCAS, LUCMA
from tests.factories import PopulatedCentreFactory

HEADER = "UBIGEO,CODCCPP,NOMCCPP,AREA,VIVIENDAS,POBLACION,LATITUD,LONGITUD\n"


def csv_file(rows: list[str], header: str = HEADER) -> bytes:
    return (header + "\n".join(rows) + "\n").encode("utf-8")


def good_rows(n: int, ubigeo: str = CASCAS) -> list[str]:
    return [
        f"{ubigeo},{ubigeo}{i + 1:04d},Caserío {i},{1 if i % 5 == 0 else 2},{20 + i},{70 + i},"
        f"-7.4{i % 10}52,-78.8{i % 10}13"
        for i in range(n)
    ]


def upload(client, content: bytes, name="centros.csv", ubigeo=CASCAS):
    return client.post(
        reverse("communities:import", args=[ubigeo]), {"file": SimpleUploadedFile(name, content)}
    )


def test_a_valid_file_is_written_only_after_confirmation(client, staff_a):
    client.force_login(staff_a)
    response = upload(client, csv_file(good_rows(30)))
    assert response.context["preview"].to_create == 30
    assert not PopulatedCentre.objects.exists()
    response = client.post(
        reverse("communities:import", args=[CASCAS]), {"token": response.context["token"]}
    )
    assert response.status_code == 302
    assert PopulatedCentre.objects.filter(district_id=CASCAS).count() == 30
    assert CentreChange.objects.filter(action="imported", user=staff_a).count() == 30
    centre = PopulatedCentre.objects.get(code=f"{CASCAS}0006")
    assert (centre.area, centre.households, centre.population, str(centre.latitude)) == (
        "urban",  # AREA 1 is urbano in INEI's directory
        25,
        75,
        "-7.455200",
    )
    assert PopulatedCentre.objects.get(code=f"{CASCAS}0002").area == "rural"


def test_one_bad_row_among_many_writes_nothing_and_names_the_row_in_spanish(client, staff_a):
    rows = good_rows(500)
    rows[236] = f"{CASCAS},{CASCAS}9999,Malo,3,-5,abc,-30,-78.8"
    client.force_login(staff_a)
    response = upload(client, csv_file(rows))
    preview = response.context["preview"]
    assert [r.line for r in preview.error_rows] == [238]  # the header is line 1
    errors = " ".join(preview.error_rows[0].errors)
    for words in ("AREA", "no es 1 (urbano) ni 2 (rural)", "VIVIENDAS", "POBLACION", "LATITUD"):
        assert words in errors
    assert "no se guardará nada" in response.content.decode()
    assert "token" not in response.context
    assert not PopulatedCentre.objects.exists()


def test_another_districts_centres_are_refused_on_the_page(client, staff_a):
    rows = good_rows(3)
    rows.append(f"{LUCMA},{LUCMA}0001,De Lucma,2,10,30,,")
    rows.append(f"{CASCAS},{LUCMA}0002,Código de Lucma,2,10,30,,")
    client.force_login(staff_a)
    preview = upload(client, csv_file(rows)).context["preview"]
    messages = [" ".join(r.errors) for r in preview.error_rows]
    assert len(messages) == 2
    assert "no es de este distrito" in messages[0]
    assert "ubigeo del distrito (131101)" in messages[1]
    assert not PopulatedCentre.objects.exists()


def test_reimporting_updates_by_code_instead_of_duplicating(staff_a):
    first = importing.preview(content=csv_file(good_rows(5)), filename="a.csv", district_id=CASCAS)
    assert importing.apply(preview_result=first, user=staff_a) == (5, 0)
    same = importing.preview(content=csv_file(good_rows(5)), filename="a.csv", district_id=CASCAS)
    assert importing.apply(preview_result=same, user=staff_a) == (0, 0)
    rows = good_rows(5)
    rows[2] = rows[2].replace(",22,72,", ",40,72,")
    again = importing.preview(content=csv_file(rows), filename="a.csv", district_id=CASCAS)
    assert (again.to_create, again.to_update) == (0, 5)
    assert importing.apply(preview_result=again, user=staff_a) == (0, 1)
    assert PopulatedCentre.objects.get(code=f"{CASCAS}0003").households == 40
    change = CentreChange.objects.filter(action="imported").order_by("-id").first()
    assert change.changes == {"households": [22, 40]}


def test_a_repeated_code_and_a_retired_centre_are_errors(staff_a):
    PopulatedCentreFactory(code=f"{CASCAS}0001", retired_on="2025-01-01")
    rows = good_rows(3)
    rows.append(rows[1])
    preview = importing.preview(content=csv_file(rows), filename="a.csv", district_id=CASCAS)
    errors = {r.line: " ".join(r.errors) for r in preview.error_rows}
    assert "dado de baja" in errors[2]
    assert "repetido (fila 3)" in errors[5]


def test_directory_spellings_short_codes_and_lost_zeros_are_read(staff_a):
    """Open-data copies of the directory name the columns differently, give the centre's 4
    digits next to UBIGEO, and a spreadsheet drops Amazonas' leading zero."""
    header = "ubigeo;idccpp;nombccpp;área;viv_total;pob_total;lat;long\n"
    content = (header + "10101;12;Chachapoyas Alto;rural;15;40;-6,2301;-77,8712\n").encode("utf-8")
    preview = importing.preview(content=content, filename="a.csv", district_id=None)
    assert preview.ok, [r.errors for r in preview.rows]
    row = preview.rows[0]
    assert (row.district_id, row.code, str(row.data["latitude"])) == (
        "010101",
        "0101010012",
        "-6.230100",
    )


def test_a_missing_column_is_one_clear_error():
    content = "UBIGEO,NOMCCPP\n131101,Sin código\n".encode()
    preview = importing.preview(content=content, filename="a.csv", district_id=CASCAS)
    assert preview.file_errors and "CODCCPP" in preview.file_errors[0]


def test_xlsx_files_are_read_too(client, staff_a):
    book = Workbook()
    sheet = book.active
    sheet.append(HEADER.strip().split(","))
    sheet.append([int(CASCAS), int(f"{CASCAS}0007"), "Pampa Larga", 2, 33, 101, -7.45, -78.82])
    buffer = io.BytesIO()
    book.save(buffer)
    client.force_login(staff_a)
    preview = upload(client, buffer.getvalue(), name="centros.xlsx").context["preview"]
    assert preview.ok and preview.rows[0].code == f"{CASCAS}0007"


def test_the_command_imports_many_districts_or_only_one(tmp_path, staff_a):
    path = tmp_path / "directorio.csv"
    path.write_bytes(csv_file(good_rows(4) + good_rows(3, ubigeo=LUCMA)))
    with pytest.raises(CommandError, match="3 fila"):
        call_command("import_centres", str(path), "--district", CASCAS, stderr=io.StringIO())
    assert not PopulatedCentre.objects.exists()
    out = io.StringIO()
    call_command("import_centres", str(path), stdout=out)
    assert "7 nuevos" in out.getvalue()
    assert PopulatedCentre.objects.filter(district_id=LUCMA).count() == 3


def test_the_template_is_read_back_by_the_import(client, staff_a):
    client.force_login(staff_a)
    response = client.get(reverse("communities:template", args=[CASCAS, "csv"]))
    content = b"".join(response.streaming_content)
    preview = importing.preview(content=content, filename="plantilla.csv", district_id=CASCAS)
    assert preview.ok, [r.errors for r in preview.rows]
