"""Read models for the home pages: campaigns with progress, an expert's queue."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from ...domain.conflicts import kind_for_role
from ...domain.next_steps import CampaignFacts, Step, next_steps
from ...domain.stage import PaperCounts, campaign_stage
from ...models import (Assignment, AssignmentKind, AssignmentStatus, Campaign, CampaignExpert, CampaignStatus, Paper,
                      PaperStatus, PaperTemplate, ProblemReport, ProblemStatus, User, queue_kinds)


@dataclass(frozen=True)
class CampaignSummary:
    """A campaign's papers by status. ``papers`` counts the papers to re-check: once a sample
    is fixed (SPEC §8) the ``excluded`` ones are left out of it, of the stage and the progress."""

    campaign: Campaign
    papers: int
    unassigned: int
    marking: int
    review: int
    done: int
    excluded: int = 0

    @property
    def stage(self) -> str:
        """Where the campaign stands, from its papers (``domain/stage.py``)."""
        return campaign_stage(PaperCounts(self.unassigned, self.marking, self.review, self.done),
                              closed=self.campaign.status == CampaignStatus.CLOSED,
                              archived=self.campaign.archived_at is not None)

    @property
    def progress_percent(self) -> int:
        return round(100 * self.done / self.papers) if self.papers else 0


def campaign_summaries(session: Session, subject_ids: list[int] | None = None, *,
                       archived: bool | None = None) -> list[CampaignSummary]:
    """Campaigns with their papers by status; ``archived`` False: the active lists (home
    pages), True: the «Архив» list, None: all (analytics, a campaign's own page)."""
    counts = {
        status: func.coalesce(func.sum(case((Paper.status == status, 1), else_=0)), 0)
        for status in PaperStatus
    }
    stmt = (
        select(Campaign, func.count(Paper.id), *counts.values())
        .join(PaperTemplate, Campaign.template_id == PaperTemplate.id)
        .outerjoin(Paper, Paper.campaign_id == Campaign.id)
        .group_by(Campaign.id)
        .order_by(Campaign.created_at.desc(), Campaign.id.desc())
    )
    if subject_ids is not None:
        stmt = stmt.where(PaperTemplate.subject_id.in_(subject_ids))
    if archived is not None:
        stmt = stmt.where(Campaign.archived_at.is_not(None) if archived else Campaign.archived_at.is_(None))
    rows = []
    for campaign, total, *values in session.execute(stmt):
        by_status = dict(zip(counts, (int(v) for v in values)))
        excluded = by_status[PaperStatus.EXCLUDED]
        rows.append(CampaignSummary(campaign, total - excluded, by_status[PaperStatus.UNASSIGNED],
                                    by_status[PaperStatus.MARKING], by_status[PaperStatus.REVIEW],
                                    by_status[PaperStatus.DONE], excluded))
    return rows


@dataclass(frozen=True)
class QueueItem:
    assignment: Assignment
    cipher: str
    campaign_name: str
    deadline: object = None
    problem_open: bool = False  # reported, the organiser has not answered yet
    resolution: str | None = None  # the organiser's answer to the expert's problem report


def expert_queue(session: Session, user: User) -> dict[str, list[QueueItem]]:
    """The caller's own live assignments (of the kind their role does), grouped as the queue
    page shows them; a paper whose problem the organiser has not handled yet waits apart
    (``problem``) and comes back to its place, with the organiser's note, once resolved."""
    kind = kind_for_role(user.role.value)
    rows = session.execute(
        select(Assignment, func.coalesce(Assignment.copy_cipher, Paper.cipher), Campaign.name, Campaign.deadline,
               ProblemReport.status, ProblemReport.resolution, Paper.campaign_id)
        .join(Paper, Assignment.paper_id == Paper.id)
        .join(Campaign, Paper.campaign_id == Campaign.id)
        .outerjoin(ProblemReport, ProblemReport.assignment_id == Assignment.id)
        .where(Assignment.expert_id == user.id,
               Assignment.kind.in_(queue_kinds(AssignmentKind(kind) if kind else None)),
               Assignment.status != AssignmentStatus.SUPERSEDED,
               Campaign.status != CampaignStatus.CLOSED)  # a closed campaign's work leaves the queue
        .order_by(Assignment.created_at, Assignment.id)
    ).all()
    groups: dict[str, list] = {"todo": [], "in_progress": [], "submitted": [], "problem": [], "paused": []}
    key = {AssignmentStatus.ASSIGNED: "todo", AssignmentStatus.IN_PROGRESS: "in_progress",
           AssignmentStatus.SUBMITTED: "submitted"}
    # A marker paused in a campaign (calibration, docs/experts.md) sees a notice instead of its papers.
    paused = dict(session.execute(
        select(Campaign.id, Campaign.name).join(CampaignExpert, CampaignExpert.campaign_id == Campaign.id)
        .where(CampaignExpert.user_id == user.id, CampaignExpert.paused_at.is_not(None))).all())
    groups["paused"] = sorted(paused.values())
    for assignment, cipher, campaign_name, deadline, report, resolution, campaign_id in rows:
        if campaign_id in paused:
            continue
        problem_open = report == ProblemStatus.OPEN and assignment.problem is not None
        item = QueueItem(assignment, cipher, campaign_name, deadline, problem_open,
                         resolution if report == ProblemStatus.RESOLVED else None)
        group = key[assignment.status]
        groups["problem" if problem_open and group != "submitted" else group].append(item)
    return groups


def review_counts(session: Session, user: User) -> dict[int, int]:
    """Open review assignments of this reviewer, per campaign id."""
    rows = session.execute(
        select(Paper.campaign_id, func.count(Assignment.id))
        .join(Paper, Assignment.paper_id == Paper.id)
        .join(Campaign, Campaign.id == Paper.campaign_id)
        .where(Assignment.expert_id == user.id, Assignment.kind == AssignmentKind.REVIEW,
               Assignment.status.in_([AssignmentStatus.ASSIGNED, AssignmentStatus.IN_PROGRESS]),
               Campaign.status != CampaignStatus.CLOSED)
        .group_by(Paper.campaign_id)
    ).all()
    return dict(rows)


def next_steps_by_campaign(session: Session, summaries: list[CampaignSummary]) -> dict[int, list[Step]]:
    """Per campaign, what the organiser should do next (``domain/next_steps.py``), from a
    handful of grouped counts over every campaign at once."""
    from datetime import datetime, timezone

    from sqlalchemy import and_, exists
    from sqlalchemy.orm import aliased

    from ...models import Page, PageStatus, PendingStatus, PendingTitle, School, in_doubt

    if not summaries:
        return {}
    ids = [s.campaign.id for s in summaries]

    def grouped(stmt) -> dict[int, int]:
        return {cid: int(n) for cid, n in session.execute(stmt)}

    live = Paper.status != PaperStatus.EXCLUDED
    schools_total = session.scalar(select(func.count()).select_from(School)) or 0
    schools_with_papers = grouped(select(Paper.campaign_id, func.count(func.distinct(Paper.school_id)))
                                  .where(Paper.campaign_id.in_(ids)).group_by(Paper.campaign_id))
    unidentified = grouped(select(Page.campaign_id, func.count()).where(
        Page.campaign_id.in_(ids), Page.status == PageStatus.UNIDENTIFIED,
        Page.pending_title_id.is_(None)).group_by(Page.campaign_id))
    titles = grouped(select(PendingTitle.campaign_id, func.count()).where(
        PendingTitle.campaign_id.in_(ids), PendingTitle.status == PendingStatus.PENDING).group_by(PendingTitle.campaign_id))
    held = grouped(select(Page.campaign_id, func.count(func.distinct(Page.paper_id))).where(
        Page.campaign_id.in_(ids), in_doubt()).group_by(Page.campaign_id))
    placed = aliased(Page)
    without_scans = grouped(select(Paper.campaign_id, func.count()).where(
        Paper.campaign_id.in_(ids), live,
        ~exists().where(placed.paper_id == Paper.id, placed.status == PageStatus.PLACED)).group_by(Paper.campaign_id))
    problems = grouped(select(Paper.campaign_id, func.count()).select_from(ProblemReport)
                       .join(Assignment, Assignment.id == ProblemReport.assignment_id)
                       .join(Paper, Paper.id == Assignment.paper_id)
                       .where(Paper.campaign_id.in_(ids), ProblemReport.status == ProblemStatus.OPEN,
                              Assignment.status != AssignmentStatus.SUPERSEDED)
                       .group_by(Paper.campaign_id))
    review = aliased(Assignment)
    reviews_unassigned = grouped(select(Paper.campaign_id, func.count()).where(
        Paper.campaign_id.in_(ids), Paper.status == PaperStatus.REVIEW,
        ~exists().where(and_(review.paper_id == Paper.id, review.kind == AssignmentKind.REVIEW,
                             review.status != AssignmentStatus.SUPERSEDED))).group_by(Paper.campaign_id))
    now = datetime.now(timezone.utc)
    out: dict[int, list[Step]] = {}
    for s in summaries:
        cid = s.campaign.id
        deadline = s.campaign.deadline
        facts = CampaignFacts(
            papers=s.papers, unassigned=s.unassigned, review=s.review, done=s.done,
            schools_without_marks=max(schools_total - schools_with_papers.get(cid, 0), 0) if s.papers else 0,
            unidentified_pages=unidentified.get(cid, 0), held_back=held.get(cid, 0),
            without_scans=without_scans.get(cid, 0), open_problems=problems.get(cid, 0),
            reviews_unassigned=reviews_unassigned.get(cid, 0),
            deadline_passed=deadline is not None and deadline < now,
            closed=s.campaign.status == CampaignStatus.CLOSED, pending_titles=titles.get(cid, 0))
        out[cid] = next_steps(facts)
    return out
