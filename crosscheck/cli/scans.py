"""`crosscheck scans import`: register the file, commit, then run or enqueue the job (and wait).

Command-line glue, not a service: it builds the app, owns the transaction and commits
before it enqueues, as a web view does."""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class Outcome:
    lines: list[str] = field(default_factory=list)
    failed: str = ""


def import_file(campaign_slug: str, path: Path, *, wait: bool, school_code: str | None = None) -> Outcome:
    from sqlalchemy import select

    from .. import create_app
    from ..extensions import session
    from ..models import BatchStatus, ScanBatch, School
    from ..services.audit.trail import Actor
    from ..services.campaigns.store import get_campaign
    from ..domain.lifecycle import CampaignClosed
    from ..services.scans.batches import ScanUploadError, register_upload, start_import

    app = create_app()
    cfg = app.config["CROSSCHECK"]
    out = Outcome()
    with app.app_context():
        s = session()
        campaign = get_campaign(s, campaign_slug)
        school = None
        if school_code is not None:
            school = s.scalar(select(School).where(School.code == school_code.strip()))
            if school is None:
                out.failed = f"--school: неизвестный код ОО «{school_code}»"
                return out
        try:
            reg = register_upload(s, campaign, path, path.name, cfg.data_dir, Actor.cli(),
                                  max_pages=cfg.max_scan_pages, school=school)
        except ScanUploadError as exc:
            s.rollback()
            out.failed = str(exc)
            return out
        except CampaignClosed as exc:  # the lifecycle guard: refused with the reason
            s.rollback()
            out.failed = exc.message
            return out
        s.commit()  # commit, then enqueue: the worker must find the batch
        batch_id = reg.batch.id
        if not reg.needs_run:
            out.lines.append(f"файл уже загружен ранее (партия {batch_id}): ничего не добавлено")
            out.lines += _summary(reg.batch.report)
            return out
        try:
            handle = start_import(s, reg.batch)
        except ScanUploadError as exc:
            out.failed = str(exc)
            return out
        except Exception as exc:  # noqa: BLE001 - the job's own error is stored on the batch
            s.rollback()
            batch = s.get(ScanBatch, batch_id)
            s.refresh(batch)
            out.failed = batch.error or f"{type(exc).__name__}: {exc}"
            return out
        if not handle.inline:
            out.lines.append(f"импорт поставлен в очередь: партия {batch_id}, задача {handle.job_id}")
            if not wait:
                return out
        batch = _wait(s, batch_id) if not handle.inline else s.get(ScanBatch, batch_id)
        s.refresh(batch)
        if batch.status == BatchStatus.FAILED:
            out.failed = batch.error or "импорт не удался"
        else:
            out.lines += _summary(batch.report)
    return out


def _wait(s, batch_id: int, poll: float = 0.5):
    from ..models import BatchStatus, ScanBatch
    from ..services.scans.batches import settle_abandoned

    while True:
        s.expire_all()
        batch = s.get(ScanBatch, batch_id)
        settle_abandoned(s, [batch])  # a worker that died: no waiting past the job timeout
        if batch.status in (BatchStatus.DONE, BatchStatus.FAILED):
            return batch
        time.sleep(poll)


def _summary(report: dict | None) -> list[str]:
    if not report:
        return []
    lines = [f"работ: {report['papers']}, страниц размещено: {report['pages_placed']}, "
             f"нераспознанных: {report['unidentified']}, пустых пропущено: {report['blank']}"]
    if report.get("conflicts"):
        lines.append(f"конфликтов (у работы уже есть страницы): {report['conflicts']} — "
                     f"{', '.join(report['conflict_ciphers'])}")
    if report.get("pages_in_doubt"):
        shown = report["held_back_ciphers"]
        more = f" и ещё {report['held_back'] - len(shown)}" if report["held_back"] > len(shown) else ""
        lines.append(f"страниц под сомнением: {report['pages_in_doubt']}; задержано работ: {report['held_back']} "
                     f"({', '.join(shown)}{more}) — их не получит никто, пока организатор не подтвердит "
                     f"их страницы в просмотре работы")
    if report.get("excluded"):
        shown = report["excluded_ciphers"]
        more = f" и ещё {report['excluded'] - len(shown)}" if report["excluded"] > len(shown) else ""
        lines.append(f"работ вне выборки: {report['excluded']} ({', '.join(shown)}{more}) — сканы сохранены, "
                     f"но на перепроверку эти работы не пойдут")
    if report.get("uncovered"):
        lines.append(f"работ без обложки: {report['uncovered']}; разложено по коду участника: {report['by_code']}, "
                     f"ждут подтверждения кода: {report['pending']} (crosscheck scans status / очередь "
                     f"титульных листов в веб-интерфейсе)")
    if report.get("school_mismatch"):
        lines.append(f"внимание: {report['school_mismatch']}")
    lines += [f"предупреждение: {w}" for w in report.get("warnings", [])]
    return lines
