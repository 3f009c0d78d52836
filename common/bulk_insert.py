"""Insert many new rows at once: `bulk_create`, and on PostgreSQL a `COPY` (used by imports).

Django 5.2's `bulk_create` on PostgreSQL sends each column as one array (`INSERT … SELECT *
FROM UNNEST(…)`). psycopg writes a text array in Python, escaping every quote with a regular
expression: a JSON column of change records has dozens per row, and 30,000 JASS with their
30,000 history records took 7 s to insert, half of it there and most of the rest preparing
900,000 values one field method at a time. `COPY … FROM STDIN` sends the rows as they are (psycopg
formats them in C): the ids are taken from the table's sequence first (a bulk insert hands them
back too, and callers use them), and the values of plain columns are read as they are.

Rows go in as `bulk_create` would put them: the same fields (`pre_save`, so `auto_now_add`
stamps), the objects get their ids and are marked saved. No signals, no `save()`, as with
`bulk_create`. Other databases (SQLite in development and tests) use `bulk_create`.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Any

from django.db import connections, models, router

# Fields whose value goes to the database as the attribute holds it (psycopg adapts str, int,
# bool, Decimal and date itself; `auto_now` dates are stamped by `pre_save`); any other field
# goes through its own `get_db_prep_save`.
_PLAIN_FIELDS = (
    models.AutoField,
    models.BigAutoField,
    models.BigIntegerField,
    models.BooleanField,
    models.CharField,
    models.DateField,
    models.DecimalField,
    models.FloatField,
    models.IntegerField,
    models.PositiveIntegerField,
    models.PositiveSmallIntegerField,
    models.SmallIntegerField,
    models.TextField,
)
COPY_CHUNK_ROWS = 5000


def bulk_insert(model: type[models.Model], objs: Sequence[models.Model]) -> None:
    """Insert new `objs` of `model` (without ids), giving each its id."""
    if not objs:
        return
    connection = connections[router.db_for_write(model)]
    if connection.vendor != "postgresql":
        model.objects.bulk_create(objs, batch_size=1000)
        return
    meta = model._meta
    pk = meta.pk
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [meta.db_table, pk.column, len(objs)],
        )
        for obj, (new_id,) in zip(objs, cursor.fetchall(), strict=True):
            setattr(obj, pk.attname, new_id)
        fields = [f for f in meta.concrete_fields if not f.generated]
        readers = [_reader(field, connection) for field in fields]
        columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
        sql = f"COPY {connection.ops.quote_name(meta.db_table)} ({columns}) FROM STDIN"
        with cursor.copy(sql) as copy:
            for obj in objs:
                copy.write_row([read(obj) for read in readers])
    for obj in objs:
        obj._state.adding = False
        obj._state.db = connection.alias


def _reader(field: models.Field, connection) -> Callable[[models.Model], Any]:
    attname = field.attname
    if isinstance(field, models.JSONField):
        encoder = field.encoder

        def read_json(obj):
            value = getattr(obj, attname)
            return None if value is None else json.dumps(value, cls=encoder)

        return read_json
    auto = getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False)
    plain = type(field) in _PLAIN_FIELDS or (
        isinstance(field, models.ForeignKey) and type(field.target_field) in _PLAIN_FIELDS
    )
    if plain and not auto:
        return lambda obj: getattr(obj, attname)
    return lambda obj: field.get_db_prep_save(field.pre_save(obj, True), connection)
