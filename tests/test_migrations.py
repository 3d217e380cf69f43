"""Alembic: one head, upgrade from empty and back, and the models match the migrations."""
from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from crosscheck.db import make_engine
from crosscheck.migrate import MIGRATIONS_DIR, downgrade, heads, upgrade
from crosscheck.models import Base
from tests.conftest import PG_URL, pg_database


def test_exactly_one_head():
    assert len(heads()) == 1


def test_every_revision_has_one_root():
    roots = [p for p in (MIGRATIONS_DIR / "versions").glob("*.py")
             if "down_revision = None" in p.read_text()]
    assert len(roots) == 1


def test_upgrade_from_empty_downgrade_and_upgrade_again(tmp_path, worker_name):
    url = pg_database(f"scratch_{worker_name}") if PG_URL else f"sqlite:///{tmp_path / 'm.sqlite3'}"
    upgrade(url)
    engine = make_engine(url)
    assert set(Base.metadata.tables) <= set(inspect(engine).get_table_names())
    downgrade(url, "base")
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    upgrade(url)
    engine.dispose()


def test_models_and_migrations_agree(database_url):
    engine = make_engine(database_url)
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": False}), Base.metadata)
    engine.dispose()
    assert diff == []


def test_constraints_are_named_by_convention(database_url):
    engine = make_engine(database_url)
    insp = inspect(engine)
    for table in ("users", "assignments", "task_scores", "papers"):
        for fk in insp.get_foreign_keys(table):
            assert fk["name"] and fk["name"].startswith("fk_"), (table, fk)
    engine.dispose()
