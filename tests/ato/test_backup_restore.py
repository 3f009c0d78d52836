"""Backups that restore (README, "Copias de seguridad"). On PostgreSQL: a demo dataset with an
uploaded evidence file is backed up, restored by `manage.py restore` (a subprocess pointed at a
brand-new database and an empty media folder), and every table's rows and every file's bytes
are compared with the source. A non-empty target (database or media folder) is refused; a
damaged copy is refused before anything is written; a restore that differs from its manifest
exits non-zero."""

import json
import os
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from ato.backups import MANIFEST, backups_in, backups_prune, row_counts
from tests.conftest import CASCAS
from tests.factories import UserFactory, atm_ordinance_evidence

ROOT = Path(__file__).resolve().parents[2]


def _url(name: str) -> str:
    db = connection.settings_dict
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return (
        f"postgres://{db['USER']}{password}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{name}"
    )


def _admin(sql: str) -> None:
    with psycopg.connect(_url("postgres"), autocommit=True) as admin:
        admin.execute(sql)


@pytest.fixture
def fresh_database(postgres):
    """A new, empty database on the same server, dropped afterwards."""
    base = connection.settings_dict["NAME"].removeprefix("test_")
    name = f"{base}_restore_{os.getpid()}"
    _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    _admin(f'CREATE DATABASE "{name}"')
    yield name
    _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def dataset(transactional_db, settings, tmp_path):
    """Committed rows (pg_dump reads another connection): the demo data and one uploaded PDF."""
    settings.MEDIA_ROOT = tmp_path / "media"
    from incentives.models import Goal
    from territory.models import District

    if not District.objects.exists():
        call_command("load_territory", verbosity=0)
    if not Goal.objects.exists():
        from incentives.catalogue import seed_goals

        seed_goals()
    call_command("load_demo", verbosity=0)
    head = UserFactory(username="backup.cascas", role="atm_head", district_id=CASCAS)
    evidence = atm_ordinance_evidence(district_id=CASCAS, uploaded_by=head)
    (settings.MEDIA_ROOT / "otra carpeta").mkdir()
    (settings.MEDIA_ROOT / "otra carpeta" / "acta 1.pdf").write_bytes(b"%PDF-1.4 acta\x00\xff")
    return evidence


def restore(backup: Path, database: str, media: Path) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
    env.update(DATABASE_URL=_url(database), ATO_MEDIA_ROOT=str(media))
    return subprocess.run(
        [sys.executable, "manage.py", "restore", str(backup), "--jobs", "2"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def counts_of(database: str) -> dict[str, int]:
    with psycopg.connect(_url(database)) as conn, conn.cursor() as cursor:
        return row_counts(cursor)


def files_under(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def backup_now(dest: Path, keep: int = 3) -> Path:
    call_command("backup", dest=dest, keep=keep, verbosity=0)
    return backups_in(dest)[0]


def test_a_backup_restores_into_a_fresh_database_with_every_row_and_file(
    dataset, fresh_database, settings, tmp_path
):
    backup = backup_now(tmp_path / "copias")
    manifest = json.loads((backup / MANIFEST).read_text())
    with connection.cursor() as cursor:
        source = row_counts(cursor)
    assert manifest["tables"] == source
    assert source["jass_registry_jass"] > 0 and source["incentives_evidence"] == 1
    assert len(manifest["files"]) == 2 and manifest["migrations"]["incentives"]

    restored_media = tmp_path / "restaurado"
    result = restore(backup, fresh_database, restored_media)
    assert result.returncode == 0, result.stderr
    assert "Restauración verificada" in result.stdout

    assert counts_of(fresh_database) == source  # every table, every row count
    assert files_under(restored_media) == files_under(settings.MEDIA_ROOT)  # every byte
    with psycopg.connect(_url(fresh_database)) as conn:
        name = conn.execute(
            "SELECT file FROM incentives_evidence WHERE id = %s", [dataset.pk]
        ).fetchone()[0]
    assert (restored_media / name).read_bytes() == b"%PDF-1.4 ordenanza"

    # The same backup again into the now-filled database: refused, nothing written.
    again = restore(backup, fresh_database, tmp_path / "otra")
    assert again.returncode != 0
    assert "no está vacía" in again.stderr and "migraciones aplicadas" in again.stderr
    assert not (tmp_path / "otra").exists()


def test_a_row_written_while_the_backup_runs_is_neither_counted_nor_dumped(
    dataset, fresh_database, tmp_path, monkeypatch
):
    """The manifest and the dump read one snapshot: a row committed by another connection
    (a user signing in) between the counting and pg_dump is in neither; the restore verifies."""
    from ato import backups

    real_run = backups._run
    with connection.cursor() as cursor:
        before = row_counts(cursor)["django_session"]

    def write_then_run(command, env):
        if command[0] == "pg_dump":
            with psycopg.connect(_url(connection.settings_dict["NAME"]), autocommit=True) as other:
                other.execute(
                    "INSERT INTO django_session VALUES ('escrita-durante-la-copia', '', now())"
                )
        real_run(command, env)

    monkeypatch.setattr(backups, "_run", write_then_run)
    backup = backup_now(tmp_path / "copias")
    with connection.cursor() as cursor:
        assert row_counts(cursor)["django_session"] == before + 1  # the write happened
    assert json.loads((backup / MANIFEST).read_text())["tables"]["django_session"] == before
    result = restore(backup, fresh_database, tmp_path / "m")
    assert result.returncode == 0, result.stderr
    assert counts_of(fresh_database)["django_session"] == before


def test_a_damaged_copy_or_an_occupied_media_folder_is_refused_and_a_difference_fails(
    dataset, fresh_database, tmp_path
):
    backup = backup_now(tmp_path / "copias")

    occupied = tmp_path / "ocupada"
    occupied.mkdir()
    (occupied / "previo.txt").write_text("x")
    result = restore(backup, fresh_database, occupied)
    assert result.returncode != 0 and "no está vacía" in result.stderr
    assert counts_of(fresh_database) == {}  # the database was not touched

    damaged = next(p for p in (backup / "media").rglob("*") if p.is_file())
    original = damaged.read_bytes()
    damaged.write_bytes(original + b"!")
    result = restore(backup, fresh_database, tmp_path / "m1")
    assert result.returncode != 0 and "dañado" in result.stderr
    assert counts_of(fresh_database) == {} and not (tmp_path / "m1").exists()
    damaged.write_bytes(original)

    manifest = json.loads((backup / MANIFEST).read_text())
    manifest["tables"]["jass_registry_jass"] += 1  # as if a row had been lost
    (backup / MANIFEST).write_text(json.dumps(manifest))
    result = restore(backup, fresh_database, tmp_path / "m2")
    assert result.returncode != 0
    assert "tabla jass_registry_jass" in result.stderr and "1 diferencias" in result.stderr


def test_retention_keeps_the_newest_copies(postgres, dataset, tmp_path):
    dest = tmp_path / "copias"
    made = [backup_now(dest, keep=2) for _ in range(3)]
    assert backups_in(dest) == [made[2], made[1]]
    assert not made[0].exists()


# --- Without PostgreSQL ----------------------------------------------------------------------


def test_retention_removes_only_complete_backups_beyond_the_newest(tmp_path):
    for stamp in ("20260101T010000Z", "20260102T010000Z", "20260103T010000Z"):
        folder = tmp_path / f"ato-backup-{stamp}"
        folder.mkdir()
        (folder / MANIFEST).write_text("{}")
    (tmp_path / "ato-backup-20250101T010000Z.partial").mkdir()  # cut short: not a backup
    (tmp_path / "otra-cosa").mkdir()
    removed = backups_prune(destination=tmp_path, keep=2)
    assert [p.name for p in removed] == ["ato-backup-20260101T010000Z"]
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "ato-backup-20250101T010000Z.partial",
        "ato-backup-20260102T010000Z",
        "ato-backup-20260103T010000Z",
        "otra-cosa",
    ]


def test_on_sqlite_backup_refuses_with_a_clear_message(db, tmp_path):
    if connection.vendor != "sqlite":
        pytest.skip("the SQLite refusal")
    with pytest.raises(CommandError, match="necesitan PostgreSQL"):
        call_command("backup", dest=tmp_path)
    assert not any(tmp_path.iterdir())
