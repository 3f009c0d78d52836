"""Import limits against hostile files (any database; SQLite by default):

    .venv/bin/python bench/import_limits.py

Builds each hostile file in memory, writes it to a temporary folder, and feeds it through the
JASS import preview (`jass_registry.importing.preview`, the function the import page calls) in a
fresh subprocess, so that the peak memory measured is that file's alone. Prints one JSON object
per line: {"name", "value", "unit", "target", "met"}: peak extra memory (MB, growth of the
process's resident high-water mark) and time (s) per file. Target: < 100 MB and < 5 s each.

The files: an XLSX of ~2 KB declaring `A1:XFD20000`; a CSV just under the byte limit of tiny
rows; a CSV whose one cell is ~4.9 MB; an XLSX zip bomb; an XLSX whose sheet is rows of 16,000
cells up to the inflation limit; and, for scale, a valid CSV just under the byte limit.
"""

import io
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
import zipfile
from collections.abc import Iterable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DISTRICT = "090710"  # Ñahuimpuquio: an otherwise empty district
MEMORY_TARGET_MB = 100
TIME_TARGET_S = 5
HEADER = "Nombre,Tipo,Centros poblados,N.° de inscripción,Estado"

_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
    'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-'
    'officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/'
    'sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.'
    'worksheet+xml"/></Types>'
)
_ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.'
    'org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.'
    'org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>'
    "</Relationships>"
)
_WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/'
    'spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships"><sheets><sheet name="Datos" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
_WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.'
    'org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.'
    'org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>'
    "</Relationships>"
)


def _text_cell(reference: str, text: str) -> str:
    return f'<c r="{reference}" t="inlineStr"><is><t>{text}</t></is></c>'


def xlsx(rows: list[list[str]], *, dimension: str = "A1:E2", tail: Iterable[bytes] = ()) -> bytes:
    """A minimal XLSX of inline strings; `tail` (raw XML, written as it comes, so that a
    huge sheet is never whole in memory) goes after the given rows."""
    body = "".join(
        f'<row r="{n}">'
        + "".join(_text_cell(f"{chr(65 + i)}{n}", value) for i, value in enumerate(row))
        + "</row>"
        for n, row in enumerate(rows, start=1)
    )
    head = (
        '<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.'
        f'org/spreadsheetml/2006/main"><dimension ref="{dimension}"/><sheetData>{body}'
    ).encode()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("[Content_Types].xml", _CONTENT_TYPES)
        archive.writestr("_rels/.rels", _ROOT_RELS)
        archive.writestr("xl/workbook.xml", _WORKBOOK)
        archive.writestr("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS)
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
            sheet.write(head)
            for chunk in tail:
                sheet.write(chunk)
            sheet.write(b"</sheetData></worksheet>")
    return buffer.getvalue()


def declared_huge_xlsx() -> bytes:
    """~2 KB; declares A1:XFD20000 (16,384 columns × 20,000 rows) but holds two rows."""
    return xlsx(
        [HEADER.split(","), ["JASS Santa Rosa", "JASS", "Santa Rosa", "015-2024", "Activa"]],
        dimension="A1:XFD20000",
    )


def zip_bomb_xlsx(max_bytes: int) -> bytes:
    """A sheet that inflates to 30 times the byte limit (150 MB at 5 MB) from ~150 KB."""
    megabyte = b" " * (1 << 20)
    return xlsx([HEADER.split(",")], tail=(megabyte for _ in range(30 * max_bytes >> 20)))


def wide_rows_xlsx(inflated: int) -> bytes:
    """Rows of 16,000 numeric cells, up to `inflated` bytes of sheet XML."""
    row = b"<row>" + b"<c><v>1</v></c>" * 16_000 + b"</row>"
    return xlsx([HEADER.split(",")], tail=(row for _ in range((inflated - 4096) // len(row))))


def tiny_rows_csv(max_bytes: int) -> bytes:
    header = (HEADER + "\n").encode()
    return header + b"a\n" * ((max_bytes - len(header) - 1) // 2)


def huge_cell_csv(max_bytes: int) -> bytes:
    header = (HEADER + "\n").encode()
    return header + b"x" * (max_bytes - len(header) - 100 * 1024) + b",JASS\n"


def valid_csv(max_bytes: int) -> bytes:
    lines, size, i = [HEADER], len(HEADER), 0
    while True:
        line = f"JASS Caserío {i},JASS,Caserío {i} Alto,{i:05d}-2020,Activa"
        size += len(line.encode()) + 1
        if size >= max_bytes - 1:
            break
        lines.append(line)
        i += 1
    return ("\n".join(lines) + "\n").encode()


def _status_kb(field: str) -> int | None:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    except OSError:
        pass
    return None


def _reset_peak_kb() -> int:
    """The resident size now, after resetting the high-water mark to it (Linux); elsewhere
    the high-water mark so far (ru_maxrss, KB on Linux)."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
        return _status_kb("VmRSS") or 0
    except OSError:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def _peak_kb() -> int:
    return _status_kb("VmHWM") or resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def measure(path: str, filename: str) -> None:
    """In a fresh process: the preview of one file; prints {"mb", "s", "outcome"}."""
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ato.settings")
    import django

    django.setup()
    from jass_registry import importing

    content = Path(path).read_bytes()
    importing.preview(content=b"Nombre\nJASS\n", filename="warm.csv", district_id=DISTRICT)
    before = _reset_peak_kb()
    start = time.perf_counter()
    result = importing.preview(content=content, filename=filename, district_id=DISTRICT)
    seconds = time.perf_counter() - start
    peak = _peak_kb()
    errors = result.file_errors or [e for r in result.error_rows[:1] for e in r.errors]
    outcome = (errors[0] if errors else f"{len(result.rows)} filas válidas")[:120]
    print(json.dumps({"mb": (peak - before) / 1024, "s": seconds, "outcome": outcome}))


def emit(name: str, value: float, unit: str, target: float, **extra) -> None:
    line = {"name": name, "value": round(value, 3), "unit": unit, "target": target}
    print(json.dumps({**line, "met": value < target, **extra}, ensure_ascii=False), flush=True)


def main() -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ato.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    from common import spreadsheets

    call_command("migrate", verbosity=0)
    limit = settings.ATO_IMPORT_MAX_BYTES
    sheet_limit = spreadsheets.XLSX_MAX_SHEET_INFLATION * limit
    files = {
        "xlsx_declared_huge": (declared_huge_xlsx(), "a.xlsx"),
        "csv_tiny_rows": (tiny_rows_csv(limit), "a.csv"),
        "csv_one_huge_cell": (huge_cell_csv(limit), "a.csv"),
        "xlsx_zip_bomb": (zip_bomb_xlsx(limit), "a.xlsx"),
        "xlsx_wide_rows": (wide_rows_xlsx(sheet_limit), "a.xlsx"),
        "csv_valid_at_byte_limit": (valid_csv(limit), "a.csv"),
    }
    with tempfile.TemporaryDirectory() as folder:
        for name, (content, filename) in files.items():
            path = Path(folder) / filename
            path.write_bytes(content)
            child = subprocess.run(
                [sys.executable, __file__, "--measure", str(path), filename],
                capture_output=True,
                text=True,
                check=True,
                cwd=ROOT,
            )
            figures = json.loads(child.stdout.strip().splitlines()[-1])
            extra = {"bytes": len(content), "outcome": figures["outcome"]}
            emit(f"import_{name}_peak_mb", figures["mb"], "MB", MEMORY_TARGET_MB, **extra)
            emit(f"import_{name}_s", figures["s"], "s", TIME_TARGET_S, bytes=len(content))


if __name__ == "__main__":
    if sys.argv[1:2] == ["--measure"]:
        measure(sys.argv[2], sys.argv[3])
    else:
        main()
