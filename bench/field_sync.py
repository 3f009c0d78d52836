"""Field sync benchmark (issue 13): a phone's outbox of 100 visits sent to a real server.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/ato_bench .venv/bin/python bench/field_sync.py

Starts gunicorn on a free loopback port against the same database, signs an ATM head in with an
API token (as the phone's session would send its cookie: the same view and service), and sends
100 distinct visits, each with 3 readings, 2 agreements and its own uuid, one by one as the
outbox does: `field_sync_100_visits_s` (target <= 10 s). Then the same outbox is sent again
from two threads at once (a retry while the first send is still in flight, twice over):
`field_sync_duplicates` counts the rows beyond one per uuid (must be 0), with the statuses
seen (all 200), and a fresh outbox from two senders at once, each visit raced while new:
`field_sync_race_duplicates` (must be 0; 100 answers 201 and 100 answer 200).
Prints JSON lines {"name", "value", "unit", ...}.
"""

import datetime as dt
import http.client
import json
import os
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ato.settings")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.utils import timezone  # noqa: E402

DISTRICT = "090713"  # a district of Huancavelica the other benches leave empty
VISITS = int(os.environ.get("BENCH_FIELD_VISITS", "100"))
WORKERS = int(os.environ.get("BENCH_FIELD_WORKERS", "4"))
TARGET_S = 10


def emit(name, value, unit, **extra):
    print(json.dumps({"name": name, "value": round(value, 3), "unit": unit, **extra}), flush=True)


def clean():
    from jass_registry.models import ChangeRecord, Jass, WaterSystem
    from visits.models import Agreement, ChlorineReading, ScheduledVisit, Visit

    # The bench's own district only, in the bench database.
    ScheduledVisit.objects.filter(jass__district_id=DISTRICT).delete()
    Agreement.objects.filter(visit__jass__district_id=DISTRICT).delete()
    ChlorineReading.objects.filter(water_system__jass__district_id=DISTRICT).delete()
    Visit.objects.filter(jass__district_id=DISTRICT).delete()
    WaterSystem.objects.filter(jass__district_id=DISTRICT).delete()
    ChangeRecord.objects.filter(jass__district_id=DISTRICT).delete()
    Jass.objects.filter(district_id=DISTRICT).delete()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(port: int) -> subprocess.Popen:
    server = subprocess.Popen(
        [
            str(Path(sys.executable).with_name("gunicorn")),
            "ato.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(WORKERS),
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "ato.settings"},
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            status, _body = request(port, "GET", "/healthz")
            if status == 200:
                return server
        except OSError:
            pass
        time.sleep(0.2)
    server.terminate()
    raise SystemExit("gunicorn did not answer /healthz within 30 s")


def request(port: int, method: str, path: str, body=None, token: str = ""):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    headers = {"Content-Type": "application/json", "Accept": "application/json"}
    if token:
        headers["Authorization"] = f"Token {token}"
    conn.request(method, path, body=json.dumps(body) if body is not None else None, headers=headers)
    response = conn.getresponse()
    data = response.read()
    conn.close()
    return response.status, data


def two_senders(send) -> float:
    """Run `send` in two threads started together; the seconds until both finish."""
    start = time.perf_counter()
    threads = [threading.Thread(target=send) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return time.perf_counter() - start


def outbox(jass, system) -> list[dict]:
    """100 distinct visits as the offline form queues them."""
    today = timezone.localdate()
    visits = []
    for i in range(VISITS):
        day = today - dt.timedelta(days=i % 300)
        visits.append(
            {
                "uuid": str(uuid.uuid4()),
                "jass": jass.pk,
                "date": day.isoformat(),
                "kind": "supervision",
                "topics": ["chlorination", "finance"],
                "findings": f"Visita de campo {i}: reservorio limpio.",
                "attendees": "Presidente(a), Tesorero(a)",
                "finances_reviewed": True,
                "cash_balance": f"{100 + i}.50",
                "readings": [
                    {"water_system": system.pk, "point": point, "mg_per_l": mg}
                    for point, mg in (
                        ("reservoir", "0.9"),
                        ("first_house", "0.7"),
                        ("last_house", "0.45"),
                    )
                ],
                "agreements": [
                    {
                        "task": "Comprar hipoclorito",
                        "responsible": "Tesorero(a)",
                        "due_on": (day + dt.timedelta(days=30)).isoformat(),
                    },
                    {
                        "task": "Limpiar el reservorio",
                        "responsible": "Operador",
                        "due_on": (day + dt.timedelta(days=60)).isoformat(),
                    },
                ],
            }
        )
    return visits


def main():
    from jass_registry.models import Jass, WaterSystem
    from territory.models import ApiToken, District, Role, User
    from territory.services import api_token_issue
    from visits.models import Visit

    call_command("migrate", verbosity=0)
    if not District.objects.filter(pk=DISTRICT).exists():
        call_command("load_territory", verbosity=0)
    clean()
    user, _ = User.objects.update_or_create(
        username="bench.field", defaults={"role": Role.ATM_HEAD, "district_id": DISTRICT}
    )
    _token, key = api_token_issue(user=user)
    jass = Jass.objects.create(district_id=DISTRICT, name="JASS Campo", status="active")
    system = WaterSystem.objects.create(jass=jass, name="Sistema Campo")
    queued = outbox(jass, system)
    uuids = [v["uuid"] for v in queued]
    connection.close()  # the server's workers use the database from here on

    port = free_port()
    server = start_server(port)
    try:
        first = Counter()
        start = time.perf_counter()
        for visit in queued:
            status, data = request(port, "POST", "/api/v1/visits/", visit, key)
            first[status] += 1
            if status not in (200, 201):
                raise SystemExit(f"POST answered {status}: {data[:300]!r}")
        elapsed = time.perf_counter() - start
        emit(
            "field_sync_100_visits_s",
            elapsed,
            "s",
            visits=VISITS,
            target_s=TARGET_S,
            per_visit_ms=round(elapsed / VISITS * 1000, 1),
            statuses=dict(first),
            workers=WORKERS,
            db=connection.vendor,
        )

        # The same outbox again, from two senders at once.
        replay: Counter = Counter()
        lock = threading.Lock()

        def send_all():
            for visit in queued:
                status, _data = request(port, "POST", "/api/v1/visits/", visit, key)
                with lock:
                    replay[status] += 1

        replay_s = two_senders(send_all)
        rows = Visit.objects.filter(uuid__in=uuids).count()
        emit(
            "field_sync_duplicates",
            rows - VISITS,
            "rows",
            rows=rows,
            sent=2 * VISITS,
            statuses=dict(replay),
            replay_s=round(replay_s, 3),
        )

        # A fresh outbox from two senders at once: each visit is raced while it is new.
        fresh = outbox(jass, system)
        raced: Counter = Counter()

        def race_all():
            for visit in fresh:
                status, _data = request(port, "POST", "/api/v1/visits/", visit, key)
                with lock:
                    raced[status] += 1

        race_s = two_senders(race_all)
        rows = Visit.objects.filter(uuid__in=[v["uuid"] for v in fresh]).count()
        emit(
            "field_sync_race_duplicates",
            rows - VISITS,
            "rows",
            rows=rows,
            sent=2 * VISITS,
            statuses=dict(raced),
            race_s=round(race_s, 3),
        )
    finally:
        server.terminate()
        server.wait(timeout=30)
        clean()
        ApiToken.objects.filter(user=user).delete()
        user.delete()


if __name__ == "__main__":
    main()
