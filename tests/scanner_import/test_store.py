from __future__ import annotations

import hashlib
import os
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from scanner_import import ContentStore


def test_put_is_content_addressed_and_idempotent(tmp_path: Path) -> None:
    store = ContentStore(tmp_path)
    stored, created = store.put(b"hello")
    digest = hashlib.sha256(b"hello").hexdigest()
    assert created and stored.path == f"{digest[:2]}/{digest}.jpg" and stored.size == 5
    assert store.put(b"hello") == (stored, False)
    assert (tmp_path / stored.path).read_bytes() == b"hello"


def test_concurrent_puts_of_same_bytes(tmp_path: Path) -> None:
    store = ContentStore(tmp_path, fsync=True)
    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(lambda _: store.put(b"x" * 100_000)[0], range(32)))
    assert len(set(results)) == 1
    assert [p.name for p in tmp_path.rglob("*") if p.is_file()] == [Path(results[0].path).name]


def test_sweep_removes_only_old_temporaries(tmp_path: Path) -> None:
    store = ContentStore(tmp_path)
    stored, _ = store.put(b"data")
    old = tmp_path / stored.path[:2] / ".tmp-old"
    new = tmp_path / stored.path[:2] / ".tmp-new"
    old.write_bytes(b"1")
    new.write_bytes(b"2")
    os.utime(old, (time.time() - 3 * 86400,) * 2)
    assert store.sweep_temporaries() == 1
    assert not old.exists() and new.exists() and (tmp_path / stored.path).exists()
