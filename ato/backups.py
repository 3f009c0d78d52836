"""Backups that restore (README, "Copias de seguridad"): a PostgreSQL dump in custom format, a copy
of the uploaded files and a manifest (row count of every table, SHA-256 of every file) that
`restore` checks after loading.

One backup is a folder `ato-backup-<UTC time>/` holding `database.dump`, `media/` and
`manifest.json`. It is written under a `.partial` name and renamed when complete, so a backup
cut short (disk full, container stopped) is never mistaken for a good one, nor counted by the
retention.

Consistency: the row counts and `pg_dump` read the SAME snapshot (`pg_export_snapshot()` in a
repeatable-read transaction, then `pg_dump --snapshot`), so the manifest describes exactly what
the dump holds even while users keep writing. The files are copied after the snapshot is taken:
a file is written before the row that names it commits, so every file the dump refers to is
there (a file uploaded meanwhile may be copied too; it is harmless).

Decision: PostgreSQL only. The embedded SQLite default is for a developer machine; `backup` and
`restore` refuse it with a clear message instead of offering a second, untested procedure.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
import shutil
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.db import OperationalError, connections

FORMAT = 1
MANIFEST = "manifest.json"
DUMP = "database.dump"
MEDIA = "media"
PREFIX = "ato-backup-"
_NAME = re.compile(rf"^{PREFIX}\d{{8}}T\d{{6}}Z(-\d+)?$")
_CHUNK = 1024 * 1024


class BackupError(Exception):
    """A backup or restore that cannot go on; the message says why, in Spanish, for the operator."""


@dataclass
class Verification:
    """What `restore` found when it compared the restored data with the manifest."""

    tables: int = 0
    rows: int = 0
    files: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


# --- Connection ------------------------------------------------------------------------------


def _database(alias: str = "default"):
    connection = connections[alias]
    if connection.vendor != "postgresql":
        raise BackupError(
            "Las copias de seguridad necesitan PostgreSQL (DATABASE_URL=postgres://...). "
            "La base SQLite de desarrollo se copia copiando el archivo db.sqlite3 con la "
            "aplicación detenida."
        )
    try:
        connection.ensure_connection()
    except OperationalError as error:
        raise BackupError(
            f"No se pudo conectar a la base de datos {connection.settings_dict['NAME']} "
            f"(¿existe? créela con createdb): {error}"
        ) from error
    return connection


def pg_env(alias: str = "default") -> dict[str, str]:
    """libpq's environment for pg_dump/pg_restore: the password never appears on a command line
    (where `ps` would show it), it travels in PGPASSWORD."""
    db = _database(alias).settings_dict
    env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
    values = {
        "PGDATABASE": db.get("NAME"),
        "PGUSER": db.get("USER"),
        "PGPASSWORD": db.get("PASSWORD"),
        "PGHOST": db.get("HOST"),
        "PGPORT": str(db.get("PORT") or ""),
        "PGSSLMODE": (db.get("OPTIONS") or {}).get("sslmode"),
    }
    env.update({k: str(v) for k, v in values.items() if v})
    return env


def _run(command: list[str], env: dict[str, str]) -> None:
    tool = command[0]
    if shutil.which(tool) is None:
        raise BackupError(f"No se encontró {tool}: instale el cliente de PostgreSQL.")
    result = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise BackupError(f"{tool} terminó con error {result.returncode}: {result.stderr.strip()}")


def public_tables(cursor) -> list[str]:
    cursor.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename")
    return [name for (name,) in cursor.fetchall()]


def row_counts(cursor) -> dict[str, int]:
    """Exact row count of every table of the public schema (count(*), not the planner's
    estimate: the manifest is a check, an estimate would not catch a lost row)."""
    counts = {}
    for table in public_tables(cursor):
        cursor.execute(f'SELECT count(*) FROM public."{table}"')
        counts[table] = cursor.fetchone()[0]
    return counts


# --- Files -----------------------------------------------------------------------------------


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _files_under(root: Path):
    if not root.is_dir():
        return
    for path in sorted(root.rglob("*")):
        if path.is_file() and not path.is_symlink():
            yield path, path.relative_to(root).as_posix()


def copy_files(source: Path, target: Path) -> dict[str, dict]:
    """Copy every file under `source` to `target`, hashing it as it is read (one pass)."""
    files = {}
    for path, relative in _files_under(source):
        destination = target / relative
        destination.parent.mkdir(parents=True, exist_ok=True)
        digest = hashlib.sha256()
        with path.open("rb") as read, destination.open("wb") as write:
            while chunk := read.read(_CHUNK):
                digest.update(chunk)
                write.write(chunk)
        shutil.copystat(path, destination)
        files[relative] = {"sha256": digest.hexdigest(), "bytes": destination.stat().st_size}
    return files


# --- Backup ----------------------------------------------------------------------------------


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("ato")
    except PackageNotFoundError:
        return "desconocida"


def _new_folder(destination: Path, started: dt.datetime) -> Path:
    stamp = started.strftime("%Y%m%dT%H%M%SZ")
    name, n = f"{PREFIX}{stamp}", 1
    while (destination / name).exists() or (destination / f"{name}.partial").exists():
        n += 1
        name = f"{PREFIX}{stamp}-{n}"
    return destination / name


def _dump(connection, dump: Path, log: Callable[[str], None]):
    """Count every table and dump the database from ONE snapshot: a connection of its own,
    held open in a read-only repeatable-read transaction while pg_dump reads the snapshot it
    exported. Returns the server version, the row counts and the last migration per app."""
    raw = connection.get_new_connection(connection.get_connection_params())
    try:
        raw.autocommit = False
        with raw.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            cursor.execute("SELECT pg_export_snapshot(), current_setting('server_version')")
            snapshot, server_version = cursor.fetchone()
            counts = row_counts(cursor)
            cursor.execute("SELECT app, name FROM django_migrations ORDER BY id")
            migrations: dict[str, str] = {}
            for app, name in cursor.fetchall():
                migrations[app] = name  # the last applied, by order of application
            log(f"Instantánea {snapshot}: {len(counts)} tablas, {sum(counts.values())} filas.")
            _run(
                [
                    "pg_dump",
                    "--format=custom",
                    "--no-owner",
                    "--no-privileges",
                    f"--snapshot={snapshot}",
                    f"--file={dump}",
                ],
                pg_env(),
            )
    finally:
        raw.rollback()
        raw.close()
    return server_version, counts, migrations


def backup_create(
    *, destination: Path, keep: int, log: Callable[[str], None] = lambda _: None
) -> Path:
    """Write one complete backup under `destination`, then keep only the newest `keep`."""
    connection = _database()
    destination.mkdir(parents=True, exist_ok=True)
    started = _now()
    clock = time.monotonic()
    final = _new_folder(destination, started)
    partial = final.with_name(final.name + ".partial")
    partial.mkdir()
    try:
        server_version, counts, migrations = _dump(connection, partial / DUMP, log)
        log("Volcado de la base escrito; copiando los archivos subidos.")
        files = copy_files(Path(settings.MEDIA_ROOT), partial / MEDIA)
        dump = partial / DUMP
        manifest = {
            "format": FORMAT,
            "ato_version": _version(),
            "started_at": started.isoformat(),
            "finished_at": _now().isoformat(),
            "duration_s": round(time.monotonic() - clock, 1),
            "database": {
                "vendor": "postgresql",
                "server_version": server_version,
                "dump": DUMP,
                "dump_sha256": sha256_of(dump),
                "dump_bytes": dump.stat().st_size,
            },
            "migrations": migrations,
            "tables": counts,
            "files": files,
        }
        (partial / MANIFEST).write_text(json.dumps(manifest, indent=1, sort_keys=True))
        partial.rename(final)
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise
    removed = backups_prune(destination=destination, keep=keep)
    for old in removed:
        log(f"Copia antigua eliminada por retención: {old.name}")
    return final


def backups_in(destination: Path) -> list[Path]:
    """Complete backups, newest first (the name is the UTC time it started)."""
    if not destination.is_dir():
        return []
    found = [
        path
        for path in destination.iterdir()
        if path.is_dir() and _NAME.match(path.name) and (path / MANIFEST).is_file()
    ]
    return sorted(found, key=lambda p: p.name, reverse=True)


def backups_prune(*, destination: Path, keep: int) -> list[Path]:
    """Remove complete backups beyond the newest `keep` (they are copies, not domain data: the
    never-delete rule is about the records, which every kept copy still holds)."""
    if keep < 1:
        raise BackupError("ATO_BACKUP_KEEP debe ser al menos 1.")
    old = backups_in(destination)[keep:]
    for path in old:
        shutil.rmtree(path)
    return old


# --- Restore ---------------------------------------------------------------------------------


def read_manifest(backup: Path) -> dict:
    path = backup / MANIFEST
    if not path.is_file():
        raise BackupError(f"{backup} no es una copia de ATO: falta {MANIFEST}.")
    try:
        manifest = json.loads(path.read_text())
    except ValueError as error:
        raise BackupError(f"{MANIFEST} no se puede leer: {error}") from error
    if manifest.get("format") != FORMAT:
        raise BackupError(f"Formato de copia desconocido: {manifest.get('format')!r}.")
    return manifest


def check_backup(backup: Path, manifest: dict) -> None:
    """The copy itself is intact (dump and files match their checksums) before anything is
    written to the target."""
    dump = backup / manifest["database"]["dump"]
    if not dump.is_file() or sha256_of(dump) != manifest["database"]["dump_sha256"]:
        raise BackupError(f"El volcado {dump} falta o está dañado (SHA-256 distinto).")
    for relative, info in manifest["files"].items():
        path = backup / MEDIA / relative
        if not path.is_file() or sha256_of(path) != info["sha256"]:
            raise BackupError(f"El archivo {relative} de la copia falta o está dañado.")


def check_target_empty(media_root: Path) -> None:
    """Refuse a target that holds anything: a restore never mixes with or overwrites data."""
    connection = _database()
    with connection.cursor() as cursor:
        tables = public_tables(cursor)
        if tables:
            counts = row_counts(cursor)
            with_rows = sum(1 for n in counts.values() if n)
            migrated = "django_migrations" in counts and counts["django_migrations"] > 0
            raise BackupError(
                f"La base de datos destino {connection.settings_dict['NAME']} no está vacía: "
                f"{len(tables)} tablas, {with_rows} con filas"
                + (", migraciones aplicadas" if migrated else "")
                + ". Restaure en una base recién creada (createdb)."
            )
    if media_root.exists() and any(media_root.iterdir()):
        raise BackupError(
            f"La carpeta de archivos destino {media_root} no está vacía. "
            "Restaure en una carpeta vacía (ATO_MEDIA_ROOT)."
        )


def verify(manifest: dict, media_root: Path) -> Verification:
    """Compare the restored database and files with the manifest: every table's row count, and
    every file's SHA-256."""
    result = Verification()
    with _database().cursor() as cursor:
        counts = row_counts(cursor)
    expected = manifest["tables"]
    for table in sorted(set(expected) | set(counts)):
        if table not in counts:
            result.problems.append(f"tabla {table}: falta en la base restaurada")
        elif table not in expected:
            result.problems.append(f"tabla {table}: no está en el manifiesto")
        elif counts[table] != expected[table]:
            result.problems.append(
                f"tabla {table}: {counts[table]} filas, el manifiesto dice {expected[table]}"
            )
    result.tables, result.rows = len(counts), sum(counts.values())
    for relative, info in manifest["files"].items():
        path = media_root / relative
        if not path.is_file():
            result.problems.append(f"archivo {relative}: falta")
        elif sha256_of(path) != info["sha256"]:
            result.problems.append(f"archivo {relative}: SHA-256 distinto")
        else:
            result.files += 1
    return result


def backup_restore(
    *, backup: Path, media_root: Path, jobs: int = 4, log: Callable[[str], None] = lambda _: None
) -> Verification:
    """Load `backup` into the configured (empty) database and media folder, then verify it."""
    manifest = read_manifest(backup)
    _database()
    check_target_empty(media_root)
    check_backup(backup, manifest)
    log("Copia íntegra y destino vacío; restaurando la base de datos.")
    try:
        _run(
            [
                "pg_restore",
                "--no-owner",
                "--no-privileges",
                "--exit-on-error",
                f"--jobs={max(1, jobs)}",
                f"--dbname={pg_env()['PGDATABASE']}",
                str(backup / manifest["database"]["dump"]),
            ],
            pg_env(),
        )
    except BackupError as error:
        raise BackupError(
            f"{error}\nLa base destino puede haber quedado a medias: bórrela (dropdb), créela "
            "de nuevo y repita la restauración."
        ) from error
    log("Base restaurada; copiando los archivos subidos.")
    media_root.mkdir(parents=True, exist_ok=True)
    copy_files(backup / MEDIA, media_root)
    return verify(manifest, media_root)
