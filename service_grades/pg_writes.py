"""The writes of `grading.compute_scores` on PostgreSQL, done by the database in one pass.

Why not `bulk_create(update_conflicts=True)` here: Django binds parameters on the client with
psycopg 3, and quoting 60,000 rows of JSON components into array literals took longer than the
whole computation (bench/grades.py). So the scores are COPYed into a temporary table and merged
from it in five statements: the upsert of each kind of subject (rows whose score, grade and
components did not change are not rewritten), the delete of the quarter's rows of subjects no
longer gradable, and the copy of grade and score onto WaterSystem and Jass where it changes.
Other databases (SQLite in development and tests) take `grading`'s ORM path, which writes the
same rows; the tests run on both.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping

from django.db import connection

from jass_registry.models import Jass, WaterSystem

from .models import ServiceScore, Subject

STAGE = "service_grades_stage"
SCORES = ServiceScore._meta.db_table


def _upsert(link: str) -> str:
    return f"""
INSERT INTO {SCORES}
    (subject, water_system_id, jass_id, quarter, score, grade, components, computed_at)
SELECT s.subject,
       CASE WHEN s.subject = 'system' THEN s.subject_id END,
       CASE WHEN s.subject = 'jass' THEN s.subject_id END,
       %(quarter)s, s.score, s.grade, s.components, %(now)s
FROM {STAGE} s WHERE s.subject = %(subject)s
ON CONFLICT ({link}, quarter) DO UPDATE SET
    score = EXCLUDED.score, grade = EXCLUDED.grade, components = EXCLUDED.components,
    computed_at = EXCLUDED.computed_at
WHERE ({SCORES}.score, {SCORES}.grade, {SCORES}.components)
      IS DISTINCT FROM (EXCLUDED.score, EXCLUDED.grade, EXCLUDED.components)
"""


def _delete_stale(link: str, scope: str) -> str:
    return f"""
DELETE FROM {SCORES} sc
WHERE sc.quarter = %(quarter)s AND sc.subject = %(subject)s AND {scope}
  AND NOT EXISTS (SELECT 1 FROM {STAGE} s
                  WHERE s.subject = sc.subject AND s.subject_id = sc.{link})
"""


def _copy(table: str, scope: str) -> str:
    return f"""
UPDATE {table} t SET grade = x.grade, score = x.score
FROM (SELECT r.id, s.grade, s.score FROM {table} r
      LEFT JOIN {STAGE} s ON s.subject = %(subject)s AND s.subject_id = r.id
      WHERE {scope}) x
WHERE x.id = t.id AND (t.grade, t.score) IS DISTINCT FROM (x.grade, x.score)
"""


def write(
    scored: Mapping[str, Mapping[int, tuple]],
    quarter: dt.date,
    now: dt.datetime,
    jass_ids: list[int] | None,
    *,
    copy_to_registry: bool,
) -> None:
    """`scored`: {subject: {subject id: (score, grade, components)}} of the subjects in scope
    (the whole country, or the water systems and JASS of `jass_ids`)."""
    everywhere = jass_ids is None
    scopes = {
        Subject.SYSTEM: (
            "water_system_id",
            "TRUE"
            if everywhere
            else f"sc.water_system_id IN (SELECT id FROM {WaterSystem._meta.db_table} "
            "WHERE jass_id = ANY(%(jass_ids)s))",
            WaterSystem._meta.db_table,
            "TRUE" if everywhere else "r.jass_id = ANY(%(jass_ids)s)",
        ),
        Subject.JASS: (
            "jass_id",
            "TRUE" if everywhere else "sc.jass_id = ANY(%(jass_ids)s)",
            Jass._meta.db_table,
            "TRUE" if everywhere else "r.id = ANY(%(jass_ids)s)",
        ),
    }
    with connection.cursor() as cursor:
        cursor.execute(
            # The key keeps the joins below probing an index even when the statistics of the
            # scores table are stale (a quarter's rows just inserted read as none).
            f"CREATE TEMP TABLE {STAGE} (subject varchar(6), subject_id bigint, "
            "score numeric(4, 3), grade varchar(1), components jsonb, "
            "PRIMARY KEY (subject, subject_id)) ON COMMIT DROP"
        )
        with cursor.copy(
            f"COPY {STAGE} (subject, subject_id, score, grade, components) FROM STDIN"
        ) as copy:
            for subject, rows in scored.items():
                for pk, (score, grade, components) in rows.items():
                    copy.write_row((subject, pk, score, grade, json.dumps(components)))
        cursor.execute(f"ANALYZE {STAGE} (subject, subject_id)")  # the planner joins on these
        for subject, (link, scope, table, registry_scope) in scopes.items():
            params = {"subject": subject, "quarter": quarter, "now": now, "jass_ids": jass_ids}
            cursor.execute(_upsert(link), params)
            cursor.execute(_delete_stale(link, scope), params)
            if copy_to_registry:
                cursor.execute(_copy(table, registry_scope), params)
        cursor.execute(f"DROP TABLE {STAGE}")
