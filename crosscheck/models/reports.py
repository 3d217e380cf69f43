"""Report runs: one requested report file (JSON, XLSX, summary, a school's protocol),
built by a background job and downloaded when done."""
from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db import Base, utcnow
from .campaigns import Campaign
from .types import UTCDateTime, str_enum


class ReportStatus(str, enum.Enum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


class ReportRun(Base):
    __tablename__ = "report_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    school_code: Mapped[str] = mapped_column(String(64), default="")
    status: Mapped[ReportStatus] = mapped_column(str_enum(ReportStatus, "report_status"),
                                                 default=ReportStatus.QUEUED)
    job_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    error: Mapped[str] = mapped_column(Text, default="")
    file_name: Mapped[str] = mapped_column(String(200), default="")  # under reports/<campaign slug>/
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    # A run of the final protocols published when the campaign was closed at this moment
    # (services/reports/publish.py); its file lives apart, so a later publication after a
    # reopening never overwrites it. None for a report someone asked for.
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True, index=True)

    campaign: Mapped[Campaign] = relationship()

    __table_args__ = (
        CheckConstraint("kind IN ('json', 'xlsx', 'summary', 'protocol')", name="kind_known"),
    )
