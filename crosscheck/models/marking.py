"""Assignments (rechecks, reviews and calibration copies) and the scores they carry; calibration
reference papers."""
from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import JSON, Boolean, CheckConstraint, ForeignKey, ForeignKeyConstraint, Index, Integer, LargeBinary, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db import Base, utcnow
from .campaigns import TemplateTask
from .papers import Paper
from .people import User
from .types import UTCDateTime, str_enum


class AssignmentKind(str, enum.Enum):
    RECHECK = "recheck"
    REVIEW = "review"
    #: A blind copy of a calibration reference paper (docs/experts.md, «Calibration papers»):
    #: marked like a recheck, never counted as one. Many experts may hold the same paper.
    CALIBRATION = "calibration"


class AssignmentStatus(str, enum.Enum):
    ASSIGNED = "assigned"
    IN_PROGRESS = "in_progress"
    SUBMITTED = "submitted"
    SUPERSEDED = "superseded"  # reassigned or withdrawn: kept, never erased


class ProblemKind(str, enum.Enum):
    PAGE_MISSING = "page_missing"
    UNREADABLE = "unreadable"
    WRONG_SUBJECT = "wrong_subject"
    OTHER = "other"


class ProblemStatus(str, enum.Enum):
    OPEN = "open"
    RESOLVED = "resolved"


def queue_kinds(kind: AssignmentKind | None) -> tuple[AssignmentKind, ...]:
    """The kinds of assignment a marker doing ``kind`` holds in their queue: an expert's
    rechecks and calibration copies (served alike, docs/experts.md), a reviewer's third checks."""
    if kind is None:
        return ()
    return (AssignmentKind.RECHECK, AssignmentKind.CALIBRATION) if kind == AssignmentKind.RECHECK else (kind,)


def shown_kind(kind: AssignmentKind) -> AssignmentKind:
    """The kind a marker is shown: a calibration copy is shown as the recheck it looks like."""
    return AssignmentKind.RECHECK if kind == AssignmentKind.CALIBRATION else kind


ACTIVE_STATUSES = (AssignmentStatus.ASSIGNED, AssignmentStatus.IN_PROGRESS, AssignmentStatus.SUBMITTED)


LIVE_SLOT = "status <> 'superseded' AND kind <> 'calibration'"
LIVE_CALIBRATION = "status <> 'superseded' AND kind = 'calibration'"


class Assignment(Base):
    """One expert's piece of work on one paper. ``version`` guards against stale writes."""

    __tablename__ = "assignments"

    id: Mapped[int] = mapped_column(primary_key=True)
    paper_id: Mapped[int] = mapped_column(ForeignKey("papers.id", ondelete="CASCADE"), index=True)
    expert_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    kind: Mapped[AssignmentKind] = mapped_column(str_enum(AssignmentKind, "assignment_kind"))
    round: Mapped[int] = mapped_column(Integer, default=1)
    status: Mapped[AssignmentStatus] = mapped_column(
        str_enum(AssignmentStatus, "assignment_status"), default=AssignmentStatus.ASSIGNED
    )
    version: Mapped[int] = mapped_column(Integer, default=1)
    comment: Mapped[str] = mapped_column(Text, default="")
    problem: Mapped[ProblemKind | None] = mapped_column(str_enum(ProblemKind, "problem_kind"), nullable=True)
    problem_note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    #: When the marker first opened the paper (the scoring screen or the API's single read);
    #: with ``submitted_at`` it gives the time spent on a paper (docs/experts.md).
    opened_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    #: The submitted score set, one byte a task in template order, written by the submission
    #: itself (``scoring.packed_scores``); a copy of the task_scores rows that readers of whole
    #: campaigns take instead of aggregating them. NULL before submission, for work submitted
    #: before migration 0010, and when a task's maximum exceeds 255 (read the rows then).
    submitted_scores: Mapped[bytes | None] = mapped_column(LargeBinary(), nullable=True)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    #: A calibration copy's own cipher, drawn like a paper's: what its expert is shown instead
    #: of the reference paper's cipher, so two experts (or the paper's live marker) holding the
    #: same reference never see one cipher twice (docs/experts.md). NULL for all other work.
    copy_cipher: Mapped[str | None] = mapped_column(String(32), nullable=True, unique=True)
    superseded_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)

    paper: Mapped[Paper] = relationship()
    expert: Mapped[User] = relationship(foreign_keys=[expert_id])
    scores: Mapped[list["TaskScore"]] = relationship(back_populates="assignment", cascade="all, delete-orphan")

    __table_args__ = (
        CheckConstraint("round >= 1", name="round_positive"),
        CheckConstraint("kind = 'review' OR round IN (1, 2)", name="recheck_round_one_or_two"),
        CheckConstraint("version >= 1", name="version_positive"),
        CheckConstraint("(status = 'submitted') = (submitted_at IS NOT NULL)", name="submitted_iff_time"),
        CheckConstraint("(status = 'superseded') = (superseded_at IS NOT NULL)", name="superseded_iff_time"),
        CheckConstraint("submitted_scores IS NULL OR status = 'submitted'", name="scores_copy_only_when_submitted"),
        CheckConstraint("(kind = 'calibration') = (copy_cipher IS NOT NULL)", name="copy_cipher_iff_calibration"),
        # One live piece of work per (paper, kind, round); superseded rows stay as history.
        # Calibration copies are per expert: one live copy of a paper per expert.
        Index("uq_assignments_live_round", "paper_id", "kind", "round", unique=True,
              sqlite_where=text(LIVE_SLOT), postgresql_where=text(LIVE_SLOT)),
        Index("uq_assignments_live_calibration", "paper_id", "expert_id", unique=True,
              sqlite_where=text(LIVE_CALIBRATION), postgresql_where=text(LIVE_CALIBRATION)),
    )


class ProblemReport(Base):
    """The organiser's handling of an expert's problem report on one assignment (the kind and
    the expert's note stay on the assignment). A new report on the same assignment reopens it;
    earlier resolutions are kept in the audit trail."""

    __tablename__ = "problem_reports"

    assignment_id: Mapped[int] = mapped_column(ForeignKey("assignments.id", ondelete="CASCADE"), primary_key=True)
    status: Mapped[ProblemStatus] = mapped_column(str_enum(ProblemStatus, "problem_status"),
                                                  default=ProblemStatus.OPEN, index=True)
    reported_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), nullable=True)
    resolution: Mapped[str] = mapped_column(Text, default="")

    assignment: Mapped[Assignment] = relationship()
    resolved_by: Mapped[User | None] = relationship(foreign_keys=[resolved_by_id])

    __table_args__ = (
        CheckConstraint("(status = 'resolved') = (resolved_at IS NOT NULL)", name="resolved_iff_time"),
    )


class TaskScore(Base):
    """A score for one task in one assignment; the database refuses a score above the max."""

    __tablename__ = "task_scores"

    assignment_id: Mapped[int] = mapped_column(ForeignKey("assignments.id", ondelete="CASCADE"), primary_key=True)
    task_id: Mapped[int] = mapped_column(primary_key=True)
    max_score: Mapped[int] = mapped_column(Integer)
    score: Mapped[int] = mapped_column(Integer)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    assignment: Mapped[Assignment] = relationship(back_populates="scores")
    task: Mapped[TemplateTask] = relationship(foreign_keys=[task_id], viewonly=True,
                                              primaryjoin="TaskScore.task_id == TemplateTask.id")

    __table_args__ = (
        ForeignKeyConstraint(["task_id", "max_score"], ["template_tasks.id", "template_tasks.max_score"],
                             name="fk_task_scores_task_max"),
        CheckConstraint("score >= 0 AND score <= max_score", name="score_in_range"),
    )


class CalibrationPaper(Base):
    """A finished paper a reviewer (or the organiser) made a calibration reference: its key is
    the per-task scores experts' blind copies are compared with (docs/experts.md). The key may
    change later (audited); every deviation is computed from the current key. An inactive
    reference is given to nobody new; copies already given stay and still count."""

    __tablename__ = "calibration_papers"

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"), index=True)
    paper_id: Mapped[int] = mapped_column(ForeignKey("papers.id", ondelete="CASCADE"), unique=True)
    #: {task label: score}, every task of the template
    key_scores: Mapped[dict] = mapped_column(JSON)
    note: Mapped[str] = mapped_column(Text, default="")
    set_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), nullable=True)
    set_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    paper: Mapped[Paper] = relationship()
    set_by: Mapped[User | None] = relationship(foreign_keys=[set_by_id])
