"""Backup and restore of a national dataset (issue 14, part 3; README "Copias de seguridad"):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/ato_national \\
        .venv/bin/python bench/backup_restore.py

Runs `manage.py backup` on DATABASE_URL (read-only: a snapshot), creates
`<database>_restore_bench` (or BENCH_RESTORE_DATABASE) on the same server, runs `manage.py
restore` into it with an empty media folder (pg_restore --jobs = min(4, cores), then every table
counted and every file hashed against the manifest), and drops it. Prints JSON lines {"name",
"value", "unit", ...}: `backup_s`, `restore_s` (wall, each command with its Django start-up),
`backup_dump_mb`, with the rows, tables and files.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parent.parent


def emit(name, value, unit, **extra):
    row = {"name": name, "value": round(value, 3), "unit": unit, **extra}
    print(json.dumps(row, ensure_ascii=False), flush=True)


def manage(*args: str, env: dict[str, str]) -> tuple[float, str]:
    started = time.monotonic()
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        sys.exit(f"manage.py {args[0]} failed: {result.stderr.strip()}")
    return time.monotonic() - started, result.stdout


def main() -> None:
    source = os.environ.get("DATABASE_URL", "")
    if not source.startswith("postgres"):
        sys.exit("bench/backup_restore.py needs DATABASE_URL=postgres://... (a national dataset)")
    base, _, name = source.rpartition("/")
    target = os.environ.get("BENCH_RESTORE_DATABASE") or f"{name}_restore_bench"
    env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
    with tempfile.TemporaryDirectory(prefix="ato-bench-backup-") as tmp:
        seconds, _ = manage("backup", "--dest", f"{tmp}/copias", "--keep", "1", env=env)
        (folder,) = Path(f"{tmp}/copias").iterdir()
        manifest = json.loads((folder / "manifest.json").read_text())
        rows, tables = sum(manifest["tables"].values()), len(manifest["tables"])
        emit("backup_s", seconds, "s", database=name, rows=rows, tables=tables)
        emit("backup_dump_mb", manifest["database"]["dump_bytes"] / 1e6, "MB", database=name)
        with psycopg.connect(f"{base}/postgres", autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{target}" WITH (FORCE)')
            admin.execute(f'CREATE DATABASE "{target}"')
        try:
            restore_env = {
                **env,
                "DATABASE_URL": f"{base}/{target}",
                "ATO_MEDIA_ROOT": f"{tmp}/media",
            }
            seconds, out = manage("restore", str(folder), env=restore_env)
            emit(
                "restore_s",
                seconds,
                "s",
                database=name,
                rows=rows,
                files=len(manifest["files"]),
                verified="Restauración verificada" in out,
                peak_child_rss_mb=round(
                    resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024, 1
                ),
            )
        finally:
            with psycopg.connect(f"{base}/postgres", autocommit=True) as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{target}" WITH (FORCE)')


if __name__ == "__main__":
    main()
