"""Populated centres of the synthetic country (`generate_dataset`; called by ato/synthetic.py
once the registry is written).

National scale: about 85,000 centres, skewed like real districts (log-normal: a median of some
forty centres a district, a few with several hundred); one urban capital per district and a
few more urban centres, the rest rural, most of a handful to a hundred households. Each rural
centre of a district with JASS is served by one of them (and one of its water systems) unless it
is one of the about 15 % of rural households left without service, small and remote centres
more often; districts without JASS have no service at all. Services began over the last two
years, so the quarterly coverage (stored for the last eight quarters) rises.

Its own `random.Random`, seeded from the dataset's seed, so adding centres leaves the rest of
the dataset as it was for the same seed.
"""

from __future__ import annotations

import datetime as dt
import math
import random
from collections import defaultdict
from decimal import Decimal

from django.utils import timezone

from common.text import fold
from communities.coverage import coverage_snapshot
from communities.models import (
    Area,
    CentreChange,
    CentreService,
    CoverageQuarter,
    PopulatedCentre,
    quarter_start,
)
from jass_registry.models import JassStatus, WaterSystem
from territory.models import District

# Tables emptied before a new generation (ato/synthetic.py WIPED), children first.
WIPED = [CoverageQuarter, CentreChange, CentreService, PopulatedCentre]

CENTRES = {"national": 85_000, "district": 450}
SPREAD = 0.5  # sigma of the log-normal weight of a district
SEED_OFFSET = 15_001
TREND_QUARTERS = 8
BATCH = 5000


def _households(rng: random.Random, area: str, capital: bool) -> int:
    if capital:
        return min(200_000, max(60, round(rng.lognormvariate(math.log(700), 1.0))))
    if area == Area.URBAN:
        return max(40, round(rng.lognormvariate(math.log(160), 0.6)))
    return max(1, min(1500, round(rng.lognormvariate(math.log(24), 0.95))))


def _sizes(rng: random.Random, ubigeos: list[str], total: int) -> dict[str, int]:
    """Centres per district: log-normal weights scaled to `total`, at least 3 and at most
    9,999 (the code's four digits)."""
    if len(ubigeos) == 1:
        return {ubigeos[0]: total}
    weights = {u: rng.lognormvariate(0, SPREAD) for u in ubigeos}
    scale = total / sum(weights.values())
    return {u: min(9999, max(3, round(w * scale))) for u, w in weights.items()}


def _community(rng: random.Random) -> str:
    from ato.synthetic import COMMUNITY_PREFIXES, COMMUNITY_SUFFIXES, COMMUNITY_WORDS

    prefix, word = rng.choice(COMMUNITY_PREFIXES), rng.choice(COMMUNITY_WORDS)
    return f"{prefix}{word}{rng.choice(COMMUNITY_SUFFIXES)}"


def _service_chance(households: int) -> float:
    """Small, remote centres are left without service more often than large ones."""
    if households < 8:
        return 0.65
    if households < 20:
        return 0.86
    return 0.94


def generate(generator) -> dict[str, int]:
    """Write the centres, their services and eight quarters of coverage for the districts of
    `generator` (an ato.synthetic.Generator, whose scale, seed, `until` and progress it reads)."""
    from ato.synthetic import SCALES  # the caller's module (imported here: no cycle)

    rng = random.Random(generator.seed * 1_000_003 + SEED_OFFSET)
    until = generator.until
    wanted = SCALES[generator.scale]["districts"]
    districts = list(
        District.objects.filter(**({"pk__in": wanted} if wanted else {}))
        .order_by("pk")
        .values("pk", "capital", "latitude", "longitude")
    )
    sizes = _sizes(rng, [d["pk"] for d in districts], CENTRES[generator.scale])
    providers = _providers([d["pk"] for d in districts])
    first_quarter = quarter_start(until)
    for _ in range(TREND_QUARTERS - 1):
        first_quarter = quarter_start(first_quarter - dt.timedelta(days=1))
    registered = timezone.make_aware(
        dt.datetime.combine(first_quarter - dt.timedelta(days=200), dt.time(9))
    )
    span = (until - first_quarter).days
    counts = {"populated_centres": 0, "centre_services": 0}
    centres: list[PopulatedCentre] = []
    planned: list[tuple[int, tuple]] = []  # (index in centres, service plan)
    for d in districts:
        ubigeo, jass_of = d["pk"], providers.get(d["pk"], [])
        for index in range(sizes[ubigeo]):
            capital = index == 0
            area = Area.URBAN if capital or rng.random() < 0.03 else Area.RURAL
            name = (d["capital"] or "Capital") if capital else _community(rng)
            households = _households(rng, area, capital)
            lat = lon = None
            if d["latitude"] is not None:
                lat = (d["latitude"] + Decimal(rng.uniform(-0.1, 0.1))).quantize(
                    Decimal("0.000001")
                )
                lon = (d["longitude"] + Decimal(rng.uniform(-0.1, 0.1))).quantize(
                    Decimal("0.000001")
                )
            centres.append(
                PopulatedCentre(
                    code=f"{ubigeo}{index + 1:04d}",
                    name=name[:150],
                    name_search=fold(name[:150]),
                    district_id=ubigeo,
                    area=area,
                    households=households,
                    population=round(households * rng.uniform(2.9, 4.3)),
                    latitude=lat,
                    longitude=lon,
                    created_at=registered,
                )
            )
            if jass_of and (area == Area.URBAN or rng.random() < _service_chance(households)):
                jass_id, system_ids = rng.choice(jass_of)
                served = max(1, round(households * rng.uniform(0.9, 1.05)))
                began = first_quarter + dt.timedelta(days=rng.randint(-120, span))
                planned.append(
                    (
                        len(centres) - 1,
                        (
                            jass_id,
                            rng.choice(system_ids) if system_ids else None,
                            min(served, 100_000),
                            began,
                        ),
                    )
                )
    PopulatedCentre.objects.bulk_create(centres, batch_size=BATCH)
    counts["populated_centres"] = len(centres)
    generator.progress(f"Centros poblados: {len(centres)}")
    services = [
        CentreService(
            centre_id=centres[i].pk,
            jass_id=jass_id,
            water_system_id=system_id,
            households_served=served,
            created_at=min(
                timezone.make_aware(dt.datetime.combine(began, dt.time(10))),
                timezone.make_aware(dt.datetime.combine(until, dt.time(10))),
            ),
        )
        for i, (jass_id, system_id, served, began) in planned
    ]
    CentreService.objects.bulk_create(services, batch_size=BATCH)
    counts["centre_services"] = len(services)
    quarter = first_quarter
    while quarter <= until:
        coverage_snapshot(quarter, today=until)
        quarter = quarter_start(quarter + dt.timedelta(days=95))
    generator.progress(f"Servicios a centros poblados: {len(services)}; cobertura por trimestre")
    return counts


def _providers(ubigeos: list[str]) -> dict[str, list[tuple[int, list[int]]]]:
    """Each district's JASS that are not dissolved, with their water systems in service."""
    systems: dict[int, list[int]] = defaultdict(list)
    rows = (
        WaterSystem.objects.filter(retired_on__isnull=True, jass__district_id__in=ubigeos)
        .exclude(jass__status=JassStatus.DISSOLVED)
        .order_by("jass_id", "pk")
        .values_list("jass_id", "pk", "jass__district_id")
    )
    jass_district: dict[int, str] = {}
    for jass_id, system_id, ubigeo in rows.iterator(chunk_size=10_000):
        systems[jass_id].append(system_id)
        jass_district[jass_id] = ubigeo
    providers: dict[str, list[tuple[int, list[int]]]] = defaultdict(list)
    for jass_id, ubigeo in jass_district.items():
        providers[ubigeo].append((jass_id, systems[jass_id]))
    return providers
