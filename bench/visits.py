"""At-risk list benchmark: one busy district of 500 JASS, a year of visits and readings.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/ato_bench .venv/bin/python bench/visits.py

Prints JSON lines {"name", "value", "unit"}: the server time (median of 7) of the district home
page (which lists the JASS at risk, worst first), of the JASS list filtered to "any alert", of the
visits list and of the agreements list, with their query counts.
"""

import datetime as dt
import json
import os
import random
import sys
import time
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ato.settings")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

DISTRICT = "090714"  # Salcabamba, otherwise empty
JASS_COUNT = int(os.environ.get("BENCH_JASS", "500"))


def emit(name, value, unit, **extra):
    print(json.dumps({"name": name, "value": round(value, 2), "unit": unit, **extra}), flush=True)


def clean(models):
    Agreement, ChlorineReading, Visit, BoardTerm, WaterSystem, Jass, ChangeRecord = models
    Agreement.objects.filter(visit__jass__district_id=DISTRICT).delete()
    ChlorineReading.objects.filter(water_system__jass__district_id=DISTRICT).delete()
    Visit.objects.filter(jass__district_id=DISTRICT).delete()
    BoardTerm.objects.filter(jass__district_id=DISTRICT).delete()
    WaterSystem.objects.filter(jass__district_id=DISTRICT).delete()
    ChangeRecord.objects.filter(jass__district_id=DISTRICT).delete()
    Jass.objects.filter(district_id=DISTRICT).delete()


def main():
    from common.text import fold
    from jass_registry.models import BoardTerm, ChangeRecord, Jass, WaterSystem
    from territory.models import Role, User
    from visits.models import Agreement, ChlorineReading, Visit
    from visits.services import summaries_rebuild

    models = (Agreement, ChlorineReading, Visit, BoardTerm, WaterSystem, Jass, ChangeRecord)
    call_command("migrate", verbosity=0)
    clean(models)
    user, _ = User.objects.get_or_create(
        username="bench.visits", defaults={"role": Role.ATM_HEAD, "district_id": DISTRICT}
    )
    rng = random.Random(7)
    today = timezone.localdate()
    start = time.perf_counter()
    jass = Jass.objects.bulk_create(
        Jass(
            district_id=DISTRICT,
            name=f"JASS Anexo {i}",
            name_search=fold(f"JASS Anexo {i}"),
            registry_number=f"{i:04d}-2019",
            status="active" if i % 20 else "inactive",
        )
        for i in range(JASS_COUNT)
    )
    systems = WaterSystem.objects.bulk_create(
        WaterSystem(jass=j, name=f"Sistema {j.name}") for j in jass
    )
    terms = []
    for j in jass:
        starts = today - dt.timedelta(days=rng.randint(30, 900))
        terms.append(BoardTerm(jass=j, starts_on=starts, ends_on=starts + dt.timedelta(days=730)))
    BoardTerm.objects.bulk_create(terms)
    visits, readings, agreements = [], [], []
    for j in jass:
        for _ in range(rng.randint(0, 8)):
            day = today - dt.timedelta(days=rng.randint(0, 365))
            visits.append(
                Visit(
                    jass=j,
                    staff=user,
                    date=day,
                    kind=rng.choice(["training", "supervision", "follow_up"]),
                    finances_reviewed=rng.random() < 0.3,
                )
            )
    Visit.objects.bulk_create(visits, batch_size=2000)
    by_jass = {s.jass_id: s for s in systems}
    for v in visits:
        readings.append(
            ChlorineReading(
                water_system=by_jass[v.jass_id],
                visit=v,
                taken_on=v.date,
                point="reservoir",
                mg_per_l=Decimal(str(round(rng.uniform(0, 1.2), 2))),
            )
        )
        if rng.random() < 0.4:
            agreements.append(
                Agreement(
                    visit=v,
                    task="Clorar",
                    responsible="Operador",
                    due_on=v.date + dt.timedelta(days=30),
                )
            )
    ChlorineReading.objects.bulk_create(readings, batch_size=2000)
    Agreement.objects.bulk_create(agreements, batch_size=2000)
    summaries_rebuild()
    emit(
        "visits_dataset_s",
        time.perf_counter() - start,
        "s",
        jass=JASS_COUNT,
        visits=len(visits),
        readings=len(readings),
    )

    client = Client()
    client.force_login(user)
    for label, path in [
        ("district_home_at_risk_ms", f"/distritos/{DISTRICT}/"),
        ("jass_list_any_alert_ms", f"/distritos/{DISTRICT}/jass/?signal=any&status=active"),
        ("visits_list_ms", f"/distritos/{DISTRICT}/visitas/"),
        ("agreements_list_ms", f"/distritos/{DISTRICT}/acuerdos/"),
        ("visits_api_ms", f"/api/v1/visits/?district={DISTRICT}"),
    ]:
        timings = []
        for _ in range(7):
            with CaptureQueriesContext(connection) as ctx:
                t0 = time.perf_counter()
                response = client.get(path)
                timings.append((time.perf_counter() - t0) * 1000)
            assert response.status_code == 200, (path, response.status_code)
        timings.sort()
        emit(
            label,
            timings[len(timings) // 2],
            "ms",
            jass=JASS_COUNT,
            queries=len(ctx.captured_queries),
            db=connection.vendor,
        )
    clean(models)
    user.delete()


if __name__ == "__main__":
    main()
