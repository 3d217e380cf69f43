"""Backup and restore: the database and the data directory, consistent with each other.

Order matters: the database is dumped first, the data directory copied after it. Page
files are content-addressed and only ever added, so every file the dump refers to is
already on disk when the directory is copied — a backup taken while experts work is
still consistent (it may hold a few files no row refers to yet, which is harmless).
"""
from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from datetime import datetime, timezone
from pathlib import Path

from sqlalchemy.engine import make_url

from ...config import SECRET_KEY_FILE, make_data_dir
from ...db import create_private_file

MANIFEST = "crosscheck-backup.json"
# renders: derived, rebuilt on demand; the generated development secret key: a copy of the
# archive must not be able to sign sessions (and a restore keeps the machine's own key).
SKIP = {"renders", SECRET_KEY_FILE}


class BackupError(RuntimeError):
    pass


def _libpq_url(database_url: str) -> str:
    return make_url(database_url).set(drivername="postgresql").render_as_string(hide_password=False)


def _dump_database(database_url: str, target: Path) -> str:
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        source = sqlite3.connect(url.database)
        dest = sqlite3.connect(target / "database.sqlite3")
        with dest:
            source.backup(dest)  # a consistent snapshot even while others write
        source.close()
        dest.close()
        return "sqlite"
    if url.get_backend_name() == "postgresql":
        _run(["pg_dump", "--format=custom", "--no-owner", "--file", str(target / "database.pgdump"),
              _libpq_url(database_url)])
        return "postgresql"
    raise BackupError(f"unsupported database: {url.get_backend_name()}")


def _run(cmd: list[str]) -> None:
    try:
        result = subprocess.run(cmd, capture_output=True, text=True)
    except FileNotFoundError as exc:
        raise BackupError(f"{cmd[0]} не найден: установите клиент PostgreSQL (postgresql-client)") from exc
    if result.returncode != 0:
        raise BackupError(f"{cmd[0]}: {result.stderr.strip().splitlines()[-1] if result.stderr.strip() else 'ошибка'}")


def backup(database_url: str, data_dir: Path, output: Path) -> Path:
    output = Path(output)
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        kind = _dump_database(database_url, work)
        manifest = {"created_at": datetime.now(timezone.utc).isoformat(), "database": kind, "format": 1}
        (work / MANIFEST).write_text(json.dumps(manifest))
        partial = output.with_name(output.name + ".partial")
        partial.unlink(missing_ok=True)
        create_private_file(partial)  # the archive holds every mark and password hash: 0600
        with tarfile.open(partial, "w:gz") as tar:
            tar.add(work / MANIFEST, arcname=MANIFEST)
            dump = "database.sqlite3" if kind == "sqlite" else "database.pgdump"
            tar.add(work / dump, arcname=dump)
            for entry in sorted(Path(data_dir).iterdir()) if Path(data_dir).exists() else []:
                if entry.name in SKIP or entry.name.startswith("crosscheck.sqlite3"):
                    continue
                tar.add(entry, arcname=f"data/{entry.name}")
        os.replace(partial, output)
    return output


def restore(database_url: str, data_dir: Path, archive: Path) -> dict:
    archive = Path(archive)
    if not archive.is_file():
        raise BackupError(f"{archive}: файл не найден")
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        try:
            with tarfile.open(archive, "r:gz") as tar:
                tar.extractall(work, filter="data")  # refuses absolute paths and "..": no traversal
        except (tarfile.TarError, OSError) as exc:
            raise BackupError(f"{archive.name}: повреждённый архив ({exc})") from exc
        manifest_path = work / MANIFEST
        if not manifest_path.is_file():
            raise BackupError(f"{archive.name}: это не резервная копия crosscheck")
        manifest = json.loads(manifest_path.read_text())
        _restore_database(database_url, work, manifest["database"])
        data_dir = make_data_dir(Path(data_dir))
        if (work / "data").is_dir():
            for entry in (work / "data").iterdir():
                if entry.name in SKIP:  # an archive made before the key was left out
                    continue
                target = data_dir / entry.name
                if target.is_dir():
                    shutil.rmtree(target)
                elif target.exists():
                    target.unlink()
                shutil.move(str(entry), target)
    return manifest


def _restore_database(database_url: str, work: Path, kind: str) -> None:
    url = make_url(database_url)
    if kind != url.get_backend_name():
        raise BackupError(f"копия сделана с базы {kind}, а DATABASE_URL указывает на {url.get_backend_name()}")
    if kind == "sqlite":
        target = Path(url.database)
        target.parent.mkdir(parents=True, exist_ok=True)
        create_private_file(target)
        source = sqlite3.connect(work / "database.sqlite3")
        dest = sqlite3.connect(target)
        with dest:
            source.backup(dest)
        source.close()
        dest.close()
        return
    _run(["pg_restore", "--clean", "--if-exists", "--no-owner", "--single-transaction",
          "--dbname", _libpq_url(database_url), str(work / "database.pgdump")])
