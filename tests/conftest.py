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
