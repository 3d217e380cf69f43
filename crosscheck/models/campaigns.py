"""Paper templates (SPEC §1) and campaigns."""
from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import JSON, Boolean, CheckConstraint, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy import true as sa_true
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db import Base, utcnow
from .people import Subject, User
from .types import UTCDateTime, str_enum


class PaperTemplate(Base):
    """A validated template. Immutable once a campaign uses it: marks refer to its tasks."""

    __tablename__ = "paper_templates"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    title: Mapped[str] = mapped_column(String(300))
    subject_id: Mapped[int] = mapped_column(ForeignKey("subjects.id"))
    grade_level: Mapped[int] = mapped_column(Integer)
    pages: Mapped[int] = mapped_column(Integer)
    grade3_min: Mapped[int] = mapped_column(Integer)
    grade4_min: Mapped[int] = mapped_column(Integer)
    grade5_min: Mapped[int] = mapped_column(Integer)
    masks: Mapped[list] = mapped_column(JSON, default=list)
    task_threshold: Mapped[int] = mapped_column(Integer, default=2)
    total_threshold: Mapped[int] = mapped_column(Integer, default=3)
    grade_change: Mapped[bool] = mapped_column(Boolean, default=True)
    double_tolerance: Mapped[int] = mapped_column(Integer, default=1)
    source: Mapped[str] = mapped_column(Text)  # the document as given, canonical JSON
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    subject: Mapped[Subject] = relationship()
    tasks: Mapped[list["TemplateTask"]] = relationship(
        back_populates="template", order_by="TemplateTask.position", cascade="all, delete-orphan"
    )

    __table_args__ = (
        CheckConstraint("pages >= 1", name="pages_positive"),
        CheckConstraint("0 <= grade3_min AND grade3_min < grade4_min AND grade4_min < grade5_min",
                        name="grades_increasing"),
        CheckConstraint("task_threshold >= 1 AND total_threshold >= 1 AND double_tolerance >= 0",
                        name="thresholds_valid"),
    )

    @property
    def max_total(self) -> int:
        return sum(t.max_score for t in self.tasks)

    @property
    def grades(self) -> dict[str, int]:
        return {"3": self.grade3_min, "4": self.grade4_min, "5": self.grade5_min}


class TemplateTask(Base):
    __tablename__ = "template_tasks"

    id: Mapped[int] = mapped_column(primary_key=True)
    template_id: Mapped[int] = mapped_column(ForeignKey("paper_templates.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    label: Mapped[str] = mapped_column(String(32))
    max_score: Mapped[int] = mapped_column(Integer)
    criteria: Mapped[str] = mapped_column(Text, default="")

    template: Mapped[PaperTemplate] = relationship(back_populates="tasks")

    __table_args__ = (
        UniqueConstraint("template_id", "label"),
        UniqueConstraint("template_id", "position"),
        # Target of the (task_id, max_score) foreign keys that let score rows check
        # "score <= max" inside the database.
        UniqueConstraint("id", "max_score", name="uq_template_tasks_id_max"),
        CheckConstraint("max_score >= 1", name="max_positive"),
    )


class CampaignStatus(str, enum.Enum):
    PREPARING = "preparing"
    MARKING = "marking"
    CLOSED = "closed"


class Campaign(Base):
    __tablename__ = "campaigns"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(300))
    template_id: Mapped[int] = mapped_column(ForeignKey("paper_templates.id"))
    per_paper: Mapped[int] = mapped_column(Integer, default=1)
    status: Mapped[CampaignStatus] = mapped_column(
        str_enum(CampaignStatus, "campaign_status"), default=CampaignStatus.PREPARING
    )
    exclude_same_municipality: Mapped[bool] = mapped_column(Boolean, default=False)
    # Per-marker (teacher) tables, pages and report sections: methodological support only;
    # the organiser may switch them off for the campaign (issue 17).
    teacher_views: Mapped[bool] = mapped_column(Boolean, default=True, server_default=sa_true())
    deadline: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    # Optimistic locking of the settings page (issue 15): every settings change bumps it, and an
    # edit made from an older version is refused (services/campaigns/settings.py).
    settings_version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    # The «Новая кампания» wizard run that created the campaign: one campaign per run, however
    # often «Создать кампанию» is pressed (services/campaigns/wizard.py).
    wizard_token: Mapped[str | None] = mapped_column(String(64), unique=True, nullable=True)
    # The lifecycle after marking (domain/lifecycle.py): closed by an organiser (marks frozen,
    # protocols published), archived (out of the active lists, still in the analytics).
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), nullable=True)
    archived_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    archived_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), nullable=True)
    # Calibration papers (docs/experts.md): one blind calibration copy per ``calibration_rate``
    # live papers an expert is given (0: off), and ``calibration_first`` more for each expert.
    calibration_rate: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    calibration_first: Mapped[int] = mapped_column(Integer, default=2, server_default="2")

    template: Mapped[PaperTemplate] = relationship()
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])
    closed_by: Mapped[User | None] = relationship(foreign_keys=[closed_by_id])
    archived_by: Mapped[User | None] = relationship(foreign_keys=[archived_by_id])

    __table_args__ = (
        CheckConstraint("per_paper IN (1, 2)", name="per_paper_one_or_two"),
        CheckConstraint("slug <> ''", name="slug_not_empty"),
        CheckConstraint("(status = 'closed') = (closed_at IS NOT NULL)", name="closed_iff_closed_at"),
        CheckConstraint("archived_at IS NULL OR status = 'closed'", name="archived_only_closed"),
        CheckConstraint("calibration_rate >= 0 AND calibration_first >= 0", name="calibration_not_negative"),
    )

    @property
    def is_closed(self) -> bool:
        return self.status == CampaignStatus.CLOSED

    @property
    def is_archived(self) -> bool:
        return self.archived_at is not None

    @property
    def subject(self) -> Subject:
        return self.template.subject


class CampaignExpert(Base):
    """Per-campaign settings of an expert: an optional load cap, withdrawal, and a pause.

    A withdrawn expert keeps their account (they may mark in other campaigns) but gets
    no new work here, and their unstarted work is redistributed.
    """

    __tablename__ = "campaign_experts"

    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    capacity: Mapped[int | None] = mapped_column(Integer, nullable=True)
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    reason: Mapped[str] = mapped_column(Text, default="")
    #: Paused by a reviewer or the organiser until a talk with the head of the methodological
    #: association (calibration, docs/experts.md): no new work, the queue shows a notice.
    paused_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    paused_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), nullable=True)
    pause_note: Mapped[str] = mapped_column(Text, default="", server_default="")

    user: Mapped[User] = relationship(foreign_keys=[user_id])

    __table_args__ = (CheckConstraint("capacity IS NULL OR capacity >= 0", name="capacity_not_negative"),)
