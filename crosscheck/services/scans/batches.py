"""Scans in (SPEC §3): uploads become batches; a batch job runs the pipeline and places pages.

The file is stored and hashed on upload: the same file again adds nothing. The job
writes every page row of a batch in ONE transaction at the end, after the pipeline has
stored the (content-addressed) images, so a worker killed mid-file leaves no
half-imported paper; running the batch again finishes it (the images are found already
on disk). A paper that already has pages is never silently overwritten: the new pages
wait in the unidentified queue with the reason, for the organiser to decide.

A batch still queued or running JOB_TIMEOUT after it was (last) uploaded was abandoned:
its worker died, or the request that ran it inline did (RQ kills a job at its timeout).
Reading it marks it failed; uploading the same file again runs it again.
"""
from __future__ import annotations

import os
import shutil
import tempfile
import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from ...domain.lifecycle import ensure_open
from ...db import utcnow
from ...filenames import shown_name
from ...models import BatchStatus, Campaign, IdentifiedBy, Page, PageStatus, Paper, PaperStatus, ScanBatch, School
from ..audit.trail import Actor, record
from .pages import pages_root

UPLOADS_DIR = "uploads"
SCAN_SUFFIXES = {".pdf", ".tif", ".tiff"}
JOB_TIMEOUT = 6 * 3600  # seconds an import job may run (RQ kills it then); a live batch older is abandoned
LIVE = (BatchStatus.QUEUED, BatchStatus.RUNNING)
ABANDONED = "обработка прервана: загрузите файл ещё раз"


class ScanUploadError(ValueError):
    pass


@dataclass(frozen=True)
class Registered:
    """The upload's batch. ``needs_run``: the caller commits, then calls :func:`start_import`.
    Not so for a file imported already, or one a concurrent upload of the same file has just
    registered (``created`` False for both)."""

    batch: ScanBatch
    created: bool
    needs_run: bool


def validate_scan(source: Path, max_pages: int, name: str | None = None) -> None:
    """Refuse a file that cannot be imported at all (empty, corrupt, encrypted, too long,
    not really a PDF/TIFF, too costly to decode) before anything is stored; the message
    names the file as ``name`` (default: its own name)."""
    from scanner_import import ScanInputError, open_scan

    try:
        with open_scan(source, max_pages=max_pages):
            pass
    except ScanInputError as exc:
        raise ScanUploadError(exc.message_for(name or source.name)) from exc


def register_upload(session: Session, campaign: Campaign, source: Path, filename: str, data_dir: Path,
                    actor: Actor | None, *, max_pages: int = 2000, school: School | None = None) -> Registered:
    """Keep the uploaded file (by hash) and its batch; the same file twice is one batch, also
    when both copies arrive at the same moment. Uploading the file of a failed or abandoned
    batch again queues that batch anew. ``school``: the school whose stack this is (SPEC §3,
    scans without cover sheets): its title pages are read and matched to its participants."""
    ensure_open(campaign.status, campaign.name)  # closed: marks frozen (domain/lifecycle.py)
    name = shown_name(filename, "scan.pdf")
    suffix = Path(name).suffix.lower()
    if suffix not in SCAN_SUFFIXES:
        raise ScanUploadError(f"Файл «{name}»: нужен PDF или многостраничный TIFF")
    validate_scan(source, max_pages, name)
    from scanner_import import file_sha256

    sha = file_sha256(source)
    existing = _batch_of(session, campaign.id, sha)
    if existing is not None:
        if existing.status != BatchStatus.DONE and school is not None and existing.school_id is None:
            existing.school_id = school.id  # a failed import of this file, run again naming its school
        return _again(session, existing)
    target = data_dir / UPLOADS_DIR / f"{sha}{suffix}"
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".tmp-")
        os.close(fd)
        shutil.copyfile(source, tmp)
        os.replace(tmp, target)
    batch_id = _insert_unless_there(session, campaign_id=campaign.id, filename=name, sha256=sha,
                                    stored_path=str(target.relative_to(data_dir)),
                                    created_by_id=actor.user.id if actor and actor.user else None,
                                    school_id=school.id if school is not None else None)
    if batch_id is None:  # the same file, registered by a concurrent upload a moment ago
        return Registered(_batch_of(session, campaign.id, sha), created=False, needs_run=False)
    batch = session.get(ScanBatch, batch_id)
    record(session, actor, "scan.upload", "scan_batch", batch.id, campaign_id=campaign.id,
           after={"filename": batch.filename, "sha256": sha} | ({"school": school.code} if school else {}))
    return Registered(batch, created=True, needs_run=True)


def _batch_of(session: Session, campaign_id: int, sha: str) -> ScanBatch | None:
    return session.scalar(select(ScanBatch).where(ScanBatch.campaign_id == campaign_id, ScanBatch.sha256 == sha))


def _insert_unless_there(session: Session, **values) -> int | None:
    """INSERT … ON CONFLICT (campaign_id, sha256) DO NOTHING: the new batch's id, or None when
    the row is there already. The unique constraint decides between concurrent uploads of one
    file (the later waits for the earlier's commit), with no failed statement to roll back."""
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    table = ScanBatch.__table__  # Core applies the columns' defaults (status, created_at …)
    statement = insert(table).values(**values).on_conflict_do_nothing(
        index_elements=["campaign_id", "sha256"]).returning(table.c.id)
    return session.scalar(statement)


def _again(session: Session, batch: ScanBatch) -> Registered:
    """The same file uploaded again: nothing to do once imported; otherwise (failed, or never
    finished - perhaps its worker died a moment ago) it is queued anew."""
    if batch.status == BatchStatus.DONE:
        return Registered(batch, created=False, needs_run=False)
    batch.status, batch.error, batch.pages_done, batch.pages_total = BatchStatus.QUEUED, "", 0, 0
    batch.created_at, batch.finished_at = utcnow(), None  # the JOB_TIMEOUT of this run counts from now
    session.flush()
    return Registered(batch, created=False, needs_run=True)


def is_abandoned(batch: ScanBatch) -> bool:
    return batch.status in LIVE and batch.created_at < utcnow() - timedelta(seconds=JOB_TIMEOUT)


def settle_abandoned(session: Session, rows: Iterable[ScanBatch]) -> None:
    """Mark failed the batches among ``rows`` that were abandoned, so that they stop showing
    «Обрабатывается» forever. Written in a short transaction of its own (as progress is):
    the pages that read batches do not commit."""
    stale = [b for b in rows if is_abandoned(b)]
    if not stale:
        return
    cutoff = utcnow() - timedelta(seconds=JOB_TIMEOUT)
    with Session(bind=session.get_bind()) as s:
        s.execute(update(ScanBatch).where(ScanBatch.id.in_([b.id for b in stale]), ScanBatch.status.in_(LIVE),
                                          ScanBatch.created_at < cutoff)
                  .values(status=BatchStatus.FAILED, error=ABANDONED, finished_at=utcnow()))
        s.commit()
    for batch in stale:
        session.refresh(batch)


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
                 max_pages: int = 2000, *, titles: bool = False):
    """``titles``: the batch names its school, so a title page with a handwritten code
    (the template's ``identity`` box) starts an uncovered paper (SPEC §3)."""
    from scanner_import import IdentityBox, ImportOptions, import_scan, parse_masks

    from ..campaigns.store import stored_spec

    template = campaign.template
    identity = stored_spec(template).identity if titles else None
    options = ImportOptions(campaign=campaign.slug, masks=parse_masks(template.masks),
                            expected_pages=template.pages, known_ciphers=known, max_pages=max_pages,
                            identity=IdentityBox(tuple(identity.box), identity.digits, identity.page)
                            if identity is not None else None)
    return import_scan(source, pages_root(data_dir), options, progress=progress)


@dataclass
class _Tally:
    placed: int = 0
    in_doubt: int = 0
    held_back: list = None  # type: ignore[assignment]
    excluded: list = None  # type: ignore[assignment]

    def __post_init__(self) -> None:
        self.held_back, self.excluded = [], []


def place_pages(session: Session, batch: ScanBatch, paper: Paper, pages, already: set[int], tally: _Tally,
                how: IdentifiedBy) -> None:
    """Place a paper's pages (as the pipeline found and masked them) under ``paper``."""
    for page in pages:
        if page.source_page in already:
            continue  # this batch already placed it (a re-run after a crash)
        # A page in doubt is masked everywhere and holds its paper back (never served)
        # until an organiser confirms it (services/scans/doubts.py).
        session.add(Page(status=PageStatus.PLACED, paper_id=paper.id, position=page.position,
                         masked_sha256=page.masked.sha256, doubt=page.doubt, **_common(batch, page)))
        tally.placed += 1
        tally.in_doubt += bool(page.doubt)
        # Outside the sample (SPEC §8): the scan is kept, but nobody will be given it;
        # the report says so rather than letting it pass unnoticed.
        if paper.status == PaperStatus.EXCLUDED and paper.cipher not in tally.excluded:
            tally.excluded.append(paper.cipher)
        if page.doubt and paper.cipher not in tally.held_back:
            tally.held_back.append(paper.cipher)
    if paper.identified_by is None:
        paper.identified_by = how


def _common(batch: ScanBatch, page) -> dict:
    return dict(campaign_id=batch.campaign_id, batch_id=batch.id, source_index=page.source_page,
                original_sha256=page.original.sha256, width=page.original.width,
                height=page.original.height, rotation=page.rotation)


def place_result(session: Session, batch: ScanBatch, result, actor: Actor | None) -> dict:
    """Write the pipeline's result as page rows (one transaction, by the caller). Covered
    papers first; then the uncovered ones are matched against the batch school's roster
    (services/scans/titles.py): placed when matched with confidence, else pending."""
    from .titles import place_uncovered

    campaign_id = batch.campaign_id
    ensure_open(batch.campaign.status, batch.campaign.name)  # closed while the file was read: nothing placed
    papers = {p.cipher: p for p in session.scalars(select(Paper).where(Paper.campaign_id == campaign_id))}
    already = set(session.scalars(select(Page.source_index).where(Page.batch_id == batch.id)))
    with_pages = set(session.scalars(select(Page.paper_id).where(
        Page.campaign_id == campaign_id, Page.status == PageStatus.PLACED, Page.batch_id != batch.id)))
    conflicts = unidentified = 0
    conflict_ciphers: list[str] = []
    tally = _Tally()
    covered = [p for p in result.papers if p.title is None]
    for found in covered:
        paper = papers.get(found.cipher)
        clash = paper is not None and paper.id in with_pages
        if clash:
            conflict_ciphers.append(found.cipher)
        if paper is not None and not clash:
            place_pages(session, batch, paper, found.pages, already, tally, IdentifiedBy.QR)
            continue
        for page in found.pages:
            if page.source_page in already:
                continue
            reason = ("у работы уже есть страницы из другого файла; прикрепите или удалите"
                      if clash else "шифр с обложки не найден в кампании")
            session.add(Page(status=PageStatus.UNIDENTIFIED, reason=f"{found.cipher}: {reason}",
                             masked_sha256=page.masked.sha256, **_common(batch, page)))
            conflicts += clash
            unidentified += not clash
    session.flush()
    uncovered = place_uncovered(session, batch, [p for p in result.papers if p.title is not None], already, tally)
    for page in result.unidentified:
        if page.source_page in already or page.original is None:
            continue
        session.add(Page(campaign_id=campaign_id, batch_id=batch.id, source_index=page.source_page,
                         original_sha256=page.original.sha256, width=page.original.width,
                         height=page.original.height, rotation=page.rotation,
                         status=PageStatus.UNIDENTIFIED, reason=page.reason_ru))
        unidentified += 1
    summary = {"papers": len(result.papers), "pages_placed": tally.placed, "unidentified": unidentified,
               "conflicts": conflicts, "conflict_ciphers": conflict_ciphers, "blank": result.blank_count,
               "pages_in_doubt": tally.in_doubt, "held_back": len(tally.held_back),
               "held_back_ciphers": tally.held_back[:50],
               "excluded": len(tally.excluded), "excluded_ciphers": tally.excluded[:50],
               "warnings": [w.message_ru for w in result.warnings][:50], "page_count": result.page_count}
    if uncovered is not None:
        summary |= uncovered
    batch.report = summary
    batch.status = BatchStatus.DONE
    batch.pages_total = batch.pages_done = result.page_count
    batch.finished_at = utcnow()
    batch.error = ""
    session.flush()
    record(session, actor, "scan.import", "scan_batch", batch.id, campaign_id=campaign_id, after=summary)
    return summary


def batches(session: Session, campaign: Campaign) -> list[ScanBatch]:
    """The campaign's batches, newest first (abandoned ones marked failed)."""
    rows = list(session.scalars(select(ScanBatch).where(ScanBatch.campaign_id == campaign.id)
                                .order_by(ScanBatch.id.desc())))
    settle_abandoned(session, rows)
    return rows


def unidentified_count(session: Session, campaign: Campaign) -> int:
    return session.scalar(select(func.count()).select_from(Page).where(
        Page.campaign_id == campaign.id, Page.status == PageStatus.UNIDENTIFIED, Page.pending_title_id.is_(None)))


QUEUE_DOWN = "очередь задач недоступна: файл сохранён, но не обработан — загрузите его ещё раз позже"


def start_import(session: Session, batch: ScanBatch, *, timeout: int = JOB_TIMEOUT):
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
