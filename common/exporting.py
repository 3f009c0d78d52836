"""CSV and XLSX downloads of a list, streamed row by row (used by every app's exports).

Every text cell is made safe to open in a spreadsheet program here, once for all exports:
- a text starting with `=`, `+`, `-`, `@`, tab or carriage return would be read as a formula
  (OWASP "CSV injection": `=HYPERLINK(...)` in a JASS name becomes a live link), so it is
  prefixed with a single quote `'`; numbers, dates and booleans are written as they are (a
  negative number stays a number);
- XLSX strings are written as strings (data type `s`), never as formulas;
- characters XML 1.0 cannot hold (control characters other than tab, newline and carriage
  return) are removed, in XLSX and CSV alike: one stored `\x01` made the district's XLSX
  export fail for good.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Iterable, Sequence
from decimal import Decimal

from django.http import HttpResponse, StreamingHttpResponse
from django.utils.functional import Promise
from openpyxl.cell import WriteOnlyCell

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# What XML 1.0 cannot hold: openpyxl's ILLEGAL_CHARACTERS_RE, plus lone surrogates and the two
# non-characters (a lone surrogate cannot even be encoded as UTF-8, so a CSV would break too).
ILLEGAL_CHARACTERS_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def safe_text(value: str) -> str:
    """A text that a spreadsheet program shows as text: no XML-illegal characters, and a
    leading `'` when it would otherwise start a formula."""
    value = ILLEGAL_CHARACTERS_RE.sub("", value)
    if value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def _csv_value(value):
    if value is None:
        return ""
    if isinstance(value, str | Promise):
        return safe_text(str(value))
    return value


class _Echo:
    def write(self, value: str) -> str:
        return value


def csv_response(
    filename: str, header: Sequence[str], rows: Iterable[Sequence], *, bom: bool = True
) -> StreamingHttpResponse:
    """UTF-8 with a BOM, so that Excel shows the accents; `bom=False` for files that programs
    read by their column names (a BOM would become part of the first name)."""
    writer = csv.writer(_Echo())

    def lines():
        yield ("\ufeff" if bom else "") + writer.writerow([safe_text(str(h)) for h in header])
        for row in rows:
            yield writer.writerow([_csv_value(v) for v in row])

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}.csv"'
    return response


def _xlsx_value(worksheet, value):
    if isinstance(value, str | Promise):  # Promise: a lazily translated label
        # Set explicitly: openpyxl would make a formula of a str starting with "=".
        cell = WriteOnlyCell(worksheet, value=None)
        cell.value = safe_text(str(value))
        cell.data_type = "s"
        return cell
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, dt.datetime):
        return value.replace(tzinfo=None)
    return value


def xlsx_response(
    filename: str, header: Sequence[str], rows: Iterable[Sequence], sheet: str = "Datos"
) -> HttpResponse:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook(write_only=True)
    worksheet = workbook.create_sheet(sheet[:31])
    bold = Font(bold=True)
    cells = []
    for h in header:
        cell = _xlsx_value(worksheet, str(h))
        cell.font = bold
        cells.append(cell)
    worksheet.append(cells)
    for row in rows:
        worksheet.append([_xlsx_value(worksheet, v) for v in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    response = HttpResponse(buffer.getvalue(), content_type=XLSX_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename}.xlsx"'
    return response


def export_response(fmt: str, filename: str, header, rows) -> HttpResponse:
    if fmt == "xlsx":
        return xlsx_response(filename, header, rows)
    return csv_response(filename, header, rows)
