"""Scans in (SPEC §3): uploads become batches; a batch job runs the pipeline and places pages.

The file is stored and hashed on upload: the same file again adds nothing. The job
writes every page row of a batch in ONE transaction at the end, after the pipeline has
stored the (content-addressed) images, so a worker killed mid-file leaves no
half-imported paper; running the batch again finishes it (the images are found already
on disk). A paper that already has pages is never silently overwritten: the new pages
wait in the unidentified queue with the reason, for the organiser to decide.
"""
from __future__ import annotations

import os
import shutil
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ...db import utcnow
from ...models import BatchStatus, Campaign, Page, PageStatus, Paper, ScanBatch
from ..audit.trail import Actor, record
from .pages import pages_root

UPLOADS_DIR = "uploads"
SCAN_SUFFIXES = {".pdf", ".tif", ".tiff"}


class ScanUploadError(ValueError):
    pass


@dataclass(frozen=True)
class Registered:
    batch: ScanBatch
    created: bool

    @property
    def needs_run(self) -> bool:
        return self.batch.status != BatchStatus.DONE


def validate_scan(source: Path, max_pages: int) -> None:
    """Refuse a file that cannot be imported at all (empty, corrupt, encrypted, too long,
    not really a PDF/TIFF) before anything is stored."""
    from scanner_import import ScanInputError, open_scan

    try:
        with open_scan(source, max_pages=max_pages):
            pass
    except ScanInputError as exc:
        raise ScanUploadError(exc.message_ru) from exc


def register_upload(session: Session, campaign: Campaign, source: Path, filename: str, data_dir: Path,
                    actor: Actor | None, *, max_pages: int = 2000) -> Registered:
    """Keep the uploaded file (by hash) and its batch; the same file twice is one batch."""
    suffix = Path(filename).suffix.lower()
    if suffix not in SCAN_SUFFIXES:
        raise ScanUploadError(f"Файл «{filename}»: нужен PDF или многостраничный TIFF")
    validate_scan(source, max_pages)
    from scanner_import import file_sha256

    sha = file_sha256(source)
    existing = session.scalar(select(ScanBatch).where(ScanBatch.campaign_id == campaign.id,
                                                      ScanBatch.sha256 == sha))
    if existing is not None:
        return Registered(existing, created=False)
    target = data_dir / UPLOADS_DIR / f"{sha}{suffix}"
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".tmp-")
        os.close(fd)
        shutil.copyfile(source, tmp)
        os.replace(tmp, target)
    batch = ScanBatch(campaign_id=campaign.id, filename=Path(filename).name[:500], sha256=sha,
                      stored_path=str(target.relative_to(data_dir)),
                      created_by_id=actor.user.id if actor and actor.user else None)
    session.add(batch)
    session.flush()
    record(session, actor, "scan.upload", "scan_batch", batch.id, campaign_id=campaign.id,
           after={"filename": batch.filename, "sha256": sha})
    return Registered(batch, created=True)


class Progress:
    """Writes pages done / total to the batch in its own short transactions (the job's
    main transaction stays open until the end), at most every half second."""

    def __init__(self, session_factory, batch_id: int):
        self.session_factory = session_factory
        self.batch_id = batch_id
        self.last = 0.0

    def __call__(self, done: int, total: int) -> None:
        now = time.monotonic()
        if done != total and now - self.last < 0.5:
            return
        self.last = now
        with self.session_factory() as s:
            s.query(ScanBatch).filter(ScanBatch.id == self.batch_id).update(
                {"pages_done": min(done, total), "pages_total": total})
            s.commit()


def set_status(session_factory, batch_id: int, status: BatchStatus, error: str = "") -> None:
    with session_factory() as s:
        values = {"status": status, "error": error[:2000]}
        if status in (BatchStatus.DONE, BatchStatus.FAILED):
            values["finished_at"] = utcnow()
        s.query(ScanBatch).filter(ScanBatch.id == batch_id).update(values)
        s.commit()


def run_pipeline(campaign: Campaign, source: Path, data_dir: Path, progress, known: set[str],
                 max_pages: int = 2000):
    from scanner_import import ImportOptions, import_scan, parse_masks

    template = campaign.template
    options = ImportOptions(campaign=campaign.slug, masks=parse_masks(template.masks),
                            expected_pages=template.pages, known_ciphers=known, max_pages=max_pages)
    return import_scan(source, pages_root(data_dir), options, progress=progress)


def place_result(session: Session, batch: ScanBatch, result, actor: Actor | None) -> dict:
    """Write the pipeline's result as page rows (one transaction, by the caller)."""
    campaign_id = batch.campaign_id
    papers = {p.cipher: p for p in session.scalars(select(Paper).where(Paper.campaign_id == campaign_id))}
    already = set(session.scalars(select(Page.source_index).where(Page.batch_id == batch.id)))
    with_pages = set(session.scalars(select(Page.paper_id).where(
        Page.campaign_id == campaign_id, Page.status == PageStatus.PLACED, Page.batch_id != batch.id)))
    placed = conflicts = unidentified = 0
    conflict_ciphers = []
    for found in result.papers:
        paper = papers.get(found.cipher)
        clash = paper is not None and paper.id in with_pages
        if clash:
            conflict_ciphers.append(found.cipher)
        for page in found.pages:
            if page.source_page in already:
                continue  # this batch already placed it (a re-run after a crash)
            common = dict(campaign_id=campaign_id, batch_id=batch.id, source_index=page.source_page,
                          original_sha256=page.original.sha256, width=page.original.width,
                          height=page.original.height, rotation=page.rotation)
            if paper is None or clash:
                reason = ("у работы уже есть страницы из другого файла; прикрепите или удалите"
                          if clash else "шифр с обложки не найден в кампании")
                session.add(Page(status=PageStatus.UNIDENTIFIED, reason=f"{found.cipher}: {reason}",
                                 masked_sha256=page.masked.sha256, **common))
                conflicts += clash
                unidentified += not clash
            else:
                session.add(Page(status=PageStatus.PLACED, paper_id=paper.id, position=page.position,
                                 masked_sha256=page.masked.sha256, **common))
                placed += 1
    for page in result.unidentified:
        if page.source_page in already or page.original is None:
            continue
        session.add(Page(campaign_id=campaign_id, batch_id=batch.id, source_index=page.source_page,
                         original_sha256=page.original.sha256, width=page.original.width,
                         height=page.original.height, rotation=page.rotation,
                         status=PageStatus.UNIDENTIFIED, reason=page.reason_ru))
        unidentified += 1
    summary = {"papers": len(result.papers), "pages_placed": placed, "unidentified": unidentified,
               "conflicts": conflicts, "conflict_ciphers": conflict_ciphers, "blank": result.blank_count,
               "warnings": [w.message_ru for w in result.warnings][:50], "page_count": result.page_count}
    batch.report = summary
    batch.status = BatchStatus.DONE
    batch.pages_total = batch.pages_done = result.page_count
    batch.finished_at = utcnow()
    batch.error = ""
    session.flush()
    record(session, actor, "scan.import", "scan_batch", batch.id, campaign_id=campaign_id, after=summary)
    return summary


def batches(session: Session, campaign: Campaign) -> list[ScanBatch]:
    return list(session.scalars(select(ScanBatch).where(ScanBatch.campaign_id == campaign.id)
                                .order_by(ScanBatch.id.desc())))


def unidentified_count(session: Session, campaign: Campaign) -> int:
    return session.scalar(select(func.count()).select_from(Page).where(
        Page.campaign_id == campaign.id, Page.status == PageStatus.UNIDENTIFIED))


QUEUE_DOWN = "очередь задач недоступна: файл сохранён, но не обработан — загрузите его ещё раз позже"


def start_import(session: Session, batch: ScanBatch, *, timeout: int = 6 * 3600):
    """Run or enqueue the batch's job (after the caller's commit). A queue that cannot be
    reached is refused clearly: the batch is marked failed, so the same file can be
    uploaded again later and will then be processed."""
    from redis.exceptions import RedisError

    from ...background import enqueue

    batch_id = batch.id
    try:
        return enqueue("import_scan_batch", batch_id, timeout=timeout, description=f"scan {batch.filename}")
    except RedisError as exc:
        session.rollback()
        session.query(ScanBatch).filter(ScanBatch.id == batch_id).update(
            {"status": BatchStatus.FAILED, "error": QUEUE_DOWN})
        session.commit()
        raise ScanUploadError(f"Файл «{batch.filename}»: {QUEUE_DOWN}") from exc
