"""Open data at national scale (issue 15, part 5), on the synthetic country that
`bench/national.py` generates (run after it by `make bench`; alone it reports the dataset missing
and stops):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/ato_national .venv/bin/python bench/open_data.py

Prints JSON lines {"name", "value", "unit", ...}:
- `wpdx_national_s`: the whole country's WPDx CSV (`/api/v1/exports/wpdx.csv` as a reviewer with
  a token, every active water system) streamed to the end through the in-process Django client,
  median of 3, with its rows, bytes and queries;
- `wpdx_national_peak_mb`: the peak of Python's memory (tracemalloc) while that response is
  streamed, next to the same peak for the largest department's CSV (a tenth of the rows):
  streaming in chunks of 2,000 rows keeps the peak flat past two chunks however many systems
  (ratio near 1, where building the file in memory would grow with the rows);
- `dhis2_national_ms`: `/api/v1/exports/dhis2/datavalues.json` for last month and all 1,891
  districts, p50/p95 of 10, with its query count (the same as for one department).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import statistics
import sys
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ato.settings")
os.environ["DJANGO_DEBUG"] = "0"

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

WPDX = "/api/v1/exports/wpdx.csv"
DHIS2 = "/api/v1/exports/dhis2/datavalues.json"


def emit(name, value, unit, target=None, **extra):
    row = {"name": name, "value": round(value, 3), "unit": unit}
    if target is not None:
        row["target"] = target
        row["met"] = value <= target
    row.update(extra)
    print(json.dumps(row, ensure_ascii=False), flush=True)


def reviewer_headers() -> dict[str, str]:
    from territory.models import Role, User
    from territory.services import api_token_issue

    reviewer, _ = User.objects.get_or_create(
        username="bench.revisor", defaults={"role": Role.REVIEWER}
    )
    return {"Authorization": f"Token {api_token_issue(user=reviewer)[1]}"}


def stream(client: Client, path: str, headers: dict) -> tuple[float, int, int, int]:
    """Seconds to the last byte, rows, bytes and queries of one streamed CSV."""
    with CaptureQueriesContext(connection) as ctx:
        started = time.perf_counter()
        response = client.get(path, headers=headers)
        assert response.status_code == 200, (path, response.status_code)
        size = lines = 0
        for chunk in response.streaming_content:
            size += len(chunk)
            lines += chunk.count(b"\n")
        seconds = time.perf_counter() - started
    return seconds, lines - 1, size, len(ctx.captured_queries)


def peak_mb(client: Client, path: str, headers: dict) -> float:
    tracemalloc.start()
    try:
        stream(client, path, headers)
        return tracemalloc.get_traced_memory()[1] / 2**20
    finally:
        tracemalloc.stop()


def main():
    from django.db.models import Count

    from ato.models import SyntheticDataset
    from jass_registry.models import WaterSystem

    if connection.vendor != "postgresql":
        raise SystemExit("bench/open_data.py measures PostgreSQL: set DATABASE_URL")
    if not SyntheticDataset.objects.filter(scale="national").exists():
        emit("wpdx_national_s", 0, "s", skipped="no national dataset: run bench/national.py")
        return
    client = Client()
    headers = reviewer_headers()
    systems = WaterSystem.objects.filter(retired_on__isnull=True).count()
    stream(client, WPDX, headers)  # warm-up
    runs = [stream(client, WPDX, headers) for _ in range(3)]
    seconds = statistics.median(r[0] for r in runs)
    _s, rows, size, queries = runs[0]
    assert rows == systems, (rows, systems)
    emit("wpdx_national_s", seconds, "s", target=10, rows=rows, mb=round(size / 2**20, 1))
    emit("wpdx_national_queries", queries, "queries", rows=rows)
    # The department with most systems: several chunks of rows, as the country (a department
    # within one chunk would show a lower peak only because it never fills one).
    department = (
        WaterSystem.objects.filter(retired_on__isnull=True)
        .values("jass__district__department_id")
        .annotate(n=Count("pk"))
        .order_by("-n")
        .values_list("jass__district__department_id", flat=True)
        .first()
    )
    national_peak = peak_mb(client, WPDX, headers)
    department_peak = peak_mb(client, f"{WPDX}?department={department}", headers)
    department_rows = stream(client, f"{WPDX}?department={department}", headers)[1]
    emit(
        "wpdx_national_peak_mb",
        national_peak,
        "MB",
        target=50,
        rows=rows,
        department=department,
        department_rows=department_rows,
        department_peak_mb=round(department_peak, 2),
        ratio=round(national_peak / department_peak, 2) if department_peak else None,
    )

    today = timezone.localdate()
    last_month = (today.replace(day=1) - dt.timedelta(days=1)).strftime("%Y%m")
    timings = []
    for i in range(13):
        with CaptureQueriesContext(connection) as ctx:
            started = time.perf_counter()
            response = client.get(DHIS2, {"period": last_month}, headers=headers)
            ms = (time.perf_counter() - started) * 1000
        assert response.status_code == 200, response.content[:200]
        if i >= 3:
            timings.append(ms)
    timings.sort()
    values = len(response.json()["dataValues"])
    emit(
        "dhis2_national_ms",
        statistics.median(timings),
        "ms",
        p95_ms=round(timings[min(len(timings) - 1, round(0.95 * (len(timings) - 1)))], 1),
        queries=len(ctx.captured_queries),
        data_values=values,
        period=last_month,
    )


if __name__ == "__main__":
    main()
