"""Reports as background work: a reader asks for a report, a job builds the file, the
reader downloads it when it is done.

A big campaign's XLSX takes tens of seconds: it is built by an RQ worker when REDIS_URL is
set (the page shows the progress and starts the download when the file is ready), inline
otherwise. One run per report and audience at a time: asking again while a run is queued
or running joins that run instead of building the same file twice.

A run records who asked; the job builds the file for that person's audience as it is when
the job runs (``audience.py``: organisers and observers the full report, a reviewer their own
restricted copy). A run, its page and its file are only ever shown to the same audience
(another reader's run answers 404, like a missing one).
"""
from __future__ import annotations

import errno
from datetime import timedelta
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from ...db import utcnow
from ...models import Campaign, ReportRun, ReportStatus, School, User
from .audience import audience_for, tag_for
from .files import KINDS, file_name, report_file

TITLES = {"json": "Отчёт JSON", "xlsx": "Отчёт XLSX", "summary": "Аналитическая справка (PDF)",
          "protocol": "Протокол школы (PDF)"}
QUEUE_DOWN = "очередь задач недоступна: отчёт не сформирован, попробуйте ещё раз позже"
ABANDONED = "отчёт не был сформирован за отведённое время (обработчик задач прерван): запрошен заново"
LIVE = (ReportStatus.QUEUED, ReportStatus.RUNNING)
JOB_TIMEOUT = 3600  # seconds; a live run older than this is abandoned


class ReportGone(LookupError):
    """The campaign or school of a queued run was deleted before the job ran."""


def request_report(session: Session, campaign: Campaign, kind: str, school_code: str, user: User) -> ReportRun | None:
    """The run that will build this report: a live one of the same report for the same
    audience, or a new one (flushed, the caller commits and then calls ``start``). None for
    an unknown school. A run still live after the job timeout was abandoned (its worker
    died): it is marked failed and a new one starts."""
    if kind not in KINDS:
        raise ValueError(f"unknown report kind {kind!r}")
    code = school_code.strip() if kind == "protocol" else ""
    if kind == "protocol" and session.scalar(select(School.id).where(School.code == code)) is None:
        return None
    tag = tag_for(user)
    for live in session.scalars(select(ReportRun).where(
            ReportRun.campaign_id == campaign.id, ReportRun.kind == kind, ReportRun.school_code == code,
            ReportRun.status.in_(LIVE), ReportRun.published_at.is_(None)).order_by(ReportRun.id.desc())):
        if live.created_at <= utcnow() - timedelta(seconds=JOB_TIMEOUT):
            # its worker died or it never ran: give up on it (whoever asked), start afresh
            live.status, live.error, live.finished_at = ReportStatus.FAILED, ABANDONED, utcnow()
        elif run_tag(session, live) == tag:
            return live  # the same report for the same audience is on its way: join it
    run = ReportRun(campaign_id=campaign.id, kind=kind, school_code=code, requested_by_id=user.id)
    session.add(run)
    session.flush()
    return run


def start(session: Session, run_id: int) -> None:
    """Build the run now (no REDIS_URL) or enqueue it; call after the commit. A failed
    inline build or an unreachable queue leaves the run failed with the reason."""
    from redis.exceptions import RedisError

    from ...background import enqueue

    run = session.get(ReportRun, run_id)
    if run is None or run.status != ReportStatus.QUEUED or run.job_id:
        return  # already built, building or waiting in the queue
    try:
        handle = enqueue("build_report", run_id, timeout=JOB_TIMEOUT, description=f"report {run.kind} #{run_id}")
    except RedisError:
        session.rollback()
        set_status(session, run_id, ReportStatus.FAILED, QUEUE_DOWN)
        return
    except Exception:  # noqa: BLE001 - the job marked the run failed with the reason
        session.rollback()
        return
    if not handle.inline:
        session.execute(ReportRun.__table__.update().where(ReportRun.__table__.c.id == run_id)
                        .values(job_id=handle.job_id))
        session.commit()


def set_status(session: Session, run_id: int, status: ReportStatus, error: str = "", file_name: str = "") -> None:
    values = {"status": status, "error": error[:2000]}
    if file_name:
        values["file_name"] = file_name
    if status in (ReportStatus.DONE, ReportStatus.FAILED):
        values["finished_at"] = utcnow()
    session.execute(ReportRun.__table__.update().where(ReportRun.__table__.c.id == run_id).values(**values))
    session.commit()


def build(session: Session, session_factory, run_id: int, data_dir: Path) -> str:
    """The job: write the run's file, mark it done (the runner commits) or failed."""
    run = session.get(ReportRun, run_id)
    if run is None:
        raise LookupError(f"report run {run_id} not found")
    if run.status == ReportStatus.DONE:
        return run.file_name
    with session_factory() as s:
        set_status(s, run_id, ReportStatus.RUNNING)
    try:
        campaign = session.get(Campaign, run.campaign_id)
        if campaign is None:
            raise ReportGone("кампания или школа больше не существует")
        audience = audience_for(session, requester(session, run), campaign)  # the requester's role, now
        path = report_file(session, run.campaign_id, run.kind, data_dir, school_code=run.school_code or None,
                           audience=audience, folder=run_folder(run))
        if path is None:
            raise ReportGone("кампания или школа больше не существует")
    except Exception as exc:
        session.rollback()
        with session_factory() as s:
            set_status(s, run_id, ReportStatus.FAILED, failure_message(exc))
        raise
    session.refresh(run)
    run.status, run.file_name, run.finished_at, run.error = ReportStatus.DONE, path.name, utcnow(), ""
    return path.name


def failure_message(exc: Exception) -> str:
    """What the reader sees on a failed run."""
    if isinstance(exc, ReportGone):
        return str(exc)
    if isinstance(exc, OSError) and exc.errno == errno.ENOSPC:
        return "недостаточно места на диске: освободите место и сформируйте отчёт ещё раз"
    return f"ошибка при формировании отчёта ({type(exc).__name__}: {exc})"


def requester(session: Session, run: ReportRun) -> User | None:
    return session.get(User, run.requested_by_id) if run.requested_by_id is not None else None


def run_tag(session: Session, run: ReportRun) -> str:
    """The audience a run is (or was) built for: its requester's, as they are now."""
    return tag_for(requester(session, run))


def may_open(session: Session, run: ReportRun, user: User) -> bool:
    """A run (its page and file) is only for readers of the audience it is built for."""
    return run_tag(session, run) == tag_for(user)


def run_file(data_dir: Path, run: ReportRun, user: User) -> Path | None:
    """The built file of a finished run for ``user``, if it is still there and was built for
    their audience (a file built before the requester's role changed is not served)."""
    if run.status != ReportStatus.DONE or not run.file_name:
        return None
    if run.file_name != file_name(run.kind, run.school_code, tag_for(user)):
        return None
    path = Path(data_dir) / "reports" / run.campaign.slug / run_folder(run) / run.file_name
    return path if path.is_file() else None


def run_folder(run: ReportRun) -> str:
    """Where a run's file lives under reports/<slug>/: a published set apart (publish.py)."""
    from .publish import folder

    return folder(run.published_at) if run.published_at is not None else ""
