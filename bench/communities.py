"""Populated centres and coverage at national scale (issue 15), on the synthetic country that
`bench/national.py` generates (run after it by `make bench`):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/ato_national \
        .venv/bin/python bench/communities.py

Prints JSON lines {"name", "value", "unit", ...}:
- `centres_dataset`: the centres, services and rural coverage of the dataset (a dataset made
  before centres existed gets them added first, with the same seed);
- `centre_import_100k_s`: 100,000 new centres of every district in INEI's directory layout, as
  `import_centres FILE` reads them (validation of every row, then the bulk writes with one
  history record each), target 60 s; rolled back afterwards. `centre_reimport_100k_s`: the
  same file again on top of the first import (every row matched by code, nothing to write);
- `coverage_snapshot_s`: every district's coverage of this quarter stored (one read, one
  bulk upsert);
- p50/p95 server time and queries (in-process Django client, no network) of the district
  endpoint /api/v1/districts/{ubigeo}/ (with coverage and grades, target p95 50 ms), the
  district page (target 50 ms), its Everyone Forever page and its centre list, for the
  district with the most centres; the queries are also counted for the district with the
  fewest, which must be the same. `district_page_most_jass_p95_ms`: the district page of the
  district with the most JASS (its at-risk list and indicators read them all), target 50 ms;
- the reviewers' Everyone Forever page, nationally (target 200 ms) and for Lima: coverage from
  the latest stored quarter (the snapshot above); `..._live_p95_ms` the same pages with nothing
  stored, so read live (the fallback, and what every request cost before the snapshot was
  read; rolled back afterwards).

The tables are vacuumed first, as autovacuum leaves them after the dataset's bulk writes
(index-only scans read the visibility map).
"""

from __future__ import annotations

import csv
import io
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ato.settings")
os.environ["DJANGO_DEBUG"] = "0"

import django  # noqa: E402

django.setup()

from django.db import connection, transaction  # noqa: E402
from django.db.models import Count  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

SAMPLES = int(os.environ.get("BENCH_SAMPLES", "40"))
IMPORT_ROWS = 100_000


def emit(name, value, unit, target=None, **extra):
    row = {"name": name, "value": round(value, 3), "unit": unit}
    if target is not None:
        row["target"] = target
        row["met"] = value <= target
    row.update(extra)
    print(json.dumps(row, ensure_ascii=False), flush=True)


def ensure_centres():
    from ato import synthetic_centres
    from ato.models import SyntheticDataset
    from ato.synthetic import Generator
    from communities.coverage import district_coverage
    from communities.models import CentreService, PopulatedCentre

    marker = SyntheticDataset.objects.filter(scale="national").first()
    if marker is None:
        print("bench/communities.py: no national dataset; run bench/national.py", file=sys.stderr)
        sys.exit(1)
    if not PopulatedCentre.objects.exists():
        started = time.perf_counter()
        generator = Generator("national", seed=marker.seed, until=marker.until)
        generator.progress = lambda message: print(message, file=sys.stderr)
        with transaction.atomic():
            counts = synthetic_centres.generate(generator)
        emit("centres_generate_s", time.perf_counter() - started, "s", **counts)
    coverage = district_coverage()
    households = sum(c.households for c in coverage.values())
    served = sum(c.households_served for c in coverage.values())
    per_district = list(
        PopulatedCentre.objects.values("district_id")
        .annotate(n=Count("pk"))
        .values_list("n", flat=True)
    )
    emit(
        "centres_dataset",
        PopulatedCentre.objects.count(),
        "centres",
        services=CentreService.objects.count(),
        median_per_district=statistics.median(per_district),
        max_per_district=max(per_district),
        rural_households=households,
        rural_unserved_share=round(1 - served / households, 3) if households else None,
    )


def directory_file(rows: int) -> bytes:
    """`rows` new centres spread over every district, codes 5000 upwards (the dataset's own
    stay far below), in INEI's layout."""
    from territory.models import District

    ubigeos = list(District.objects.order_by("pk").values_list("pk", flat=True))
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        ["UBIGEO", "CODCCPP", "NOMCCPP", "AREA", "VIVIENDAS", "POBLACION", "LATITUD", "LONGITUD"]
    )
    for i in range(rows):
        ubigeo = ubigeos[i % len(ubigeos)]
        suffix = 5000 + i // len(ubigeos)
        writer.writerow(
            [
                ubigeo,
                f"{ubigeo}{suffix:04d}",
                f"Caserío de prueba {i}",
                2 if i % 9 else 1,
                10 + i % 300,
                35 + i % 1000,
                f"-{5 + i % 12}.{i % 997:03d}1234",
                f"-{70 + i % 10}.{i % 991:03d}5678",
            ]
        )
    return out.getvalue().encode("utf-8")


class Rollback(Exception):
    pass


def bench_import():
    from django.core.management import call_command

    content = directory_file(IMPORT_ROWS)
    with tempfile.NamedTemporaryFile(suffix=".csv") as handle:
        handle.write(content)
        handle.flush()
        try:
            with transaction.atomic():
                started = time.perf_counter()
                call_command("import_centres", handle.name, stdout=io.StringIO())
                first = time.perf_counter() - started
                started = time.perf_counter()
                call_command("import_centres", handle.name, stdout=io.StringIO())
                again = time.perf_counter() - started
                raise Rollback
        except Rollback:
            pass
    emit(
        "centre_import_100k_s",
        first,
        "s",
        target=60,
        rows=IMPORT_ROWS,
        mb=round(len(content) / 2**20, 1),
    )
    emit("centre_reimport_100k_s", again, "s", rows=IMPORT_ROWS, written=0)


def bench_snapshot():
    from communities.coverage import coverage_snapshot

    started = time.perf_counter()
    with transaction.atomic():
        rows = coverage_snapshot(timezone.localdate())
    emit("coverage_snapshot_s", time.perf_counter() - started, "s", districts=rows)


def timed(client: Client, path: str, headers=None) -> tuple[float, float, int]:
    times = []
    client.get(path, headers=headers or {})  # warm
    for _ in range(SAMPLES):
        started = time.perf_counter()
        response = client.get(path, headers=headers or {})
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (path, response.status_code)
    with CaptureQueriesContext(connection) as ctx:
        client.get(path, headers=headers or {})
    times.sort()
    return statistics.median(times), times[int(len(times) * 0.95) - 1], len(ctx.captured_queries)


def vacuum():
    tables = (
        "jass_registry_jass",
        "jass_registry_watersystem",
        "jass_registry_boardterm",
        "communities_populatedcentre",
        "communities_centreservice",
        "communities_coveragequarter",
    )
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"VACUUM ANALYZE {table}")


def bench_pages():
    from communities.models import CoverageQuarter, PopulatedCentre
    from jass_registry.models import Jass
    from territory.models import Role, User
    from territory.services import api_token_issue

    # Both with an ATM office, so that only the number of centres differs between them.
    by_size = (
        PopulatedCentre.objects.filter(district__atm_office__isnull=False)
        .values("district_id")
        .annotate(n=Count("pk"))
        .order_by("-n", "district_id")
    )
    largest, smallest = by_size.first(), by_size.last()
    reviewer, _ = User.objects.get_or_create(
        username="bench.revisor", defaults={"role": Role.REVIEWER}
    )
    headers = {"Authorization": f"Token {api_token_issue(user=reviewer)[1]}"}
    client = Client()
    client.force_login(reviewer)
    api = Client()
    paths = [
        ("district_api", "/api/v1/districts/{u}/", headers, 50),
        ("district_page", "/distritos/{u}/", None, 50),
        ("everyone_forever_page", "/distritos/{u}/todos-por-siempre/", None, 50),
        ("centre_list_page", "/distritos/{u}/centros-poblados/?ordering=-households", None, None),
    ]
    for name, path, auth, target in paths:
        http = api if auth else client
        p50, p95, queries = timed(http, path.format(u=largest["district_id"]), auth)
        _p50, _p95, small_queries = timed(http, path.format(u=smallest["district_id"]), auth)
        emit(
            f"{name}_p95_ms",
            p95,
            "ms",
            target=target,
            p50=round(p50, 1),
            queries=queries,
            queries_fewest_centres=small_queries,
            centres=largest["n"],
            fewest=smallest["n"],
        )
    most_jass = (
        Jass.objects.filter(district__atm_office__isnull=False)
        .values("district_id")
        .annotate(n=Count("pk"))
        .order_by("-n", "district_id")
        .first()
    )
    p50, p95, queries = timed(client, f"/distritos/{most_jass['district_id']}/")
    emit(
        "district_page_most_jass_p95_ms",
        p95,
        "ms",
        target=50,
        p50=round(p50, 1),
        queries=queries,
        jass=most_jass["n"],
        district=most_jass["district_id"],
    )
    reviewers = (
        ("everyone_forever_national", "/todos-por-siempre/", 200),
        ("everyone_forever_department", "/todos-por-siempre/?department=15", None),
    )
    for name, path, target in reviewers:
        p50, p95, queries = timed(client, path)
        emit(f"{name}_p95_ms", p95, "ms", target=target, p50=round(p50, 1), queries=queries)
    try:
        with transaction.atomic():
            CoverageQuarter.objects.all().delete()
            for name, path, _target in reviewers:
                p50, p95, queries = timed(client, path)
                emit(f"{name}_live_p95_ms", p95, "ms", p50=round(p50, 1), queries=queries)
            raise Rollback
    except Rollback:
        pass


def main():
    ensure_centres()
    bench_import()
    bench_snapshot()
    vacuum()
    bench_pages()


if __name__ == "__main__":
    main()
