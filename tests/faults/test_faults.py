"""The usual faults: Redis gone, the database restarting, a full disk."""
from __future__ import annotations

import io
import os
import subprocess

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select, text

from crosscheck import create_app
from crosscheck.cli import main
from crosscheck.config import Config
from crosscheck.models import BatchStatus, Page, PageStatus, ScanBatch, TaskScore
from crosscheck.services.people.accounts import issue_token
from tests.conftest import PG_URL, _url_env, csrf_from, login
from tests.scans.conftest import build_scan


@pytest.fixture
def marking_world(factory, data_dir):
    campaign = factory.campaign("vpr-math-5-2026")
    school = factory.school("500101")
    expert = factory.user("exp01", school=factory.school("500102"))
    factory.user("org", role="organiser")
    paper = factory.paper(campaign, school, code="10001")
    assignment = factory.assignment(paper, expert)
    others = [factory.paper(campaign, school, code=f"2000{i}") for i in range(2)]
    factory.commit()
    return campaign, school, assignment, [paper, *others], expert


def test_redis_down_upload_is_refused_clearly_and_marking_keeps_working(database_url, data_dir, marking_world,
                                                                       db, tmp_path):
    campaign, school, assignment, papers, expert = marking_world
    env = _url_env(database_url, data_dir) | {"REDIS_URL": "redis://127.0.0.1:1/0"}  # nothing listens there
    app = create_app(Config.from_env(env, testing=True))
    client = app.test_client()
    login(client, "org")
    scan = build_scan(tmp_path / "s.pdf", campaign, school, papers[1:])
    page = client.get(f"/organiser/campaigns/{campaign.slug}/").get_data(as_text=True)
    response = client.post(f"/organiser/campaigns/{campaign.slug}/scans", data={
        "csrf_token": csrf_from(page), "scan": (io.BytesIO(scan.read_bytes()), "s.pdf")},
        content_type="multipart/form-data", follow_redirects=True)
    assert "очередь задач недоступна" in response.get_data(as_text=True)
    db.expire_all()
    assert db.scalar(select(ScanBatch.status)) == BatchStatus.FAILED

    token = issue_token(db, expert)
    db.commit()
    saved = app.test_client().put(f"/api/v1/assignments/{assignment.id}/scores",
                                  json={"scores": {"1": 1}, "version": 1},
                                  headers={"Authorization": f"Bearer {token}"})
    assert saved.status_code == 200  # marking never needs the queue
    app.extensions["crosscheck.db"].dispose()


@pytest.mark.skipif(not PG_URL, reason="a PostgreSQL restart needs PostgreSQL")
def test_database_restart_during_marking_loses_no_autosave(client, db, marking_world, database_url):
    campaign, school, assignment, papers, expert = marking_world
    token = issue_token(db, expert)
    db.commit()
    assignment_id = assignment.id
    headers = {"Authorization": f"Bearer {token}"}
    url = f"/api/v1/assignments/{assignment_id}/scores"
    assert client.put(url, json={"scores": {"1": 1}, "version": 1}, headers=headers).status_code == 200
    db.close()
    # Every server connection to this database is cut, as a restart does.
    from crosscheck.db import make_engine

    admin = make_engine(database_url)
    with admin.connect() as conn:
        conn.execute(text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                          "WHERE datname = current_database() AND pid <> pg_backend_pid()"))
        conn.commit()
    admin.dispose()
    body = {"scores": {"1": 1, "2": 1}, "version": 2}
    response = client.put(url, json=body, headers=headers)
    if response.status_code == 503:  # a retryable answer; the screen retries by itself
        assert response.headers["Retry-After"] and response.is_json
        response = client.put(url, json=body, headers=headers)
    assert response.status_code == 200
    db.expire_all()
    assert db.scalar(select(func.count()).select_from(TaskScore).where(
        TaskScore.assignment_id == assignment_id)) == 2


@pytest.mark.skipif(os.geteuid() != 0, reason="mounting a small filesystem needs root")
def test_disk_full_while_writing_pages_fails_cleanly(cli_env, db, data_dir, marking_world, tmp_path):
    campaign, school, assignment, papers, expert = marking_world
    scan = build_scan(tmp_path / "big.pdf", campaign, school, papers, pages_per_paper=4)
    pages_dir = data_dir / "pages"
    pages_dir.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=200k", "tmpfs", str(pages_dir)], check=True)
    try:
        result = CliRunner().invoke(main, ["scans", "import", campaign.slug, str(scan)], env=cli_env)
        assert result.exit_code == 1
        assert "недостаточно места на диске" in result.stderr
        db.expire_all()
        assert db.scalar(select(ScanBatch.status)) == BatchStatus.FAILED
        assert db.scalar(select(func.count()).select_from(Page)) == 0  # nothing half-visible
        assert not list(pages_dir.rglob(".tmp-*"))  # no half-written files either
    finally:
        subprocess.run(["umount", str(pages_dir)], check=True)
    # with space again, the same file goes through
    again = CliRunner().invoke(main, ["scans", "import", campaign.slug, str(scan)], env=cli_env)
    assert again.exit_code == 0, again.stderr
    db.expire_all()
    assert db.scalar(select(func.count()).select_from(Page).where(Page.status == PageStatus.PLACED)) == 12
