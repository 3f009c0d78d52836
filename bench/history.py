"""Five years of history against one (issue 14): the national figures on both datasets.

    make bench      # or, by hand:
    REDIS_URL=redis://127.0.0.1:6379/3 .venv/bin/python bench/history.py

Runs `bench/national.py` (the engine against its floor, the national run through Celery, the
API, the pages and the lists that hold history, the load test) on the 1-year dataset
(`BENCH_NATIONAL_DATABASE_URL`, database `ato_national`) and on the 5-year one
(`BENCH_NATIONAL5_DATABASE_URL`, `ato_national5`; generated on the first run with
`generate_dataset --years 5`, about 1.5 million visits), both ending on the same day
(`BENCH_UNTIL`, default the 1-year dataset's). Standard output carries the 1-year run's lines
as `national.py` prints them (so `make bench | bench/table.py` shows them as before), then one
line per figure compared:

    {"name": "<figure>_5y_vs_1y", "value": ratio, "unit": "x", "year1", "year5",
     "figure_unit", "ratio", "target": 1.3, "met"}

`ratio` is year5 / year1 (for throughput, year1 / year5: above 1 is worse in both). The
generation time and row counts are reported, not held to the target. The 5-year run's own lines
(with `"years": 5`) and a readable table go to stderr. `BENCH_HISTORY_FROM=<file>` re-reads
both runs' lines from a saved stdout + stderr instead of measuring.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET = 1.3
DATABASES = {
    1: os.environ.get(
        "BENCH_NATIONAL_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/ato_national"
    ),
    5: os.environ.get(
        "BENCH_NATIONAL5_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/ato_national5"
    ),
}
# Figures that are sizes or one-off costs, not held to the target.
NOT_HELD = {"generate_dataset_s"}
HIGHER_IS_BETTER = {"load_rps"}
# Reads figures that are below this are noise on this machine (a 1 ms page part): held to the
# target only when the 5-year figure is also above it.
NOISE = {"ms": 3.0, "s": 0.02}


def until_of(url: str) -> str | None:
    out = subprocess.run(
        ["psql", url, "-Atc", "select until from ato_syntheticdataset limit 1"],
        capture_output=True,
        text=True,
    )
    return out.stdout.strip() or None


def measure(years: int, until: str | None) -> dict[str, dict]:
    env = {
        **os.environ,
        "DATABASE_URL": DATABASES[years],
        "BENCH_YEARS": str(years),
        **({"BENCH_UNTIL": until} if until else {}),
    }
    env.setdefault("REDIS_URL", "redis://127.0.0.1:6379/3")
    process = subprocess.Popen(
        [sys.executable, str(ROOT / "bench" / "national.py")],
        env=env,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    rows = {}
    for line in process.stdout:
        try:
            row = json.loads(line)
        except ValueError:  # load_territory's summary line
            print(line, end="", file=sys.stderr)
            continue
        rows[row["name"]] = row
        if years == 1:
            print(line, end="", flush=True)
        else:
            print(json.dumps({"years": years, **row}, ensure_ascii=False), file=sys.stderr)
    if process.wait() != 0:
        raise SystemExit(f"bench/national.py failed on the {years}-year dataset")
    return rows


def compare(one: dict[str, dict], five: dict[str, dict]) -> list[dict]:
    lines = []
    for name, row in one.items():
        if name not in five:
            continue
        a, b = row["value"], five[name]["value"]
        if name in HIGHER_IS_BETTER:
            ratio = a / b if b else None
        else:
            ratio = b / a if a else (1.0 if b == a else None)
        ratio = round(ratio, 2) if ratio is not None else None
        line = {"name": f"{name}_5y_vs_1y", "value": ratio, "unit": "x", "year1": a, "year5": b}
        line.update(figure_unit=row["unit"], ratio=ratio)
        if name == "generate_dataset_s":
            line["visits"] = [row.get("visits"), five[name].get("visits")]
            line["chlorine_readings"] = [
                row.get("chlorine_readings"),
                five[name].get("chlorine_readings"),
            ]
        elif name not in NOT_HELD and ratio is not None:
            noise = NOISE.get(row["unit"], 0)
            line["target"] = TARGET
            line["met"] = ratio <= TARGET or max(a, b) < noise
        lines.append(line)
    return lines


def table(lines: list[dict]) -> str:
    out = ["| figure | 1 year | 5 years | ratio | met |", "|---|---|---|---|---|"]
    for line in lines:
        met = {True: "yes", False: "**no**", None: ""}[line.get("met")]
        out.append(
            f"| {line['name'].removesuffix('_5y_vs_1y')} | {line['year1']} {line['figure_unit']} "
            f"| {line['year5']} {line['figure_unit']} "
            f"| {line['ratio']} | {met} |"
        )
    return "\n".join(out)


def main():
    if source := os.environ.get("BENCH_HISTORY_FROM"):
        runs = {1: {}, 5: {}}
        for raw in Path(source).read_text().splitlines():
            try:
                row = json.loads(raw)
            except ValueError:
                continue
            if isinstance(row, dict) and "value" in row and "year1" not in row:
                runs[row.pop("years", 1)][row["name"]] = row
        one, five = runs[1], runs[5]
    else:
        until = os.environ.get("BENCH_UNTIL") or until_of(DATABASES[1])
        one = measure(1, until)
        until = until or until_of(DATABASES[1])
        five = measure(5, until)
    lines = compare(one, five)
    for line in lines:
        print(json.dumps(line, ensure_ascii=False), flush=True)
    print(table(lines), file=sys.stderr)


if __name__ == "__main__":
    main()
