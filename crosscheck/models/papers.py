"""Papers, the schools' original marks, scan batches and scanned pages."""
from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import (JSON, BigInteger, Boolean, CheckConstraint, ColumnElement, Exists, ForeignKey, ForeignKeyConstraint,
                        Index, Integer, String, Text, UniqueConstraint, and_, exists, text)
from sqlalchemy.orm import Mapped, aliased, mapped_column, relationship

from ..db import Base, utcnow
from .campaigns import Campaign, TemplateTask
from .people import School, User
from .types import UTCDateTime, str_enum


class PaperStatus(str, enum.Enum):
    UNASSIGNED = "unassigned"
    MARKING = "marking"
    REVIEW = "review"
    DONE = "done"
    # Outside the campaign's sample (SPEC §8, ``CampaignSample``): no cover, no assignment,
    # in the report with this status and in no statistic.
    EXCLUDED = "excluded"


class IdentifiedBy(str, enum.Enum):
    """How a paper's scanned pages were tied to it (``scans status``): by the cover's QR, by
    the handwritten code read with confidence, or by a person."""
    QR = "qr"
    CODE = "code"
    PERSON = "person"


class Paper(Base):
    """One pupil's paper in one campaign. The cipher is all an expert ever learns of it."""

    __tablename__ = "papers"

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"))
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id"), index=True)
    participant_code: Mapped[str] = mapped_column(String(64))
    class_name: Mapped[str] = mapped_column(String(32), default="")
    variant: Mapped[str] = mapped_column(String(32), default="")
    cipher: Mapped[str] = mapped_column(String(32), unique=True)
    original_marker_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True, index=True)
    original_marker_name: Mapped[str] = mapped_column(String(300), default="")
    journal_mark: Mapped[int | None] = mapped_column(Integer, nullable=True)
    status: Mapped[PaperStatus] = mapped_column(
        str_enum(PaperStatus, "paper_status"), default=PaperStatus.UNASSIGNED
    )
    # How its scanned pages were tied to it (None: no pages placed yet, or placed before
    # migration 0012 - by a cover, shown as "qr").
    identified_by: Mapped[IdentifiedBy | None] = mapped_column(str_enum(IdentifiedBy, "identified_by"),
                                                                nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    campaign: Mapped[Campaign] = relationship()
    school: Mapped[School] = relationship()
    original_marker: Mapped[User | None] = relationship()
    original_scores: Mapped[list["OriginalScore"]] = relationship(
        back_populates="paper", cascade="all, delete-orphan"
    )

    __table_args__ = (
        UniqueConstraint("campaign_id", "school_id", "participant_code"),
        CheckConstraint("journal_mark IS NULL OR journal_mark BETWEEN 2 AND 5", name="journal_mark_range"),
        CheckConstraint("length(cipher) >= 8", name="cipher_long_enough"),
        CheckConstraint("participant_code <> ''", name="participant_code_not_empty"),
    )


class OriginalScore(Base):
    """The school's own mark for one task. ``attempted`` is false for "Х" (scored 0)."""

    __tablename__ = "original_scores"

    paper_id: Mapped[int] = mapped_column(ForeignKey("papers.id", ondelete="CASCADE"), primary_key=True)
    task_id: Mapped[int] = mapped_column(primary_key=True)
    max_score: Mapped[int] = mapped_column(Integer)
    score: Mapped[int] = mapped_column(Integer)
    attempted: Mapped[bool] = mapped_column(Boolean, default=True)

    paper: Mapped[Paper] = relationship(back_populates="original_scores")
    task: Mapped[TemplateTask] = relationship(foreign_keys=[task_id], viewonly=True,
                                              primaryjoin="OriginalScore.task_id == TemplateTask.id")

    __table_args__ = (
        ForeignKeyConstraint(["task_id", "max_score"], ["template_tasks.id", "template_tasks.max_score"],
                             name="fk_original_scores_task_max"),
        CheckConstraint("score >= 0 AND score <= max_score", name="score_in_range"),
        CheckConstraint("attempted OR score = 0", name="not_attempted_is_zero"),
    )


class BatchStatus(str, enum.Enum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


class ScanBatch(Base):
    """One uploaded scan file. Its hash makes a second upload of the same file a no-op."""

    __tablename__ = "scan_batches"

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"))
    filename: Mapped[str] = mapped_column(String(500))
    sha256: Mapped[str] = mapped_column(String(64))
    stored_path: Mapped[str] = mapped_column(String(500))
    status: Mapped[BatchStatus] = mapped_column(str_enum(BatchStatus, "batch_status"), default=BatchStatus.QUEUED)
    pages_total: Mapped[int] = mapped_column(Integer, default=0)
    pages_done: Mapped[int] = mapped_column(Integer, default=0)
    job_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    error: Mapped[str] = mapped_column(Text, default="")
    report: Mapped[dict | None] = mapped_column(JSON, nullable=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    # The school whose stack this is (``scans import --school``): uncovered papers are
    # matched against its participants. None: covers only.
    school_id: Mapped[int | None] = mapped_column(ForeignKey("schools.id"), nullable=True)

    campaign: Mapped[Campaign] = relationship()
    school: Mapped[School | None] = relationship()

    __table_args__ = (
        UniqueConstraint("campaign_id", "sha256"),
        CheckConstraint("pages_done >= 0 AND pages_done <= pages_total OR pages_total = 0",
                        name="progress_valid"),
    )


class PageStatus(str, enum.Enum):
    PLACED = "placed"
    UNIDENTIFIED = "unidentified"
    DISCARDED = "discarded"


class PendingStatus(str, enum.Enum):
    PENDING = "pending"
    CONFIRMED = "confirmed"


class PendingTitle(Base):
    """A title page whose handwritten code was not matched with confidence (SPEC §3, scans
    without cover sheets): a person confirms whose paper it is. Its pages (the title page
    and the ones after it) wait as unidentified pages linked here (``Page.pending_title_id``),
    already masked for their positions; confirming places them all under the paper.
    ``candidates``: [{"participant", "confidence"}] best first; ``crop``: the code box in
    fractions of the title page's stored original; ``digits``: the best guess as read."""

    __tablename__ = "pending_titles"

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"), index=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("scan_batches.id"))
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id"))
    file_page: Mapped[int] = mapped_column(Integer)
    original_sha256: Mapped[str] = mapped_column(String(64))
    digits: Mapped[str] = mapped_column(String(32), default="")
    candidates: Mapped[list] = mapped_column(JSON, default=list)
    crop: Mapped[list] = mapped_column(JSON, default=list)
    reason: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[PendingStatus] = mapped_column(str_enum(PendingStatus, "pending_status"),
                                                  default=PendingStatus.PENDING, index=True)
    paper_id: Mapped[int | None] = mapped_column(ForeignKey("papers.id"), nullable=True)
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), nullable=True)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    batch: Mapped[ScanBatch] = relationship()
    school: Mapped[School] = relationship()
    paper: Mapped[Paper | None] = relationship()

    __table_args__ = (
        UniqueConstraint("batch_id", "file_page"),
        CheckConstraint("(status = 'confirmed') = (paper_id IS NOT NULL AND resolved_at IS NOT NULL)",
                        name="confirmed_iff_paper"),
    )


class Page(Base):
    """A scanned content page: the original (organisers only) and the masked render."""

    __tablename__ = "pages"

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"), index=True)
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("scan_batches.id"), nullable=True, index=True)
    paper_id: Mapped[int | None] = mapped_column(ForeignKey("papers.id"), nullable=True, index=True)
    position: Mapped[int | None] = mapped_column(Integer, nullable=True)
    source_index: Mapped[int] = mapped_column(Integer, default=0)
    original_sha256: Mapped[str] = mapped_column(String(64))
    masked_sha256: Mapped[str | None] = mapped_column(String(64), nullable=True)
    width: Mapped[int] = mapped_column(Integer, default=0)
    height: Mapped[int] = mapped_column(Integer, default=0)
    rotation: Mapped[int] = mapped_column(Integer, default=0)
    status: Mapped[PageStatus] = mapped_column(str_enum(PageStatus, "page_status"))
    reason: Mapped[str] = mapped_column(Text, default="")
    # Why this page's position or orientation is in doubt ("" when it is not): its masks
    # may not cover what they must, so it is never served to an expert and its paper is
    # held back from assignment until an organiser confirms the page.
    doubt: Mapped[str] = mapped_column(Text, default="", server_default="")
    # An unidentified page of an uncovered paper whose code a person has still to confirm
    # (its title page's PendingTitle); it is not in the unidentified queue meanwhile.
    pending_title_id: Mapped[int | None] = mapped_column(ForeignKey("pending_titles.id"), nullable=True,
                                                         index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    paper: Mapped[Paper | None] = relationship()

    __table_args__ = (
        CheckConstraint(
            "(status = 'placed') = (paper_id IS NOT NULL AND position IS NOT NULL AND masked_sha256 IS NOT NULL)",
            name="placed_iff_paper_and_position",
        ),
        CheckConstraint("position IS NULL OR position >= 1", name="position_positive"),
        CheckConstraint("rotation IN (0, 90, 180, 270)", name="rotation_valid"),
        # A paper has one page at each position.
        Index("uq_pages_paper_position_placed", "paper_id", "position", unique=True,
              sqlite_where=text("status = 'placed'"), postgresql_where=text("status = 'placed'")),
    )


def in_doubt(page: Any = Page) -> ColumnElement[bool]:
    """SQL: ``page`` (the Page entity or an alias of it) is a placed page in doubt."""
    return and_(page.status == PageStatus.PLACED, page.doubt != "")


def held_back(paper_id: Any) -> Exists:
    """SQL: the paper (``paper_id``: a column or a value) has a placed page in doubt. Such a
    paper is held back: none of its pages is served to an expert or reviewer and nobody is
    given it, until an organiser confirms its pages."""
    page = aliased(Page)
    return exists().where(page.paper_id == paper_id, in_doubt(page))


class CampaignSample(Base):
    """A fixed sample of a campaign's papers (SPEC §8, ``crosscheck sample``): the rules, the
    seed, who fixed it and when. The newest row is the campaign's sample; older rows are the
    samples it replaced (a sample may be fixed again until assignment begins).

    Storage decision: membership is the paper's own status, not a flag beside it. A paper
    outside the sample has ``PaperStatus.EXCLUDED``. The status is what every path already
    reads — assignment takes ``unassigned`` papers, the report prints the status verbatim
    (SPEC §7: ``"status": "excluded"``), the campaign's counts and stage group by it — so the
    areas below read the sample from the models with no new column to remember in every
    query, and an excluded paper cannot also be "in marking": the two are one value. This
    row keeps what the status cannot: how the sample was drawn, so it can be drawn again
    (``domain/sampling.py`` gives the same sample for the same papers, rules and seed) and
    audited. ``whole_schools`` are the codes taken whole as resolved when it was fixed (the
    flagged schools of that day's screening).
    """

    __tablename__ = "campaign_samples"

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"), index=True)
    per_school: Mapped[int | None] = mapped_column(Integer, nullable=True)
    schools: Mapped[str] = mapped_column(String(16), default="")  # "", "flagged", "all" or "codes"
    whole_schools: Mapped[list] = mapped_column(JSON, default=list)
    seed: Mapped[int] = mapped_column(BigInteger)
    papers: Mapped[int] = mapped_column(Integer)
    sampled: Mapped[int] = mapped_column(Integer)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    created_by: Mapped[User | None] = relationship()

    __table_args__ = (
        CheckConstraint("per_school IS NULL OR per_school >= 1", name="per_school_positive"),
        CheckConstraint("schools IN ('', 'flagged', 'all', 'codes')", name="schools_known"),
        CheckConstraint("per_school IS NOT NULL OR schools <> ''", name="some_rule"),
        CheckConstraint("sampled >= 0 AND sampled <= papers", name="sampled_within_papers"),
        CheckConstraint("seed >= 0", name="seed_not_negative"),
    )
