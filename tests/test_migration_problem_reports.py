"""Migration 0008: problems reported before it become open reports."""
from __future__ import annotations

from sqlalchemy import inspect, select
from sqlalchemy.orm import Session

from crosscheck.db import make_engine
from crosscheck.migrate import downgrade, upgrade
from crosscheck.models import Assignment, ProblemKind
from tests.conftest import PG_URL, pg_database
from tests.factories import Factory


def test_problems_reported_before_become_open_reports(tmp_path, worker_name):
    url = pg_database(f"m8_{worker_name}") if PG_URL else f"sqlite:///{tmp_path / 'm8.sqlite3'}"
    upgrade(url)
    engine = make_engine(url)
    with Session(engine) as s:
        f = Factory(s)
        campaign = f.campaign("c1")
        expert = f.user("e1")
        flagged = f.assignment(f.paper(campaign), expert)
        f.assignment(f.paper(campaign), expert)  # no problem: no report
        flagged.problem = ProblemKind.UNREADABLE
        s.commit()
        flagged_id = flagged.id
    downgrade(url, "0007")  # back to before this revision (the later ones go too)
    assert "problem_reports" not in inspect(engine).get_table_names()
    upgrade(url)
    with engine.connect() as conn:
        rows = conn.execute(select(Assignment.id).where(Assignment.problem.is_not(None))).all()
        reports = conn.exec_driver_sql("SELECT assignment_id, status, resolution FROM problem_reports").all()
    assert [r[0] for r in rows] == [flagged_id]
    assert [tuple(r) for r in reports] == [(flagged_id, "open", "")]
    engine.dispose()
