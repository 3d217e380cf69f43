"""Experts' and reviewers' marking (SPEC §6): drafts, optimistic locking, submission.

Every call checks ownership first and answers "not found" for anything that is not the
caller's, so nobody learns whether someone else's assignment exists.

Marking is the hot path (an autosave every few seconds per expert), so reads and writes
here are single Core statements rather than ORM loads and flushes:

- one SELECT reads the assignment, its template's tasks and its scores in one snapshot;
- a write is ``UPDATE … SET version = version + 1 WHERE id = … AND version = <read>``: when
  another tab or device wrote first, no row matches and the caller gets 409. Holding no
  lock while reading keeps SQLite's single write lock (and PostgreSQL's row lock) short;
- on PostgreSQL an autosave is that UPDATE with the scores and the audit event as one
  statement (atomic on its own, so the request needs no transaction round trips).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Integer, bindparam, func, insert, select, true, update
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session, joinedload

from ...db import utcnow
from ...domain.conflicts import kind_for_role
from ...domain.lifecycle import CampaignClosed, ensure_open
from ...models import (Assignment, AssignmentKind, AssignmentStatus, AuditEvent, Campaign, CampaignExpert, Paper,
                       TaskScore, TemplateTask, User, queue_kinds)
from ..audit.trail import Actor, audit_values, insert_now, record


class MarkingError(Exception):
    status = 400

    def __init__(self, message: str):
        self.message = message
        super().__init__(message)


class NotYours(MarkingError):
    status = 404


class Stale(MarkingError):
    status = 409


class Frozen(MarkingError):
    """The campaign is closed (``domain/lifecycle.py``): its marks are frozen."""
    status = 409


def _ensure_open(state: "MarkingState") -> None:
    """The lifecycle guard on the hot path: the campaign's status came with the state's read
    (no statement more); answered like any marking error (409 with the Russian reason)."""
    try:
        ensure_open(state.campaign_status, state.campaign_name)
    except CampaignClosed as exc:
        raise Frozen(exc.message) from None


class Paused(MarkingError):
    """The marker is paused in the campaign until a talk with the head of the methodological
    association (docs/experts.md): their work waits, drafts kept."""
    status = 403


PAUSED = ("Проверка работ в этой кампании для вас приостановлена до беседы с руководителем МО. "
          "Ваши черновики сохранены.")


STALE = "Баллы уже изменены в другой вкладке или на другом устройстве. Обновите страницу."
ALREADY_SUBMITTED = "Работа уже сдана: баллы изменить нельзя"


def kind_for(user: User) -> AssignmentKind | None:
    """The work the user's role does (``domain.conflicts.ROLE_FOR_KIND``). Someone whose role
    changed is served none of the other kind, not even their submitted work (kept as history):
    a reviewer re-imported as an expert no longer sees third checks, which carry the school's
    marks (SPEC §6)."""
    kind = kind_for_role(user.role.value)
    return AssignmentKind(kind) if kind else None


@dataclass(frozen=True)
class Task:
    id: int
    label: str
    max_score: int
    criteria: str


@dataclass(frozen=True)
class MarkingState:
    """One consistent read of the caller's assignment: what the scoring screen and every
    write start from."""
    id: int
    paper_id: int
    campaign_id: int
    cipher: str
    kind: AssignmentKind
    round: int
    status: AssignmentStatus
    version: int
    comment: str
    tasks: tuple[Task, ...]
    scores: dict[str, int]
    opened_at: datetime | None = None
    campaign_status: str = "marking"
    campaign_name: str = ""
    paused: bool = False  # the marker is paused in this campaign (calibration, docs/experts.md)


def shown_cipher():
    """The cipher a marker is shown: a calibration copy's own, else the paper's."""
    return func.coalesce(Assignment.copy_cipher, Paper.cipher)


def _state_statement():
    return (select(Assignment.id, Assignment.paper_id, Paper.campaign_id, shown_cipher(), Assignment.kind,
                   Assignment.round, Assignment.status, Assignment.version, Assignment.comment,
                   TemplateTask.id, TemplateTask.label, TemplateTask.max_score, TemplateTask.criteria,
                   TaskScore.score, Assignment.opened_at, Campaign.status, Campaign.name, CampaignExpert.paused_at)
            .join(Paper, Paper.id == Assignment.paper_id)
            .join(Campaign, Campaign.id == Paper.campaign_id)
            .outerjoin(CampaignExpert, (CampaignExpert.campaign_id == Paper.campaign_id)
                       & (CampaignExpert.user_id == Assignment.expert_id))
            .join(TemplateTask, TemplateTask.template_id == Campaign.template_id)
            .outerjoin(TaskScore, (TaskScore.assignment_id == Assignment.id) & (TaskScore.task_id == TemplateTask.id))
            .where(Assignment.id == bindparam("assignment_id"), Assignment.expert_id == bindparam("user_id"),
                   Assignment.kind.in_(bindparam("kinds", expanding=True)),
                   Assignment.status != AssignmentStatus.SUPERSEDED)
            .order_by(TemplateTask.position))


# Built once: every read of the hot path is the same statement (SQLAlchemy then finds its
# compiled form by cache key without re-building the expression per request).
_STATE = _state_statement()


def marking_state(session: Session, user: User, assignment_id: int) -> MarkingState:
    """The caller's live assignment with its tasks (template order) and current scores, in
    one statement; NotYours for anything else."""
    kind = kind_for(user)
    if kind is None:
        raise NotYours("Работа не найдена")
    rows = session.execute(_STATE, {"assignment_id": assignment_id, "user_id": user.id,
                                    "kinds": list(queue_kinds(kind))}).all()
    if not rows:
        raise NotYours("Работа не найдена")
    first = rows[0]
    if first[17] is not None:
        raise Paused(PAUSED)
    return MarkingState(
        id=first[0], paper_id=first[1], campaign_id=first[2], cipher=first[3], kind=first[4], round=first[5],
        status=first[6], version=first[7], comment=first[8],
        tasks=tuple(Task(r[9], r[10], r[11], r[12]) for r in rows),
        scores={r[10]: r[13] for r in rows if r[13] is not None}, opened_at=first[14],
        campaign_status=getattr(first[15], "value", first[15]), campaign_name=first[16],
        paused=first[17] is not None)


def mark_opened(session: Session, state: MarkingState) -> bool:
    """Record the first opening of an unfinished assignment (the start of its time per paper,
    docs/experts.md). Writes only the first time: later opens cost no statement at all (the
    state already says when), so the scoring screen never queues behind autosaves for it."""
    if state.opened_at is not None or state.status in CLOSED or state.campaign_status == "closed":
        return False
    session.execute(update(Assignment)
                    .where(Assignment.id == state.id, Assignment.opened_at.is_(None),
                           Assignment.status.not_in(CLOSED))
                    .values(opened_at=utcnow()).execution_options(synchronize_session=False))
    return True


def own_assignment(session: Session, user: User, assignment_id: int, *, for_update: bool = False) -> Assignment:
    """The caller's live assignment as an ORM object with its paper (for the writes that
    stay in the ORM: a problem flag)."""
    stmt = (select(Assignment)
            .where(Assignment.id == assignment_id, Assignment.expert_id == user.id,
                   Assignment.kind.in_(queue_kinds(kind_for(user))), Assignment.status != AssignmentStatus.SUPERSEDED)
            .options(joinedload(Assignment.paper, innerjoin=True)))
    if for_update:
        stmt = stmt.with_for_update(of=Assignment)
    assignment = session.scalar(stmt)
    if assignment is None:
        raise NotYours("Работа не найдена")
    return assignment


def validate_scores(tasks: tuple[Task, ...], scores: object) -> dict[str, int]:
    if not isinstance(scores, dict):
        raise MarkingError("scores: ожидается объект {задание: балл}")
    by_label = {t.label: t for t in tasks}
    problems = []
    for label, value in scores.items():
        task = by_label.get(label)
        if task is None:
            problems.append(f"задание «{label}»: такого задания нет")
        elif not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= task.max_score:
            problems.append(f"задание «{label}»: балл должен быть целым от 0 до {task.max_score}")
    if problems:
        raise MarkingError("; ".join(problems))
    return dict(scores)


# Work nobody may write to any more: handed in, or moved to someone else (a manual move,
# a withdrawal or the gate superseded it after the expert's autosave had read it).
CLOSED = (AssignmentStatus.SUBMITTED, AssignmentStatus.SUPERSEDED)


def _bump_version(session: Session, state: MarkingState, **values) -> int:
    """The optimistic lock: the write happens only if nobody wrote since ``state`` was read."""
    result = session.execute(
        update(Assignment)
        .where(Assignment.id == state.id, Assignment.version == state.version,
               Assignment.status.not_in(CLOSED))
        .values(version=Assignment.version + 1, **values)
        .execution_options(synchronize_session=False))
    if result.rowcount != 1:
        raise Stale(STALE)
    return state.version + 1


def _forget(session: Session, state: MarkingState) -> None:
    """Objects of this assignment a caller may hold in the session (the demo, tests) are
    reloaded on next access instead of showing what was there before the Core writes."""
    for key in list(session.identity_map.keys()):
        cls, ident = key[0], key[1]
        if (cls is Assignment and ident == (state.id,)) or (cls is TaskScore and ident[0] == state.id):
            obj = session.identity_map.get(key)
            if obj is not None:
                session.expire(obj)


def _save_in_steps(session: Session, state: MarkingState, values: dict, added: list[tuple[int, int, int]],
                   changed: list[tuple[int, int]], event: dict, now) -> None:
    """The write as a short transaction: version-guarded UPDATE, scores, audit event."""
    _bump_version(session, state, **values)
    table = TaskScore.__table__
    if added:
        session.execute(insert(table), [{"assignment_id": state.id, "task_id": task_id, "max_score": max_score,
                                         "score": score, "updated_at": now} for task_id, max_score, score in added])
    if changed:
        session.execute(update(table).where(table.c.assignment_id == bindparam("a_id"),
                                            table.c.task_id == bindparam("t_id"))
                        .values(score=bindparam("score"), updated_at=bindparam("now")),
                        [{"a_id": state.id, "t_id": task_id, "score": score, "now": now} for task_id, score in changed])
    insert_now(session, event)


def _save_at_once(session: Session, state: MarkingState, values: dict, added: list[tuple[int, int, int]],
                  changed: list[tuple[int, int]], event: dict, now) -> None:
    """PostgreSQL: the same write as one statement (data-modifying CTEs hanging off the
    version-guarded UPDATE), so it is atomic on its own and costs one round trip. When the
    version no longer matches, the UPDATE returns no row and nothing else is written.
    The rows travel as arrays, so every autosave is the same statement: compiled once per
    process and prepared once per connection."""
    written = session.execute(_AT_ONCE, {
        "write_id": state.id, "read_version": state.version, "new_comment": values["comment"],
        "new_status": values["status"], "now": now,
        "added_tasks": [t for t, _, _ in added], "added_max": [m for _, m, _ in added],
        "added_scores": [v for _, _, v in added],
        "changed_tasks": [t for t, _ in changed], "changed_scores": [v for _, v in changed],
        **{f"event_{c}": v for c, v in event.items()},
    }).scalar_one()
    if written != 1:
        raise Stale(STALE)


def _save_at_once_statement():
    a, ts, audit = Assignment.__table__, TaskScore.__table__, AuditEvent.__table__
    ints = ARRAY(Integer)
    now = bindparam("now", type_=ts.c.updated_at.type)
    # (parameter names differ from column names: SQLAlchemy would take those as SET values)
    bumped = (update(a).where(a.c.id == bindparam("write_id"), a.c.version == bindparam("read_version"),
                              a.c.status.not_in(CLOSED))
              .values(version=a.c.version + 1, comment=bindparam("new_comment", type_=a.c.comment.type),
                      status=bindparam("new_status", type_=a.c.status.type))
              .returning(a.c.id).cte("bumped"))
    rows = func.unnest(bindparam("added_tasks", type_=ints), bindparam("added_max", type_=ints),
                       bindparam("added_scores", type_=ints)).table_valued("task_id", "max_score", "score") \
        .render_derived(name="added_rows")
    added = insert(ts).from_select(
        ["assignment_id", "task_id", "max_score", "score", "updated_at"],
        select(bumped.c.id, rows.c.task_id, rows.c.max_score, rows.c.score, now)
        .select_from(bumped.join(rows, true()))).cte("added")
    rows = func.unnest(bindparam("changed_tasks", type_=ints), bindparam("changed_scores", type_=ints)) \
        .table_valued("task_id", "score").render_derived(name="changed_rows")
    changed = (update(ts).where(ts.c.assignment_id == bumped.c.id, ts.c.task_id == rows.c.task_id)
               .values(score=rows.c.score, updated_at=now).cte("changed"))
    columns = ["at", "actor_id", "actor_label", "action", "entity_type", "entity_id", "campaign_id", "before",
               "after"]
    audited = insert(audit).from_select(
        columns, select(*[bindparam(f"event_{c}", type_=audit.c[c].type) for c in columns])
        .select_from(bumped)).cte("audited")
    return select(func.count()).select_from(bumped).add_cte(added, changed, audited)


_AT_ONCE = _save_at_once_statement()


@dataclass(frozen=True)
class Saved:
    version: int


def save_scores(session: Session, user: User, assignment_id: int, scores: object, comment: object,
                version: object) -> Saved:
    """Store a draft (a partial set is fine). Stale version → Stale; submitted → Stale."""
    state = marking_state(session, user, assignment_id)
    _ensure_open(state)
    if state.status == AssignmentStatus.SUBMITTED:
        raise Stale(ALREADY_SUBMITTED)
    if not isinstance(version, int) or isinstance(version, bool):
        raise MarkingError("version: ожидается целое число")
    if version != state.version:
        raise Stale(STALE)
    if comment is not None and not isinstance(comment, str):
        raise MarkingError("comment: ожидается строка")
    new_scores = validate_scores(state.tasks, scores)
    new_comment = state.comment if comment is None else comment[:5000]
    status = AssignmentStatus.IN_PROGRESS if state.status == AssignmentStatus.ASSIGNED else state.status
    now = utcnow()
    by_label = {t.label: t for t in state.tasks}
    added = [(by_label[label].id, by_label[label].max_score, value)
             for label, value in new_scores.items() if label not in state.scores]
    changed = [(by_label[label].id, value)
               for label, value in new_scores.items() if label in state.scores and state.scores[label] != value]
    merged = {**state.scores, **new_scores}
    after_scores = {t.label: merged[t.label] for t in state.tasks if t.label in merged}
    new_version = state.version + 1
    event = audit_values(Actor(user), "marks.save", "assignment", state.id, campaign_id=state.campaign_id,
                         before={"scores": state.scores, "comment": state.comment},
                         after={"scores": after_scores, "comment": new_comment, "version": new_version})
    write = _save_at_once if session.get_bind().dialect.name == "postgresql" else _save_in_steps
    write(session, state, {"comment": new_comment, "status": status}, added, changed, event, now)
    _forget(session, state)
    return Saved(new_version)


@dataclass(frozen=True)
class Submitted:
    status: AssignmentStatus
    version: int


def packed_scores(state: MarkingState) -> bytes | None:
    """The submitted set once more, one byte a task in template order, on the assignment row: the
    per-expert statistics read 100,000 of them without aggregating 1.5 million score rows
    (docs/experts.md). Part of the submission's own UPDATE: no statement more. None when a
    task's maximum does not fit in a byte (readers then aggregate the score rows)."""
    if any(t.max_score > 255 for t in state.tasks):
        return None
    return bytes(state.scores[t.label] for t in state.tasks)


def submit(session: Session, user: User, assignment_id: int) -> Submitted:
    state = marking_state(session, user, assignment_id)
    _ensure_open(state)
    if state.status == AssignmentStatus.SUBMITTED:
        raise Stale("Работа уже сдана")
    missing = [t.label for t in state.tasks if t.label not in state.scores]
    if missing:
        raise MarkingError(f"Не выставлены баллы за задания: {', '.join(missing)}")
    if state.kind == AssignmentKind.REVIEW and not state.comment.strip():
        raise MarkingError("Для третьей проверки нужно обоснование итоговых баллов")
    from .workflow import after_submit, prepare_outcome

    outcome = prepare_outcome(session, state.paper_id)  # reads first: the write lock comes next
    version = _bump_version(session, state, status=AssignmentStatus.SUBMITTED, submitted_at=utcnow(),
                            submitted_scores=packed_scores(state))
    record(session, Actor(user), "marks.submit", "assignment", state.id, campaign_id=state.campaign_id,
           after={"scores": state.scores, "comment": state.comment}, now=True)
    _forget(session, state)
    after_submit(session, outcome, state.kind)
    return Submitted(AssignmentStatus.SUBMITTED, version)


PROBLEM_LABELS = {
    "page_missing": "не хватает страницы",
    "unreadable": "страница не читается",
    "wrong_subject": "работа не по этому предмету",
    "other": "другое",
}


def flag_problem(session: Session, user: User, assignment_id: int, kind: object, note: object) -> Assignment:
    """Instead of a score: tell the organiser the paper cannot be marked as it is."""
    from ...models import ProblemKind, ProblemReport, ProblemStatus

    assignment = own_assignment(session, user, assignment_id, for_update=True)
    campaign = session.get(Campaign, assignment.paper.campaign_id)
    try:
        ensure_open(campaign.status, campaign.name)
    except CampaignClosed as exc:
        raise Frozen(exc.message) from None
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
    # The report is open again, whatever the organiser decided about an earlier one (that
    # decision stays in the audit trail).
    report = session.get(ProblemReport, assignment.id)
    if report is None:
        session.add(ProblemReport(assignment_id=assignment.id, status=ProblemStatus.OPEN, reported_at=utcnow()))
    else:
        before["report"] = report.status.value
        report.status, report.reported_at = ProblemStatus.OPEN, utcnow()
        report.resolved_at, report.resolved_by_id, report.resolution = None, None, ""
    session.flush()
    record(session, Actor(user), "marks.problem", "assignment", assignment.id,
           campaign_id=assignment.paper.campaign_id, before=before,
           after={"problem": kind, "note": assignment.problem_note})
    return assignment
