"""Third checks (SPEC §7): which reviewer gets a paper that needs one.

Called when a paper's rechecks call for a third check (``services.marking.workflow``) and
when the gate withdrew a reviewer's live third check (``regate``): the same gate as every
other assignment, the least-loaded allowed reviewer, and the reason when nobody may.
"""
from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ...domain.assignment import HELD_BACK
from ...domain.conflicts import REVIEW, allowed
from ...models import Assignment, AssignmentKind, AssignmentStatus, Paper, Role, held_back
from ..audit.trail import Actor, record
from .gate import conflict_map, existing_for, expert_info, expert_schools, paper_info, people_of_role

SYSTEM = Actor(label="workflow")


def open_reviews(session: Session, reviewer_ids: list[int]) -> dict[int, int]:
    rows = session.execute(
        select(Assignment.expert_id, func.count())
        .where(Assignment.expert_id.in_(reviewer_ids), Assignment.kind == AssignmentKind.REVIEW,
               Assignment.status.in_([AssignmentStatus.ASSIGNED, AssignmentStatus.IN_PROGRESS]))
        .group_by(Assignment.expert_id))
    return dict(rows.all())


def assign_review(session: Session, paper: Paper) -> Assignment | None:
    """Give the third check to the least-loaded allowed reviewer; None (and why) if nobody may,
    or while the paper is held back (the organiser's confirmation of its pages gives it out)."""
    live = session.scalar(select(Assignment).where(
        Assignment.paper_id == paper.id, Assignment.kind == AssignmentKind.REVIEW,
        Assignment.status != AssignmentStatus.SUPERSEDED))
    if live is not None:
        return live
    if session.scalar(select(held_back(paper.id))):  # given out once an organiser confirms its pages
        record(session, SYSTEM, "review.unassigned", "paper", paper.id, campaign_id=paper.campaign_id,
               after={"reason": HELD_BACK.message})
        return None
    subject = paper.campaign.template.subject.name
    reviewers = people_of_role(session, Role.REVIEWER, subject)
    if not reviewers:
        record(session, SYSTEM, "review.unassigned", "paper", paper.id, campaign_id=paper.campaign_id,
               after={"reason": "нет руководителя МО по предмету"})
        return None
    conflicts = conflict_map(session, [r.id for r in reviewers])
    existing = existing_for(session, [paper.id])
    schools = expert_schools(session, existing)
    info = paper_info(paper)
    candidates, reasons = [], []
    for reviewer in reviewers:
        refusal = allowed(expert_info(reviewer, conflicts), info, 1, existing, kind=REVIEW,
                          expert_schools=schools,
                          exclude_same_municipality=paper.campaign.exclude_same_municipality)
        (reasons if refusal else candidates).append((reviewer, refusal))
    if not candidates:
        why = "; ".join(f"{r.login}: {refusal.message}" for r, refusal in reasons)
        record(session, SYSTEM, "review.unassigned", "paper", paper.id, campaign_id=paper.campaign_id,
               after={"reason": why})
        return None
    load = open_reviews(session, [r.id for r, _ in candidates])
    reviewer = min((r for r, _ in candidates), key=lambda r: (load.get(r.id, 0), r.id))
    review = Assignment(paper_id=paper.id, expert_id=reviewer.id, kind=AssignmentKind.REVIEW, round=1)
    session.add(review)
    session.flush()
    record(session, SYSTEM, "assignment.create", "assignment", review.id, campaign_id=paper.campaign_id,
           after={"paper_id": paper.id, "expert": reviewer.login, "kind": "review", "round": 1})
    return review
