"""Closing, reopening and archiving a campaign (issue 15; the rules in ``domain/lifecycle.py``).

- ``close``: status closed with who and when; the marks are frozen — every write path of the
  services asks ``domain.lifecycle.ensure_open`` first, and the live assignments' versions are
  bumped here, so an autosave or submission that read the campaign open a moment before
  answers 409 instead of writing after the close. The final protocols are published by the
  caller after the commit (``services/reports/publish.py``: that area sits above this one).
- ``reopen``: with a reason (audited); the protocols published at the close stay, dated, as an
  earlier version.
- ``archive`` / ``unarchive``: a closed campaign leaves (or comes back to) the active lists;
  it stays readable and in the cross-campaign analytics.

Flushes, never commits. Each step is one audit event with the status before and after.
"""
from __future__ import annotations

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from ...db import utcnow
from ...domain.lifecycle import (LifecycleError, OpenWork, may_archive, may_close, may_unarchive,
                                 reopen_reason)
from ...models import (Assignment, AssignmentStatus, BatchStatus, Campaign, CampaignStatus, MarksUpload, Page,
                       PageStatus, Paper, PaperStatus, PendingStatus, PendingTitle, ScanBatch, UploadStatus)
from ..audit.trail import Actor, record

__all__ = ["LifecycleError", "open_work", "close", "reopen", "archive", "unarchive"]

LIVE_UPLOADS = (UploadStatus.QUEUED, UploadStatus.CHECKING, UploadStatus.READY, UploadStatus.IMPORTING)
LIVE_BATCHES = (BatchStatus.QUEUED, BatchStatus.RUNNING)


def open_work(session: Session, campaign: Campaign) -> OpenWork:
    """What is still open in the campaign (the confirmation page names each with its consequence)."""
    by_status = dict(session.execute(select(Paper.status, func.count()).where(Paper.campaign_id == campaign.id)
                                     .group_by(Paper.status)).all())

    def count(stmt) -> int:
        return int(session.scalar(stmt) or 0)

    return OpenWork(
        unassigned=int(by_status.get(PaperStatus.UNASSIGNED, 0)),
        marking=int(by_status.get(PaperStatus.MARKING, 0)),
        review=int(by_status.get(PaperStatus.REVIEW, 0)),
        pending_titles=count(select(func.count()).select_from(PendingTitle).where(
            PendingTitle.campaign_id == campaign.id, PendingTitle.status == PendingStatus.PENDING)),
        unidentified=count(select(func.count()).select_from(Page).where(
            Page.campaign_id == campaign.id, Page.status == PageStatus.UNIDENTIFIED,
            Page.pending_title_id.is_(None))),
        uploads=count(select(func.count()).select_from(MarksUpload).where(
            MarksUpload.campaign_id == campaign.id, MarksUpload.status.in_(LIVE_UPLOADS)))
        + count(select(func.count()).select_from(ScanBatch).where(
            ScanBatch.campaign_id == campaign.id, ScanBatch.status.in_(LIVE_BATCHES))))


def close(session: Session, campaign: Campaign, actor: Actor, *, confirmed: bool = False) -> OpenWork:
    """Close the campaign (refused when closed already, or with open work not ``confirmed``)."""
    work = open_work(session, campaign)
    may_close(campaign.status, work, confirmed=confirmed)
    before = campaign.status.value
    campaign.status, campaign.closed_at = CampaignStatus.CLOSED, utcnow()
    campaign.closed_by_id = actor.user.id if actor.user is not None else None
    # Writes that read the campaign open a moment ago find the version moved: 409, nothing written.
    session.execute(update(Assignment).where(
        Assignment.status.in_((AssignmentStatus.ASSIGNED, AssignmentStatus.IN_PROGRESS)),
        Assignment.paper_id.in_(select(Paper.id).where(Paper.campaign_id == campaign.id).scalar_subquery()))
        .values(version=Assignment.version + 1).execution_options(synchronize_session=False))
    for obj in list(session.identity_map.values()):
        if isinstance(obj, Assignment):
            session.expire(obj, ["version"])
    session.flush()
    record(session, actor, "campaign.close", "campaign", campaign.id, campaign_id=campaign.id,
           before={"status": before},
           after={"status": CampaignStatus.CLOSED.value, "unassigned": work.unassigned, "marking": work.marking,
                  "review": work.review, "pending_titles": work.pending_titles,
                  "unidentified": work.unidentified, "uploads": work.uploads})
    return work


def reopen(session: Session, campaign: Campaign, actor: Actor, reason: object) -> None:
    """Open a closed campaign again (not while archived), with the reason in the audit trail."""
    text = reopen_reason(campaign.status, campaign.archived_at is not None, reason)
    has_work = session.scalar(select(func.count()).select_from(Assignment).join(Paper, Paper.id == Assignment.paper_id)
                              .where(Paper.campaign_id == campaign.id))
    status = CampaignStatus.MARKING if has_work else CampaignStatus.PREPARING
    closed_at = campaign.closed_at
    campaign.status, campaign.closed_at, campaign.closed_by_id = status, None, None
    session.flush()
    record(session, actor, "campaign.reopen", "campaign", campaign.id, campaign_id=campaign.id,
           before={"status": CampaignStatus.CLOSED.value, "closed_at": closed_at.isoformat() if closed_at else None},
           after={"status": status.value, "reason": text})


def archive(session: Session, campaign: Campaign, actor: Actor) -> None:
    may_archive(campaign.status, campaign.archived_at is not None)
    campaign.archived_at = utcnow()
    campaign.archived_by_id = actor.user.id if actor.user is not None else None
    session.flush()
    record(session, actor, "campaign.archive", "campaign", campaign.id, campaign_id=campaign.id,
           before={"archived": False}, after={"archived": True})


def unarchive(session: Session, campaign: Campaign, actor: Actor) -> None:
    may_unarchive(campaign.archived_at is not None)
    campaign.archived_at, campaign.archived_by_id = None, None
    session.flush()
    record(session, actor, "campaign.unarchive", "campaign", campaign.id, campaign_id=campaign.id,
           before={"archived": True}, after={"archived": False})
