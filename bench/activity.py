"""District activity page and weekly digest, on the national dataset with one and five years of
history records (issue 14, parts 5 and 6).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/ato_k5 .venv/bin/python bench/activity.py

Needs a national dataset in that database (`manage.py generate_dataset --scale national
--years 5`; `make bench` uses `ato_national5`). The dataset writes no ChangeRecord or
CentreChange (its rows are created in bulk, not through the services), so this adds them: first
one year of records (4 a JASS, 2 a centre), then four more years (16 a JASS, 8 a centre), and
measures after each. All of it in one transaction that is rolled back at the end, so the
dataset is left as it was and the bench can run again (records already there, e.g. from a run
of the erasure task, are counted in `activity_*_change_records`). Prints JSON lines
{"name", "value", "unit"}: the server time (median of 5) of the activity page of the district
with most JASS and of a typical one (first page, a page two years back, filtered by user and
by search), its CSV export of the largest district, and the digest of every district (built,
not sent).
"""

import json
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ato.settings")

import django  # noqa: E402

django.setup()

from django.db import connection, transaction  # noqa: E402
from django.db.models import Count  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

RUNS = 5


def emit(name, value, unit, **extra):
    print(json.dumps({"name": name, "value": round(value, 3), "unit": unit, **extra}), flush=True)


def add_history(days_from: int, days_to: int, per_jass: int, per_centre: int) -> None:
    """History records dated at random between `days_from` and `days_to` days ago, by a user
    of the JASS's district (the dataset's ATM staff) when there is one."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO jass_registry_changerecord (jass_id, action, target, changes, user_id, at)
            SELECT j.id, 'updated', j.name,
                   jsonb_build_object('associates', jsonb_build_array(g, g + 1)),
                   (SELECT u.id FROM territory_user u WHERE u.district_id = j.district_id
                    ORDER BY u.id LIMIT 1),
                   now() - make_interval(secs => (%s + random() * (%s - %s)) * 86400)
            FROM jass_registry_jass j, generate_series(1, %s) g
            """,
            [days_from, days_to, days_from, per_jass],
        )
        cursor.execute(
            """
            INSERT INTO communities_centrechange (centre_id, action, target, changes, user_id, at)
            SELECT c.id, 'updated', c.name,
                   jsonb_build_object('households', jsonb_build_array(g, g + 1)),
                   (SELECT u.id FROM territory_user u WHERE u.district_id = c.district_id
                    ORDER BY u.id LIMIT 1),
                   now() - make_interval(secs => (%s + random() * (%s - %s)) * 86400)
            FROM communities_populatedcentre c, generate_series(1, %s) g
            """,
            [days_from, days_to, days_from, per_centre],
        )
        cursor.execute("ANALYZE jass_registry_changerecord; ANALYZE communities_centrechange")


def timed(client, path, params=None, stream=False):
    times, queries = [], 0
    for _ in range(RUNS):
        with CaptureQueriesContext(connection) as ctx:
            start = time.perf_counter()
            response = client.get(path, params or {})
            if stream:
                for _chunk in response.streaming_content:
                    pass
            times.append(time.perf_counter() - start)
        assert response.status_code == 200, (path, response.status_code)
        queries = len(ctx.captured_queries)
    return statistics.median(times), queries, response


def measure(label: str, districts: dict[str, str], reviewer) -> None:
    from ato.digest import digests_for
    from jass_registry.models import ChangeRecord
    from territory.models import District, User

    emit(f"activity_{label}_change_records", ChangeRecord.objects.count(), "rows")
    client = Client()
    client.force_login(reviewer)
    for name, ubigeo in districts.items():
        url = f"/distritos/{ubigeo}/actividad/"
        seconds, queries, _ = timed(client, url)
        emit(f"activity_{label}_{name}_first_page", seconds * 1000, "ms", queries=queries)
        two_years = (timezone.now() - timezone.timedelta(days=730)).isoformat()
        seconds, queries, _ = timed(client, url, {"antes": f"{two_years}~0~1"})
        emit(f"activity_{label}_{name}_two_years_back", seconds * 1000, "ms", queries=queries)
        user = User.objects.filter(district_id=ubigeo).values_list("pk", flat=True).first()
        if user:
            seconds, queries, _ = timed(client, url, {"user": user})
            emit(f"activity_{label}_{name}_by_user", seconds * 1000, "ms", queries=queries)
        seconds, queries, _ = timed(client, url, {"q": "jass"})
        emit(f"activity_{label}_{name}_search", seconds * 1000, "ms", queries=queries)
    big = districts["largest"]
    seconds, _, _ = timed(client, f"/distritos/{big}/actividad/exportar.csv", stream=True)
    emit(f"activity_{label}_largest_export_csv", seconds, "s")
    every = list(District.objects.filter(jass__isnull=False).distinct())
    start = time.perf_counter()
    digests = digests_for(every, timezone.localdate())
    emit(
        f"digest_{label}_all_districts_build",
        time.perf_counter() - start,
        "s",
        districts=len(every),
        sent_would_be=sum(not d.is_empty for d in digests.values()),
    )


def main():
    from jass_registry.models import Jass
    from territory.models import Role, User

    counts = list(
        Jass.objects.values("district_id").annotate(n=Count("pk")).order_by("-n", "district_id")
    )
    districts = {
        "largest": counts[0]["district_id"],
        "typical": counts[len(counts) // 2]["district_id"],
    }
    emit("activity_largest_district_jass", counts[0]["n"], "JASS", ubigeo=districts["largest"])
    reviewer, _ = User.objects.get_or_create(
        username="bench.revisor", defaults={"role": Role.REVIEWER}
    )
    with transaction.atomic():
        add_history(0, 365, per_jass=4, per_centre=2)
        measure("1y", districts, reviewer)
        add_history(365, 1825, per_jass=16, per_centre=8)
        measure("5y", districts, reviewer)
        transaction.set_rollback(True)  # the dataset stays as generated


if __name__ == "__main__":
    main()
