"""Background jobs run inline without Redis, and on a real RQ worker with it."""
from __future__ import annotations

import os
from datetime import timedelta

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from crosscheck.cli import main
from crosscheck.db import utcnow
from crosscheck.jobs import enqueue, queue
from crosscheck.models import LoginAttempt
from tests.conftest import run_worker

pytestmark = pytest.mark.redis


def _old_and_new_attempts(session):
    session.add_all([LoginAttempt(login="a", at=utcnow() - timedelta(days=3)),
                     LoginAttempt(login="b", at=utcnow())])
    session.commit()


def _attempts(session) -> int:
    session.expire_all()
    return session.scalar(select(func.count()).select_from(LoginAttempt))


def test_without_redis_a_job_runs_inline(db):
    _old_and_new_attempts(db)
    handle = enqueue("purge_login_attempts")
    assert handle.inline and handle.job_id is None
    assert _attempts(db) == 1


def test_with_redis_a_job_waits_for_a_real_worker(queued_app, cli_env, redis_url):
    from crosscheck.extensions import session

    with queued_app.app_context():
        _old_and_new_attempts(session())
        handle = enqueue("purge_login_attempts")
        assert not handle.inline and handle.job_id
        assert _attempts(session()) == 2  # nothing happened yet: it is queued
        assert queue(redis_url).count == 1

        result = run_worker(cli_env | {"REDIS_URL": redis_url})
        assert result.returncode == 0, result.stderr

        assert _attempts(session()) == 1
        job = queue(redis_url).fetch_job(handle.job_id)
        assert job.get_status() == "finished" and job.return_value() == 1


def test_unknown_job_name_is_refused(app):
    with app.app_context(), pytest.raises(KeyError):
        enqueue("no_such_job")


def test_worker_command_needs_redis(cli_env):
    result = CliRunner().invoke(main, ["worker", "--burst"], env=cli_env | {"REDIS_URL": ""})
    assert result.exit_code == 1 and "REDIS_URL" in result.stderr


def _niceness(pid: int) -> int:
    return int(open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()[16])


def test_a_worker_yields_the_cpu_to_the_web_server(cli_env, redis_url):
    """Scan imports run at a lower CPU priority than experts' requests on a shared machine."""
    import subprocess
    import sys
    import time

    cmd = [sys.executable, "-c", "from crosscheck.cli import main; main()", "worker"]
    proc = subprocess.Popen(cmd, env=os.environ | cli_env | {"REDIS_URL": redis_url},
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 30
        while _niceness(proc.pid) == os.nice(0) and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.1)
        assert _niceness(proc.pid) == os.nice(0) + 10
    finally:
        proc.terminate()
        proc.wait(30)
