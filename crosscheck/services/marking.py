"""Experts' and reviewers' marking (SPEC §6): drafts, optimistic locking, submission.

Every call checks ownership first and answers "not found" for anything that is not the
caller's, so nobody learns whether someone else's assignment exists.
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload, selectinload

from ..db import utcnow
from ..models import Assignment, AssignmentKind, AssignmentStatus, Campaign, Paper, PaperTemplate, TaskScore, User
from .audit import Actor, record


class MarkingError(Exception):
    status = 400

    def __init__(self, message: str):
        self.message = message
        super().__init__(message)


class NotYours(MarkingError):
    status = 404


class Stale(MarkingError):
    status = 409


def own_assignment(session: Session, user: User, assignment_id: int, *, for_update: bool = False) -> Assignment:
    """The caller's live assignment with its paper, campaign, template tasks and scores loaded
    in three statements (marking is the hot path: an autosave every few seconds per expert)."""
    stmt = (select(Assignment)
            .where(Assignment.id == assignment_id, Assignment.expert_id == user.id,
                   Assignment.status != AssignmentStatus.SUPERSEDED)
            .options(joinedload(Assignment.paper, innerjoin=True).joinedload(Paper.campaign, innerjoin=True)
                     .joinedload(Campaign.template, innerjoin=True).selectinload(PaperTemplate.tasks),
                     selectinload(Assignment.scores)))
    if for_update:
        stmt = stmt.with_for_update(of=Assignment)
    assignment = session.scalar(stmt)
    if assignment is None:
        raise NotYours("Работа не найдена")
    return assignment


def current_scores(assignment: Assignment) -> dict[str, int]:
    labels = {t.id: t.label for t in assignment.paper.campaign.template.tasks}
    return {labels[s.task_id]: s.score for s in assignment.scores}


def validate_scores(assignment: Assignment, scores: object) -> dict[str, int]:
    if not isinstance(scores, dict):
        raise MarkingError("scores: ожидается объект {задание: балл}")
    tasks = {t.label: t for t in assignment.paper.campaign.template.tasks}
    problems = []
    for label, value in scores.items():
        task = tasks.get(label)
        if task is None:
            problems.append(f"задание «{label}»: такого задания нет")
        elif not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= task.max_score:
            problems.append(f"задание «{label}»: балл должен быть целым от 0 до {task.max_score}")
    if problems:
        raise MarkingError("; ".join(problems))
    return dict(scores)


@dataclass(frozen=True)
class Saved:
    version: int


def save_scores(session: Session, user: User, assignment_id: int, scores: object, comment: object,
                version: object) -> Saved:
    """Store a draft (a partial set is fine). Stale version → Stale; submitted → Stale."""
    assignment = own_assignment(session, user, assignment_id, for_update=True)
    if assignment.status == AssignmentStatus.SUBMITTED:
        raise Stale("Работа уже сдана: баллы изменить нельзя")
    if not isinstance(version, int) or isinstance(version, bool):
        raise MarkingError("version: ожидается целое число")
    if version != assignment.version:
        raise Stale("Баллы уже изменены в другой вкладке или на другом устройстве. Обновите страницу.")
    if comment is not None and not isinstance(comment, str):
        raise MarkingError("comment: ожидается строка")
    new_scores = validate_scores(assignment, scores)
    before = {"scores": current_scores(assignment), "comment": assignment.comment}
    _apply(assignment, new_scores)
    if comment is not None:
        assignment.comment = comment[:5000]
    if assignment.status == AssignmentStatus.ASSIGNED:
        assignment.status = AssignmentStatus.IN_PROGRESS
    assignment.version += 1
    session.flush()
    record(session, Actor(user), "marks.save", "assignment", assignment.id,
           campaign_id=assignment.paper.campaign_id, before=before,
           after={"scores": current_scores(assignment), "comment": assignment.comment,
                  "version": assignment.version})
    return Saved(assignment.version)


def _apply(assignment: Assignment, scores: dict[str, int]) -> None:
    tasks = {t.label: t for t in assignment.paper.campaign.template.tasks}
    existing = {s.task_id: s for s in assignment.scores}
    now = utcnow()
    for label, value in scores.items():
        task = tasks[label]
        row = existing.get(task.id)
        if row is None:
            assignment.scores.append(TaskScore(task_id=task.id, max_score=task.max_score, score=value,
                                               updated_at=now))
        elif row.score != value:
            row.score, row.updated_at = value, now


def submit(session: Session, user: User, assignment_id: int) -> Assignment:
    assignment = own_assignment(session, user, assignment_id, for_update=True)
    if assignment.status == AssignmentStatus.SUBMITTED:
        raise Stale("Работа уже сдана")
    scores = current_scores(assignment)
    missing = [t.label for t in assignment.paper.campaign.template.tasks if t.label not in scores]
    if missing:
        raise MarkingError(f"Не выставлены баллы за задания: {', '.join(missing)}")
    if assignment.kind == AssignmentKind.REVIEW and not assignment.comment.strip():
        raise MarkingError("Для третьей проверки нужно обоснование итоговых баллов")
    assignment.status = AssignmentStatus.SUBMITTED
    assignment.submitted_at = utcnow()
    assignment.version += 1
    session.flush()
    record(session, Actor(user), "marks.submit", "assignment", assignment.id,
           campaign_id=assignment.paper.campaign_id, after={"scores": scores, "comment": assignment.comment})
    from .workflow import after_submit

    after_submit(session, assignment)
    return assignment


PROBLEM_LABELS = {
    "page_missing": "не хватает страницы",
    "unreadable": "страница не читается",
    "wrong_subject": "работа не по этому предмету",
    "other": "другое",
}


def flag_problem(session: Session, user: User, assignment_id: int, kind: object, note: object) -> Assignment:
    """Instead of a score: tell the organiser the paper cannot be marked as it is."""
    from ..models import ProblemKind

    assignment = own_assignment(session, user, assignment_id, for_update=True)
    if assignment.status == AssignmentStatus.SUBMITTED:
        raise Stale("Работа уже сдана")
    if kind not in PROBLEM_LABELS:
        raise MarkingError(f"kind: одно из {', '.join(PROBLEM_LABELS)}")
    if note is not None and not isinstance(note, str):
        raise MarkingError("note: ожидается строка")
    before = {"problem": assignment.problem.value if assignment.problem else None,
              "note": assignment.problem_note}
    assignment.problem = ProblemKind(kind)
    assignment.problem_note = (note or "")[:2000]
    session.flush()
    record(session, Actor(user), "marks.problem", "assignment", assignment.id,
           campaign_id=assignment.paper.campaign_id, before=before,
           after={"problem": kind, "note": assignment.problem_note})
    return assignment
