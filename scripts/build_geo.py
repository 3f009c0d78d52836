"""Build the map shapes in static/geo/ from ../shared/geo/ (MPL-2.0) and the territory fixture.

Run once by a developer, not at run time; the output is committed and served as static files
(WhiteNoise: gzip/brotli after collectstatic, cacheable):

    python scripts/build_geo.py ../shared/geo

Writes `departments.json`, `provinces.json` and `districts.json` (GeoJSON FeatureCollections)
and copies the source's LICENSE next to them. Changes made to the source (also in NOTICE):
- Coordinates are rounded to 4 decimals (about 11 m) and repeated consecutive positions are
  dropped; no other simplification, so neighbouring districts still share their borders.
- A code found in several features (provinces 0510 and 2001) becomes one MultiPolygon.
- Every property is dropped except the code: `code` (2, 4 or 6 digits).
- The 8 districts with a null geometry and the 59 created after 2007 (67 of the 1,891 of
  territory/data/territory.json) are added as Point features at their capital
  (`"point": "capital"`). 21 of them have no coordinates in the fixture (namesakes, see
  scripts/build_territory.py): they stand at their province's capital, or when that is unknown
  too at the centre of their province's outline, spread on a small ring so that siblings do not
  hide each other (`"point": "province"`).
- The 2 polygons whose codes are not in the fixture (160109 Putumayo and 160114 Teniente
  Manuel Clavero, split in 2014 into the province of Putumayo, 1608) are left undrawn: the four
  districts that replaced them are drawn as points, and the province outline keeps the area.
"""

from __future__ import annotations

import json
import math
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "static" / "geo"
TERRITORY = ROOT / "territory" / "data" / "territory.json"
DIGITS = 4
RING_DEGREES = 0.05  # radius of the ring that keeps fallback points apart (about 5 km)

SOURCES = {
    "departments": ("peru_departamental_simple.geojson", "FIRST_IDDP"),
    "provinces": ("peru_provincial_simple.geojson", "FIRST_IDPR"),
    "districts": ("peru_distrital_simple.geojson", "IDDIST"),
}


def _ring(ring: list) -> list | None:
    out: list = []
    for x, y in ring:
        point = [round(x, DIGITS), round(y, DIGITS)]
        if not out or point != out[-1]:
            out.append(point)
    if out[0] != out[-1]:
        out.append(out[0])
    return out if len(out) >= 4 else None


def _polygon(rings: list) -> list | None:
    outer = _ring(rings[0])
    if outer is None:  # the outline vanished at this precision: so do its holes
        return None
    return [outer] + [r for r in (_ring(ring) for ring in rings[1:]) if r]


def _geometry(geometry: dict) -> dict | None:
    if geometry["type"] == "Polygon":
        rings = _polygon(geometry["coordinates"])
        return {"type": "Polygon", "coordinates": rings} if rings else None
    polygons = [p for p in (_polygon(p) for p in geometry["coordinates"]) if p]
    return {"type": "MultiPolygon", "coordinates": polygons} if polygons else None


def _centre(geometry: dict) -> tuple[float, float]:
    """The centre of the outline's bounding box (lon, lat): a place inside the province for a
    fallback point, not a true centroid."""
    coords = geometry["coordinates"]
    rings = coords if geometry["type"] == "Polygon" else [r for p in coords for r in p]
    xs = [x for ring in rings for x, _ in ring]
    ys = [y for ring in rings for _, y in ring]
    return (min(xs) + max(xs)) / 2, (min(ys) + max(ys)) / 2


def _shapes(source: Path, kind: str, codes: set[str]) -> dict[str, dict]:
    name, prop = SOURCES[kind]
    data = json.loads((source / name).read_text(encoding="utf-8"))
    shapes = {}
    for feature in data["features"]:
        code = feature["properties"][prop]
        if feature["geometry"] is None or code not in codes:
            continue
        geometry = _geometry(feature["geometry"])
        if geometry and code in shapes:  # a code in several features (provinces 0510, 2001)
            shapes[code] = {
                "type": "MultiPolygon",
                "coordinates": _parts(shapes[code]) + _parts(geometry),
            }
        elif geometry:
            shapes[code] = geometry
    return shapes


def _parts(geometry: dict) -> list:
    coords = geometry["coordinates"]
    return [coords] if geometry["type"] == "Polygon" else coords


def _points(territory: dict, missing: list[str], provinces: dict[str, dict]) -> list[dict]:
    districts = {d["ubigeo"]: d for d in territory["districts"]}
    capitals = {p["code"]: p for p in territory["provinces"]}
    features = []
    fallback: dict[str, list[str]] = {}
    for code in missing:
        row = districts[code]
        if row.get("latitude") is not None:
            lonlat = [round(row["longitude"], DIGITS), round(row["latitude"], DIGITS)]
            features.append(_point(code, lonlat, "capital"))
        else:
            fallback.setdefault(code[:4], []).append(code)
    for province, codes in sorted(fallback.items()):
        capital = capitals.get(province, {})
        if capital.get("latitude") is not None:
            lon, lat = capital["longitude"], capital["latitude"]
        else:
            lon, lat = _centre(provinces[province])
        for i, code in enumerate(codes):
            angle = 2 * math.pi * i / len(codes)
            lonlat = [
                round(lon + RING_DEGREES * math.cos(angle), DIGITS),
                round(lat + RING_DEGREES * math.sin(angle), DIGITS),
            ]
            features.append(_point(code, lonlat, "province"))
    return features


def _point(code: str, lonlat: list[float], where: str) -> dict:
    return {
        "type": "Feature",
        "properties": {"code": code, "point": where},
        "geometry": {"type": "Point", "coordinates": lonlat},
    }


def _write(kind: str, features: list[dict]) -> None:
    collection = {"type": "FeatureCollection", "features": features}
    text = json.dumps(collection, separators=(",", ":"), ensure_ascii=False)
    (OUT / f"{kind}.json").write_text(text + "\n", encoding="utf-8")
    print(f"{kind}.json: {len(features)} features, {len(text):,} bytes")


def _features(shapes: dict[str, dict]) -> list[dict]:
    return [
        {"type": "Feature", "properties": {"code": code}, "geometry": geometry}
        for code, geometry in sorted(shapes.items())
    ]


def main(source: Path) -> None:
    territory = json.loads(TERRITORY.read_text(encoding="utf-8"))
    OUT.mkdir(parents=True, exist_ok=True)
    departments = _shapes(source, "departments", {d["code"] for d in territory["departments"]})
    provinces = _shapes(source, "provinces", {p["code"] for p in territory["provinces"]})
    codes = [d["ubigeo"] for d in territory["districts"]]
    districts = _shapes(source, "districts", set(codes))
    missing = [code for code in codes if code not in districts]
    _write("departments", _features(departments))
    _write("provinces", _features(provinces))
    _write("districts", _features(districts) + _points(territory, missing, provinces))
    shutil.copyfile(source / "LICENSE", OUT / "LICENSE")
    print(f"{len(districts)} district polygons, {len(missing)} points")


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else ROOT.parent / "shared" / "geo"))
