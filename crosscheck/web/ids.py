"""Numbers from URLs, query strings and forms: never beyond what the database's integer
columns hold.

Ids are 32-bit integers in PostgreSQL (64-bit in SQLite). A 25-digit id used to reach the
database and fail there (OverflowError from sqlite3, DataError from PostgreSQL): a 500.
The ``int`` URL converter is replaced app-wide, so every ``<int:…>`` route answers 404 to
such an id before its view runs, and views read numbers from requests with ``type=db_int``,
which turns them into the argument's default, as any non-number is.
"""
from __future__ import annotations

from flask import Flask
from werkzeug.routing import IntegerConverter

DB_INT_MAX = 2**31 - 1  # PostgreSQL ``integer``


class DbIntConverter(IntegerConverter):
    """``<int:…>`` limited to 0..DB_INT_MAX (beyond: the route does not match, a 404)."""

    def __init__(self, map, fixed_digits: int = 0, min: int | None = None, max: int | None = DB_INT_MAX,
                 signed: bool = False) -> None:
        super().__init__(map, fixed_digits, min, max, signed)


def db_int(text: str) -> int:
    """``int`` for ``request.args.get(..., type=db_int)``: ValueError beyond the integer column."""
    value = int(text)
    if not -DB_INT_MAX - 1 <= value <= DB_INT_MAX:
        raise ValueError(f"{text[:20]}… does not fit an integer column")
    return value


def register(app: Flask) -> None:
    """Before any blueprint: rules pick their converter when they are added."""
    app.url_map.converters["int"] = DbIntConverter
