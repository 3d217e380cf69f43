"""Scan imports on a real Redis with real workers: queued, progress, and a killed worker."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from crosscheck.cli import main
from crosscheck.models import BatchStatus, Page, PageStatus, ScanBatch
from tests.conftest import run_worker
from tests.scans.conftest import build_scan

pytestmark = pytest.mark.redis


def batch_state(db):
    db.expire_all()
    return db.scalar(select(ScanBatch))


def placed(db) -> int:
    db.expire_all()
    return db.scalar(select(func.count()).select_from(Page).where(Page.status == PageStatus.PLACED))


def test_with_redis_the_import_waits_for_a_worker(db, cli_env, redis_url, school_papers, tmp_path):
    campaign, school, papers = school_papers
    env = cli_env | {"REDIS_URL": redis_url}
    scan = build_scan(tmp_path / "s.pdf", campaign, school, papers)
    result = CliRunner().invoke(main, ["scans", "import", campaign.slug, str(scan)], env=env)
    assert result.exit_code == 0, result.stderr
    assert "поставлен в очередь" in result.output
    assert batch_state(db).status == BatchStatus.QUEUED and placed(db) == 0

    worker = run_worker(env)
    assert worker.returncode == 0, worker.stderr
    batch = batch_state(db)
    assert batch.status == BatchStatus.DONE and batch.pages_done == batch.pages_total == 9
    assert placed(db) == 6


def test_wait_flag_blocks_until_done(db, cli_env, redis_url, school_papers, tmp_path):
    campaign, school, papers = school_papers
    env = cli_env | {"REDIS_URL": redis_url}
    scan = build_scan(tmp_path / "s.pdf", campaign, school, papers)
    worker = subprocess.Popen([sys.executable, "-c", "from crosscheck.cli import main; main()", "worker"],
                              env=os.environ | env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                              start_new_session=True)
    try:
        result = CliRunner().invoke(main, ["scans", "import", campaign.slug, str(scan), "--wait"], env=env)
        assert result.exit_code == 0, result.stderr
        assert "страниц размещено: 6" in result.output
    finally:
        os.killpg(worker.pid, signal.SIGTERM)
        worker.wait(timeout=30)


def test_a_worker_killed_midway_leaves_no_half_paper_and_a_rerun_finishes(db, cli_env, redis_url, factory,
                                                                          data_dir, tmp_path):
    campaign = factory.campaign("vpr-math-5-2026")
    school = factory.school("500101")
    papers = [factory.paper(campaign, school, code=f"{i:05d}") for i in range(40)]
    factory.commit()
    env = cli_env | {"REDIS_URL": redis_url}
    scan = build_scan(tmp_path / "big.pdf", campaign, school, papers, pages_per_paper=4)
    assert CliRunner().invoke(main, ["scans", "import", campaign.slug, str(scan)], env=env).exit_code == 0

    worker = subprocess.Popen([sys.executable, "-c", "from crosscheck.cli import main; main()", "worker"],
                              env=os.environ | env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                              start_new_session=True)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        batch = batch_state(db)
        if batch.status == BatchStatus.RUNNING and batch.pages_done >= 20:
            break
        time.sleep(0.05)
    os.killpg(worker.pid, signal.SIGKILL)  # the worker and its work horse, mid-file
    worker.wait(timeout=10)
    batch = batch_state(db)
    assert batch.status == BatchStatus.RUNNING and 0 < batch.pages_done < batch.pages_total
    assert placed(db) == 0  # nothing half-imported is visible

    again = CliRunner().invoke(main, ["scans", "import", campaign.slug, str(scan)], env=env)
    assert again.exit_code == 0 and "поставлен в очередь" in again.output
    assert run_worker(env).returncode == 0
    assert batch_state(db).status == BatchStatus.DONE
    assert placed(db) == 160
    db.expire_all()
    positions = db.execute(select(Page.paper_id, Page.position)).all()
    assert len(positions) == len(set(positions)) == 160  # no duplicates
    assert db.scalar(select(func.count()).select_from(ScanBatch)) == 1


def test_with_redis_a_stack_without_covers_is_matched_by_the_worker(db, cli_env, redis_url, factory, tmp_path):
    """The school travels with the batch to the worker: its title pages are read and matched there."""
    from crosscheck.models import PendingTitle
    from tests.scans.titles import identity_campaign, ids, uncovered, write

    campaign = identity_campaign(factory)
    school = factory.school("730101")
    codes = ids.roster(41, n=6)
    for c in codes:
        factory.paper(campaign, school, code=c)
    factory.commit()
    env = cli_env | {"REDIS_URL": redis_url}
    scan, _ = write(tmp_path / "s.pdf", [uncovered(codes[0], 100, backs=False), uncovered("99017", 7, backs=False)])
    result = CliRunner().invoke(main, ["scans", "import", campaign.slug, str(scan), "--school", "730101"], env=env)
    assert result.exit_code == 0, result.stderr
    assert "поставлен в очередь" in result.output
    worker = run_worker(env)
    assert worker.returncode == 0, worker.stderr
    assert batch_state(db).status == BatchStatus.DONE
    db.expire_all()
    assert db.scalar(select(func.count()).select_from(PendingTitle)) >= 1  # the stranger's code waits
    assert batch_state(db).report["uncovered"] == 2
    assert placed(db) + 4 * db.scalar(select(func.count()).select_from(PendingTitle)) == 8
