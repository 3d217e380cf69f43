"""Content-addressed file store: a file's name is the SHA-256 of its bytes.

This is what makes imports restartable and idempotent: storing the same bytes
again finds the file already there and does nothing. Files appear atomically
(written to a temporary name in the same directory, then renamed), so a killed
import never leaves a half-written file under a real name; a leftover
temporary is invisible to lookups and swept by :meth:`sweep_temporaries`.
"""
from __future__ import annotations

import hashlib
import os
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

_TMP_PREFIX = ".tmp-"


@dataclass(frozen=True)
class StoredFile:
    """A stored file: ``path`` is relative to the store root (POSIX separators)."""

    path: str
    sha256: str
    size: int


class ContentStore:
    """Store bytes under ``root/<aa>/<sha256><suffix>``; safe to use from threads.

    ``fsync`` additionally survives power loss (at a cost per file); without it
    a file present after a crash is still checked by size before being trusted.
    """

    def __init__(self, root: str | Path, fsync: bool = False):
        self.root = Path(root)
        self.fsync = fsync
        self.root.mkdir(parents=True, exist_ok=True)

    def put(self, data: bytes, suffix: str = ".jpg") -> tuple[StoredFile, bool]:
        """Store ``data``; return the file and whether it was newly written."""
        digest = hashlib.sha256(data).hexdigest()
        rel = f"{digest[:2]}/{digest}{suffix}"
        target = self.root / rel
        stored = StoredFile(rel, digest, len(data))
        try:
            if target.stat().st_size == len(data):
                return stored, False
        except FileNotFoundError:
            pass
        target.parent.mkdir(exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=_TMP_PREFIX, dir=target.parent)
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
                if self.fsync:
                    fh.flush()
                    os.fsync(fh.fileno())
            os.chmod(tmp, 0o644)
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return stored, True

    def absolute(self, rel: str) -> Path:
        return self.root / rel

    def sweep_temporaries(self, older_than_s: float = 24 * 3600) -> int:
        """Delete temporaries left by killed processes; return how many."""
        cutoff = time.time() - older_than_s
        removed = 0
        for tmp in self.root.glob(f"*/{_TMP_PREFIX}*"):
            try:
                if tmp.stat().st_mtime < cutoff:
                    tmp.unlink()
                    removed += 1
            except FileNotFoundError:
                continue
        return removed
