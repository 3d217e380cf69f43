"""The scan import job: reload the batch by id, run the pipeline, place the pages."""
from __future__ import annotations

import errno
import logging
from pathlib import Path

from flask import current_app
from sqlalchemy import select

from scanner_import import ScanInputError

from ..domain.lifecycle import CampaignClosed
from ..extensions import get_db
from ..models import BatchStatus, Paper, ScanBatch
from ..services.audit.trail import Actor
from ..services.scans.batches import Progress, place_result, run_pipeline, set_status

log = logging.getLogger(__name__)


def failure_message(exc: Exception, filename: str, stored: Path | None = None) -> str:
    """What the organiser reads on the batch when the import fails, naming the file as they
    uploaded it (the pipeline reads it as ``stored``, a name made of its hash)."""
    if isinstance(exc, ScanInputError):
        return exc.message_for(filename)
    if isinstance(exc, CampaignClosed):
        return f"Файл «{filename}»: {exc.message}"
    if isinstance(exc, OSError) and exc.errno == errno.ENOSPC:
        return (f"Файл «{filename}»: недостаточно места на диске для страниц: освободите место и загрузите "
                "файл ещё раз")
    detail = f"{type(exc).__name__}: {exc}"
    if stored is not None:
        detail = detail.replace(str(stored), f"«{filename}»").replace(stored.name, f"«{filename}»")
    return f"Файл «{filename}» не удалось обработать ({detail})"


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
    filename, source = batch.filename, data_dir / batch.stored_path
    set_status(db.session_factory, batch_id, BatchStatus.RUNNING)
    known = set(session.scalars(select(Paper.cipher).where(Paper.campaign_id == batch.campaign_id)))
    try:
        result = run_pipeline(batch.campaign, source, data_dir, Progress(db.session_factory, batch_id), known,
                              cfg.max_scan_pages, titles=batch.school_id is not None)
        session.refresh(batch)
        return place_result(session, batch, result, Actor(label=f"job:scan:{batch_id}"))
    except Exception as exc:
        session.rollback()
        message = failure_message(exc, filename, source)
        if not isinstance(exc, (ScanInputError, CampaignClosed)):  # not the file's fault: keep the trace
            log.exception("scan batch %s failed", batch_id)
        set_status(db.session_factory, batch_id, BatchStatus.FAILED, message)
        raise
