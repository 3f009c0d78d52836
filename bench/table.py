"""Markdown table of `make bench` output: `make bench | .venv/bin/python bench/table.py`.
Lines that are not JSON objects (make's echo, progress) are skipped."""

import json
import sys


def cell(value):
    return "" if value is None else f"{value:g}" if isinstance(value, float) else str(value)


def main():
    print("| figure | value | floor | ratio | target | met |")
    print("|---|---|---|---|---|---|")
    for line in sys.stdin:
        try:
            row = json.loads(line)
        except ValueError:
            continue
        if not isinstance(row, dict) or "name" not in row:
            continue
        target = row.get("target", row.get("ratio_target"))
        met = row.get("met")
        if "ratio_target" in row and row.get("ratio") is not None:
            ratio_met = (
                row["ratio"] >= row["ratio_target"]
                if row["unit"] == "req/s"
                else row["ratio"] <= row["ratio_target"]
            )
            met = ratio_met if met is None else met and ratio_met
            target = f"{row.get('target', '')} ratio {row['ratio_target']}".strip()
        verdict = "" if met is None else "yes" if met else "no"
        print(
            f"| {row['name']} | {cell(row['value'])} {row['unit']} | {cell(row.get('floor'))} "
            f"| {cell(row.get('ratio'))} | {cell(target)} | {verdict} |"
        )


if __name__ == "__main__":
    main()
