"""Exports stream with constant memory and say the same as before: the CSV is sent in chunks
as its rows are read, the XLSX is a file openpyxl reads cell for cell as it reads the workbook
openpyxl itself writes from the same rows (the reference these exports used to be), and each
district export has every row with the same cells as the page."""

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
from django.http import FileResponse, StreamingHttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy
from openpyxl import Workbook, load_workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from common import exporting
from jass_registry.risk import signals_of
from jass_registry.views import filtered_jass
from territory.models import District
from tests.factories import BoardTermFactory, JassFactory, VisitFactory, WaterSystemFactory
from visits.models import Agreement, ChlorineReading

CASCAS = "131101"
HEADER = ["ID", "Nombre", "Fecha", "Monto", "Activa", "Vacía", "Hora", "Etiqueta"]
ROWS = [
    [1, "JASS Santa Rosa", dt.date(2024, 5, 17), Decimal("-7.479444"), True, None, None, "x"],
    [2, '=HYPERLINK("http://x","y")', dt.date(1900, 1, 15), 2.5, False, "", None, "@SUMA"],
    [3, "  espacios  ", dt.date(2026, 11, 29), Decimal("2.50"), True, "-1+2", None, "+cmd"],
    [4, "línea\nsegunda", None, 0, None, "a & b < c > d", None, "\tTab"],
    [5, "JASS\x01 Alto\x0b", None, -3, None, "\r retorno", None, "12-2020"],
    [
        6,
        gettext_lazy("Sí"),
        dt.date(2025, 3, 1),
        10**12,
        None,
        "ñandú – Ñahuimpuquio",
        dt.datetime(2025, 3, 1, 14, 30, 15, tzinfo=dt.UTC),
        "\ud800=roto",
    ],
]


def reference_xlsx(header, rows) -> bytes:
    """The XLSX as common.exporting wrote it before it streamed: openpyxl write-only cells."""

    def value(worksheet, v):
        if isinstance(v, str | type(gettext_lazy("x"))):
            cell = WriteOnlyCell(worksheet, value=None)
            cell.value = exporting.safe_text(str(v))
            cell.data_type = "s"
            return cell
        if isinstance(v, Decimal):
            return float(v)
        if isinstance(v, dt.datetime):
            return v.replace(tzinfo=None)
        return v

    workbook = Workbook(write_only=True)
    worksheet = workbook.create_sheet("Datos")
    cells = []
    for h in header:
        cell = value(worksheet, h)
        cell.font = Font(bold=True)
        cells.append(cell)
    worksheet.append(cells)
    for row in rows:
        worksheet.append([value(worksheet, v) for v in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def cells(content: bytes):
    """Each cell's value and type (an empty cell has no type to compare)."""
    sheet = load_workbook(io.BytesIO(content)).active
    return [
        [(c.value, c.data_type if c.value is not None else None) for c in row]
        for row in sheet.iter_rows()
    ]


def body(response) -> bytes:
    return b"".join(response.streaming_content)


def test_the_xlsx_reads_cell_for_cell_as_openpyxls_own_workbook():
    ours = body(exporting.xlsx_response("x", HEADER, iter(ROWS)))
    # openpyxl's own file loses a carriage return (XML reads it back as a newline); ours
    # keeps it, the one difference.
    as_openpyxl = [
        [(v.replace("\r", "\n") if isinstance(v, str) else v, t) for v, t in row]
        for row in cells(ours)
    ]
    assert as_openpyxl == cells(reference_xlsx(HEADER, ROWS))
    sheet = load_workbook(io.BytesIO(ours)).active
    assert sheet.title == "Datos"
    assert all(c.font.b for c in sheet[1])  # the header is bold
    assert sheet["C2"].number_format == "yyyy-mm-dd"
    assert sheet["B3"].value == '\'=HYPERLINK("http://x","y")'  # text, never a formula
    assert sheet["B6"].value == "JASS Alto"  # characters XML cannot hold are removed
    assert sheet["F6"].value == "'\r retorno"  # a carriage return survives


def test_the_csv_says_what_a_plain_csv_writer_says_of_the_safe_values():
    text = body(exporting.csv_response("x", HEADER, iter(ROWS))).decode("utf-8")
    assert text.startswith("\ufeff")
    lazy = type(gettext_lazy("x"))
    expected = [
        ["" if v is None else exporting.safe_text(str(v)) if isinstance(v, str | lazy) else str(v)]
        for row in ROWS
        for v in row
    ]
    expected = [sum(expected[i : i + len(HEADER)], []) for i in range(0, len(expected), 8)]
    assert list(csv.reader(io.StringIO(text[1:]))) == [HEADER, *expected]
    assert "'=HYPERLINK" in text and "JASS Alto" in text and "\ud800" not in text


def test_the_csv_is_sent_in_chunks_while_the_rows_are_read():
    read = []

    def rows():
        for i in range(20_000):
            read.append(i)
            yield [i, f"JASS {i}", dt.date(2025, 1, 1)]

    response = exporting.csv_response("x", ["ID", "Nombre", "Fecha"], rows())
    assert isinstance(response, StreamingHttpResponse)
    assert read == []  # nothing read before the download starts
    chunks = iter(response.streaming_content)
    first = next(chunks)
    assert 0 < len(read) < 20_000  # the first chunk leaves before the last row is read
    rest = list(chunks)
    assert 1 < len(rest) + 1 < 200  # chunks of ~64 KB, not one per row
    assert (first + b"".join(rest)).decode("utf-8-sig").count("\r\n") == 20_001


def test_the_xlsx_is_streamed_from_a_file_with_its_length():
    response = exporting.xlsx_response("jass-131101", HEADER, iter(ROWS))
    assert isinstance(response, FileResponse)
    assert response["Content-Disposition"] == 'attachment; filename="jass-131101.xlsx"'
    assert response["Content-Type"] == exporting.XLSX_TYPE
    assert int(response["Content-Length"]) == len(body(response))


def test_an_xlsx_longer_than_a_sheet_goes_on_in_another_sheet(monkeypatch):
    monkeypatch.setattr(exporting, "XLSX_MAX_ROWS", 4)  # the header and three rows
    rows = [[i, f"JASS {i}"] for i in range(7)]
    book = load_workbook(io.BytesIO(body(exporting.xlsx_response("x", ["ID", "Nombre"], rows))))
    assert book.sheetnames == ["Datos", "Datos (2)", "Datos (3)"]
    read = [row for sheet in book for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert read == [(i, f"JASS {i}") for i in range(7)]
    assert all(sheet["A1"].value == "ID" for sheet in book)


def test_an_empty_export_still_has_its_header():
    sheet = load_workbook(io.BytesIO(body(exporting.xlsx_response("x", HEADER, [])))).active
    assert [c.value for c in sheet[1]] == HEADER and sheet.max_row == 1


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_the_jass_export_has_every_jass_with_the_pages_signals(client, staff_a, fmt):
    today = timezone.localdate()
    plain = JassFactory(name="JASS Alta", households=40, monthly_fee=Decimal("2.50"))
    BoardTermFactory(jass=plain)
    expired = JassFactory(name="JASS Baja", latitude=Decimal("-7.48"))
    BoardTermFactory(
        jass=expired,
        starts_on=today - dt.timedelta(days=900),
        ends_on=today - dt.timedelta(days=10),
    )
    WaterSystemFactory(jass=expired)
    JassFactory(name="JASS Centro", status="inactive")
    client.force_login(staff_a)
    response = client.get(reverse("jass_registry:export", args=[CASCAS, fmt]))
    if fmt == "csv":
        rows = list(csv.reader(io.StringIO(body(response).decode("utf-8-sig"))))[1:]
    else:
        sheet = load_workbook(io.BytesIO(body(response))).active
        rows = [list(r) for r in sheet.iter_rows(min_row=2, values_only=True)]
    _filterset, page = filtered_jass(District.objects.get(pk=CASCAS), {})
    expected = {j.name: ", ".join(s.label for s in signals_of(j)) for j in page}
    assert {row[1]: row[15] or "" for row in rows} == expected
    assert "Consejo directivo vencido" in expected["JASS Baja"]
    by_name = {row[1]: row for row in rows}
    assert str(by_name["JASS Alta"][4]) == "40" and str(by_name["JASS Alta"][11]) in ("2.50", "2.5")


def test_the_jass_export_filtered_by_a_signal_keeps_only_those(client, staff_a):
    JassFactory(name="JASS Sin Consejo")
    BoardTermFactory(jass=JassFactory(name="JASS Con Consejo"))
    client.force_login(staff_a)
    response = client.get(
        reverse("jass_registry:export", args=[CASCAS, "csv"]), {"signal": "board_missing"}
    )
    rows = list(csv.reader(io.StringIO(body(response).decode("utf-8-sig"))))[1:]
    assert [row[1] for row in rows] == ["JASS Sin Consejo"]


def test_the_visits_export_counts_each_visits_readings_and_agreements(client, staff_a):
    jass = JassFactory(name="JASS Uno")
    system = WaterSystemFactory(jass=jass)
    staff_a.first_name, staff_a.last_name = "Rosa", "Quispe"
    staff_a.save()
    busy = VisitFactory(jass=jass, staff=staff_a, findings="Cloro bajo")
    VisitFactory(jass=jass, staff=staff_a, date=busy.date - dt.timedelta(days=1))
    for point in ("reservoir", "first_house"):
        ChlorineReading.objects.create(
            water_system=system, visit=busy, taken_on=busy.date, point=point, mg_per_l="0.3"
        )
    Agreement.objects.create(
        visit=busy, task="Clorar", responsible="Fiscal", due_on=busy.date + dt.timedelta(days=9)
    )
    client.force_login(staff_a)
    response = client.get(reverse("visits:export", args=[CASCAS, "csv"]))
    rows = list(csv.reader(io.StringIO(body(response).decode("utf-8-sig"))))
    assert [row[8:10] for row in rows[1:]] == [["2", "1"], ["0", "0"]]  # newest first
    assert rows[1][2] == "JASS Uno" and rows[1][5] == "Rosa Quispe" and rows[1][10] == "Cloro bajo"
