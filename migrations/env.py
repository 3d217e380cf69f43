"""Alembic environment: the URL comes from the caller (crosscheck db upgrade) or DATABASE_URL."""
from __future__ import annotations

from alembic import context

from crosscheck.config import Config
from crosscheck.db import make_engine
from crosscheck.models import Base

config = context.config
target_metadata = Base.metadata


def _url() -> str:
    return config.get_main_option("sqlalchemy.url") or Config.from_env().database_url


def run_offline() -> None:
    context.configure(url=_url(), target_metadata=target_metadata, literal_binds=True,
                      render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


def run_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    engine = make_engine(_url())
    with engine.connect() as conn:
        _run(conn)
    engine.dispose()


def _render_item(type_, obj, autogen_context):
    """Render our column types as plain SQLAlchemy ones: migrations must not import the app."""
    from crosscheck.models.types import UTCDateTime

    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    return False


def _run(connection) -> None:
    # render_as_batch: SQLite can only ALTER by copying tables; batch mode does that for us.
    # Copying drops the old table, which with foreign keys on would cascade into the rows
    # that refer to it (and the append-only audit trail refuses that): SQLite migrates with
    # foreign keys off, as Alembic's batch mode expects, and switches them on again after.
    sqlite = connection.dialect.name == "sqlite"
    if sqlite:
        connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
        connection.commit()
    try:
        context.configure(connection=connection, target_metadata=target_metadata, render_as_batch=True,
                          compare_type=True, render_item=_render_item)
        with context.begin_transaction():
            context.run_migrations()
    finally:
        if sqlite:
            connection.commit()
            connection.exec_driver_sql("PRAGMA foreign_keys=ON")
            connection.commit()


if context.is_offline_mode():
    run_offline()
else:
    run_online()
