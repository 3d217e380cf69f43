"""Experts' problem reports as the organiser handles them: a list per campaign (open first),
resolving with a note the expert will read, and reassigning the paper through the gate.

A report is the assignment's problem (kind and the expert's note, ``Assignment.problem``)
plus its handling (``ProblemReport``: open → resolved, by whom, when, the organiser's note).
A new report on the same assignment reopens it (``scoring.flag_problem``). Every call takes
the campaign and finds nothing outside it.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import case, func, or_, select
from sqlalchemy.orm import Session, aliased

from ...domain.lifecycle import ensure_open
from ...db import utcnow
from ...domain.assignment import candidates
from ...models import (Assignment, AssignmentKind, AssignmentStatus, Campaign, Paper, ProblemReport, ProblemStatus,
                       School, User)
from ..audit.trail import Actor, record
from ..distribution.assignment import AssignmentRefused, assign_manually, load_inputs
from ..distribution.console import Offer, reassignment_offers
from .scoring import PROBLEM_LABELS

PAGE_SIZE = 50
FILTERS = ("open", "resolved", "all")
NOTE_MAX = 2000
REASSIGNED = "Работа передана другому эксперту."


class ProblemError(ValueError):
    """The organiser's request cannot be done (shown to them as it is)."""


@dataclass(frozen=True)
class ReportRow:
    assignment_id: int
    cipher: str
    school_code: str
    participant_code: str
    expert_login: str
    expert_name: str
    assignment_kind: AssignmentKind
    round: int
    assignment_status: AssignmentStatus
    problem: str  # the kind's code
    note: str  # the expert's
    reported_at: datetime
    status: ProblemStatus
    resolved_at: datetime | None
    resolved_by: str | None
    resolution: str

    @property
    def problem_label(self) -> str:
        return PROBLEM_LABELS.get(self.problem, self.problem)

    @property
    def is_open(self) -> bool:
        """Waiting for the organiser: open and the work still with the expert who reported it."""
        return self.status == ProblemStatus.OPEN and self.assignment_status != AssignmentStatus.SUPERSEDED

    @property
    def withdrawn(self) -> bool:
        """Open when the work was taken off the expert some other way (a move, a withdrawal)."""
        return self.status == ProblemStatus.OPEN and self.assignment_status == AssignmentStatus.SUPERSEDED

    @property
    def can_reassign(self) -> bool:
        return (self.is_open and self.assignment_kind == AssignmentKind.RECHECK
                and self.assignment_status != AssignmentStatus.SUBMITTED)


_LIVE = Assignment.status != AssignmentStatus.SUPERSEDED
_OPEN = (ProblemReport.status == ProblemStatus.OPEN) & _LIVE


def _in_campaign(campaign: Campaign):
    return (select(ProblemReport)
            .join(Assignment, Assignment.id == ProblemReport.assignment_id)
            .join(Paper, Paper.id == Assignment.paper_id)
            .where(Paper.campaign_id == campaign.id, Assignment.problem.is_not(None)))


def open_count(session: Session, campaign: Campaign) -> int:
    return session.scalar(select(func.count()).select_from(_in_campaign(campaign).where(_OPEN).subquery()))


def report_count(session: Session, campaign: Campaign) -> int:
    return session.scalar(select(func.count()).select_from(_in_campaign(campaign).subquery()))


def reports(session: Session, campaign: Campaign, which: str = "open", page: int = 1) -> tuple[list[ReportRow], int]:
    """One page of the campaign's reports: open first (oldest first: handled in turn), then
    the others, newest first."""
    which = which if which in FILTERS else "open"
    resolver = aliased(User)
    expert = aliased(User)
    stmt = (select(Assignment.id, Paper.cipher, School.code, Paper.participant_code, expert.login,
                   expert.full_name, Assignment.kind, Assignment.round, Assignment.status, Assignment.problem,
                   Assignment.problem_note, ProblemReport.reported_at, ProblemReport.status,
                   ProblemReport.resolved_at, resolver.full_name, ProblemReport.resolution)
            .select_from(ProblemReport)
            .join(Assignment, Assignment.id == ProblemReport.assignment_id)
            .join(Paper, Paper.id == Assignment.paper_id)
            .join(School, School.id == Paper.school_id)
            .join(expert, expert.id == Assignment.expert_id)
            .outerjoin(resolver, resolver.id == ProblemReport.resolved_by_id)
            .where(Paper.campaign_id == campaign.id, Assignment.problem.is_not(None)))
    if which == "open":
        stmt = stmt.where(_OPEN)
    elif which == "resolved":
        stmt = stmt.where(or_(ProblemReport.status == ProblemStatus.RESOLVED, ~_LIVE))
    total = session.scalar(select(func.count()).select_from(stmt.subquery()))
    is_open = case((_OPEN, 0), else_=1)
    # open ones oldest first, then the rest newest first
    order = case((_OPEN, ProblemReport.reported_at), else_=None)
    rows = session.execute(stmt.order_by(is_open, order.asc(), ProblemReport.reported_at.desc(), Assignment.id)
                           .limit(PAGE_SIZE).offset((max(page, 1) - 1) * PAGE_SIZE)).all()
    return [ReportRow(r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7], r[8], r[9].value, r[10], r[11], r[12], r[13],
                      r[14], r[15]) for r in rows], total


def report_in(session: Session, campaign: Campaign, assignment_id: int) -> ProblemReport | None:
    """The report on this assignment, if its paper is in this campaign."""
    return session.scalar(_in_campaign(campaign).where(ProblemReport.assignment_id == assignment_id))


def _note(text: object) -> str:
    note = (text if isinstance(text, str) else "").strip()
    if not note:
        raise ProblemError("напишите, что сделано: эксперт увидит это пояснение")
    return note[:NOTE_MAX]


def resolve(session: Session, campaign: Campaign, report: ProblemReport, note: object,
            actor: Actor | None) -> ProblemReport:
    """Close an open report with the organiser's note (required; the expert reads it). The
    work stays with the expert, back in their queue."""
    ensure_open(campaign.status, campaign.name)  # closed: marks frozen (domain/lifecycle.py)
    note = _note(note)
    if report.status == ProblemStatus.RESOLVED:
        raise ProblemError("эта проблема уже решена")
    _close(session, campaign, report, note, actor)
    return report


def _close(session: Session, campaign: Campaign, report: ProblemReport, note: str, actor: Actor | None,
           reassigned_to: int | None = None) -> None:
    report.status, report.resolved_at, report.resolution = ProblemStatus.RESOLVED, utcnow(), note
    report.resolved_by_id = actor.user.id if actor and actor.user else None
    session.flush()
    assignment = report.assignment
    extra = {"expert_id": reassigned_to} if reassigned_to else {}
    record(session, actor, "problem.reassign" if reassigned_to else "problem.resolve", "assignment", assignment.id,
           campaign_id=campaign.id,
           before={"report": ProblemStatus.OPEN.value, "problem": assignment.problem.value,
                   "note": assignment.problem_note},
           after={"report": ProblemStatus.RESOLVED.value, "resolution": note, **extra})


def _reassignable(report: ProblemReport) -> Assignment:
    assignment = report.assignment
    if report.status != ProblemStatus.OPEN or assignment.status == AssignmentStatus.SUPERSEDED:
        raise ProblemError("эта проблема уже решена")
    if assignment.kind == AssignmentKind.CALIBRATION:
        raise ProblemError("калибровочную работу другому эксперту не передают: отметьте проблему решённой")
    if assignment.kind != AssignmentKind.RECHECK:
        raise ProblemError("третью проверку так не переназначить")
    if assignment.status == AssignmentStatus.SUBMITTED:
        raise ProblemError("перепроверка уже сдана: её нельзя переназначить")
    return assignment


def _candidates(session: Session, campaign: Campaign, assignment: Assignment):
    inputs = load_inputs(session, campaign)
    paper = next(p for p in inputs.papers if p.id == assignment.paper_id)
    return candidates(paper, assignment.round, inputs.experts, inputs.existing,
                      exclude_same_municipality=campaign.exclude_same_municipality)


def offers(session: Session, campaign: Campaign, report: ProblemReport) -> list[Offer]:
    """Experts who may take the reported paper's slot — the same offers as a move in «Работы»
    (``distribution.console.reassignment_offers``: the gate, the experts' limits), least
    loaded first — without the reporting expert."""
    assignment = _reassignable(report)
    slot = reassignment_offers(session, campaign, [assignment.paper_id]).get((assignment.paper_id,
                                                                             assignment.round), [])
    return [o for o in slot if o.login != assignment.expert.login]


def reassign(session: Session, campaign: Campaign, report: ProblemReport, login: object, note: object,
             actor: Actor | None) -> Assignment:
    """Give the reported paper's slot to another expert through the gate (their draft, if
    any, kept in the audit trail) and close the report. Refused: ``AssignmentRefused`` with
    the gate's reasons (an expert at their limit is refused too)."""
    ensure_open(campaign.status, campaign.name)  # closed: marks frozen (domain/lifecycle.py)
    assignment = _reassignable(report)
    expert = session.scalar(select(User).where(User.login == (login if isinstance(login, str) else "")))
    if expert is None:
        raise ProblemError("выберите эксперта")
    if expert.id == assignment.expert_id:
        raise AssignmentRefused("работа и так у этого эксперта")
    found = _candidates(session, campaign, assignment)
    mine = next((c for c in found if c.expert_id == expert.id), None)
    if mine is None:
        raise AssignmentRefused("это не эксперт по предмету кампании")
    if mine.refusals:
        raise AssignmentRefused("; ".join(r.message for r in mine.refusals))
    text = (note if isinstance(note, str) else "").strip()[:NOTE_MAX]
    new = assign_manually(session, campaign, assignment.paper, assignment.round, expert, actor, keep_draft=True)
    _close(session, campaign, report, f"{REASSIGNED} {text}".strip(), actor, reassigned_to=expert.id)
    return new


# --- the expert's side --------------------------------------------------------------------

def open_problem_ids(session: Session, user: User) -> set[int]:
    """The user's live assignments whose problem the organiser has not handled yet."""
    return set(session.scalars(
        select(ProblemReport.assignment_id).join(Assignment, Assignment.id == ProblemReport.assignment_id)
        .where(Assignment.expert_id == user.id, _OPEN)))


def report_for(session: Session, assignment_id: int) -> ProblemReport | None:
    """The report on an assignment the caller has already proved is theirs."""
    return session.get(ProblemReport, assignment_id)
