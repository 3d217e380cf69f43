"""Database handle: one engine and one scoped session per app (or CLI/worker process).

Plain SQLAlchemy 2.x rather than Flask-SQLAlchemy, so the same session machinery
serves the web app, the CLI, RQ jobs and benchmarks alike.
"""
from __future__ import annotations

import os
from datetime import datetime, timezone

from sqlalchemy import MetaData, create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, scoped_session, sessionmaker

from . import sqlite_writers

# Named constraints from revision one: Alembic can then drop/alter them by name and
# downgrades work on every backend.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def make_engine(url: str) -> Engine:
    kwargs: dict = {"future": True}
    if url.startswith("sqlite"):
        kwargs["connect_args"] = {"check_same_thread": False, "timeout": 30,
                                  "factory": sqlite_writers.QueuedWriterConnection}
    else:
        # No ping before every checkout (a round trip per request on the hot path): a
        # connection the server dropped (restart) fails its request with OperationalError,
        # which the web layer answers with a retryable 503 (the scoring screen retries by
        # itself), and SQLAlchemy then replaces every pooled connection. Recycling bounds how
        # long an idle connection can be kept past a server-side or firewall timeout.
        kwargs["pool_recycle"] = 1800
    engine = create_engine(url, **kwargs)
    if url.startswith("sqlite"):
        database = engine.url.database
        if _is_file(database):
            create_private_file(database)
        event.listen(engine, "connect", lambda dbapi_conn, _record: _sqlite_setup(dbapi_conn, database))
        event.listen(engine, "before_cursor_execute", sqlite_writers.before_cursor_execute)
    return engine


def _is_file(database: str | None) -> bool:
    return bool(database) and database != ":memory:" and not database.startswith("file:")


def create_private_file(path: str | os.PathLike) -> None:
    """Create an empty file readable by its owner only (0600), if there is none. SQLite then
    opens it as an empty database, and gives its -wal and -shm files the same mode."""
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    except (FileExistsError, FileNotFoundError):  # there already; or no folder (SQLite will say so)
        pass


def _sqlite_setup(dbapi_conn, database: str | None) -> None:
    if _is_file(database):
        dbapi_conn.attach_write_lock(f"{database}-writers.lock")
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA busy_timeout=30000")
    cur.close()


class Database:
    """Engine + scoped session; ``session`` is what services and views use."""

    def __init__(self, url: str):
        self.url = url
        self.engine = make_engine(url)
        self.session_factory = sessionmaker(bind=self.engine, expire_on_commit=False)
        self.session = scoped_session(self.session_factory)
        # PostgreSQL: sessions of requests that need no transaction run without BEGIN and
        # COMMIT/ROLLBACK round trips, each statement on its own (as SQLite's driver runs reads).
        self.autocommit_engine = None if url.startswith("sqlite") else \
            self.engine.execution_options(isolation_level="AUTOCOMMIT")

    def begin_request(self, *, autocommit: bool) -> None:
        """Called first thing in a web request: read-only requests, and views whose writes
        are single statements (``single_statement_writes``), get the autocommit binding;
        every other request keeps its one transaction."""
        if autocommit and self.autocommit_engine is not None and not self.session.registry.has():
            self.session(bind=self.autocommit_engine)

    def dispose(self) -> None:
        self.session.remove()
        self.engine.dispose()


def single_statement_writes(view):
    """Mark a view that writes only through statements atomic on their own (and reads
    nothing it must hold consistent with them): on PostgreSQL it runs in autocommit."""
    view.single_statement_writes = True
    return view
