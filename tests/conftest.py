"""Shared fixtures: a migrated database per test (SQLite file or PostgreSQL), the app,
clients, factories and a login helper.

Set TEST_DATABASE_URL to a PostgreSQL URL to run the suite on PostgreSQL; each test
then starts from empty tables (TRUNCATE), on SQLite from a fresh copy of a migrated file.
"""
from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest
from sqlalchemy import text

from crosscheck.config import Config

PG_URL = os.environ.get("TEST_DATABASE_URL", "")


def _url_env(database_url: str, data_dir: Path) -> dict[str, str]:
    return {"DATABASE_URL": database_url, "CROSSCHECK_DATA_DIR": str(data_dir), "REDIS_URL": "",
            "SECRET_KEY": "t" * 40}


def pg_database(suffix: str) -> str:
    """A PostgreSQL database of our own beside TEST_DATABASE_URL (one per xdist worker),
    created empty if needed, so parallel workers never share tables."""
    from sqlalchemy.engine import make_url

    from crosscheck.db import make_engine

    url = make_url(PG_URL)
    name = f"{url.database}_{suffix}"
    admin = make_engine(url.set(database="postgres").render_as_string(hide_password=False))
    with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        if not conn.scalar(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}):
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    target = url.set(database=name).render_as_string(hide_password=False)
    engine = make_engine(target)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    engine.dispose()
    return target


@pytest.fixture(scope="session")
def worker_name(request) -> str:
    return getattr(request.config, "workerinput", {}).get("workerid", "main")


@pytest.fixture(scope="session")
def migrated_template(tmp_path_factory, worker_name) -> str:
    """Run the real migrations once: onto PostgreSQL, or into a SQLite file to copy."""
    from crosscheck.migrate import upgrade

    if PG_URL:
        url = pg_database(worker_name)
        upgrade(url)
        return url
    path = tmp_path_factory.mktemp("db") / "template.sqlite3"
    upgrade(f"sqlite:///{path}")
    return str(path)


@pytest.fixture
def database_url(migrated_template, tmp_path) -> str:
    if PG_URL:
        yield migrated_template
        _truncate_all(migrated_template)
        return
    target = tmp_path / "test.sqlite3"
    shutil.copy(migrated_template, target)
    yield f"sqlite:///{target}"


def _truncate_all(url: str) -> None:
    from crosscheck.db import make_engine
    from crosscheck.models import Base

    engine = make_engine(url)
    names = ", ".join(t.name for t in Base.metadata.sorted_tables)
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    engine.dispose()


@pytest.fixture
def data_dir(tmp_path) -> Path:
    d = tmp_path / "data"
    d.mkdir()
    return d


@pytest.fixture
def cli_env(database_url, data_dir) -> dict[str, str]:
    """Environment for running `crosscheck …` against the test database."""
    return _url_env(database_url, data_dir)


@pytest.fixture
def app(database_url, data_dir):
    from crosscheck import create_app

    cfg = Config.from_env(_url_env(database_url, data_dir), testing=True)
    application = create_app(cfg)
    yield application
    application.extensions["crosscheck.db"].dispose()


@pytest.fixture
def db(app):
    """The app's session inside an app context."""
    from crosscheck.extensions import session

    with app.app_context():
        yield session()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def factory(db):
    from tests.factories import Factory

    return Factory(db)


CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def csrf_from(html: str) -> str:
    match = CSRF_RE.search(html)
    assert match, "no CSRF token on the page"
    return match.group(1)


def login(client, username: str, password: str = "pass1234", follow: bool = False):
    page = client.get("/login")
    token = csrf_from(page.get_data(as_text=True))
    return client.post("/login", data={"username": username, "password": password, "csrf_token": token},
                       follow_redirects=follow)


@pytest.fixture
def login_as(client):
    def do(username: str, password: str = "pass1234"):
        response = login(client, username, password)
        assert response.status_code == 302, response.get_data(as_text=True)[:500]
        return client

    return do


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory):
    """A real redis-server on a free loopback port, for the whole session."""
    import subprocess
    import time

    binary = shutil.which("redis-server")
    if binary is None:
        pytest.fail("redis-server is not installed: apt-get install -y redis-server")
    port = _free_port()
    workdir = tmp_path_factory.mktemp("redis")
    proc = subprocess.Popen([binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                             "--appendonly", "no", "--dir", str(workdir)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"redis://127.0.0.1:{port}/0"
    from redis import Redis

    client = Redis.from_url(url)
    for _ in range(100):
        try:
            client.ping()
            break
        except Exception:
            time.sleep(0.05)
    yield url
    proc.terminate()
    proc.wait(timeout=10)


@pytest.fixture
def redis_url(redis_server):
    from redis import Redis

    Redis.from_url(redis_server).flushdb()
    return redis_server


@pytest.fixture
def queued_app(database_url, data_dir, redis_url):
    """The app configured with a real Redis: jobs go to RQ instead of running inline."""
    from crosscheck import create_app

    env = _url_env(database_url, data_dir) | {"REDIS_URL": redis_url}
    application = create_app(Config.from_env(env, testing=True))
    yield application
    application.extensions["crosscheck.db"].dispose()


def run_worker(env: dict[str, str], timeout: int = 120):
    """Run `crosscheck worker --burst` as a separate process, as production does."""
    import subprocess
    import sys

    cmd = [sys.executable, "-c", "from crosscheck.cli import main; main()", "worker", "--burst"]
    return subprocess.run(cmd, env=os.environ | env, capture_output=True, text=True, timeout=timeout)


@pytest.fixture
def run(cli_env):
    """`crosscheck …` in-process against the test database: run("marks", "import", …)."""
    from click.testing import CliRunner

    from crosscheck.cli import main

    runner = CliRunner()

    def invoke(*args: str):
        return runner.invoke(main, list(args), env=cli_env, catch_exceptions=False)

    return invoke
