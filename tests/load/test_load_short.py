"""The production-shaped load run (bench/load_full.py --short) end to end: 20 experts
marking for ~30 s through gunicorn while a scan imports through 2 `crosscheck worker`
processes; afterwards every mark the clients saw must be in the database and the audit
trail exactly once. SQLite by default, PostgreSQL with TEST_DATABASE_URL.

Latency is measured and printed but never asserted here (bench/load_full.py does that);
this test guards correctness under concurrency: no errors, no lost or duplicated marks.
"""
from __future__ import annotations

import sys
import time
from pathlib import Path

import pytest

pytestmark = [pytest.mark.load, pytest.mark.redis]

BENCH = Path(__file__).resolve().parents[2] / "bench"


@pytest.fixture
def load_full():
    sys.path.insert(0, str(BENCH))
    try:
        import load_full

        yield load_full
    finally:
        sys.path.remove(str(BENCH))


def test_short_production_load(load_full, database_url, data_dir, redis_url, tmp_path):
    started = time.monotonic()
    lines: list[str] = []
    result = load_full.run(load_full.Options.short(), database_url, data_dir, tmp_path, redis_url,
                           log=lambda *a: lines.append(" ".join(str(x) for x in a)))
    load_full.report(result, log=lambda *a: lines.append(" ".join(str(x) for x in a)))
    print("\n".join(lines))
    summary, check = result["summary"], result["check"]
    assert summary["categories"]["submit"]["count"] > 0, "nobody got as far as submitting"
    assert result["errors"] == 0, "\n".join(lines)
    assert check["ambiguous"] == 0
    assert check["problems"] == [], "\n".join(check["problems"][:20])
    assert check["saves"] == summary["categories"]["autosave"]["count"]
    assert result["scan_problems"] == [], result["scan_problems"]
    assert time.monotonic() - started < 90
