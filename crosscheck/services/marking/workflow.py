"""What happens to a paper when marks are submitted (SPEC §7): done, or a third check."""
from __future__ import annotations

from dataclasses import dataclass, replace

from sqlalchemy import func, select
from sqlalchemy.orm import Session, joinedload
from sqlalchemy.orm.attributes import set_committed_value

from ...domain.assignment import HELD_BACK
from ...domain.conflicts import REVIEW, allowed
from ...domain.discrepancy import Engine, PaperMarks
from ...models import (Assignment, AssignmentKind, AssignmentStatus, Campaign, Paper, PaperStatus, PaperTemplate,
                      Role, held_back)
from ..audit.trail import Actor, record
from ..distribution.gate import conflict_map, existing_for, expert_info, expert_schools, paper_info, people_of_role
from .schemes import original_marks, scheme_for, submitted_marks

SYSTEM = Actor(label="workflow")


@dataclass(frozen=True)
class Outcome:
    """What deciding a paper's outcome needs that does not change while it is being marked
    (read before the submitting transaction writes, so SQLite's write lock is held briefly)."""
    paper: Paper
    engine: Engine
    labels: dict[int, str]
    marks: PaperMarks


def prepare_outcome(session: Session, paper_id: int) -> Outcome:
    paper = session.scalar(
        select(Paper).where(Paper.id == paper_id)
        .options(joinedload(Paper.school),
                 joinedload(Paper.campaign).joinedload(Campaign.template).selectinload(PaperTemplate.tasks),
                 joinedload(Paper.campaign).joinedload(Campaign.template).joinedload(PaperTemplate.subject)))
    template = paper.campaign.template
    labels = {t.id: t.label for t in template.tasks}
    # the submitted rechecks are read in after_submit, under the paper's lock
    return Outcome(paper, Engine(scheme_for(template), paper.campaign.per_paper), labels,
                   original_marks(session, paper, labels))


def after_submit(session: Session, outcome: Outcome, kind: AssignmentKind) -> None:
    """Called in the submitting transaction once the assignment is marked submitted."""
    paper = outcome.paper
    # The paper's row lock serialises submissions of the same paper on PostgreSQL, so the
    # second of two rechecks submitted at once sees the first (SQLite serialises all writes).
    status = session.scalar(select(Paper.status).where(Paper.id == paper.id).with_for_update())
    set_committed_value(paper, "status", status)
    if kind == AssignmentKind.REVIEW:
        _set_status(session, paper, PaperStatus.DONE)
        return
    rechecks, review = submitted_marks(session, paper.id, outcome.labels)
    result = outcome.engine.compare(replace(outcome.marks, rechecks=rechecks, review=review, status=status.value))
    if result.recheck is None and not result.rechecks_disagree:
        return  # the other recheck is still being marked
    if result.review_required:
        _set_status(session, paper, PaperStatus.REVIEW)
        assign_review(session, paper)
    else:
        _set_status(session, paper, PaperStatus.DONE)


def _set_status(session: Session, paper: Paper, status: PaperStatus) -> None:
    if paper.status != status:
        record(session, SYSTEM, "paper.status", "paper", paper.id, campaign_id=paper.campaign_id,
               before={"status": paper.status.value}, after={"status": status.value})
        paper.status = status


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
