"""The report job: build one requested report file by the run's id."""
from __future__ import annotations

from flask import current_app

from ..extensions import get_db
from ..services.reports.runs import build


def build_report(run_id: int) -> str:
    db = get_db()
    return build(db.session, db.session_factory, run_id, current_app.config["CROSSCHECK"].data_dir)
