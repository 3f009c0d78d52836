"""Service grades at national scale (issue 15, part 2), on the synthetic country that
`bench/national.py` generates (run after it by `make bench`; alone it stops if the dataset is
missing):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/ato_national .venv/bin/python bench/grades.py

Prints JSON lines {"name", "value", "unit", ...}:
- `grades_compute_s`: `compute_scores` for the dataset's current quarter, the whole country, on
  the quarter's first night (no row of the quarter yet: every score inserted; the copy on
  Jass/WaterSystem updated where it changes), best of 3, with its `floor`: the same scores from
  hand-written SQL (DISTINCT ON, LATERAL, one exact division per score) written the same way
  (INSERT … ON CONFLICT, stale rows deleted, the copy updated where it changes); the two answers
  are compared subject by subject and the script stops if one score differs;
- `grades_recompute_s`: the same the next night (rows in place, only changes written), against
  the floor doing the same (ON CONFLICT … WHERE IS DISTINCT FROM);
- `grades_compute_ratio`, `grades_recompute_ratio`: target 2; the times' target: 10 s.

A dataset generated before the grades existed gets its assessments first (ato/synthetic_grades).
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ato.settings")
os.environ["DJANGO_DEBUG"] = "0"

import django  # noqa: E402

django.setup()

from django.db import connection, transaction  # noqa: E402

ROUNDS = 3


def emit(name, value, unit, floor=None, target=None, **extra):
    row = {"name": name, "value": round(value, 3), "unit": unit}
    if floor is not None:
        row["floor"] = round(floor, 3)
        row["ratio"] = round(value / floor, 2) if floor else None
    if target is not None:
        row["target"] = target
        row["met"] = value <= target
    row.update(extra)
    print(json.dumps(row, ensure_ascii=False), flush=True)


# The formula of service_grades/grading.py written by hand, each score as ONE exact division so
# that rounding half up to thousandths agrees with grading.py's integer arithmetic:
# system = 0.35 p/(3n) + 0.30 (dry + rainy)/48 + 0.35 q = (336 p + 18 n h + 1008 n q) / (2880 n)
# jass = (10 S·T + 3 P·K + 20 F·K·T) / (20 K·T), with S/K the systems' mean (K = 1000 × their
# count), P/T the associates paid (T = 1 and P = 0 when not recorded), F the weighted flags.
FLOOR_SYSTEMS = """
CREATE TEMP TABLE floor_systems ON COMMIT DROP AS
WITH latest AS (
    SELECT DISTINCT ON (a.water_system_id)
           a.water_system_id, s.jass_id, a.visit_id, v.date,
           a.source_intake, a.conduction, a.treatment, a.storage, a.distribution,
           a.hours_dry, a.hours_rainy
    FROM service_grades_serviceassessment a
    JOIN visits_visit v ON v.id = a.visit_id
    JOIN jass_registry_watersystem s ON s.id = a.water_system_id
    JOIN jass_registry_jass j ON j.id = s.jass_id
    WHERE v.voided_at IS NULL AND v.date <= %(asof)s AND j.status <> 'dissolved'
      AND (s.retired_on IS NULL OR s.retired_on > %(asof)s)
    ORDER BY a.water_system_id, v.date DESC, a.visit_id DESC, a.id DESC
), facts AS (
    SELECT l.*,
           (SELECT SUM(CASE c WHEN 'good' THEN 3 WHEN 'fair' THEN 2 WHEN 'poor' THEN 1 ELSE 0 END)
            FROM unnest(ARRAY[l.source_intake, l.conduction, l.treatment, l.storage,
                              l.distribution]) c
            WHERE c <> 'not_applicable') AS points,
           CASE WHEN l.treatment = 'not_applicable' THEN 4 ELSE 5 END AS n,
           ch.taken_on AS network_on, ch.mg_per_l AS network_mg_l
    FROM latest l
    LEFT JOIN LATERAL (
        -- As of today: the deciding network reading that visits.services keeps on the system,
        -- when it falls in the window.
        SELECT w.network_reading_on AS taken_on, w.network_reading_mg_l AS mg_per_l
        FROM jass_registry_watersystem w
        WHERE w.id = l.water_system_id AND w.network_reading_on >= %(window_start)s) ch ON TRUE
)
SELECT f.*, (f.network_mg_l >= 0.5) IS TRUE AS adequate,
       round((336 * f.points + 18 * f.n * (f.hours_dry + f.hours_rainy)
              + 1008 * f.n * ((f.network_mg_l >= 0.5) IS TRUE)::int)::numeric
             / (2880 * f.n), 3) AS score
FROM facts f
"""

FLOOR_JASS = """
CREATE TEMP TABLE floor_jass ON COMMIT DROP AS
WITH systems AS (
    SELECT jass_id, SUM(score * 1000)::bigint AS milli, COUNT(*) AS k
    FROM floor_systems GROUP BY jass_id
), facts AS (
    SELECT s.jass_id, s.milli, 1000 * s.k AS kk, s.k,
           b.start AS board_start, v.last_visit, v.last_training, v.last_accounts,
           COALESCE(NULLIF(p.associates, 0), 1) AS t,
           CASE WHEN p.associates > 0 THEN p.associates_paid ELSE 0 END AS paid,
           p.associates, p.associates_paid, p.on_day
    FROM systems s
    LEFT JOIN LATERAL (
        SELECT MAX(t.starts_on) AS start FROM jass_registry_boardterm t
        WHERE t.jass_id = s.jass_id AND t.starts_on <= %(asof)s AND t.ends_on >= %(asof)s) b
        ON TRUE
    LEFT JOIN LATERAL (
        SELECT MAX(v.date) AS last_visit,
               MAX(v.date) FILTER (WHERE v.kind = 'training') AS last_training,
               MAX(v.date) FILTER (WHERE v.finances_reviewed) AS last_accounts
        FROM visits_visit v
        WHERE v.jass_id = s.jass_id AND v.voided_at IS NULL AND v.date <= %(asof)s) v ON TRUE
    LEFT JOIN LATERAL (
        SELECT a.associates, a.associates_paid, vv.date AS on_day
        FROM service_grades_serviceassessment a JOIN visits_visit vv ON vv.id = a.visit_id
        WHERE vv.jass_id = s.jass_id AND vv.voided_at IS NULL AND vv.date <= %(asof)s
          AND a.associates IS NOT NULL
        ORDER BY vv.date DESC, a.visit_id DESC, a.id DESC LIMIT 1) p ON TRUE
), flags AS (
    SELECT f.*,
           (f.board_start IS NOT NULL)::int AS board_current,
           (f.board_start IS NOT NULL AND f.last_training >= f.board_start)::int AS trained,
           (f.last_accounts >= %(accounts_from)s)::int AS accounts,
           (f.last_visit >= %(visited_from)s)::int AS visited
    FROM facts f
)
SELECT g.*,
       round((10 * g.milli * g.t + 3 * g.paid * g.kk
              + (2 * g.board_current + COALESCE(g.trained, 0) + 2 * COALESCE(g.accounts, 0)
                 + 2 * COALESCE(g.visited, 0)) * g.kk * g.t)::numeric
             / (20 * g.kk * g.t), 3) AS score
FROM flags g
"""

GRADE = (
    "CASE WHEN {s} >= 0.9 THEN 'A' WHEN {s} >= 0.7 THEN 'B' WHEN {s} >= 0.4 THEN 'C' ELSE 'D' END"
)

FLOOR_WRITES = [
    f"""
INSERT INTO service_grades_servicescore
    (subject, water_system_id, jass_id, quarter, score, grade, components, computed_at)
SELECT 'system', f.water_system_id, NULL, %(quarter)s, f.score, {GRADE.format(s="f.score")},
       jsonb_build_object(
         'infrastructure', jsonb_build_object(
            'value', round(f.points::numeric / (3 * f.n), 3), 'weight', 0.35,
            'conditions', jsonb_build_object(
              'source_intake', f.source_intake, 'conduction', f.conduction,
              'treatment', f.treatment, 'storage', f.storage, 'distribution', f.distribution)),
         'continuity', jsonb_build_object(
            'value', round((f.hours_dry + f.hours_rainy)::numeric / 48, 3), 'weight', 0.3,
            'hours_dry', f.hours_dry, 'hours_rainy', f.hours_rainy),
         'water_quality', jsonb_build_object(
            'value', f.adequate::int, 'weight', 0.35,
            'network_on', f.network_on, 'network_mg_l', f.network_mg_l::text),
         'assessment', jsonb_build_object('visit', f.visit_id, 'on', f.date)),
       %(now)s
FROM floor_systems f
ON CONFLICT (water_system_id, quarter) DO UPDATE SET
    score = EXCLUDED.score, grade = EXCLUDED.grade, components = EXCLUDED.components,
    computed_at = EXCLUDED.computed_at
WHERE (service_grades_servicescore.score, service_grades_servicescore.grade,
       service_grades_servicescore.components)
      IS DISTINCT FROM (EXCLUDED.score, EXCLUDED.grade, EXCLUDED.components)
""",
    f"""
INSERT INTO service_grades_servicescore
    (subject, water_system_id, jass_id, quarter, score, grade, components, computed_at)
SELECT 'jass', NULL, g.jass_id, %(quarter)s, g.score, {GRADE.format(s="g.score")},
       jsonb_build_object(
         'systems', jsonb_build_object(
            'value', round(g.milli::numeric / g.kk, 3), 'weight', 0.5, 'count', g.k),
         'associates_paid', jsonb_build_object(
            'value', round(g.paid::numeric / g.t, 3), 'weight', 0.15,
            'associates', g.associates, 'paid', g.associates_paid, 'on', g.on_day),
         'board_current', jsonb_build_object(
            'value', g.board_current, 'weight', 0.1, 'since', g.board_start),
         'board_trained', jsonb_build_object(
            'value', COALESCE(g.trained, 0), 'weight', 0.05, 'on', g.last_training),
         'accounts_reviewed', jsonb_build_object(
            'value', COALESCE(g.accounts, 0), 'weight', 0.1, 'on', g.last_accounts),
         'visited', jsonb_build_object(
            'value', COALESCE(g.visited, 0), 'weight', 0.1, 'on', g.last_visit)),
       %(now)s
FROM floor_jass g
ON CONFLICT (jass_id, quarter) DO UPDATE SET
    score = EXCLUDED.score, grade = EXCLUDED.grade, components = EXCLUDED.components,
    computed_at = EXCLUDED.computed_at
WHERE (service_grades_servicescore.score, service_grades_servicescore.grade,
       service_grades_servicescore.components)
      IS DISTINCT FROM (EXCLUDED.score, EXCLUDED.grade, EXCLUDED.components)
""",
    """
DELETE FROM service_grades_servicescore sc WHERE sc.quarter = %(quarter)s AND (
    (sc.subject = 'system' AND NOT EXISTS (
        SELECT 1 FROM floor_systems f WHERE f.water_system_id = sc.water_system_id))
    OR (sc.subject = 'jass' AND NOT EXISTS (
        SELECT 1 FROM floor_jass g WHERE g.jass_id = sc.jass_id)))
""",
    """
UPDATE jass_registry_watersystem s SET grade = x.grade, score = x.score
FROM (SELECT s2.id, sc.grade, sc.score FROM jass_registry_watersystem s2
      LEFT JOIN service_grades_servicescore sc
             ON sc.water_system_id = s2.id AND sc.quarter = %(quarter)s) x
WHERE x.id = s.id AND (s.score IS DISTINCT FROM x.score OR s.grade IS DISTINCT FROM x.grade)
""",
    """
UPDATE jass_registry_jass j SET grade = x.grade, score = x.score
FROM (SELECT j2.id, sc.grade, sc.score FROM jass_registry_jass j2
      LEFT JOIN service_grades_servicescore sc
             ON sc.jass_id = j2.id AND sc.quarter = %(quarter)s) x
WHERE x.id = j.id AND (j.score IS DISTINCT FROM x.score OR j.grade IS DISTINCT FROM x.grade)
""",
]


def floor(quarter, asof):
    import datetime as dt

    from django.utils import timezone

    from jass_registry.standards import (
        CHLORINE_WINDOW_DAYS,
        FINANCE_REVIEW_DAYS,
        VISITED_WINDOW_DAYS,
    )

    params = {
        "quarter": quarter,
        "asof": asof,
        "window_start": asof - dt.timedelta(days=CHLORINE_WINDOW_DAYS),
        "accounts_from": asof - dt.timedelta(days=FINANCE_REVIEW_DAYS),
        "visited_from": asof - dt.timedelta(days=VISITED_WINDOW_DAYS),
        "now": timezone.now(),
    }
    with transaction.atomic(), connection.cursor() as cursor:
        started = time.perf_counter()
        cursor.execute(FLOOR_SYSTEMS, params)
        cursor.execute("ANALYZE floor_systems")
        cursor.execute(FLOOR_JASS, params)
        cursor.execute("ANALYZE floor_jass")
        for statement in FLOOR_WRITES:
            cursor.execute(statement, params)
        elapsed = time.perf_counter() - started
        cursor.execute("SELECT water_system_id, score FROM floor_systems")
        systems = dict(cursor.fetchall())
        cursor.execute("SELECT jass_id, score FROM floor_jass")
        providers = dict(cursor.fetchall())
    return elapsed, systems, providers


def stored(quarter):
    from service_grades.models import ServiceScore

    rows = ServiceScore.objects.filter(quarter=quarter)
    systems = dict(rows.filter(subject="system").values_list("water_system_id", "score"))
    providers = dict(rows.filter(subject="jass").values_list("jass_id", "score"))
    return systems, providers


def ensure_assessments(marker):
    from types import SimpleNamespace

    from ato import synthetic_grades
    from service_grades.models import ServiceAssessment

    if ServiceAssessment.objects.exists():
        return
    started = time.perf_counter()
    with transaction.atomic():
        generator = SimpleNamespace(
            seed=marker.seed, until=marker.until, progress=lambda m: print(m, file=sys.stderr)
        )
        counts = synthetic_grades.generate(generator)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    emit("grades_dataset_s", time.perf_counter() - started, "s", **counts)


def vacuum():
    """Fresh statistics and no dead rows before each timing (both sides alike)."""
    with connection.cursor() as cursor:
        for table in (
            "service_grades_servicescore",
            "jass_registry_watersystem",
            "jass_registry_jass",
        ):
            cursor.execute(f"VACUUM ANALYZE {table}")


def drop_quarter(quarter):
    """A quarter never computed yet, as on the first night of a quarter (the registry's copy
    keeps the previous values, as it would)."""
    from service_grades.models import ServiceScore

    ServiceScore.objects.filter(quarter=quarter).delete()
    vacuum()


def main():
    from django.utils import timezone

    from ato.models import SyntheticDataset
    from service_grades.grading import asof_for, compute_scores
    from service_grades.models import ServiceAssessment, quarter_of

    if connection.vendor != "postgresql":
        raise SystemExit("bench/grades.py measures PostgreSQL: set DATABASE_URL")
    marker = SyntheticDataset.objects.filter(scale="national").first()
    if marker is None:
        raise SystemExit("No national dataset: run bench/national.py first (make bench).")
    ensure_assessments(marker)
    # As the nightly task runs: the current quarter, as of today (the dataset's visits end on
    # the day it was generated).
    until = timezone.localdate()
    quarter = quarter_of(until)
    asof = asof_for(quarter, until)
    times = {"first": ([], []), "again": ([], [])}
    for _ in range(ROUNDS):
        for case in ("first", "again"):
            mine_times, floor_times = times[case]
            if case == "first":
                drop_quarter(quarter)
            else:
                vacuum()
            started = time.perf_counter()
            counts = compute_scores(quarter, today=until)
            mine_times.append(time.perf_counter() - started)
            mine = stored(quarter)
            if case == "first":
                drop_quarter(quarter)
            else:
                vacuum()
            elapsed, systems, providers = floor(quarter, asof)
            floor_times.append(elapsed)
            if (systems, providers) != mine:
                bad = [
                    pk for pk in set(systems) | set(mine[0]) if systems.get(pk) != mine[0].get(pk)
                ]
                raise SystemExit(f"compute_scores and the floor disagree on systems {bad[:10]}")
    compute_scores(quarter, today=until)  # the stored rows are compute_scores' own again
    for case, name in (("first", "grades_compute_s"), ("again", "grades_recompute_s")):
        mine_s, floor_s = min(times[case][0]), min(times[case][1])
        emit(
            name,
            mine_s,
            "s",
            floor=floor_s,
            target=10,
            systems=counts["systems"],
            jass=counts["jass"],
            assessments=ServiceAssessment.objects.count(),
            quarter=str(quarter),
        )
        emit(f"{name.removesuffix('_s')}_ratio", mine_s / floor_s, "x", target=2)


if __name__ == "__main__":
    main()
