"""The gate re-run over live work when a person changes (SPEC §5: "never broken, by any path").

A person's role, school (and its municipality), subjects, active flag and declared conflicts
decide what they may mark. Every path that changes one of those — the users, conflicts and
schools imports, and anything else that edits a user — calls :func:`recheck_live_assignments`
after its writes. Each *live* assignment (assigned or in progress) of those people is judged
again by ``domain.conflicts.allowed`` with the same inputs the assignment paths build
(``gate.py``: role, school, municipality, subjects, conflicts, active, the original marker,
the paper's other rechecks), and whatever the gate no longer allows is withdrawn:

- superseded, never deleted (its draft scores stay as history), with the version bumped so
  an autosave or submission in flight answers 409 instead of writing into withdrawn work;
- audited as ``assignment.withdrawn_by_gate`` with the rule that refused it;
- a recheck's slot is open again for the organiser's next distribution run (``crosscheck
  assign``, «Распределение»), which fills it through the gate like any other slot; a paper left
  without any recheck goes back to «не распределена»;
- a third check goes at once to another allowed reviewer (``reviews.assign_review``: nothing
  else would assign it), or the paper waits with the reason (``review.unassigned``).

Submitted work is history: it is never withdrawn or changed here; so is all work of a closed
campaign (its marks are frozen).
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, replace

from sqlalchemy import and_, exists, select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.util import identity_key

from ...db import utcnow
from ...domain.conflicts import RECHECK, REVIEW, SUPERSEDED, ExistingAssignment, ExpertInfo, PaperInfo, Refusal, allowed
from ...models import (Assignment, AssignmentKind, AssignmentStatus, Campaign, CampaignStatus, Paper, PaperStatus,
                      PaperTemplate, School, Subject, User, user_subjects)
from ..audit.trail import Actor, record
from .gate import conflict_map
from .reviews import assign_review

CALIBRATION = AssignmentKind.CALIBRATION.value

ACTION = "assignment.withdrawn_by_gate"
LIVE = (AssignmentStatus.ASSIGNED, AssignmentStatus.IN_PROGRESS)
_LIVE_VALUES = frozenset(s.value for s in LIVE)
CHUNK = 2000  # ids per IN (...): well under SQLite's and PostgreSQL's parameter limits


@dataclass(frozen=True)
class GateWithdrawal:
    """One live assignment the gate no longer allows, as withdrawn."""

    assignment_id: int
    paper_id: int
    campaign: str  # slug
    cipher: str
    login: str
    kind: str  # recheck | review
    round: int
    status: str  # before the withdrawal: assigned | in_progress
    refusal: Refusal
    review_to: str | None = None  # a third check given straight to this reviewer instead

    def describe(self) -> str:
        """One line for the organiser (the command line prints it)."""
        what = ("третья проверка" if self.kind == REVIEW else "калибровочная работа" if self.kind == CALIBRATION
                else f"перепроверка {self.round}")
        line = f"{self.campaign} {self.cipher} ({what}): снята с {self.login} — {self.refusal.message}"
        if self.kind == REVIEW:
            line += f"; передана {self.review_to}" if self.review_to else "; другого руководителя МО нет"
        return line


@dataclass(frozen=True)
class _Live:
    id: int
    paper_id: int
    expert_id: int
    kind: str
    round: int
    status: str


def _chunks(ids: list[int]) -> Iterable[list[int]]:
    for start in range(0, len(ids), CHUNK):
        yield ids[start:start + CHUNK]


def recheck_live_assignments(session: Session, user_ids: Iterable[int] | None, actor: Actor | None, *,
                             paper_ids: Iterable[int] | None = None) -> list[GateWithdrawal]:
    """Re-run the gate over the live assignments of ``user_ids`` (None: of everybody), or of
    ``paper_ids`` when given (a paper's original marker changed), and withdraw, audited, what
    it no longer allows. Flushes, never commits; returns the withdrawals."""
    session.flush()
    live = _live(session, user_ids, paper_ids)
    if not live:
        return []
    paper_ids = sorted({a.paper_id for a in live})
    papers, campaigns = _papers(session, paper_ids)
    existing = _existing(session, paper_ids)
    people = _people(session, {a.expert_id for a in live}
                     | {e.expert_id for held in existing.values() for e in held})
    schools = {uid: info.school_id for uid, (info, _) in people.items()}
    withdrawn: list[GateWithdrawal] = []
    for a in live:
        info, campaign_id, cipher = papers[a.paper_id]
        slug, by_municipality = campaigns[campaign_id]
        expert, login = people[a.expert_id]
        if a.kind == CALIBRATION:  # a calibration copy: the recheck rules, no peers (calibration.py)
            refusal = allowed(expert, info, a.round, (), kind=RECHECK,
                              exclude_same_municipality=by_municipality)
        else:
            refusal = allowed(expert, info, a.round, existing[a.paper_id], kind=a.kind, expert_schools=schools,
                              exclude_same_municipality=by_municipality)
        if refusal is None or not _supersede(session, a):
            continue  # allowed, or submitted meanwhile (history: never withdrawn)
        # Later judgements of the same paper no longer see this slot (a withdrawn peer
        # blocks nothing), so of two rechecks that now clash only the one judged first goes.
        existing[a.paper_id] = [replace(e, status=SUPERSEDED) if _same_slot(e, a) else e
                                for e in existing[a.paper_id]]
        record(session, actor, ACTION, "assignment", a.id, campaign_id=campaign_id,
               before={"status": a.status, "expert_id": a.expert_id},
               after={"status": SUPERSEDED, "paper_id": a.paper_id, "expert": login, "kind": a.kind,
                      "round": a.round, "reason": refusal.code, "message": refusal.message})
        withdrawn.append(GateWithdrawal(a.id, a.paper_id, slug, cipher, login, a.kind, a.round, a.status, refusal))
    session.flush()
    return _reopen(session, withdrawn, actor)


def _live(session: Session, user_ids: Iterable[int] | None, paper_ids: Iterable[int] | None) -> list[_Live]:
    stmt = select(Assignment.id, Assignment.paper_id, Assignment.expert_id, Assignment.kind, Assignment.round,
                  Assignment.status).where(Assignment.status.in_(LIVE))
    # a closed campaign's marks are frozen (domain/lifecycle.py): its work is history, never withdrawn
    stmt = (stmt.join(Paper, Paper.id == Assignment.paper_id).join(Campaign, Campaign.id == Paper.campaign_id)
            .where(Campaign.status != CampaignStatus.CLOSED))
    if user_ids is not None:
        column, ids = Assignment.expert_id, sorted(set(user_ids))
    elif paper_ids is not None:
        column, ids = Assignment.paper_id, sorted(set(paper_ids))
    else:
        column, ids = None, []
    if column is None:
        batches = [session.execute(stmt).all()]
    else:
        batches = [session.execute(stmt.where(column.in_(chunk))).all() for chunk in _chunks(ids)]
    rows = [_Live(i, p, e, k.value, r, s.value) for batch in batches for i, p, e, k, r, s in batch]
    return sorted(rows, key=lambda a: a.id)


def _papers(session: Session, paper_ids: list[int]):
    papers: dict[int, tuple[PaperInfo, int, str]] = {}
    campaigns: dict[int, tuple[str, bool]] = {}
    for chunk in _chunks(paper_ids):
        for pid, school_id, municipality, marker, campaign_id, cipher, subject, slug, by_municipality in \
                session.execute(
                    select(Paper.id, Paper.school_id, School.municipality, Paper.original_marker_id, Paper.campaign_id,
                           Paper.cipher, Subject.name, Campaign.slug, Campaign.exclude_same_municipality)
                    .join(School, Paper.school_id == School.id).join(Campaign, Paper.campaign_id == Campaign.id)
                    .join(PaperTemplate, Campaign.template_id == PaperTemplate.id)
                    .join(Subject, PaperTemplate.subject_id == Subject.id)
                    .where(Paper.id.in_(chunk))):
            # the same facts as gate.paper_info / assignment.load_inputs build
            papers[pid] = (PaperInfo(pid, school_id, municipality or None, subject, marker), campaign_id, cipher)
            campaigns[campaign_id] = (slug, bool(by_municipality))
    return papers, campaigns


def _existing(session: Session, paper_ids: list[int]) -> dict[int, list[ExistingAssignment]]:
    found: defaultdict[int, list[ExistingAssignment]] = defaultdict(list)
    for chunk in _chunks(paper_ids):
        for p, e, k, r, s in session.execute(
                select(Assignment.paper_id, Assignment.expert_id, Assignment.kind, Assignment.round,
                       Assignment.status).where(Assignment.paper_id.in_(chunk),
                                                Assignment.kind != AssignmentKind.CALIBRATION)):
            found[p].append(ExistingAssignment(p, e, k.value, r, s.value))
    return found


def _people(session: Session, user_ids: set[int]) -> dict[int, tuple[ExpertInfo, str]]:
    """Everyone involved as the gate sees them now (``gate.expert_info``'s facts, in bulk)."""
    ids = sorted(user_ids)
    subjects: defaultdict[int, set[str]] = defaultdict(set)
    people = {}
    conflicts = {}
    for chunk in _chunks(ids):
        for uid, name in session.execute(select(user_subjects.c.user_id, Subject.name)
                                         .join(Subject, Subject.id == user_subjects.c.subject_id)
                                         .where(user_subjects.c.user_id.in_(chunk))):
            subjects[uid].add(name)
        conflicts |= conflict_map(session, chunk)
        people.update({row[0]: row for row in session.execute(
            select(User.id, User.login, User.role, User.school_id, School.municipality, User.active)
            .outerjoin(School, User.school_id == School.id).where(User.id.in_(chunk)))})
    return {uid: (ExpertInfo(id=uid, school_id=school_id, municipality=municipality or None,
                             subjects=frozenset(subjects[uid]), conflict_school_ids=conflicts.get(uid, frozenset()),
                             active=bool(active), role=role.value), login)
            for uid, login, role, school_id, municipality, active in people.values()}


def _same_slot(e: ExistingAssignment, a: _Live) -> bool:
    return (e.expert_id, e.kind, e.round) == (a.expert_id, a.kind, a.round) and e.status in _LIVE_VALUES


def _supersede(session: Session, a: _Live) -> bool:
    """Withdraw one live assignment; False when it was submitted (or withdrawn) meanwhile."""
    done = session.execute(
        update(Assignment).where(Assignment.id == a.id, Assignment.status.in_(LIVE))
        .values(status=AssignmentStatus.SUPERSEDED, superseded_at=utcnow(), version=Assignment.version + 1)
        .execution_options(synchronize_session=False)).rowcount == 1
    held = session.identity_map.get(identity_key(Assignment, a.id)) if done else None
    if held is not None:
        session.expire(held)
    return done


def _reopen(session: Session, withdrawn: list[GateWithdrawal], actor: Actor | None) -> list[GateWithdrawal]:
    """Leave each paper consistent and open again (see the module docstring)."""
    out = []
    for w in withdrawn:
        paper = session.get(Paper, w.paper_id)
        if w.kind == CALIBRATION:  # a finished reference paper: nothing to reopen
            out.append(w)
        elif w.kind == RECHECK:
            _unassigned_without_rechecks(session, paper, actor)
            out.append(w)
        else:
            review = assign_review(session, paper)
            out.append(replace(w, review_to=review.expert.login if review is not None else None))
    session.flush()
    return out


def _unassigned_without_rechecks(session: Session, paper: Paper, actor: Actor | None) -> None:
    """A paper in marking with no recheck left (live or submitted) is waiting for distribution."""
    session.refresh(paper, ["status"])
    held = session.scalar(select(exists().where(and_(
        Assignment.paper_id == paper.id, Assignment.kind == AssignmentKind.RECHECK,
        Assignment.status != AssignmentStatus.SUPERSEDED))))
    if paper.status == PaperStatus.MARKING and not held:
        record(session, actor, "paper.status", "paper", paper.id, campaign_id=paper.campaign_id,
               before={"status": paper.status.value},
               after={"status": PaperStatus.UNASSIGNED.value, "reason": ACTION})
        paper.status = PaperStatus.UNASSIGNED
