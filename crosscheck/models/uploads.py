"""Uploaded results forms waiting for the organiser's word: a file is checked first (the
preview: what an import would do, or every error by row and column), and imported only when
the organiser confirms. Both steps run as background jobs."""
from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db import Base, utcnow
from .campaigns import Campaign
from .types import UTCDateTime, str_enum


class UploadStatus(str, enum.Enum):
    QUEUED = "queued"          # the check is waiting for a worker
    CHECKING = "checking"      # the check is running
    READY = "ready"            # checked: the preview waits for the organiser's confirmation
    REJECTED = "rejected"      # the file has errors (by row and column); nothing was written
    IMPORTING = "importing"    # confirmed: the import is waiting for or running in a worker
    IMPORTED = "imported"      # done: the result is stored
    FAILED = "failed"          # the file could not be read or the job failed; the reason is stored
    CANCELLED = "cancelled"    # the organiser dropped the file after its preview


class MarksUpload(Base):
    __tablename__ = "marks_uploads"

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"), index=True)
    file_name: Mapped[str] = mapped_column(String(200))  # as the organiser's computer named it
    stored_path: Mapped[str] = mapped_column(String(300), default="")  # under the data directory, "" once gone
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    school_code: Mapped[str] = mapped_column(String(64), default="")  # chosen for a file naming no school
    status: Mapped[UploadStatus] = mapped_column(str_enum(UploadStatus, "upload_status"),
                                                 default=UploadStatus.QUEUED)
    preview: Mapped[dict | None] = mapped_column(JSON, nullable=True)  # MarksPreview.to_json()
    errors: Mapped[list | None] = mapped_column(JSON, nullable=True)  # [[row, column, message], ...] (capped)
    error_count: Mapped[int] = mapped_column(Integer, default=0)
    result: Mapped[dict | None] = mapped_column(JSON, nullable=True)  # what the import did
    error: Mapped[str] = mapped_column(Text, default="")
    job_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), nullable=True)
    confirmed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)

    campaign: Mapped[Campaign] = relationship()
