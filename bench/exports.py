"""Export streaming at national scale, no database needed:

    .venv/bin/python bench/exports.py            # 1,500,000 rows (BENCH_EXPORT_ROWS)

Passes a generator of visit rows shaped like the visits export's (id, date, JASS, kind, topics,
staff, finances reviewed, cash balance, readings, agreements, findings) through
`common.exporting` as a download would: the CSV response read to its end chunk by chunk, and
the XLSX written into its spooled file and read out. Each format runs in a fresh process, which
reports its time and the growth of its resident peak (`ru_maxrss`) across the export: memory
that stays flat whatever the number of rows is what makes a 1.5-million-row export possible (a
list of rows or a workbook held in memory would grow by gigabytes). Prints one JSON object per
line, as the other benchmarks.
"""

import datetime as dt
import json
import os
import resource
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ato.settings")

ROWS = int(os.environ.get("BENCH_EXPORT_ROWS", "1500000"))
# Peak growth allowed (MB): the spooled XLSX holds up to 8 MB before it goes to disk.
PEAK_TARGET_MB = 50
HEADER = [
    "ID",
    "Fecha",
    "JASS",
    "Tipo",
    "Temas",
    "Personal del ATM",
    "Revisión de cuentas",
    "Saldo en caja (S/)",
    "Mediciones de cloro",
    "Acuerdos",
    "Hallazgos",
]


def emit(name, value, unit, **extra):
    print(json.dumps({"name": name, "value": round(value, 3), "unit": unit, **extra}), flush=True)


def visit_rows(count: int):
    start = dt.date(2022, 1, 1)
    for i in range(count):
        yield [
            i + 1,
            start + dt.timedelta(days=i % 1800),
            f"JASS Caserío {i % 30000}",
            "Capacitación",
            "Consejo directivo, Cloración",
            f"Técnico {i % 3000} Apellido",
            "Sí" if i % 3 else "No",
            Decimal(f"{i % 5000}.50"),
            i % 4,
            i % 3,
            "Se revisó el reservorio; cloro residual bajo en la red." if i % 5 else "",
        ]


def one(fmt: str) -> None:
    """Run in a child process: one export of ROWS rows, its time and peak growth."""
    import django

    django.setup()
    from common.exporting import export_response

    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    start = time.perf_counter()
    response = export_response(fmt, "visitas-pais", HEADER, visit_rows(ROWS))
    size = chunks = 0
    for chunk in response.streaming_content:
        size += len(chunk)
        chunks += 1
    response.close()
    seconds = time.perf_counter() - start
    growth_mb = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss_before) / 1024
    print(json.dumps({"s": seconds, "mb": growth_mb, "size": size, "chunks": chunks}))


def main() -> None:
    for fmt in ("csv", "xlsx"):
        child = subprocess.run(
            [sys.executable, __file__, "--one", fmt], capture_output=True, text=True, check=True
        )
        result = json.loads(child.stdout.strip().splitlines()[-1])
        emit(
            f"export_{fmt}_national_visits_s", result["s"], "s", rows=ROWS, chunks=result["chunks"]
        )
        emit(
            f"export_{fmt}_national_visits_peak_mb",
            result["mb"],
            "MB",
            rows=ROWS,
            file_mb=round(result["size"] / 2**20, 1),
            target=PEAK_TARGET_MB,
            met=result["mb"] <= PEAK_TARGET_MB,
        )


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--one":
        one(sys.argv[2])
    else:
        main()
