"""Migration 0009: campaigns that existed before it keep their teacher views on."""
from __future__ import annotations

from sqlalchemy import inspect, text

from crosscheck.db import make_engine
from crosscheck.migrate import downgrade, upgrade
from tests.conftest import PG_URL, pg_database

OLD_CAMPAIGN = [
    "INSERT INTO subjects (id, name) VALUES (1, 'Математика')",
    "INSERT INTO paper_templates (id, name, title, subject_id, grade_level, pages, grade3_min, grade4_min, grade5_min,"
    " masks, task_threshold, total_threshold, grade_change, double_tolerance, source, created_at)"
    " VALUES (1, 't', 'T', 1, 5, 1, 5, 10, 14, '[]', 2, 3, true, 1, '{}', CURRENT_TIMESTAMP)",
    "INSERT INTO campaigns (id, slug, name, template_id, per_paper, status, exclude_same_municipality, created_at)"
    " VALUES (1, 'old', 'Старая', 1, 1, 'preparing', false, CURRENT_TIMESTAMP)",
]


def test_existing_campaigns_keep_teacher_views_on(tmp_path, worker_name):
    url = pg_database(f"m9_{worker_name}") if PG_URL else f"sqlite:///{tmp_path / 'm9.sqlite3'}"
    upgrade(url, "0008")
    engine = make_engine(url)
    with engine.begin() as conn:
        for statement in OLD_CAMPAIGN:
            conn.execute(text(statement))
    upgrade(url)  # the column arrives with a server default: the old campaign reads true
    with engine.connect() as conn:
        assert conn.execute(text("SELECT teacher_views FROM campaigns WHERE slug = 'old'")).scalar() in (True, 1)
    downgrade(url, "0008")
    assert "teacher_views" not in {c["name"] for c in inspect(engine).get_columns("campaigns")}
    upgrade(url)
    engine.dispose()
