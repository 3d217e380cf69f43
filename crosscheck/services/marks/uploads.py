"""Results forms uploaded in the browser: checked first, imported on the organiser's word.

The organiser uploads a file; it is stored under the data directory and a background job
checks it against the campaign (``preview_marks``): either what an import would do, per
school, or every error by row and column. Nothing is written to the marks until the
organiser confirms; then a second job imports the same stored file (``import_marks``,
all-or-nothing and idempotent — the database may have changed since the check, so the file
is read and validated again). Both jobs run in an RQ worker when REDIS_URL is set, inline
otherwise; the page polls the upload's status.
"""
from __future__ import annotations

import hashlib
import os
from pathlib import Path

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from ...domain.lifecycle import CampaignClosed, ensure_open
from ...db import utcnow
from ...imports.tabular import ImportRejected, TableReadError
from ...models import Campaign, MarksUpload, School, UploadStatus, User
from ..audit.trail import Actor, record
from .importer import import_marks, preview_marks

UPLOADS_DIR = Path("uploads") / "marks"
SHOWN_ERRORS = 1000  # an upload keeps this many errors of a rejected file, and how many there were
JOB_TIMEOUT = 1800
ASK_SCHOOL = "выберите школу в поле «Школа» и загрузите файл снова"
QUEUE_DOWN = "очередь задач недоступна: файл не проверен, загрузите его ещё раз позже"
LIVE = (UploadStatus.QUEUED, UploadStatus.CHECKING, UploadStatus.IMPORTING)
FINAL = (UploadStatus.REJECTED, UploadStatus.IMPORTED, UploadStatus.FAILED, UploadStatus.CANCELLED)


class UploadError(ValueError):
    """The upload cannot be taken (one Russian line)."""


def stage(session: Session, campaign: Campaign, file_name: str, data: bytes, school_code: str | None,
          user: User, data_dir: Path) -> MarksUpload:
    """Store the file and a queued upload (flushed; the caller commits, then calls ``start``)."""
    ensure_open(campaign.status, campaign.name)  # closed: marks frozen (domain/lifecycle.py)
    if school_code and session.scalar(select(School.id).where(School.code == school_code)) is None:
        raise UploadError(f"неизвестная школа: код ОО «{school_code}»")
    sha = hashlib.sha256(data).hexdigest()
    upload = MarksUpload(campaign_id=campaign.id, file_name=file_name, sha256=sha, size=len(data),
                         school_code=school_code or "", uploaded_by_id=user.id)
    session.add(upload)
    session.flush()
    relative = UPLOADS_DIR / campaign.slug / f"{upload.id}-{sha[:16]}{Path(file_name).suffix.lower()[:8]}"
    target = data_dir / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(target.name + ".part")
    tmp.write_bytes(data)
    os.replace(tmp, target)
    upload.stored_path = str(relative)
    record(session, Actor(user), "marks_upload.create", "marks_upload", upload.id, campaign_id=campaign.id,
           after={"file": file_name, "sha256": sha, "size": len(data), "school": school_code or ""})
    return upload


def start(session: Session, upload_id: int, job: str) -> None:
    """Run the upload's next job now (no REDIS_URL) or enqueue it; call after the commit."""
    from redis.exceptions import RedisError

    from ...background import enqueue

    try:
        handle = enqueue(job, upload_id, timeout=JOB_TIMEOUT, description=f"{job} #{upload_id}")
    except RedisError:
        session.rollback()
        _finish(session, upload_id, UploadStatus.FAILED, error=QUEUE_DOWN)
        return
    except Exception:  # noqa: BLE001 - an inline job failed and left the upload failed with the reason
        session.rollback()
        return
    if not handle.inline:
        session.execute(update(MarksUpload).where(MarksUpload.id == upload_id).values(job_id=handle.job_id))
        session.commit()


def confirm(session: Session, upload: MarksUpload, user: User) -> bool:
    """The organiser's word on a checked file: True if this request moved it to importing
    (a second click, or a click on a file not ready, changes nothing)."""
    ensure_open(upload.campaign.status, upload.campaign.name)
    moved = session.execute(update(MarksUpload).where(MarksUpload.id == upload.id,
                                                      MarksUpload.status == UploadStatus.READY)
                            .values(status=UploadStatus.IMPORTING, confirmed_by_id=user.id)).rowcount
    session.refresh(upload)
    if moved:
        record(session, Actor(user), "marks_upload.confirm", "marks_upload", upload.id,
               campaign_id=upload.campaign_id, after={"file": upload.file_name, "sha256": upload.sha256})
    return bool(moved)


def cancel(session: Session, upload: MarksUpload, user: User, data_dir: Path) -> bool:
    """Drop a checked file that was not imported; its stored copy is removed."""
    if upload.status not in (UploadStatus.READY, UploadStatus.REJECTED, UploadStatus.FAILED):
        return False
    upload.status, upload.finished_at = UploadStatus.CANCELLED, utcnow()
    _remove_file(upload, data_dir)
    record(session, Actor(user), "marks_upload.cancel", "marks_upload", upload.id,
           campaign_id=upload.campaign_id, after={"file": upload.file_name})
    return True


def check(session: Session, session_factory, upload_id: int, data_dir: Path) -> None:
    """The check job: the preview, or the file's errors. Writes nothing but the upload."""
    upload = session.get(MarksUpload, upload_id)
    if upload is None:
        raise LookupError(f"marks upload {upload_id} not found")
    if upload.status != UploadStatus.QUEUED:
        return
    with session_factory() as s:
        _set(s, upload_id, status=UploadStatus.CHECKING)
    try:
        preview = preview_marks(session, upload.campaign, upload.file_name, data=_data(upload, data_dir),
                                school_code=upload.school_code or None, ask_school=ASK_SCHOOL)
    except (ImportRejected, TableReadError) as exc:
        session.rollback()
        _refused(session_factory, upload_id, exc)
        return
    except Exception as exc:
        session.rollback()
        with session_factory() as s:
            _finish(s, upload_id, UploadStatus.FAILED, error=f"файл не удалось проверить ({type(exc).__name__})")
        raise
    session.refresh(upload)
    upload.status, upload.preview = UploadStatus.READY, preview.to_json()


def run_import(session: Session, session_factory, upload_id: int, data_dir: Path) -> dict | None:
    """The import job: the stored file imported as the organiser confirmed it."""
    upload = session.get(MarksUpload, upload_id)
    if upload is None:
        raise LookupError(f"marks upload {upload_id} not found")
    if upload.status != UploadStatus.IMPORTING:
        return upload.result
    try:  # closed between the confirmation and this job: refused, nothing written
        ensure_open(upload.campaign.status, upload.campaign.name)
    except CampaignClosed as exc:
        with session_factory() as s:
            _finish(s, upload_id, UploadStatus.FAILED, error=exc.message)
        return None
    user = session.get(User, upload.confirmed_by_id) if upload.confirmed_by_id else None
    actor = Actor(user) if user is not None else Actor(label=f"job:marks:{upload_id}")
    try:
        result = import_marks(session, upload.campaign, upload.file_name, data=_data(upload, data_dir),
                              school_code=upload.school_code or None, actor=actor, ask_school=ASK_SCHOOL)
    except (ImportRejected, TableReadError) as exc:
        session.rollback()
        _refused(session_factory, upload_id, exc)
        return None
    except Exception as exc:
        session.rollback()
        with session_factory() as s:
            _finish(s, upload_id, UploadStatus.FAILED, error=f"файл не удалось загрузить ({type(exc).__name__}); "
                                                          "ничего не записано")
        raise
    summary = {"created": result.created, "updated": result.updated, "unchanged": result.unchanged,
               "absent": result.absent, "unlinked_markers": len(result.unlinked_markers),
               "withdrawn": len(result.withdrawn), "text": result.summary()}
    session.refresh(upload)
    upload.status, upload.result, upload.finished_at = UploadStatus.IMPORTED, summary, utcnow()
    record(session, actor, "marks_upload.import", "marks_upload", upload.id, campaign_id=upload.campaign_id,
           after={"file": upload.file_name, "sha256": upload.sha256, "papers_created": result.created,
                  "papers_updated": result.updated, "papers_unchanged": result.unchanged, "absent": result.absent,
                  "unlinked_markers": len(result.unlinked_markers), "withdrawn": len(result.withdrawn)})
    return summary


def uploads_of(session: Session, campaign: Campaign, limit: int = 10) -> list[MarksUpload]:
    """The campaign's latest uploads, newest first (the campaign page lists them)."""
    return list(session.scalars(select(MarksUpload).where(MarksUpload.campaign_id == campaign.id)
                                .order_by(MarksUpload.id.desc()).limit(limit)))


def _data(upload: MarksUpload, data_dir: Path) -> bytes:
    if not upload.stored_path:
        raise TableReadError(f"Файл «{upload.file_name}» больше не хранится: загрузите его снова")
    try:
        return (data_dir / upload.stored_path).read_bytes()
    except FileNotFoundError as exc:
        raise TableReadError(f"Файл «{upload.file_name}» больше не хранится: загрузите его снова") from exc


def _refused(session_factory, upload_id: int, exc: Exception) -> None:
    with session_factory() as s:
        if isinstance(exc, ImportRejected):
            errors = [[e.row, e.column, e.message] for e in exc.errors[:SHOWN_ERRORS]]
            _finish(s, upload_id, UploadStatus.REJECTED, errors=errors, error_count=len(exc.errors))
        else:
            _finish(s, upload_id, UploadStatus.FAILED, error=str(exc))


def _finish(session: Session, upload_id: int, status: UploadStatus, **values) -> None:
    _set(session, upload_id, status=status, finished_at=utcnow(), **values)


def _set(session: Session, upload_id: int, **values) -> None:
    if "error" in values:
        values["error"] = values["error"][:2000]
    session.execute(update(MarksUpload).where(MarksUpload.id == upload_id).values(**values))
    session.commit()


def _remove_file(upload: MarksUpload, data_dir: Path) -> None:
    if upload.stored_path:
        try:
            (data_dir / upload.stored_path).unlink()
        except FileNotFoundError:
            pass
        upload.stored_path = ""
