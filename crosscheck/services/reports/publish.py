"""The final protocols published when a campaign is closed (issue 15).

Closing a campaign (``services/campaigns/lifecycle.close``) is followed, after its commit, by
one report run per file of the final set — a protocol (PDF) per school with papers in the
campaign, the municipal summary (PDF) and the XLSX report — built by the report job like any
other run (RQ when REDIS_URL is set, inline otherwise). The runs carry the moment of the close
(``report_runs.published_at``) and their files live under ``reports/<slug>/final-<moment>/``, so
a publication after a reopening never overwrites an earlier one: that stays, dated.

They are built for the full audience (the closing organiser's): organisers and observers
download them as they are; a reviewer reads a published set through their own restricted
copies (``audience.py``), asked for from the same panel.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from ...domain.lifecycle import LifecycleError, is_closed
from ...models import Campaign, Paper, ReportRun, ReportStatus, School, User
from ..audit.trail import Actor, record

KINDS = ("summary", "xlsx")  # and one "protocol" per school


def folder(published_at: datetime) -> str:
    """The published set's folder under reports/<slug>/ (UTC, to the second)."""
    return "final-" + published_at.strftime("%Y%m%dT%H%M%S")


def publish(session: Session, campaign: Campaign, user: User) -> list[int]:
    """Queue the final set for the campaign's current close (flushed; the caller commits, then
    starts each run with ``runs.start``). Asking again for the same close adds nothing."""
    if not is_closed(campaign.status) or campaign.closed_at is None:
        raise LifecycleError("Протоколы публикуются при завершении кампании: сначала завершите её.")
    existing = list(session.scalars(select(ReportRun.id).where(
        ReportRun.campaign_id == campaign.id, ReportRun.published_at == campaign.closed_at)))
    if existing:
        return existing
    codes = list(session.scalars(select(School.code).join(Paper, Paper.school_id == School.id)
                                 .where(Paper.campaign_id == campaign.id).distinct().order_by(School.code)))
    runs = [ReportRun(campaign_id=campaign.id, kind=kind, school_code="", requested_by_id=user.id,
                      published_at=campaign.closed_at) for kind in KINDS]
    runs += [ReportRun(campaign_id=campaign.id, kind="protocol", school_code=code, requested_by_id=user.id,
                       published_at=campaign.closed_at) for code in codes]
    session.add_all(runs)
    session.flush()
    record(session, Actor(user), "campaign.publish", "campaign", campaign.id, campaign_id=campaign.id,
           after={"published_at": campaign.closed_at.isoformat(), "reports": len(runs)})
    return [r.id for r in runs]


@dataclass(frozen=True)
class Publication:
    """One published set: ``current`` for the campaign's present close, else an earlier
    version (published, then the campaign was reopened)."""

    published_at: datetime
    current: bool
    runs: list[ReportRun]

    @property
    def done(self) -> bool:
        return all(r.status == ReportStatus.DONE for r in self.runs)

    @property
    def failed(self) -> list[ReportRun]:
        return [r for r in self.runs if r.status == ReportStatus.FAILED]


def publications(session: Session, campaign: Campaign) -> list[Publication]:
    """The campaign's published sets, newest first (summary, XLSX, then protocols by school)."""
    order = {"summary": 0, "xlsx": 1, "protocol": 2}
    by_moment: dict[datetime, list[ReportRun]] = {}
    for run in session.scalars(select(ReportRun).where(ReportRun.campaign_id == campaign.id,
                                                       ReportRun.published_at.is_not(None))):
        by_moment.setdefault(run.published_at, []).append(run)
    current = campaign.closed_at if is_closed(campaign.status) else None
    return [Publication(moment, moment == current,
                        sorted(runs, key=lambda r: (order.get(r.kind, 3), r.school_code)))
            for moment, runs in sorted(by_moment.items(), key=lambda item: item[0], reverse=True)]


def retry_failed(session: Session, publication: Publication) -> list[int]:
    """Queue again the failed files of a publication (flushed; the caller commits and starts them)."""
    ids = []
    for run in publication.failed:
        run.status, run.error, run.job_id, run.finished_at = ReportStatus.QUEUED, "", None, None
        ids.append(run.id)
    session.flush()
    return ids
