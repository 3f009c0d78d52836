import io

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from jass_registry import importing
from jass_registry.models import ChangeRecord, Jass
from tests.factories import JassFactory

CASCAS = "131101"
HEADER = (
    "Nombre,Tipo,Centros poblados,N.° de inscripción,Resolución de reconocimiento,"
    "Fecha de reconocimiento,Estatuto aprobado,Asociados,Cuota familiar,Estado\n"
)


def csv_file(rows: list[str]) -> bytes:
    return (HEADER + "\n".join(rows) + "\n").encode("utf-8")


def good_rows(n: int) -> list[str]:
    return [
        f"JASS Caserío {i},JASS,Caserío {i},{i:04d}-2020,R.A. {i}-2020,15/03/2020,Sí,"
        f"{40 + i % 50},2.50,Activa"
        for i in range(n)
    ]


def upload(client, content: bytes, name="jass.csv"):
    return client.post(
        reverse("jass_registry:import", args=[CASCAS]), {"file": SimpleUploadedFile(name, content)}
    )


def test_one_bad_row_among_a_thousand_writes_nothing_and_names_the_row(client, staff_a):
    rows = good_rows(1000)
    rows[436] = "JASS Mala,JASS,X,9999-2020,R.A. 1,2999-01-01,Sí,-5,abc,Activa"
    client.force_login(staff_a)
    response = upload(client, csv_file(rows))
    preview = response.context["preview"]
    assert [r.line for r in preview.error_rows] == [438]  # the header is line 1
    errors = " ".join(preview.error_rows[0].errors)
    assert (
        "Fecha de reconocimiento" in errors and "Asociados" in errors and "Cuota familiar" in errors
    )
    assert "no se guardará nada" in response.content.decode()
    assert "token" not in response.context
    assert not Jass.objects.exists()


def test_a_valid_file_is_written_only_after_confirmation(client, staff_a):
    client.force_login(staff_a)
    response = upload(client, csv_file(good_rows(30)))
    assert response.context["preview"].to_create == 30
    assert not Jass.objects.exists()
    response = client.post(
        reverse("jass_registry:import", args=[CASCAS]), {"token": response.context["token"]}
    )
    assert response.status_code == 302
    assert Jass.objects.filter(district_id=CASCAS).count() == 30
    assert ChangeRecord.objects.filter(action="imported", user=staff_a).count() == 30
    jass = Jass.objects.get(registry_number="0007-2020")
    assert (jass.associates, str(jass.recognized_on), jass.statute_approved) == (
        47,
        "2020-03-15",
        True,
    )
    assert jass.name_search == "jass caserio 7"


def test_reimporting_updates_instead_of_duplicating(staff_a):
    first = importing.preview(content=csv_file(good_rows(5)), filename="a.csv", district_id=CASCAS)
    importing.apply(preview_result=first, district_id=CASCAS, user=staff_a)
    rows = good_rows(5)
    rows[2] = rows[2].replace(",2.50,", ",3.00,")
    again = importing.preview(content=csv_file(rows), filename="a.csv", district_id=CASCAS)
    assert (again.to_create, again.to_update) == (0, 5)
    created, updated = importing.apply(preview_result=again, district_id=CASCAS, user=staff_a)
    assert (created, updated) == (0, 1)
    assert Jass.objects.count() == 5
    assert str(Jass.objects.get(registry_number="0002-2020").monthly_fee) == "3.00"


def test_a_column_left_out_does_not_erase_the_register(staff_a):
    JassFactory(district_id=CASCAS, registry_number="0001-2020", associates=99, communities="Alto")
    content = "Nombre,N.° de inscripción\nJASS Renombrada,0001-2020\n".encode()
    result = importing.preview(content=content, filename="a.csv", district_id=CASCAS)
    importing.apply(preview_result=result, district_id=CASCAS, user=staff_a)
    jass = Jass.objects.get()
    assert (jass.name, jass.associates, jass.communities) == ("JASS Renombrada", 99, "Alto")


def test_duplicate_numbers_inside_the_file_are_errors(staff_a):
    rows = good_rows(3)
    rows[2] = rows[2].replace("0002-2020", "0001-2020")
    result = importing.preview(content=csv_file(rows), filename="a.csv", district_id=CASCAS)
    assert not result.ok and "repetido (fila 3)" in result.error_rows[0].errors[0]


def test_an_xlsx_made_from_the_template_imports(client, staff_a):
    client.force_login(staff_a)
    template = client.get(reverse("jass_registry:template", args=[CASCAS, "xlsx"]))
    sheet = load_workbook(io.BytesIO(b"".join(template))).active
    header = [c.value for c in next(sheet.iter_rows())]
    assert header[0] == "Nombre" and "N.° de inscripción" in header
    workbook = Workbook()
    ws = workbook.active
    ws.append(header)
    ws.append([row.value for row in list(sheet.iter_rows())[1]])
    buffer = io.BytesIO()
    workbook.save(buffer)
    response = upload(client, buffer.getvalue(), "jass.xlsx")
    preview = response.context["preview"]
    assert preview.ok, [r.errors for r in preview.rows]
    assert preview.rows[0].data["name"] == "JASS Santa Rosa"


def test_a_file_with_the_wrong_header_is_refused(staff_a):
    result = importing.preview(content=b"a,b\n1,2\n", filename="a.csv", district_id=CASCAS)
    assert not result.ok and "cabeceras" in result.file_errors[0]


def test_the_confirmation_token_belongs_to_the_uploader(client, staff_a, staff_b):
    client.force_login(staff_a)
    token = upload(client, csv_file(good_rows(2))).context["token"]
    client.force_login(staff_b)
    response = client.post(reverse("jass_registry:import", args=[CASCAS]), {"token": token})
    assert response.status_code == 404
    assert not Jass.objects.exists()
