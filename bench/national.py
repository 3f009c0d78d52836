"""National-scale benchmarks (issue 6), on PostgreSQL with a real Redis and real Celery workers:

    make bench      # or, by hand:
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/ato_national \
        REDIS_URL=redis://127.0.0.1:6379/3 .venv/bin/python bench/national.py

Prints one JSON object per line: {"name", "value", "unit"} and, where there is one, "floor"
and "ratio" (value / floor; for throughput, value / floor too, higher is better), "target" and
"met".

1. The synthetic country (`generate_dataset --scale national`), generated once and reused while
   its marker row matches; BENCH_REGENERATE=1 makes a new one.
2. Engine: every requirement of the six seeded goals measured for every district in scope,
   chunk by chunk as a run does (`engine_compute_s`), against hand-written SQL, one statement
   per requirement over all those districts (`engine_floor_s`). Both answers are compared.
3. `national_run_s`: the six goals started as a user starts them, through Redis and one real
   `celery worker` (prefork, 2 processes), until every run is done. Then the same with two
   worker processes of one process each, both consuming the `evaluation` queue as two machines
   would; each worker's log tells how many chunks it evaluated.
4. API p50/p95 server time (in-process Django test client, so no network) and query count of
   /api/v1/districts/, /api/v1/jass/?district=… (page size 50 and 500) and
   /api/v1/runs/{id}/results/, each against its floor view in `bench/floor.py`; p95 of the goal
   summary /api/v1/goals/2017-M35/summary/ (target 50 ms).
5. Pages: JASS list, JASS at risk and the goal page (its figures by department), at national
   scale; p50/p95 of the goal map's colours /metas/2017-M35/mapa.json (target p95 200 ms).
6. Load: gunicorn (2 workers) on loopback under `wrk` for BENCH_LOAD_SECONDS (default 10) over
   the district and JASS lists, then over their floor views; requests per second and errors.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"  # the floor views (Makefile sets ato)
os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/3")
os.environ["DJANGO_DEBUG"] = "0"

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

GOALS = ["2015-M11", "2015-M40", "2016-M35", "2016-M42", "2017-M35", "2017-M41"]
SEED = 2026
LOAD_SECONDS = int(os.environ.get("BENCH_LOAD_SECONDS", "10"))
SAMPLES = int(os.environ.get("BENCH_SAMPLES", "60"))
PORT = int(os.environ.get("BENCH_PORT", "8765"))
# Years of history of the dataset (issue 14): bench/history.py runs this script on a 1-year and
# a 5-year dataset; BENCH_UNTIL fixes their last day so both read the same windows.
YEARS = int(os.environ.get("BENCH_YEARS", "1"))
UNTIL = os.environ.get("BENCH_UNTIL") or None


def emit(name, value, unit, floor=None, target=None, better="lower", **extra):
    row = {"name": name, "value": round(value, 3), "unit": unit}
    if floor is not None:
        row["floor"] = round(floor, 3)
        row["ratio"] = round(value / floor, 2) if floor else None
    if target is not None:
        row["target"] = target
        row["met"] = value <= target if better == "lower" else value >= target
    row.update(extra)
    print(json.dumps(row, ensure_ascii=False), flush=True)
    return row


# --- 1. dataset ------------------------------------------------------------------------------


def ensure_dataset():
    from ato.models import SyntheticDataset
    from jass_registry.models import Jass

    call_command("migrate", verbosity=0)
    call_command("load_territory", verbosity=0)
    marker = SyntheticDataset.objects.filter(scale="national", seed=SEED).first()
    fresh = (
        marker is not None
        and os.environ.get("BENCH_REGENERATE") != "1"
        and Jass.objects.count() == marker.counts.get("jass")
        and marker.counts.get("years", 1) == YEARS
        and (UNTIL is None or str(marker.until) == UNTIL)
    )
    if not fresh:
        started = time.perf_counter()
        # Its progress lines go to stderr: stdout carries only the JSON lines.
        options = {"years": YEARS, **({"until": dt.date.fromisoformat(UNTIL)} if UNTIL else {})}
        call_command("generate_dataset", scale="national", seed=SEED, stdout=sys.stderr, **options)
        marker = SyntheticDataset.objects.get()
        emit("generate_dataset_s", time.perf_counter() - started, "s", target=300, **marker.counts)
    else:
        emit(
            "generate_dataset_s",
            marker.seconds,
            "s",
            target=300,
            reused=str(marker.created_at.date()),
            **marker.counts,
        )
    return marker


# --- 2. engine against hand-written SQL --------------------------------------------------------

FLOOR_SQL = {
    "evidence": """
        SELECT district_id, 1, 1 FROM incentives_evidence
        WHERE district_id = ANY(%(ids)s) AND doc_type = %(doc_type)s AND status = 'approved'
          AND reviewed_at <= %(end)s
        GROUP BY district_id""",
    "office_budget": """
        SELECT office_id, SUM(amount), 1 FROM territory_atmbudget
        WHERE office_id = ANY(%(ids)s) AND year = %(year)s GROUP BY office_id""",
    "jass_registered_ratio": """
        SELECT district_id,
               COUNT(*) FILTER (WHERE registry_number <> '' AND recognition_resolution <> ''),
               COUNT(*)
        FROM jass_registry_jass WHERE district_id = ANY(%(ids)s) AND status <> 'dissolved'
        GROUP BY district_id""",
    "jass_count_min": """
        SELECT district_id,
               COUNT(*) FILTER (WHERE registry_number <> '' AND recognition_resolution <> ''), 1
        FROM jass_registry_jass WHERE district_id = ANY(%(ids)s) AND status <> 'dissolved'
        GROUP BY district_id""",
    # Whether the min_visits-th visit of the window exists, not how many (issue 14: counting
    # them all read every visit since the goal's `from`, 5x with five years of history).
    "jass_visited_ratio": """
        SELECT j.district_id,
               COUNT(*) FILTER (WHERE EXISTS (
                   SELECT 1 FROM visits_visit v
                   WHERE v.jass_id = j.id AND v.date >= %(from)s AND v.date <= %(cutoff)s
                   OFFSET %(min_visits)s - 1 LIMIT 1)),
               COUNT(*)
        FROM jass_registry_jass j
        WHERE j.district_id = ANY(%(ids)s) AND j.status = 'active'
        GROUP BY j.district_id""",
    "chlorination_ratio": """
        SELECT j.district_id, COUNT(*) FILTER (WHERE l.mg >= %(min_mg_l)s), COUNT(*)
        FROM jass_registry_watersystem s
        JOIN jass_registry_jass j ON j.id = s.jass_id
        LEFT JOIN LATERAL (
            SELECT r.mg_per_l AS mg FROM visits_chlorinereading r
            WHERE r.water_system_id = s.id AND r.taken_on >= %(window_start)s
              AND r.taken_on <= %(cutoff)s AND r.point IN ('first_house', 'last_house')
            ORDER BY r.taken_on DESC, r.point = 'last_house' DESC, r.mg_per_l, r.id
            LIMIT 1) l ON TRUE
        WHERE j.district_id = ANY(%(ids)s) AND j.status = 'active'
          AND (s.retired_on IS NULL OR s.retired_on > %(cutoff)s)
        GROUP BY j.district_id""",
    "coverage_ratio": """
        SELECT c.district_id, SUM(LEAST(c.households, COALESCE(s.total, 0))), SUM(c.households)
        FROM communities_populatedcentre c
        LEFT JOIN (
            SELECT centre_id, SUM(households_served) AS total FROM communities_centreservice
            WHERE (ended_on IS NULL OR ended_on > %(cutoff)s) AND created_at <= %(end)s
            GROUP BY centre_id) s ON s.centre_id = c.id
        WHERE c.district_id = ANY(%(ids)s) AND c.area = 'rural'
          AND (c.retired_on IS NULL OR c.retired_on > %(cutoff)s) AND c.created_at <= %(end)s
        GROUP BY c.district_id""",
    "grade_ratio": """
        SELECT j.district_id, COUNT(*) FILTER (WHERE l.grade <= %(min_grade)s), COUNT(*)
        FROM jass_registry_jass j
        LEFT JOIN LATERAL (
            SELECT grade FROM service_grades_servicescore s
            WHERE s.jass_id = j.id AND s.quarter <= %(cutoff)s
            ORDER BY s.quarter DESC LIMIT 1) l ON TRUE
        WHERE j.district_id = ANY(%(ids)s) AND j.status = 'active'
        GROUP BY j.district_id""",
    "board_current_ratio": """
        SELECT j.district_id,
               COUNT(*) FILTER (WHERE EXISTS (
                   SELECT 1 FROM jass_registry_boardterm t WHERE t.jass_id = j.id
                   AND t.starts_on <= %(cutoff)s AND t.ends_on >= %(cutoff)s)),
               COUNT(*)
        FROM jass_registry_jass j
        WHERE j.district_id = ANY(%(ids)s) AND j.status = 'active'
        GROUP BY j.district_id""",
    "board_trained_ratio": """
        SELECT j.district_id,
               COUNT(*) FILTER (WHERE EXISTS (
                   SELECT 1 FROM visits_visit v WHERE v.jass_id = j.id AND v.kind = 'training'
                   AND v.date >= t.starts_on AND v.date <= %(cutoff)s)),
               COUNT(*)
        FROM jass_registry_jass j
        JOIN LATERAL (
            SELECT starts_on FROM jass_registry_boardterm t WHERE t.jass_id = j.id
            AND t.starts_on <= %(cutoff)s AND t.ends_on >= %(cutoff)s
            ORDER BY starts_on DESC LIMIT 1) t ON TRUE
        WHERE j.district_id = ANY(%(ids)s) AND j.status = 'active'
        GROUP BY j.district_id""",
}


def floor_measure(requirement, ids, cutoff):
    import datetime as dt

    from incentives.checks import parsed_params
    from incentives.engine import end_of_day

    p = parsed_params(requirement.kind, requirement.params)
    params = {"ids": ids, "cutoff": cutoff, "end": end_of_day(cutoff)}
    for key, value in p.items():
        params[key] = value
    if "window_days" in p:
        params["window_start"] = cutoff - dt.timedelta(days=p["window_days"])
    with connection.cursor() as cursor:
        cursor.execute(FLOOR_SQL[requirement.kind], params)
        return {row[0]: (row[1], row[2]) for row in cursor.fetchall()}


def engine_against_floor(cutoff):
    from incentives import engine, services
    from incentives.models import Goal

    chunk_size = services.CHUNK_SIZE
    per_kind = {}
    engine_total = floor_total = 0.0
    for goal in Goal.objects.filter(code__in=GOALS).prefetch_related("requirements"):
        ids = services.districts_in_scope(goal)
        chunks = [ids[i : i + chunk_size] for i in range(0, len(ids), chunk_size)]
        for requirement in goal.requirements.all():
            engine_times, floor_times = [], []
            for _ in range(3):
                started = time.perf_counter()
                measured = {}
                for chunk in chunks:
                    measured.update(engine.measure(requirement, chunk, cutoff, official=False))
                engine_times.append(time.perf_counter() - started)
                started = time.perf_counter()
                floor = floor_measure(requirement, ids, cutoff)
                floor_times.append(time.perf_counter() - started)
            same = {u: (Decimal(m.numerator), m.denominator) for u, m in measured.items()}
            want = {u: (Decimal(n), d) for u, (n, d) in floor.items()}
            assert same == want, f"{goal.code} {requirement.code}: engine and floor disagree"
            e, f = min(engine_times), min(floor_times)
            engine_total += e
            floor_total += f
            kind = per_kind.setdefault(requirement.kind, [0.0, 0.0, 0])
            kind[0] += e
            kind[1] += f
            kind[2] += 1
    for kind, (e, f, n) in sorted(per_kind.items()):
        emit(f"engine_kind_{kind}_s", e, "s", floor=f, requirements=n)
    emit("engine_compute_s", engine_total, "s", chunk_size=chunk_size)
    emit("engine_floor_s", floor_total, "s")
    emit(
        "engine_ratio",
        engine_total / floor_total,
        "x",
        target=1.5,
        engine_compute_s=round(engine_total, 3),
        engine_floor_s=round(floor_total, 3),
    )


# --- 3. national run through Celery -------------------------------------------------------------


def start_worker(name, concurrency, logdir):
    log = Path(logdir) / f"{name}.log"
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "ato.settings"}
    process = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "celery"),
            "-A",
            "ato",
            "worker",
            "-Q",
            "evaluation",
            "-n",
            f"{name}@%h",
            "--concurrency",
            str(concurrency),
            "--loglevel",
            "INFO",
            "--without-gossip",
            "--without-mingle",
        ],
        cwd=ROOT,
        env=env,
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    deadline = time.monotonic() + 60
    while "ready." not in log.read_text():
        if process.poll() is not None or time.monotonic() > deadline:
            raise SystemExit(f"celery worker {name} did not start:\n{log.read_text()[-2000:]}")
        time.sleep(0.2)
    return process, log


def stop(process):
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def national_run(cutoff, workers):
    """Start the six goals as a user would; wait until every run is done."""
    from ato.celery import app
    from incentives import services
    from incentives.models import DistrictResult, EvaluationRun, Goal, RunKind, RunStatus

    # This script's earlier runs (started by nobody); a 5-year dataset's history runs, started
    # by its synthetic reviewer, stay.
    EvaluationRun.objects.filter(goal__code__in=GOALS, started_by__isnull=True).delete()
    app.control.purge()
    with tempfile.TemporaryDirectory() as logdir:
        processes = [start_worker(name, c, logdir) for name, c in workers]
        try:
            started = time.perf_counter()
            runs = [
                services.run_start(user=None, goal=goal, cutoff=cutoff, kind=RunKind.PROGRESS).pk
                for goal in Goal.objects.filter(code__in=GOALS)
            ]
            while EvaluationRun.objects.filter(
                pk__in=runs, status__in=[RunStatus.QUEUED, RunStatus.RUNNING]
            ).exists():
                if time.perf_counter() - started > 600:
                    raise SystemExit("the national run did not finish in 10 minutes")
                time.sleep(0.05)
            elapsed = time.perf_counter() - started
            failed = EvaluationRun.objects.filter(pk__in=runs, status=RunStatus.FAILED).count()
            results = DistrictResult.objects.filter(run__in=runs).count()
        finally:
            for process, _log in processes:
                stop(process)
        chunks = {
            name: len(re.findall(r"evaluate_chunk\[[^\]]+\] received", log.read_text()))
            for (name, _c), (_p, log) in zip(workers, processes, strict=True)
        }
    return elapsed, results, failed, chunks, runs


# --- 4/5. API and pages ----------------------------------------------------------------------


def timed(client, path, headers=None, samples=SAMPLES):
    timings = []
    for i in range(samples + 3):
        with CaptureQueriesContext(connection) as ctx:
            started = time.perf_counter()
            response = client.get(path, headers=headers or {})
            if hasattr(response, "streaming_content"):
                b"".join(response.streaming_content)
            else:
                response.content  # noqa: B018
            ms = (time.perf_counter() - started) * 1000
        assert response.status_code == 200, (path, response.status_code)
        if i >= 3:  # warm-up requests are not counted
            timings.append(ms)
    timings.sort()
    p50 = statistics.median(timings)
    p95 = timings[min(len(timings) - 1, round(0.95 * (len(timings) - 1)))]
    return p50, p95, len(ctx.captured_queries), response


def users_and_tokens():
    from jass_registry.models import Jass
    from territory.models import Role, User
    from territory.services import api_token_issue

    busiest = (
        Jass.objects.values("district_id")
        .annotate(n=django.db.models.Count("pk"))
        .order_by("-n")
        .first()
    )
    staff = User.objects.get(username=f"sint.{busiest['district_id']}")
    reviewer, _ = User.objects.get_or_create(
        username="bench.revisor", defaults={"role": Role.REVIEWER}
    )
    return (
        busiest,
        staff,
        reviewer,
        api_token_issue(user=staff)[1],
        api_token_issue(user=reviewer)[1],
    )


def api_and_pages(runs):
    from incentives.models import EvaluationRun

    busiest, staff, reviewer, staff_key, reviewer_key = users_and_tokens()
    district = busiest["district_id"]
    m35 = EvaluationRun.objects.get(pk__in=runs, goal__code="2017-M35")
    client = Client()
    as_reviewer = {"Authorization": f"Token {reviewer_key}"}
    as_staff = {"Authorization": f"Token {staff_key}"}
    endpoints = [
        ("api_districts", "/api/v1/districts/", "/bench/floor/districts/", as_reviewer),
        (
            "api_jass_50",
            f"/api/v1/jass/?district={district}&page_size=50",
            f"/bench/floor/jass/?district={district}&page_size=50",
            as_staff,
        ),
        (
            "api_jass_500",
            f"/api/v1/jass/?district={district}&page_size=500",
            f"/bench/floor/jass/?district={district}&page_size=500",
            as_staff,
        ),
        (
            "api_run_results",
            f"/api/v1/runs/{m35.pk}/results/",
            f"/bench/floor/runs/{m35.pk}/results/",
            as_reviewer,
        ),
    ]
    queries = {}
    for name, path, floor_path, headers in endpoints:
        p50, p95, n, response = timed(client, path, headers)
        f50, f95, fn, floor_response = timed(client, floor_path)
        assert len(response.json()["results"]) == len(floor_response.json()["results"]), name
        rows = len(response.json()["results"])
        queries[name] = n
        emit(f"{name}_p50_ms", p50, "ms", floor=f50, rows=rows)
        emit(
            f"{name}_p95_ms",
            p95,
            "ms",
            floor=f95,
            target=50 if name != "api_jass_500" else None,
            rows=rows,
            ratio_target=3,
        )
        emit(f"{name}_queries", n, "queries", floor=fn)
    # The goal's national figures (issue 12): one GROUP BY over the run's districts in scope.
    p50, p95, n, response = timed(
        client, f"/api/v1/goals/2017-M35/summary/?run={m35.pk}", as_reviewer
    )
    in_scope = response.json()["in_scope"]
    emit("api_goal_summary_p50_ms", p50, "ms", queries=n, in_scope=in_scope)
    emit("api_goal_summary_p95_ms", p95, "ms", target=50, queries=n, in_scope=in_scope)
    emit(
        "api_jass_queries_500_minus_50",
        queries["api_jass_500"] - queries["api_jass_50"],
        "queries",
        target=0,
        jass_in_district=busiest["n"],
    )

    client.force_login(staff)
    pages = [
        ("page_jass_list_ms", f"/distritos/{district}/jass/", staff),
        ("page_jass_at_risk_ms", f"/distritos/{district}/jass/?signal=any", staff),
        ("page_district_ms", f"/distritos/{district}/", staff),
        ("page_goal_ms", f"/metas/2017-M35/?run={m35.pk}", reviewer),  # figures by department
        ("page_run_ms", f"/evaluaciones/{m35.pk}/", reviewer),
        # the busiest district's checklist: every JASS and water system with why (issue 12)
        ("page_checklist_ms", f"/evaluaciones/{m35.pk}/distritos/{district}/", reviewer),
        ("page_district_list_ms", "/distritos/", reviewer),
        # Lists that hold history (issue 14): the busiest district's visits and agreements
        # (first page, newest first) and the JASS page of its most visited JASS.
        ("page_visits_list_ms", f"/distritos/{district}/visitas/", staff),
        ("page_agreements_list_ms", f"/distritos/{district}/acuerdos/", staff),
        ("page_jass_detail_ms", f"/jass/{most_visited_jass(district)}/", staff),
        ("api_visits_ms", f"/api/v1/visits/?district={district}", staff),
    ]
    for name, path, user in pages:
        client.force_login(user)
        p50, p95, n, _response = timed(client, path, samples=15)
        emit(name, p50, "ms", target=300, p95_ms=round(p95, 1), queries=n)
        if name == "page_goal_ms":
            goal_map_json(client, reviewer, m35)
    return district, reviewer_key


def most_visited_jass(district):
    from visits.models import Visit

    row = (
        Visit.objects.filter(jass__district_id=district)
        .values("jass_id")
        .annotate(n=django.db.models.Count("pk"))
        .order_by("-n", "jass_id")
        .first()
    )
    return row["jass_id"]


def goal_map_json(client, reviewer, run):
    """The goal map's colours, /metas/<code>/mapa.json, next to the goal page: every district's
    status in a national run for a reviewer (all 1,891). Nothing caches it (each request runs
    its two queries), so these are the times a first visitor gets; the shapes are static files
    and not measured here."""
    client.force_login(reviewer)
    p50, p95, n, response = timed(client, f"/metas/{run.goal.code}/mapa.json?run={run.pk}")
    body = response.json()
    emit("page_goal_map_json_p50_ms", p50, "ms", queries=n, districts=len(body["status"]))
    emit(
        "page_goal_map_json_p95_ms",
        p95,
        "ms",
        target=200,
        queries=n,
        districts=len(body["status"]),
        kb=round(len(response.content) / 1024, 1),
    )


# --- 6. load -----------------------------------------------------------------------------------

WRK_SCRIPT = """
local paths = {%s}
local i = 0
request = function()
  i = i + 1
  return wrk.format("GET", paths[(i %% #paths) + 1], {["Authorization"] = "Token %s"})
end
"""


def wrk(paths, token, seconds):
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(WRK_SCRIPT % (", ".join(f'"{p}"' for p in paths), token))
    out = subprocess.run(
        [
            "wrk",
            "-t2",
            "-c8",
            f"-d{seconds}s",
            "--latency",
            "-s",
            script.name,
            f"http://127.0.0.1:{PORT}",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    os.unlink(script.name)
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    total = int(re.search(r"(\d+) requests in", out).group(1))
    errors = 0
    if m := re.search(r"Non-2xx or 3xx responses: (\d+)", out):
        errors += int(m.group(1))
    if m := re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out):
        errors += sum(int(g) for g in m.groups())
    p99 = re.search(r"99%\s+([\d.]+)(us|ms|s)", out)
    return rps, total, errors, out, p99.group(0) if p99 else ""


def load(district, token):
    import shutil

    if not shutil.which("wrk"):
        raise SystemExit("wrk is needed for the load test: apt-get install wrk")
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "bench.settings", "DJANGO_DEBUG": "0"}
    server = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "gunicorn"),
            "ato.wsgi:application",
            "--workers",
            "2",
            "--bind",
            f"127.0.0.1:{PORT}",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
        start_new_session=True,
    )
    try:
        import urllib.request

        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{PORT}/healthz", timeout=2)
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise SystemExit("gunicorn did not start") from None
                time.sleep(0.2)
        app_paths = ["/api/v1/districts/", f"/api/v1/jass/?district={district}&page_size=50"]
        floor_paths = [
            "/bench/floor/districts/",
            f"/bench/floor/jass/?district={district}&page_size=50",
        ]
        wrk(app_paths, token, 2)  # warm both workers
        wrk(floor_paths, token, 2)
        rps, total, errors, _out, p99 = wrk(app_paths, token, LOAD_SECONDS)
        frps, ftotal, ferrors, _fout, fp99 = wrk(floor_paths, token, LOAD_SECONDS)
    finally:
        stop(server)
    emit(
        "load_rps",
        rps,
        "req/s",
        floor=frps,
        ratio_target=0.3,
        requests=total,
        errors=errors,
        floor_errors=ferrors,
        latency_p99=p99,
        floor_latency_p99=fp99,
        seconds=LOAD_SECONDS,
        gunicorn_workers=2,
        connections=8,
    )
    emit("load_errors", errors + ferrors, "errors", target=0)


def main():
    if connection.vendor != "postgresql":
        raise SystemExit("bench/national.py measures PostgreSQL: set DATABASE_URL")
    marker = ensure_dataset()
    cutoff = marker.until
    engine_against_floor(cutoff)
    national_run(cutoff, [("worker", 2)])  # warm-up: caches, forked processes' connections
    elapsed, results, failed, chunks, runs = national_run(cutoff, [("worker", 2)])
    emit(
        "national_run_s",
        elapsed,
        "s",
        target=10,
        district_results=results,
        failed_runs=failed,
        chunks=chunks,
    )
    elapsed2, results2, failed2, chunks2, runs = national_run(cutoff, [("w1", 1), ("w2", 1)])
    emit(
        "national_run_two_workers_s",
        elapsed2,
        "s",
        district_results=results2,
        failed_runs=failed2,
        chunks_per_worker=chunks2,
        split=all(n > 0 for n in chunks2.values()),
    )
    district, token = api_and_pages(runs)
    load(district, token)


if __name__ == "__main__":
    main()
