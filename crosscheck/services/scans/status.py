"""What the scan imports made of a campaign's pages (SPEC §3 ``scans status``): one read for
``crosscheck scans status`` (its JSON, exactly SPEC §3's shape) and for the campaign page's
status block (the same facts with the batch's school, date, title pages and warnings).

Per batch: the pages in the file, blank backs dropped, title pages read (papers without a
cover), the papers placed from it by how they were identified - by the cover's QR code, by
the handwritten code read with confidence, or by a person in the confirmation queue -,
the title pages still pending and the pages waiting in the unidentified queue. While a
batch is queued or running its page rows are not written yet (the job writes them at the
end), so its counts are ``None`` - unknown, not zero - and only its progress is known.

Per paper (JSON only): its participant code, school, how it was identified and where each of
its pages came from. A paper placed before migration 0012 has no ``identified_by``: it came
by a cover and reads as ``"qr"``.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ...models import (BatchStatus, Campaign, IdentifiedBy, Page, PageStatus, Paper, PaperStatus, PendingStatus,
                       PendingTitle, ScanBatch, School)
from .batches import settle_abandoned

HOW = tuple(h.value for h in IdentifiedBy)  # "qr", "code", "person"


@dataclass
class BatchFacts:
    id: int
    file: str
    school: str                 # the school named at upload ("" - covers only)
    uploaded_at: datetime
    status: str                 # queued | running | done | failed
    error: str
    pages: int                  # pages in the file (while importing: as far as known)
    pages_done: int
    blank: int | None           # None: not known before the import ends
    title_pages: int | None     # title pages with a handwritten code (papers without a cover)
    by: dict[str, int] | None   # papers placed from this file by how they were identified
    pending: int | None         # its title pages whose code a person has still to confirm
    unidentified: int | None    # its pages in the unidentified queue
    warnings: list[str] = field(default_factory=list)

    @property
    def live(self) -> bool:
        return self.status in (BatchStatus.QUEUED.value, BatchStatus.RUNNING.value)

    @property
    def placed_papers(self) -> int | None:
        return None if self.by is None else sum(self.by.values())


@dataclass
class PaperFacts:
    participant: str
    school: str
    identified_by: str
    pages: list[dict]


@dataclass
class PendingFacts:
    id: int
    file: str
    file_page: int
    school: str
    digits: str
    candidates: list[dict]


@dataclass
class ScanStatus:
    batches: list[BatchFacts]   # in upload order
    pending: list[PendingFacts]
    papers: list[PaperFacts] | None  # None: not asked for (the page shows counts only)
    papers_total: int           # the campaign's papers (excluded from the sample not counted)
    by: dict[str, int]          # papers with scans by how they were identified
    unidentified: int           # pages in the unidentified queue

    @property
    def scanned(self) -> int:
        return sum(self.by.values())

    @property
    def without_scans(self) -> int:
        return max(0, self.papers_total - self.scanned)

    @property
    def importing(self) -> bool:
        return any(b.live for b in self.batches)

    def as_json(self) -> dict:
        """SPEC §3's JSON, exactly its keys."""
        return {
            "batches": [{"file": b.file, "status": b.status, "pages": b.pages, "blank": b.blank or 0,
                         "unidentified": b.unidentified or 0, "pending": b.pending or 0} for b in self.batches],
            "papers": [{"participant": p.participant, "school": p.school, "identified_by": p.identified_by,
                        "pages": p.pages} for p in (self.papers or [])],
            "pending": [{"file": i.file, "file_page": i.file_page,
                         "candidates": [{"participant": c["participant"], "confidence": c["confidence"]}
                                        for c in i.candidates]} for i in self.pending],
        }


def _how(value) -> str:
    return IdentifiedBy(value or IdentifiedBy.QR).value


def scan_status(session: Session, campaign: Campaign, *, papers: bool = True) -> ScanStatus:
    """The campaign's scan status; ``papers=False`` leaves out the per-paper page lists
    (everything else is the same, counted in SQL)."""
    rows = list(session.scalars(select(ScanBatch).where(ScanBatch.campaign_id == campaign.id)
                                .order_by(ScanBatch.id)))
    settle_abandoned(session, rows)
    names = {b.id: b.filename for b in rows}
    schools = dict(session.execute(select(School.id, School.code)).all())
    unidentified = dict(session.execute(
        select(Page.batch_id, func.count()).where(Page.campaign_id == campaign.id,
                                                  Page.status == PageStatus.UNIDENTIFIED,
                                                  Page.pending_title_id.is_(None))
        .group_by(Page.batch_id)).all())
    # papers placed from each file, by how they were identified (a paper whose pages came
    # from two files counts in both)
    per_batch: dict[int, dict[str, int]] = {}
    for batch_id, how, n in session.execute(
            select(Page.batch_id, Paper.identified_by, func.count(func.distinct(Page.paper_id)))
            .join(Paper, Page.paper_id == Paper.id)
            .where(Page.campaign_id == campaign.id, Page.status == PageStatus.PLACED)
            .group_by(Page.batch_id, Paper.identified_by)).all():
        counts = per_batch.setdefault(batch_id, dict.fromkeys(HOW, 0))
        counts[_how(how)] += n
    waiting = list(session.scalars(select(PendingTitle).where(PendingTitle.campaign_id == campaign.id,
                                                              PendingTitle.status == PendingStatus.PENDING)
                                   .order_by(PendingTitle.batch_id, PendingTitle.file_page)))
    pending_by_batch: dict[int, int] = {}
    for item in waiting:
        pending_by_batch[item.batch_id] = pending_by_batch.get(item.batch_id, 0) + 1

    batches = []
    for b in rows:
        report = b.report or {}
        known = b.status == BatchStatus.DONE or bool(report)
        batches.append(BatchFacts(
            id=b.id, file=b.filename, school=schools.get(b.school_id, "") if b.school_id else "",
            uploaded_at=b.created_at, status=b.status.value, error=b.error or "",
            pages=report.get("page_count", b.pages_total), pages_done=b.pages_done,
            blank=report.get("blank", 0) if known else None,
            title_pages=report.get("uncovered", 0) if known else None,
            by=per_batch.get(b.id, dict.fromkeys(HOW, 0)) if known else None,
            pending=pending_by_batch.get(b.id, 0) if known else None,
            unidentified=unidentified.get(b.id, 0) if known else None,
            warnings=list(report.get("warnings", [])) if known else []))

    totals = dict.fromkeys(HOW, 0)
    for how, n in session.execute(
            select(Paper.identified_by, func.count(func.distinct(Paper.id)))
            .join(Page, Page.paper_id == Paper.id)
            .where(Paper.campaign_id == campaign.id, Page.status == PageStatus.PLACED)
            .group_by(Paper.identified_by)).all():
        totals[_how(how)] += n
    papers_total = session.scalar(select(func.count()).select_from(Paper).where(
        Paper.campaign_id == campaign.id, Paper.status != PaperStatus.EXCLUDED)) or 0

    pending = [PendingFacts(i.id, names.get(i.batch_id, ""), i.file_page,
                            schools.get(i.school_id, "") if i.school_id else "", i.digits,
                            list(i.candidates or [])) for i in waiting]
    return ScanStatus(batches=batches, pending=pending, papers=_papers(session, campaign, names) if papers else None,
                      papers_total=papers_total, by=totals, unidentified=sum(unidentified.values()))


def _papers(session: Session, campaign: Campaign, names: dict[int, str]) -> list[PaperFacts]:
    rows = session.execute(select(Paper.id, Paper.participant_code, Paper.identified_by, School.code, Page.position,
                                  Page.batch_id, Page.source_index)
                           .join(School, Paper.school_id == School.id)
                           .join(Page, Page.paper_id == Paper.id)
                           .where(Paper.campaign_id == campaign.id, Page.status == PageStatus.PLACED)
                           .order_by(School.code, Paper.participant_code, Page.position)).all()
    out: dict[int, PaperFacts] = {}
    for paper_id, participant, how, school_code, position, batch_id, source_index in rows:
        entry = out.get(paper_id)
        if entry is None:
            entry = out[paper_id] = PaperFacts(participant, school_code, _how(how), [])
        entry.pages.append({"position": position, "file": names.get(batch_id, ""), "file_page": source_index})
    return list(out.values())
