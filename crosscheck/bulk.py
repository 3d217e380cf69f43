"""Fast bulk inserts for the few places that write 100,000 rows at once (assignment runs).

SQLAlchemy's executemany spends most of its time processing parameters row by row; here
the caller hands over rows that are already database-ready and they go straight to the
driver: COPY on PostgreSQL, a plain executemany on SQLite. Values: str/int/bool/None,
timezone-aware datetimes, and JSON already dumped to text.
"""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Iterable, Sequence

from sqlalchemy import Table
from sqlalchemy.orm import Session


def _sqlite_value(value):
    if isinstance(value, datetime):
        # The format SQLAlchemy's SQLite DateTime writes (UTC, zone dropped; UTCDateTime restores it).
        return value.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M:%S.%f")
    return value


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
        marks = ", ".join("?" for _ in columns)
        cur = raw.cursor()
        try:
            cur.executemany(f"INSERT INTO {table.name} ({names}) VALUES ({marks})",
                            (tuple(_sqlite_value(v) for v in row) for row in rows))
        finally:
            cur.close()
        return
    connection.execute(table.insert(), [dict(zip(columns, row)) for row in rows])
