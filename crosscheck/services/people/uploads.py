"""A people file uploaded in the browser, kept between its preview and the organiser's
confirmation: under the data directory, readable only by the organiser who uploaded it,
deleted once imported or cancelled (and any left behind after a day).

The file may hold passwords, so it is never shown back and never kept longer than needed;
the preview is computed again from the same bytes at confirmation (``imports.import_kind``
validates everything again: a file that became wrong in between is refused as a whole).
"""
from __future__ import annotations

import re
import secrets
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.orm import Session

from ..audit.trail import Actor, record
from .imports import KINDS, ImportResult, import_kind

FOLDER = "people-uploads"
TOKEN_RE = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
KEEP_SECONDS = 24 * 3600


@dataclass
class Staged:
    token: str
    kind: str
    name: str
    data: bytes


def _root(data_dir: Path) -> Path:
    return Path(data_dir) / FOLDER


def _dir(data_dir: Path, user_id: int, token: str) -> Path | None:
    if not TOKEN_RE.match(token or ""):
        return None
    return _root(data_dir) / f"{int(user_id)}-{token}"


def stage(data_dir: Path, user_id: int, kind: str, name: str, data: bytes) -> Staged:
    if kind not in KINDS:
        raise ValueError(kind)
    _sweep(data_dir)
    token = secrets.token_urlsafe(18)
    folder = _dir(data_dir, user_id, token)
    folder.mkdir(parents=True, mode=0o700)
    (folder / "data").write_bytes(data)
    (folder / "meta").write_text(f"{kind}\n{name}", encoding="utf-8")
    return Staged(token, kind, name, data)


def load(data_dir: Path, user_id: int, token: str) -> Staged | None:
    """The staged file of this organiser, or None (another's, gone, or a made-up token)."""
    folder = _dir(data_dir, user_id, token)
    if folder is None or not (folder / "meta").is_file():
        return None
    kind, _, name = (folder / "meta").read_text(encoding="utf-8").partition("\n")
    return Staged(token, kind, name, (folder / "data").read_bytes())


def discard(data_dir: Path, user_id: int, token: str) -> None:
    folder = _dir(data_dir, user_id, token)
    if folder is not None:
        shutil.rmtree(folder, ignore_errors=True)


def _sweep(data_dir: Path) -> None:
    root = _root(data_dir)
    if not root.is_dir():
        return
    cutoff = time.time() - KEEP_SECONDS
    for folder in root.iterdir():
        try:
            if folder.stat().st_mtime < cutoff:
                shutil.rmtree(folder, ignore_errors=True)
        except OSError:
            pass


def commit(session: Session, staged: Staged, actor: Actor) -> ImportResult:
    """Import the staged file (all or nothing: ``ImportRejected`` when any row is bad)."""
    result = import_kind(session, staged.kind, staged.name, actor, staged.data)
    record(session, actor, "people_upload.import", "people_upload", None,
           after={"file": staged.name, "people_kind": staged.kind, "people_created": result.created,
                  "people_updated": result.updated, "people_unchanged": result.unchanged,
                  "withdrawn": len(result.withdrawn)})
    return result
