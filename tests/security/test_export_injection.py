"""Spreadsheet exports are safe to open: a text that would start a formula comes out as text
(prefixed with `'`), XLSX strings are strings, and a character XML cannot hold never breaks an
export. Every export goes through `common.exporting`; one export of each app is checked."""

import csv
import datetime as dt
import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from incentives import services as incentive_services
from incentives.models import EvaluationRun, Goal
from territory.models import District, DistrictCategory, Province
from tests.factories import JassFactory
from visits.models import Visit

CASCAS = "131101"
LINK = '=HYPERLINK("http://x","y")'


def csv_rows(response) -> list[list[str]]:
    assert response.status_code == 200
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text)))


def xlsx_sheet(response):
    assert response.status_code == 200
    return load_workbook(io.BytesIO(b"".join(response))).active


def cell_with(sheet, text: str):
    return next(c for row in sheet.iter_rows() for c in row if c.value and text in str(c.value))


def test_a_jass_named_like_a_formula_is_exported_as_text_in_csv(client, staff_a):
    JassFactory(district_id=CASCAS, name=LINK, communities="@SUMA(1;2)")
    client.force_login(staff_a)
    rows = csv_rows(client.get(reverse("jass_registry:export", args=[CASCAS, "csv"])))
    assert rows[1][1] == "'" + LINK
    assert "'@SUMA(1;2)" in rows[1]


def test_a_jass_named_like_a_formula_is_an_xlsx_string_not_a_formula(client, staff_a):
    JassFactory(district_id=CASCAS, name=LINK, latitude="-7.479444", households=12)
    client.force_login(staff_a)
    sheet = xlsx_sheet(client.get(reverse("jass_registry:export", args=[CASCAS, "xlsx"])))
    cell = cell_with(sheet, "HYPERLINK")
    assert cell.value == "'" + LINK
    assert cell.data_type == "s"
    values = [c.value for c in list(sheet.iter_rows())[1]]
    assert -7.479444 in values and 12 in values  # numbers stay numbers, negative ones too


@pytest.mark.parametrize("start", ["+", "-", "@", "\t", "\r"])
def test_every_formula_start_is_neutralised(client, staff_a, start):
    JassFactory(district_id=CASCAS, name=f"{start}1+1 JASS")
    client.force_login(staff_a)
    rows = csv_rows(client.get(reverse("jass_registry:export", args=[CASCAS, "csv"])))
    assert rows[1][1] == f"'{start}1+1 JASS"


def test_a_control_character_stored_in_a_name_does_not_break_the_xlsx_export(client, staff_a):
    jass = JassFactory(district_id=CASCAS, name="JASS Alto")
    # Stored directly, as data accepted before input validation would be.
    type(jass).objects.filter(pk=jass.pk).update(name="JASS\x01 Alto\x0b")
    client.force_login(staff_a)
    sheet = xlsx_sheet(client.get(reverse("jass_registry:export", args=[CASCAS, "xlsx"])))
    assert cell_with(sheet, "Alto").value == "JASS Alto"
    rows = csv_rows(client.get(reverse("jass_registry:export", args=[CASCAS, "csv"])))
    assert rows[1][1] == "JASS Alto"


def test_the_visits_export_neutralises_formulas_and_control_characters(client, staff_a):
    jass = JassFactory(district_id=CASCAS, name=LINK)
    Visit.objects.create(
        jass=jass, staff=staff_a, date=dt.date(2025, 3, 1), kind="training", findings="-1\x01+2"
    )
    client.force_login(staff_a)
    rows = csv_rows(client.get(reverse("visits:export", args=[CASCAS, "csv"])))
    assert "'" + LINK in rows[1] and "'-1+2" in rows[1]
    sheet = xlsx_sheet(client.get(reverse("visits:export", args=[CASCAS, "xlsx"])))
    cell = cell_with(sheet, "HYPERLINK")
    assert (cell.value, cell.data_type) == ("'" + LINK, "s")


def test_the_district_export_neutralises_formulas(client, reviewer):
    District.objects.filter(ubigeo=CASCAS).update(name="=1+1")
    client.force_login(reviewer)
    rows = csv_rows(client.get(reverse("district_export")))
    assert any(row[:2] == [CASCAS, "'=1+1"] for row in rows)


def test_the_compliance_export_neutralises_formulas(client, reviewer):
    Province.objects.filter(districts__ubigeo=CASCAS).update(name="+cmd|' /C calc'!A0")
    DistrictCategory.objects.create(district_id=CASCAS, year=2017, category="C")
    run = EvaluationRun.objects.create(
        goal=Goal.objects.get(code="2017-M35"), cutoff=dt.date(2026, 11, 20)
    )
    for chunk in incentive_services.run_split(run.pk):
        incentive_services.chunk_evaluate(run.pk, chunk)
    client.force_login(reviewer)
    sheet = xlsx_sheet(client.get(reverse("incentives:run_export", args=[run.pk, "xlsx"])))
    cell = cell_with(sheet, "calc")
    assert (cell.value, cell.data_type) == ("'+cmd|' /C calc'!A0", "s")
