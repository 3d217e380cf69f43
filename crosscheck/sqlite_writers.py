"""Queueing SQLite writers in the kernel instead of in SQLite's busy handler.

SQLite lets one connection write at a time. A writer that finds the lock taken sleeps in
SQLite's busy handler (1, 2, 5, 10, 15, 20, 25 … 100 ms) and looks again, so under a steady
stream of short write transactions (autosaves) waiting writers oversleep the moment the
lock is free, and latency grows in steps of those sleeps.

Here every connection first takes an exclusive ``flock`` on a file beside the database
before its transaction's first write, and gives it back after the commit or rollback.
Writers of every process using the database (web workers, RQ workers, the CLI) then wait
in the kernel, which wakes the next one the moment the previous one finishes; SQLite's own
lock is then always free when they reach it. Reads never take the file lock (WAL mode).

A thread that already holds the file lock through one connection and starts writing
through another would wait for itself forever: that is refused at once with an error
(SQLite itself would have failed the same code after its busy timeout).
"""
from __future__ import annotations

import fcntl
import os
import sqlite3
import threading

_held = threading.local()  # the connection through which this thread holds the lock

READ_ONLY = ("SELECT", "PRAGMA", "EXPLAIN")


class WriteQueueDeadlock(sqlite3.OperationalError):
    pass


class QueuedWriterConnection(sqlite3.Connection):
    """A sqlite3 connection that holds the writers' file lock from its first write to the
    end of the transaction."""

    _lock_fd: int | None = None
    _holding = False

    def attach_write_lock(self, lock_path: str) -> None:
        self._lock_fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o600)

    def before_write(self) -> None:
        if self._lock_fd is None or self._holding:
            return
        other = getattr(_held, "connection", None)
        if other is not None and other is not self:
            raise WriteQueueDeadlock("this thread already writes through another connection to the database")
        fcntl.flock(self._lock_fd, fcntl.LOCK_EX)  # waits without holding the GIL
        self._holding = True
        _held.connection = self

    def _release(self) -> None:
        if self._holding:
            self._holding = False
            if getattr(_held, "connection", None) is self:
                _held.connection = None
            fcntl.flock(self._lock_fd, fcntl.LOCK_UN)

    def commit(self) -> None:
        try:
            super().commit()
        finally:
            self._release()

    def rollback(self) -> None:
        try:
            super().rollback()
        finally:
            self._release()

    def close(self) -> None:
        try:
            self._release()
            if self._lock_fd is not None:
                os.close(self._lock_fd)
                self._lock_fd = None
        finally:
            super().close()


def is_write(statement: str) -> bool:
    head = statement.lstrip()[:8].upper()
    return not head.startswith(READ_ONLY)


def before_cursor_execute(conn, _cursor, statement, _parameters, _context, _executemany) -> None:
    """SQLAlchemy engine hook: take the writers' lock before a transaction's first write."""
    if is_write(statement):
        dbapi = conn.connection.dbapi_connection
        if isinstance(dbapi, QueuedWriterConnection):
            dbapi.before_write()
