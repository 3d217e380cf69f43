"""The results-form jobs: check an uploaded file (the preview), import it once confirmed."""
from __future__ import annotations

from flask import current_app

from ..extensions import get_db
from ..services.marks.uploads import check, run_import


def check_marks_upload(upload_id: int) -> None:
    db = get_db()
    check(db.session, db.session_factory, upload_id, current_app.config["CROSSCHECK"].data_dir)


def import_marks_upload(upload_id: int) -> dict | None:
    db = get_db()
    return run_import(db.session, db.session_factory, upload_id, current_app.config["CROSSCHECK"].data_dir)
