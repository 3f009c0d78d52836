"""CSV and XLSX downloads of a list, streamed with constant memory (used by every app's exports).

Every text cell is made safe to open in a spreadsheet program here, once for all exports:
- a text starting with `=`, `+`, `-`, `@`, tab or carriage return would be read as a formula
  (OWASP "CSV injection": `=HYPERLINK(...)` in a JASS name becomes a live link), so it is
  prefixed with a single quote `'`; numbers, dates and booleans are written as they are (a
  negative number stays a number);
- XLSX strings are written as inline strings (`t="inlineStr"`), never as formulas: this writer
  has no way to write a formula at all;
- characters XML 1.0 cannot hold (control characters other than tab, newline and carriage
  return) are removed, in XLSX and CSV alike: one stored `\\x01` made the district's XLSX
  export fail for good.

Memory does not grow with the rows (a national export of 1.5 million visits, see README
"Exportaciones"): the caller passes a generator (rows read with `.iterator()`); the CSV is sent
as it is written, in chunks of about 64 KB; the XLSX is written as it is read into a zip inside
a `SpooledTemporaryFile` (memory up to `XLSX_SPOOL_BYTES`, then a temporary file on disk) and
sent from there in chunks. The worksheet XML is written here rather than by openpyxl: openpyxl
builds a cell object and an element per value (30,000 JASS took 10 s; this writer 1 s), and
its output is the reference the tests compare this one against.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import tempfile
import zipfile
from collections.abc import Iterable, Sequence
from decimal import Decimal

from django.http import FileResponse, StreamingHttpResponse
from django.utils.functional import Promise

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# What XML 1.0 cannot hold: openpyxl's ILLEGAL_CHARACTERS_RE, plus lone surrogates and the two
# non-characters (a lone surrogate cannot even be encoded as UTF-8, so a CSV would break too).
ILLEGAL_CHARACTERS_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")

# Bytes of CSV text or worksheet XML gathered before they are sent or compressed: one chunk per
# ~64 KB instead of one per row (the response machinery costs about 10 µs per chunk).
CHUNK_CHARS = 64 * 1024
# The finished XLSX stays in memory up to this size, then goes to a temporary file.
XLSX_SPOOL_BYTES = 8 * 1024 * 1024
# Rows a worksheet can hold (Excel, LibreOffice); a longer export continues on another sheet,
# "Datos (2)" and so on, each with the header.
XLSX_MAX_ROWS = 1_048_576
# zlib level: 3 writes 30,000 JASS 0.2 s faster than the default 6, for a file 10 % larger.
XLSX_COMPRESSION = 3


def safe_text(value: str) -> str:
    """A text that a spreadsheet program shows as text: no XML-illegal characters, and a
    leading `'` when it would otherwise start a formula."""
    value = ILLEGAL_CHARACTERS_RE.sub("", value)
    if value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


# --- CSV ---------------------------------------------------------------------------------------


# Values the csv module writes as they are (None as empty).
_CSV_PLAIN = frozenset({int, float, Decimal, bool, dt.date, dt.datetime, type(None)})


def _csv_cell(value):
    return safe_text(str(value)) if isinstance(value, str | Promise) else value


def _csv_row(row: Sequence) -> list:
    """Texts made safe. A text starting with a letter (past "@", below the surrogates) cannot
    start a formula nor with a character to remove, and skips `safe_text`: the characters to
    remove inside it are removed from the whole chunk at once (`_csv_lines`)."""
    return [
        v if type(v) in _CSV_PLAIN or (type(v) is str and "@" < v[:1] < "\ud800") else _csv_cell(v)
        for v in row
    ]


def _csv_lines(header: Sequence, rows: Iterable[Sequence], bom: bool):
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    if bom:
        buffer.write("\ufeff")
    writer.writerow([safe_text(str(h)) for h in header])
    for row in rows:
        writer.writerow(_csv_row(row))
        if buffer.tell() >= CHUNK_CHARS:
            yield ILLEGAL_CHARACTERS_RE.sub("", buffer.getvalue()).encode()
            buffer.seek(0)
            buffer.truncate()
    yield ILLEGAL_CHARACTERS_RE.sub("", buffer.getvalue()).encode()


def csv_response(
    filename: str, header: Sequence[str], rows: Iterable[Sequence], *, bom: bool = True
) -> StreamingHttpResponse:
    """UTF-8 with a BOM, so that Excel shows the accents; `bom=False` for files that programs
    read by their column names (a BOM would become part of the first name). The rows are read
    while the response is sent."""
    response = StreamingHttpResponse(
        _csv_lines(header, rows, bom), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}.csv"'
    return response


# --- XLSX --------------------------------------------------------------------------------------

_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
_XML = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
# Cell formats (styles.xml cellXfs): 0 plain, 1 header (bold), 2 date, 3 date and time; the
# number formats are openpyxl's own for dates and datetimes.
_HEADER, _DATE, _DATETIME = 1, 2, 3
_STYLES = (
    _XML + f'<styleSheet xmlns="{_MAIN}">'
    '<numFmts count="2"><numFmt numFmtId="164" formatCode="yyyy-mm-dd"/>'
    '<numFmt numFmtId="165" formatCode="yyyy-mm-dd h:mm:ss"/></numFmts>'
    '<fonts count="2"><font><sz val="11"/><name val="Calibri"/></font>'
    '<font><b/><sz val="11"/><name val="Calibri"/></font></fonts>'
    '<fills count="2"><fill><patternFill patternType="none"/></fill>'
    '<fill><patternFill patternType="gray125"/></fill></fills>'
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="4"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/>'
    '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="165" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    "</cellXfs>"
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
    "</styleSheet>"
)
_EXCEL_EPOCH = dt.date(1899, 12, 30).toordinal()
# Excel counts 1900-02-29 (which never was), so serials before March 1900 are openpyxl's.
_FIRST_PLAIN_DATE = dt.date(1900, 3, 1)
_SHEET_NAME_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")


def _xml_text(value: str) -> str:
    value = value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    # A bare carriage return would be read back as a newline (XML end-of-line handling).
    return value.replace("\r", "&#13;") if "\r" in value else value


def _serial(value: dt.date) -> float:
    """Days since Excel's epoch (with the fraction of the day for a datetime)."""
    if isinstance(value, dt.datetime):
        value = value.replace(tzinfo=None)
        days = value.toordinal() - _EXCEL_EPOCH
        seconds = value.hour * 3600 + value.minute * 60 + value.second
        fraction = (seconds + value.microsecond / 1e6) / 86400
        if value.date() < _FIRST_PLAIN_DATE:
            from openpyxl.utils.datetime import to_excel

            return to_excel(value)
        return days + fraction
    if value < _FIRST_PLAIN_DATE:
        from openpyxl.utils.datetime import to_excel

        return to_excel(value)
    return value.toordinal() - _EXCEL_EPOCH


def _cell(ref: str, value) -> str:
    """One `<c>` element, or "" for an empty cell. The commonest types are tested first."""
    kind = type(value)
    if kind is str and "@" < value[:1] < "\ud800":  # as in `_csv_row`; see `_Sheets._flush`
        text = _xml_text(value)
        return f'<c r="{ref}" t="inlineStr"><is><t xml:space="preserve">{text}</t></is></c>'
    if isinstance(value, str | Promise):
        text = _xml_text(safe_text(str(value)))
        if not text:  # an empty cell, as openpyxl leaves it
            return ""
        return f'<c r="{ref}" t="inlineStr"><is><t xml:space="preserve">{text}</t></is></c>'
    if value is None:
        return ""
    if kind is bool:
        return f'<c r="{ref}" t="b"><v>{int(value)}</v></c>'
    if kind is int:
        return f'<c r="{ref}"><v>{value}</v></c>'
    if kind is Decimal or kind is float:
        number = float(value)
        if number - number:  # NaN or infinite (math.isfinite of a Decimal costs 3 µs)
            return ""
        return f'<c r="{ref}"><v>{number!r}</v></c>'
    if isinstance(value, dt.datetime):
        return f'<c r="{ref}" s="{_DATETIME}"><v>{_serial(value)}</v></c>'
    if isinstance(value, dt.date):
        return f'<c r="{ref}" s="{_DATE}"><v>{_serial(value)}</v></c>'
    # Subclasses of the number types (IntEnum and the like); anything else as its text.
    if isinstance(value, bool):
        return _cell(ref, bool(value))
    if isinstance(value, int):
        return _cell(ref, int(value))
    if isinstance(value, float | Decimal):
        return _cell(ref, float(value))
    return _cell(ref, str(value))


def _columns(count: int) -> list[str]:
    from openpyxl.utils import get_column_letter

    return [get_column_letter(i + 1) for i in range(count)]


class _Sheets:
    """Worksheets of one workbook, written one row at a time into the zip."""

    def __init__(self, archive: zipfile.ZipFile, name: str, header: list[str]) -> None:
        self.archive = archive
        self.name = _SHEET_NAME_FORBIDDEN.sub(" ", name)[:31] or "Datos"
        self.header = header
        self.names: list[str] = []
        self.member = None
        self.parts: list[str] = []
        self.size = 0
        self.line = 0
        self.letters = _columns(max(len(header), 1))

    def _open(self) -> None:
        number = len(self.names) + 1
        name = self.name if number == 1 else f"{self.name[:25]} ({number})"
        self.names.append(name)
        self.member = self.archive.open(f"xl/worksheets/sheet{number}.xml", "w", force_zip64=True)
        self.parts = [_XML, f'<worksheet xmlns="{_MAIN}"><sheetData>']
        self.line = 1
        cells = "".join(
            f'<c r="{letter}1" t="inlineStr" s="{_HEADER}"><is><t xml:space="preserve">'
            f"{_xml_text(safe_text(text))}</t></is></c>"
            for letter, text in zip(self.letters, self.header, strict=False)
        )
        self.parts.append(f'<row r="1">{cells}</row>')

    def append(self, row: Sequence) -> None:
        if self.member is None or self.line >= XLSX_MAX_ROWS:
            self.close()
            self._open()
        self.line += 1
        line = self.line
        if len(row) > len(self.letters):
            self.letters = _columns(len(row))
        letters = self.letters
        text = "".join([_cell(f"{letters[i]}{line}", v) for i, v in enumerate(row)])
        self.parts.append(f'<row r="{line}">{text}</row>')
        self.size += len(text)
        if self.size >= CHUNK_CHARS:
            self._flush()

    def _flush(self) -> None:
        # Characters XML cannot hold, removed from the whole chunk (texts that could start a
        # formula went through `safe_text` one by one).
        self.member.write(ILLEGAL_CHARACTERS_RE.sub("", "".join(self.parts)).encode())
        self.parts, self.size = [], 0

    def close(self) -> None:
        if self.member is not None:
            self.parts.append("</sheetData></worksheet>")
            self._flush()
            self.member.close()
            self.member = None


def xlsx_file(
    header: Sequence[str], rows: Iterable[Sequence], sheet: str = "Datos"
) -> tempfile.SpooledTemporaryFile:
    """The workbook, written as the rows are read, in a spooled file positioned at its start."""
    # Closed by the response once sent (or below, on an error while writing).
    spool = tempfile.SpooledTemporaryFile(max_size=XLSX_SPOOL_BYTES)  # noqa: SIM115
    try:
        with zipfile.ZipFile(
            spool, "w", zipfile.ZIP_DEFLATED, compresslevel=XLSX_COMPRESSION
        ) as archive:
            sheets = _Sheets(archive, sheet, [str(h) for h in header])
            for row in rows:
                sheets.append(row)
            if sheets.member is None and not sheets.names:
                sheets._open()  # no rows: the header alone
            sheets.close()
            _write_parts(archive, sheets.names)
    except BaseException:
        spool.close()
        raise
    spool.seek(0)
    return spool


def _write_parts(archive: zipfile.ZipFile, names: list[str]) -> None:
    numbers = range(1, len(names) + 1)
    sheet_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
    overrides = "".join(
        f'<Override PartName="/xl/worksheets/sheet{n}.xml" ContentType="{sheet_type}"/>'
        for n in numbers
    )
    archive.writestr(
        "[Content_Types].xml",
        _XML + '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" '
        'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" ContentType='
        '"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
        '<Override PartName="/xl/styles.xml" ContentType='
        '"application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
        f"{overrides}</Types>",
    )
    archive.writestr(
        "_rels/.rels",
        _XML + f'<Relationships xmlns="{_PKG_REL}"><Relationship Id="rId1" '
        f'Type="{_REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>',
    )
    sheets = "".join(
        f'<sheet name="{_xml_text(name).replace(chr(34), "&quot;")}" sheetId="{n}" r:id="rId{n}"/>'
        for n, name in zip(numbers, names, strict=True)
    )
    archive.writestr(
        "xl/workbook.xml",
        _XML + f'<workbook xmlns="{_MAIN}" xmlns:r="{_REL}"><sheets>{sheets}</sheets></workbook>',
    )
    rels = "".join(
        f'<Relationship Id="rId{n}" Type="{_REL}/worksheet" Target="worksheets/sheet{n}.xml"/>'
        for n in numbers
    )
    styles = len(names) + 1
    archive.writestr(
        "xl/_rels/workbook.xml.rels",
        _XML + f'<Relationships xmlns="{_PKG_REL}">{rels}'
        f'<Relationship Id="rId{styles}" Type="{_REL}/styles" Target="styles.xml"/>'
        "</Relationships>",
    )
    archive.writestr("xl/styles.xml", _STYLES)


def xlsx_response(
    filename: str, header: Sequence[str], rows: Iterable[Sequence], sheet: str = "Datos"
) -> FileResponse:
    """The workbook is complete before the first byte is sent (a zip's directory comes last),
    then streamed from the spooled file, which the response closes."""
    response = FileResponse(xlsx_file(header, rows, sheet), content_type=XLSX_TYPE)
    response.block_size = CHUNK_CHARS
    response["Content-Disposition"] = f'attachment; filename="{filename}.xlsx"'
    return response


def export_response(fmt: str, filename: str, header, rows) -> StreamingHttpResponse | FileResponse:
    if fmt == "xlsx":
        return xlsx_response(filename, header, rows)
    return csv_response(filename, header, rows)
