"""Typed SQLAlchemy 2.x models, one module per area."""
from ..db import Base
from .audit import AuditEvent
from .campaigns import Campaign, CampaignExpert, CampaignStatus, PaperTemplate, TemplateTask
from .marking import (ACTIVE_STATUSES, Assignment, CalibrationPaper, AssignmentKind, AssignmentStatus, ProblemKind, ProblemReport,
                      ProblemStatus, TaskScore, queue_kinds, shown_kind)
from .papers import (BatchStatus, CampaignSample, IdentifiedBy, OriginalScore, Page, PageStatus, Paper, PaperStatus,
                     PendingStatus, PendingTitle, ScanBatch, held_back, in_doubt)
from .reports import ReportRun, ReportStatus
from .uploads import MarksUpload, UploadStatus
from .people import ApiToken, Conflict, LoginAttempt, Role, School, Subject, User, user_subjects

__all__ = [
    "Base", "AuditEvent", "Campaign", "CampaignExpert", "CampaignStatus", "PaperTemplate", "TemplateTask",
    "ACTIVE_STATUSES", "Assignment", "CalibrationPaper", "AssignmentKind", "AssignmentStatus", "ProblemKind", "ProblemReport", "ProblemStatus", "TaskScore", "queue_kinds", "shown_kind",
    "BatchStatus", "CampaignSample", "IdentifiedBy", "OriginalScore", "Page", "PageStatus", "Paper", "PaperStatus",
    "PendingStatus", "PendingTitle", "ScanBatch", "held_back", "in_doubt",
    "ReportRun", "ReportStatus", "MarksUpload", "UploadStatus", "ApiToken", "Conflict", "LoginAttempt", "Role", "School", "Subject", "User", "user_subjects",
]
