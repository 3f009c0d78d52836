"""Loads Peru's territory from the committed fixture. Idempotent: it inserts what is missing and
updates names that changed, so running it again changes nothing."""

import json
from pathlib import Path

from django.db import transaction

from common.text import fold

FIXTURE = Path(__file__).resolve().parent / "data" / "territory.json"


def read_fixture() -> dict:
    return json.loads(FIXTURE.read_text(encoding="utf-8"))


@transaction.atomic
def load_territory(department_model, province_model, district_model) -> dict[str, int]:
    """Takes the model classes so that a data migration can pass its historical models."""
    data = read_fixture()
    counts = {}
    counts["departments"] = _sync(
        department_model,
        "code",
        [
            {"code": d["code"], "name": d["name"], "name_search": fold(d["name"])}
            for d in data["departments"]
        ],
        ["name", "name_search"],
    )
    counts["provinces"] = _sync(
        province_model,
        "code",
        [
            {
                "code": p["code"],
                "name": p["name"],
                "name_search": fold(p["name"]),
                "department_id": p["code"][:2],
            }
            for p in data["provinces"]
        ],
        ["name", "name_search", "department_id"],
    )
    counts["districts"] = _sync(
        district_model,
        "ubigeo",
        [
            {
                "ubigeo": d["ubigeo"],
                "name": d["name"],
                "name_search": fold(d["name"]),
                "province_id": d["ubigeo"][:4],
                "department_id": d["ubigeo"][:2],
                "capital": d.get("capital", ""),
                "altitude": d.get("altitude"),
                "latitude": d.get("latitude"),
                "longitude": d.get("longitude"),
            }
            for d in data["districts"]
        ],
        [
            "name",
            "name_search",
            "province_id",
            "department_id",
            "capital",
            "altitude",
            "latitude",
            "longitude",
        ],
    )
    return counts


def _sync(model, pk: str, rows: list[dict], fields: list[str]) -> int:
    """Insert missing rows and update changed ones in bulk (three queries per table)."""
    existing = {getattr(o, pk): o for o in model.objects.all()}
    new, changed = [], []
    for row in rows:
        obj = existing.get(row[pk])
        if obj is None:
            new.append(model(**row))
            continue
        dirty = False
        for field in fields:
            value = row[field]
            current = getattr(obj, field)
            if current is not None and value is not None and not isinstance(current, str):
                same = float(current) == float(value)
            else:
                same = current == value
            if not same:
                setattr(obj, field, value)
                dirty = True
        if dirty:
            changed.append(obj)
    model.objects.bulk_create(new, batch_size=500)
    if changed:
        model.objects.bulk_update(changed, fields, batch_size=500)
    return len(rows)
