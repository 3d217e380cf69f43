"""The scan import job: reload the batch by id, run the pipeline, place the pages."""
from __future__ import annotations

import errno
from pathlib import Path

from flask import current_app
from sqlalchemy import select

from ..extensions import get_db
from ..models import BatchStatus, Paper, ScanBatch
from ..services.audit.trail import Actor
from ..services.scans.batches import Progress, place_result, run_pipeline, set_status


def failure_message(exc: Exception) -> str:
    """What the organiser reads on the batch when the import fails."""
    if getattr(exc, "message_ru", None):
        return exc.message_ru
    if isinstance(exc, OSError) and exc.errno == errno.ENOSPC:
        return "недостаточно места на диске для страниц: освободите место и загрузите файл ещё раз"
    return f"{type(exc).__name__}: {exc}"


def import_scan_batch(batch_id: int) -> dict:
    db = get_db()
    session = db.session
    batch = session.get(ScanBatch, batch_id)
    if batch is None:
        raise LookupError(f"scan batch {batch_id} not found")
    if batch.status == BatchStatus.DONE:
        return batch.report or {}
    cfg = current_app.config["CROSSCHECK"]
    data_dir: Path = cfg.data_dir
    set_status(db.session_factory, batch_id, BatchStatus.RUNNING)
    known = set(session.scalars(select(Paper.cipher).where(Paper.campaign_id == batch.campaign_id)))
    try:
        result = run_pipeline(batch.campaign, data_dir / batch.stored_path, data_dir,
                              Progress(db.session_factory, batch_id), known, cfg.max_scan_pages)
    except Exception as exc:
        session.rollback()
        message = failure_message(exc)
        set_status(db.session_factory, batch_id, BatchStatus.FAILED, message)
        raise
    session.refresh(batch)
    return place_result(session, batch, result, Actor(label=f"job:scan:{batch_id}"))
