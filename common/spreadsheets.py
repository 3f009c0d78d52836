"""Bounded reading of uploaded spreadsheets (CSV and XLSX): every import reads through here.

An uploaded file is untrusted. A 1.6 KB XLSX can declare `A1:XFD20000` (openpyxl would then pad
every row to 16,384 cells), a zip of a few KB can inflate to gigabytes, and a 19 MB CSV of tiny
rows once took 1.2 GB as a list of lists. So, in this order:

1. the byte size is refused before anything is read (`ATO_IMPORT_MAX_BYTES`, default 5 MB);
2. an XLSX is checked as a zip first: a worksheet must be there, the total uncompressed size is
   bounded (`XLSX_MAX_INFLATION` × the byte limit) and so is every part openpyxl loads whole
   (shared strings, styles); Python's zip reader never inflates a member past its declared size;
3. rows are read one at a time (openpyxl `read_only` with the declared dimension ignored; CSV
   decoded incrementally) and the caller's row cap stops the reading at the first row over it;
4. at most `MAX_COLUMNS` columns are kept and every cell is bounded
   (`ATO_IMPORT_MAX_CELL_CHARS`, default 1,000): a longer cell is an error of its row, in
   Spanish, never a crash.

Blank rows are skipped; `Row.line` is the row number a spreadsheet program shows (blank rows
count), so messages point at the right row.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import io
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import IO, Any
from xml.parsers import expat

from django.conf import settings
from django.utils.translation import gettext as _

MAX_COLUMNS = 50
# An XLSX is a zip of XML; real sheets inflate about 5 to 10 times.
XLSX_MAX_INFLATION = 20
# The sheet read is parsed to its end (work grows with its size: ~0.2 s per MB of XML); 15 MB
# holds ~20,000 JASS rows as openpyxl writes them (inline strings), more as Excel does.
XLSX_MAX_SHEET_INFLATION = 3
# The shared strings are kept in memory whole (cells point into them).
XLSX_MAX_SHARED_STRINGS_INFLATION = 2
XLSX_MAX_MEMBERS = 1000
# The csv module's own default; set on every read so that no other code raising it
# process-wide lets a 5 MB field through. A longer field is an error of its row.
CSV_FIELD_LIMIT = 128 * 1024


class SpreadsheetRefused(Exception):
    """The file as a whole cannot be read; `str(error)` is the message for the user."""


@dataclass
class Row:
    line: int
    cells: list[str]
    errors: list[str] = field(default_factory=list)


def max_bytes() -> int:
    return settings.ATO_IMPORT_MAX_BYTES


def max_cell_chars() -> int:
    return settings.ATO_IMPORT_MAX_CELL_CHARS


def check_size(size: int, limit: int | None = None) -> None:
    """Refuse a file by its byte size, before it is read or parsed. `limit` replaces the
    setting for a trusted caller (a management command run by an administrator)."""
    limit = limit or max_bytes()
    if size > limit:
        raise SpreadsheetRefused(
            _("El archivo pesa más de %(mb)s MB; divídalo en archivos más pequeños.")
            % {"mb": _megabytes(limit)}
        )


def read_rows(
    content: bytes, *, filename: str, max_rows: int, max_bytes: int | None = None
) -> Iterator[Row]:
    """The non-blank rows of a CSV (UTF-8, comma, semicolon or tab) or XLSX file, header
    first, read as a stream. Raises `SpreadsheetRefused` before the first row if the file
    cannot be read, and while reading at the first row past `max_rows` data rows.
    `max_bytes` replaces the upload limit for a trusted caller (see `check_size`)."""
    check_size(len(content), max_bytes)
    xlsx = filename.lower().endswith(".xlsx")
    source = _xlsx_rows(content) if xlsx else _csv_rows(content)
    data_rows = -1  # the first non-blank row is the header
    for row in source:
        data_rows += 1
        if data_rows > max_rows:
            source.close()
            raise SpreadsheetRefused(
                _("El archivo tiene más de %(n)d filas de datos.") % {"n": max_rows}
            )
        yield row


def _bounded(line: int, values: list[Any]) -> Row | None:
    """A row of at most MAX_COLUMNS cells, each at most the cell limit; None if blank."""
    limit = max_cell_chars()
    cells = [_text(v) for v in values[:MAX_COLUMNS]]
    if not any(cells):
        return None
    row = Row(line=line, cells=cells)
    for index, cell in enumerate(cells):
        if len(cell) > limit:
            cells[index] = cell[:limit]
            row.errors.append(
                _("la columna %(c)d tiene más de %(n)d caracteres") % {"c": index + 1, "n": limit}
            )
    return row


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _csv_rows(content: bytes) -> Iterator[Row]:
    text = io.TextIOWrapper(io.BytesIO(content), encoding="utf-8-sig", newline="")
    try:
        sample = text.read(4096)
    except UnicodeDecodeError:
        raise SpreadsheetRefused(_("El archivo CSV debe estar en UTF-8.")) from None
    text.seek(0)
    dialect: type[csv.Dialect] | csv.Dialect = csv.excel
    with contextlib.suppress(csv.Error):
        dialect = csv.Sniffer().sniff(sample, delimiters=",;\t")
    previous = csv.field_size_limit(CSV_FIELD_LIMIT)
    try:
        reader = csv.reader(text, dialect)
        line = 0
        while True:
            line += 1
            try:
                values = next(reader)
            except StopIteration:
                return
            except csv.Error:
                # A field past CSV_FIELD_LIMIT (or a broken quote): the rest of the line is
                # skipped by the reader, and the row is reported.
                yield Row(
                    line=line,
                    cells=[],
                    errors=[
                        _("una celda tiene más de %(n)d caracteres o una comilla sin cerrar")
                        % {"n": max_cell_chars()}
                    ],
                )
                continue
            except UnicodeDecodeError:
                raise SpreadsheetRefused(
                    _("El archivo CSV debe estar en UTF-8 (fila %(l)d).") % {"l": line}
                ) from None
            row = _bounded(line, values)
            if row is not None:
                yield row
    finally:
        csv.field_size_limit(previous)


def _open_xlsx(content: bytes) -> zipfile.ZipFile:
    refused = SpreadsheetRefused(_("El archivo no es un XLSX válido."))
    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        raise refused from None
    members = archive.infolist()
    if len(members) > XLSX_MAX_MEMBERS:
        archive.close()
        raise refused
    # Python never inflates a member past the size its header declares, so the declared sizes
    # bound what is read; a zip bomb is refused here, before anything is inflated.
    if sum(m.file_size for m in members) > XLSX_MAX_INFLATION * max_bytes():
        archive.close()
        raise SpreadsheetRefused(
            _("El archivo XLSX descomprimido pesaría más de %(mb)s MB; no se lee.")
            % {"mb": _megabytes(XLSX_MAX_INFLATION * max_bytes())}
        )
    return archive


def _xlsx_rows(content: bytes) -> Iterator[Row]:
    """The first worksheet, parsed with expat as a stream: no element tree is built, so
    memory does not grow with the sheet, and cells past MAX_COLUMNS are never kept. (openpyxl's
    read-only mode keeps one element per row, a dict per row with attributes, and parses every
    sheet once more when it has no declared dimension: 20 MB of hostile XML took 500 MB.)"""
    archive = _open_xlsx(content)
    try:
        try:
            book = _workbook_parts(archive)
        except (KeyError, ValueError, expat.ExpatError, zipfile.BadZipFile, EOFError):
            raise SpreadsheetRefused(_("El archivo XLSX no tiene ninguna hoja.")) from None
        if archive.getinfo(book.sheet).file_size > XLSX_MAX_SHEET_INFLATION * max_bytes():
            raise SpreadsheetRefused(
                _("La hoja del archivo XLSX descomprimida pesaría más de %(mb)s MB; no se lee.")
                % {"mb": _megabytes(XLSX_MAX_SHEET_INFLATION * max_bytes())}
            )
        try:
            handler = _SheetHandler(book, limit=max_cell_chars())
            with archive.open(book.sheet) as member:
                for _done in _parse(member, handler):
                    rows, handler.rows = handler.rows, []
                    for line, values in rows:
                        row = _bounded(line, values)
                        if row is not None:
                            yield row
        except (KeyError, ValueError, expat.ExpatError, zipfile.BadZipFile, EOFError):
            raise SpreadsheetRefused(
                _("No se pudo leer el archivo XLSX; guárdelo de nuevo desde su hoja de cálculo.")
            ) from None
    finally:
        archive.close()


_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main|"
_OFFICE_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships|"
_PACKAGE_REL = "http://schemas.openxmlformats.org/package/2006/relationships|"
# Tags as expat names them (namespace|local), computed once: the handlers run per element.
_ROW, _CELL, _VALUE, _TEXT = _MAIN + "row", _MAIN + "c", _MAIN + "v", _MAIN + "t"
_STRING_ITEM, _PHONETIC = _MAIN + "si", _MAIN + "rPh"


@dataclass
class _Book:
    sheet: str
    shared_strings: list[str]
    date_styles: frozenset[int]
    epoch: dt.datetime


def _parse(member: IO[bytes], handler: Any) -> Iterator[None]:
    """Feed one zip member to expat in 64 KB chunks; yields after each chunk so the caller
    can stop early. A DOCTYPE (never in an XLSX; the door to entity expansion) is refused."""
    parser = expat.ParserCreate(namespace_separator="|")
    parser.buffer_text = True
    parser.StartElementHandler = handler.start
    parser.EndElementHandler = handler.end
    parser.CharacterDataHandler = handler.text

    def no_doctype(*args: Any) -> None:
        raise ValueError("DOCTYPE")

    parser.StartDoctypeDeclHandler = no_doctype
    while chunk := member.read(64 * 1024):
        parser.Parse(chunk, False)
        yield
    parser.Parse(b"", True)
    yield


class _Collect:
    """Attributes of the elements of one small part (rels, workbook, styles)."""

    def __init__(self, *tags: str) -> None:
        self.tags = set(tags)
        self.found: list[tuple[str, dict[str, str]]] = []

    def start(self, tag: str, attrs: dict[str, str]) -> None:
        if tag in self.tags:
            self.found.append((tag, attrs))

    def end(self, tag: str) -> None:
        pass

    def text(self, data: str) -> None:
        pass


def _collect(archive: zipfile.ZipFile, name: str, *tags: str) -> list[tuple[str, dict]]:
    handler = _Collect(*tags)
    with archive.open(name) as member:
        for _done in _parse(member, handler):
            if len(handler.found) > 100_000:
                raise ValueError("too many elements")
    return handler.found


def _relationships(archive: zipfile.ZipFile, folder: str, name: str) -> dict[str, tuple]:
    path = f"{folder}_rels/{name}.rels"
    if path not in archive.NameToInfo:
        return {}
    rels = {}
    for _tag, attrs in _collect(archive, path, _PACKAGE_REL + "Relationship"):
        target = attrs.get("Target", "")
        target = target.lstrip("/") if target.startswith("/") else folder + target
        rels[attrs.get("Id", "")] = (attrs.get("Type", "").rsplit("/", 1)[-1], target)
    return rels


def _workbook_parts(archive: zipfile.ZipFile) -> _Book:
    from openpyxl.styles.numbers import BUILTIN_FORMATS, is_date_format
    from openpyxl.utils.datetime import CALENDAR_MAC_1904, CALENDAR_WINDOWS_1900

    workbook = next(
        (t for kind, t in _relationships(archive, "", "").values() if kind == "officeDocument"),
        "xl/workbook.xml",
    )
    folder = workbook.rsplit("/", 1)[0] + "/" if "/" in workbook else ""
    rels = _relationships(archive, folder, workbook.rsplit("/", 1)[-1])
    found = _collect(archive, workbook, _MAIN + "sheet", _MAIN + "workbookPr")
    sheets = [a.get(_OFFICE_REL + "id") for tag, a in found if tag == _MAIN + "sheet"]
    sheets = [rels[i][1] for i in sheets if i in rels and rels[i][0] == "worksheet"]
    if not sheets or sheets[0] not in archive.NameToInfo:
        raise KeyError("worksheet")
    date1904 = any(
        a.get("date1904") in ("1", "true") for tag, a in found if tag == _MAIN + "workbookPr"
    )
    by_kind = {kind: target for kind, target in rels.values()}
    # Shared strings are the one part kept whole (cells point into it), so it is bounded alone.
    strings: list[str] = []
    path = by_kind.get("sharedStrings")
    if path in archive.NameToInfo:
        if archive.getinfo(path).file_size > XLSX_MAX_SHARED_STRINGS_INFLATION * max_bytes():
            raise SpreadsheetRefused(_("El archivo XLSX tiene demasiados textos distintos."))
        handler = _SharedStringsHandler(limit=max_cell_chars())
        with archive.open(path) as member:
            for _done in _parse(member, handler):
                pass
        strings = handler.strings
    date_styles: set[int] = set()
    path = by_kind.get("styles")
    if path in archive.NameToInfo:
        formats = dict(BUILTIN_FORMATS)
        xfs: list[str] = []
        tags = (_MAIN + "numFmt", _MAIN + "cellXfs", _MAIN + "xf")
        for tag, attrs in _collect(archive, path, *tags):
            if tag == _MAIN + "numFmt":
                with contextlib.suppress(ValueError):
                    formats[int(attrs.get("numFmtId", ""))] = attrs.get("formatCode", "")
            elif tag == _MAIN + "cellXfs":
                xfs = []  # the cell formats follow; cellStyleXfs (before) are not cells'
            elif tag == _MAIN + "xf":
                xfs.append(attrs.get("numFmtId", "0"))
        for index, format_id in enumerate(xfs):
            with contextlib.suppress(ValueError):
                if is_date_format(formats.get(int(format_id), "")):
                    date_styles.add(index)
    return _Book(
        sheet=sheets[0],
        shared_strings=strings,
        date_styles=frozenset(date_styles),
        epoch=CALENDAR_MAC_1904 if date1904 else CALENDAR_WINDOWS_1900,
    )


class _SharedStringsHandler:
    def __init__(self, *, limit: int) -> None:
        self.limit = limit
        self.strings: list[str] = []
        self.parts: list[str] = []
        self.size = 0
        self.collecting = False
        self.phonetic = False

    def start(self, tag: str, attrs: dict[str, str]) -> None:
        if tag == _STRING_ITEM:
            self.parts, self.size = [], 0
        elif tag == _TEXT and not self.phonetic:
            self.collecting = True
        elif tag == _PHONETIC:  # the phonetic reading of Japanese text, not the value
            self.phonetic = True

    def end(self, tag: str) -> None:
        if tag == _STRING_ITEM:
            self.strings.append("".join(self.parts))
        elif tag == _TEXT:
            self.collecting = False
        elif tag == _PHONETIC:
            self.phonetic = False

    def text(self, data: str) -> None:
        # One character past the limit is kept, so that the row reports the long cell.
        if self.collecting and self.size <= self.limit:
            self.parts.append(data[: self.limit + 1 - self.size])
            self.size += len(self.parts[-1])


class _SheetHandler:
    """Rows of a worksheet as (line, values); only the first MAX_COLUMNS columns are kept."""

    def __init__(self, book: _Book, *, limit: int) -> None:
        self.book = book
        self.limit = limit
        self.rows: list[tuple[int, list[Any]]] = []
        self.line = 0
        self.values: list[Any] = []
        self.column = 0
        self.keep = False
        self.kind = "n"
        self.style = 0
        self.parts: list[str] = []
        self.size = 0
        self.collecting = False

    def start(self, tag: str, attrs: dict[str, str]) -> None:
        if tag == _CELL:
            self.column = _column(attrs.get("r"), self.column + 1)
            self.keep = self.column <= MAX_COLUMNS
            if self.keep:
                self.kind = attrs.get("t", "n")
                self.style = int(attrs.get("s", "0") or 0)
                self.parts, self.size = [], 0
        elif tag in (_VALUE, _TEXT):
            self.collecting = self.keep
        elif tag == _ROW:
            number = attrs.get("r", "")
            self.line = int(number) if number.isdigit() else self.line + 1
            self.values, self.column = [], 0

    def end(self, tag: str) -> None:
        if tag == _CELL:
            if self.keep:
                value = self._value("".join(self.parts))
                if value not in (None, ""):
                    missing = self.column - len(self.values)
                    if missing > 0:
                        self.values.extend([None] * missing)
                    self.values[self.column - 1] = value
            self.keep = self.collecting = False
        elif tag in (_VALUE, _TEXT):
            self.collecting = False
        elif tag == _ROW:
            if self.values:
                self.rows.append((self.line, self.values))
            self.values = []

    def text(self, data: str) -> None:
        if self.collecting and self.size <= self.limit:
            self.parts.append(data[: self.limit + 1 - self.size])
            self.size += len(self.parts[-1])

    def _value(self, raw: str) -> Any:
        if self.kind == "s":
            strings = self.book.shared_strings
            return strings[int(raw)] if raw.isdigit() and int(raw) < len(strings) else ""
        if self.kind in ("inlineStr", "str", "e"):
            return raw
        if self.kind == "b":
            return raw == "1"
        if self.kind == "d":
            return raw[:10]
        if not raw:
            return None
        try:
            number = float(raw)
        except ValueError:
            return raw
        if self.style in self.book.date_styles:
            from openpyxl.utils.datetime import from_excel

            with contextlib.suppress(ValueError, OverflowError, TypeError):
                return from_excel(number, self.book.epoch)
        return number


def _column(reference: str | None, default: int) -> int:
    """The column number of a cell reference such as "AB12" (28)."""
    if not reference:
        return default
    number = 0
    for index, char in enumerate(reference):
        if "A" <= char <= "Z":
            if index >= 3:
                return default
            number = number * 26 + ord(char) - 64
        else:
            break
    return number or default


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):g}"
