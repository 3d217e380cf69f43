"""What happens to a paper when marks are submitted (SPEC §7): done, or a third check (given to a
reviewer by ``services.distribution.reviews``)."""
from __future__ import annotations

from dataclasses import dataclass, replace

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload
from sqlalchemy.orm.attributes import set_committed_value

from ...domain.discrepancy import Engine, PaperMarks
from ...models import AssignmentKind, Campaign, Paper, PaperStatus, PaperTemplate
from ..audit.trail import record
from ..distribution.reviews import SYSTEM, assign_review
from .schemes import original_marks, scheme_for, submitted_marks


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
    """Called in the submitting transaction once the assignment is marked submitted. A calibration
    copy decides nothing: its paper is a finished reference (docs/experts.md)."""
    if kind == AssignmentKind.CALIBRATION:
        return
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
