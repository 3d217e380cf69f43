"""Fast bulk inserts for the few places that write 100,000 rows at once (assignment runs,
marks imports).

SQLAlchemy's executemany spends most of its time processing parameters row by row; here
the caller hands over rows that are already database-ready and they go straight to the
driver: COPY on PostgreSQL, a plain executemany on SQLite. Values: str/int/bool/None,
timezone-aware datetimes, and JSON already dumped to text.
"""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Iterable, Sequence

from sqlalchemy import DateTime, Table
from sqlalchemy.orm import Session


def _sqlite_value(value):
    if isinstance(value, datetime):
        # The format SQLAlchemy's SQLite DateTime writes (UTC, zone dropped; UTCDateTime restores it).
        return value.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M:%S.%f")
    return value


def _sqlite_row(row: tuple, stamps: list[int], done: dict) -> list:
    """The row with its datetimes as SQLite text (``done``: those already converted; the rows
    of one insert mostly share one timestamp)."""
    values = list(row)
    for i in stamps:
        value = values[i]
        if value is not None:
            if value not in done:
                done[value] = _sqlite_value(value)
            values[i] = done[value]
    return values


def _is_datetime(column_type) -> bool:
    return isinstance(column_type, DateTime) or isinstance(getattr(column_type, "impl", None), DateTime)


def bulk_insert(session: Session, table: Table, columns: Sequence[str], rows: Iterable[tuple]) -> None:
    connection = session.connection()
    raw = connection.connection.driver_connection
    names = ", ".join(columns)
    if connection.dialect.name == "postgresql":
        with raw.cursor() as cur, cur.copy(f"COPY {table.name} ({names}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        return
    if connection.dialect.name == "sqlite":
        if hasattr(raw, "before_write"):  # the writers' file lock (sqlite_writers), as for any write
            raw.before_write()
        marks = ", ".join("?" for _ in columns)
        # Only the datetime columns need converting; rows of tables with none go through as given.
        stamps = [i for i, name in enumerate(columns) if _is_datetime(table.c[name].type)]
        if stamps:
            done: dict = {}
            rows = (_sqlite_row(row, stamps, done) for row in rows)
        cur = raw.cursor()
        try:
            cur.executemany(f"INSERT INTO {table.name} ({names}) VALUES ({marks})", rows)
        finally:
            cur.close()
        return
    connection.execute(table.insert(), [dict(zip(columns, row)) for row in rows])
