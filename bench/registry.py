"""Registry benchmarks on the configured database (use PostgreSQL):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/ato_bench .venv/bin/python bench/registry.py

Prints one JSON object per line: {"name", "value", "unit"}. It migrates the database, imports
30,000 JASS into one district through the same code as the import page (preview, then apply),
re-imports the same file (all matched, nothing changes), and times the JASS list page, the
list endpoint and the CSV and XLSX exports over them. Each export is also sent once more under
`tracemalloc` for its peak of Python memory (`…_peak_mb`; not timed: tracing slows it); the
import's peak is the growth of the process's resident peak (`ru_maxrss`) across it. It deletes
its rows at the end.
"""

import json
import os
import resource
import sys
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ato.settings")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

ROWS = int(os.environ.get("BENCH_ROWS", "30000"))
DISTRICT = "090710"  # Ñahuimpuquio: an otherwise empty district


def emit(name, value, unit, **extra):
    print(json.dumps({"name": name, "value": round(value, 3), "unit": unit, **extra}), flush=True)


EXPORT_TARGETS_MS = {"jass_export_csv_ms": 1000, "jass_export_xlsx_ms": 3000}


def _export_peak(client, path):
    """Peak Python memory (MB) while the export is built and read to its end, chunk by chunk,
    and the file's size (MB)."""
    tracemalloc.start()
    try:
        response = client.get(path)
        size = sum(len(chunk) for chunk in response.streaming_content)
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    response.close()
    return peak / 2**20, round(size / 2**20, 1)


def main():
    from jass_registry import importing
    from jass_registry.models import BoardTerm, ChangeRecord, Jass, WaterSystem
    from territory.models import Role, User

    call_command("migrate", verbosity=0)
    user, _ = User.objects.get_or_create(
        username="bench.staff", defaults={"role": Role.ATM_STAFF, "district_id": DISTRICT}
    )
    ChangeRecord.objects.filter(jass__district_id=DISTRICT).delete()
    BoardTerm.objects.filter(jass__district_id=DISTRICT).delete()
    WaterSystem.objects.filter(jass__district_id=DISTRICT).delete()
    Jass.objects.filter(district_id=DISTRICT).delete()

    header = ",".join(str(label) for _f, label in importing.TEMPLATE_COLUMNS)
    lines = [header]
    for i in range(ROWS):
        lines.append(
            f"JASS Caserío {i},JASS,Caserío {i} Alto,{40 + i % 300},{i:05d}-2020,R.A. {i}-2020,"
            f"15/03/2020,Sí,Sí,{40 + i % 300},2.50,Activa,-12.{i % 1000:03d},-74.{i % 1000:03d}"
        )
    content = ("\n".join(lines) + "\n").encode()

    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    start = time.perf_counter()
    preview = importing.preview(content=content, filename="bench.csv", district_id=DISTRICT)
    preview_s = time.perf_counter() - start
    assert preview.ok, preview.error_rows[:3]
    start = time.perf_counter()
    created, updated = importing.apply(preview_result=preview, district_id=DISTRICT, user=user)
    apply_s = time.perf_counter() - start
    assert created == ROWS
    emit("import_preview_s", preview_s, "s", rows=ROWS, db=connection.vendor)
    emit("import_apply_s", apply_s, "s", rows=ROWS, db=connection.vendor)
    rss_growth_mb = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss_before) / 1024
    total_s = preview_s + apply_s
    emit(
        "import_total_s", total_s, "s", rows=ROWS, db=connection.vendor, target=8, met=total_s <= 8
    )
    emit("import_peak_mb", rss_growth_mb, "MB", rows=ROWS, file_mb=round(len(content) / 2**20, 1))

    start = time.perf_counter()
    again = importing.preview(content=content, filename="bench.csv", district_id=DISTRICT)
    created, updated = importing.apply(preview_result=again, district_id=DISTRICT, user=user)
    emit(
        "reimport_total_s",
        time.perf_counter() - start,
        "s",
        rows=ROWS,
        created=created,
        updated=updated,
    )

    client = Client()
    client.force_login(user)
    for label, path in [
        ("jass_list_page_ms", f"/distritos/{DISTRICT}/jass/"),
        ("jass_list_page_filtered_ms", f"/distritos/{DISTRICT}/jass/?q=caserio+12&signal=any"),
        ("jass_api_list_50_ms", f"/api/v1/jass/?district={DISTRICT}&page_size=50"),
        ("jass_api_list_500_ms", f"/api/v1/jass/?district={DISTRICT}&page_size=500"),
        ("jass_export_csv_ms", f"/distritos/{DISTRICT}/jass/exportar.csv"),
        ("jass_export_xlsx_ms", f"/distritos/{DISTRICT}/jass/exportar.xlsx"),
    ]:
        timings = []
        for _ in range(5):
            with CaptureQueriesContext(connection) as ctx:
                start = time.perf_counter()
                response = client.get(path)
                if hasattr(response, "streaming_content"):
                    b"".join(response.streaming_content)
                timings.append((time.perf_counter() - start) * 1000)
            assert response.status_code == 200, (path, response.status_code)
        timings.sort()
        extra = {}
        if label in EXPORT_TARGETS_MS:
            target = EXPORT_TARGETS_MS[label]
            extra = {"target": target, "met": timings[len(timings) // 2] <= target}
        emit(
            label,
            timings[len(timings) // 2],
            "ms",
            jass=ROWS,
            queries=len(ctx.captured_queries),
            **extra,
        )
        if label in EXPORT_TARGETS_MS:
            peak_mb, size = _export_peak(client, path)
            emit(label.replace("_ms", "_peak_mb"), peak_mb, "MB", jass=ROWS, file_mb=size)

    ChangeRecord.objects.filter(jass__district_id=DISTRICT).delete()
    Jass.objects.filter(district_id=DISTRICT).delete()
    user.delete()


if __name__ == "__main__":
    main()
