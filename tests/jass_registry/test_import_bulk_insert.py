"""The import's fast insert (COPY on PostgreSQL, `common.bulk_insert`) writes what
`bulk_create` writes: the same JASS columns and the same history records, each object with its
new id; and the import stays all-or-nothing."""

from decimal import Decimal

import pytest
from django.db import connection

from common import bulk_insert as bulk
from jass_registry import importing
from jass_registry.models import ChangeRecord, Jass

CASCAS, LUCMA = "131101", "131102"
FILE = (
    "Nombre,Tipo,Centros poblados,Viviendas atendidas,N.° de inscripción,"
    "Resolución de reconocimiento,Fecha de reconocimiento,Estatuto aprobado,Reglamento aprobado,"
    "Asociados,Cuota familiar,Estado,Latitud,Longitud\n"
    'JASS Santa Rosa,JASS,"Santa Rosa, El Alto",85,015-2024,R.A. 120-2024,17/05/2024,Sí,No,'
    '85,"2,50",Activa,-7.479444,-78.819722\n'
    'JASS "La Unión" \\ Baja,Comité,La Unión,,,,,No,No,,,Inactiva,,\n'
)
SKIP = {"id", "district_id", "created_at", "updated_at"}


def imported(district: str, user) -> tuple[list[dict], list[dict]]:
    result = importing.preview(content=FILE.encode(), filename="j.csv", district_id=district)
    assert result.ok, [r.errors for r in result.rows]
    importing.apply(preview_result=result, district_id=district, user=user)
    jass = [
        {k: v for k, v in row.items() if k not in SKIP}
        for row in Jass.objects.filter(district_id=district).order_by("name").values()
    ]
    records = list(
        ChangeRecord.objects.filter(jass__district_id=district)
        .order_by("jass__name")
        .values("jass__name", "action", "target", "changes", "user_id")
    )
    return jass, records


def test_the_fast_insert_writes_what_bulk_create_writes(staff_a, monkeypatch):
    fast = imported(CASCAS, staff_a)

    def plain(model, objs):
        model.objects.bulk_create(objs)

    monkeypatch.setattr(importing, "bulk_insert", plain)
    assert imported(LUCMA, staff_a) == fast
    jass, records = fast
    assert [j["name"] for j in jass] == ['JASS "La Unión" \\ Baja', "JASS Santa Rosa"]
    assert jass[1]["monthly_fee"] == Decimal("2.50") and jass[1]["communities_search"]
    assert records[1]["changes"]["recognized_on"] == [None, "2024-05-17"]
    assert all(r["user_id"] == staff_a.pk for r in records)


def test_each_inserted_object_gets_its_id_and_is_saved(db):
    objs = [Jass(district_id=CASCAS, name=f"JASS {i}") for i in range(3)]
    bulk.bulk_insert(Jass, objs)
    assert all(o.pk and not o._state.adding for o in objs)
    assert sorted(Jass.objects.filter(pk__in=[o.pk for o in objs]).values_list("name", flat=True))
    assert [o.name for o in Jass.objects.filter(pk__in=[o.pk for o in objs]).order_by("pk")] == [
        "JASS 0",
        "JASS 1",
        "JASS 2",
    ]
    # The sequence moved past the ids taken: the next row gets a new one.
    assert Jass.objects.create(district_id=CASCAS, name="JASS 3").pk > max(o.pk for o in objs)


def test_a_failing_insert_writes_nothing(staff_a, monkeypatch):
    result = importing.preview(content=FILE.encode(), filename="j.csv", district_id=CASCAS)

    def broken(model, objs):
        if model is ChangeRecord:
            raise RuntimeError("disk full")
        bulk.bulk_insert(model, objs)

    monkeypatch.setattr(importing, "bulk_insert", broken)
    with pytest.raises(RuntimeError):
        importing.apply(preview_result=result, district_id=CASCAS, user=staff_a)
    assert not Jass.objects.filter(district_id=CASCAS).exists()


def test_postgresql_uses_copy(postgres, staff_a, django_assert_max_num_queries):
    assert connection.vendor == "postgresql"
    objs = [Jass(district_id=CASCAS, name=f"JASS {i}") for i in range(500)]
    # One query for the ids and one COPY, whatever the number of rows.
    with django_assert_max_num_queries(2):
        bulk.bulk_insert(Jass, objs)
    assert Jass.objects.filter(district_id=CASCAS).count() == 500
