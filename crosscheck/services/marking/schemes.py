"""The discrepancy engine's view of a stored template and of a stored paper's marks."""
from __future__ import annotations

from dataclasses import replace

from sqlalchemy import select
from sqlalchemy.orm import Session

from ...domain.discrepancy import PaperMarks, Rules, Scheme
from ...domain.grading import GradeScale, TaskSpec
from ...models import (Assignment, AssignmentKind, AssignmentStatus, OriginalScore, Paper, PaperTemplate,
                      TaskScore)


def scheme_for(template: PaperTemplate) -> Scheme:
    return Scheme(
        tasks=tuple(TaskSpec(t.label, t.max_score) for t in template.tasks),
        grades=GradeScale(template.grades),
        rules=Rules(task_threshold=template.task_threshold, total_threshold=template.total_threshold,
                    grade_change=template.grade_change, double_tolerance=template.double_tolerance),
    )


def paper_marks(session: Session, paper: Paper) -> PaperMarks:
    """One paper's original marks and its *submitted* live rechecks and review."""
    labels = {t.id: t.label for t in paper.campaign.template.tasks}
    rechecks, review = submitted_marks(session, paper.id, labels)
    return replace(original_marks(session, paper, labels), rechecks=rechecks, review=review)


def original_marks(session: Session, paper: Paper, labels: dict[int, str]) -> PaperMarks:
    """One paper as the school marked it, before any recheck is counted."""
    original = {labels[task_id]: score for task_id, score in session.execute(
        select(OriginalScore.task_id, OriginalScore.score).where(OriginalScore.paper_id == paper.id))}
    return PaperMarks(
        cipher=paper.cipher, school=paper.school.code, participant=paper.participant_code,
        original=original, status=paper.status.value, class_name=paper.class_name or None,
        municipality=paper.school.municipality or None,
        original_marker=paper.original_marker_name or None, journal_mark=paper.journal_mark,
    )


def submitted_marks(session: Session, paper_id: int, labels: dict[int, str]
                    ) -> tuple[list[dict[str, int]], dict[str, int] | None]:
    """A paper's submitted rechecks (by round) and review, keyed by task label (calibration copies
    of the paper are not its rechecks: docs/experts.md)."""
    rechecks: dict[int, dict[str, int]] = {}
    review: dict[str, int] | None = None
    rows = session.execute(
        select(Assignment.id, Assignment.kind, Assignment.round, TaskScore.task_id, TaskScore.score)
        .join(TaskScore, TaskScore.assignment_id == Assignment.id)
        .where(Assignment.paper_id == paper_id, Assignment.status == AssignmentStatus.SUBMITTED,
               Assignment.kind != AssignmentKind.CALIBRATION)  # a calibration copy is never a recheck
        .order_by(Assignment.round, Assignment.id))
    for _id, kind, round_, task_id, score in rows:
        if kind == AssignmentKind.REVIEW:
            review = review or {}
            review[labels[task_id]] = score
        else:
            rechecks.setdefault(round_, {})[labels[task_id]] = score
    return [rechecks[r] for r in sorted(rechecks)], review
