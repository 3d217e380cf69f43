"""One paper as a reader may see it (the read-only paper viewer): its pages, every recheck and
third check side by side per task, and its history from the audit trail.

Who may open which paper follows ``audience.py`` (docs/security.md):

- an organiser opens any paper of any campaign, with the participant code, the original
  marker, who marked it and the full history (actors and what changed);
- a reviewer opens only papers of a campaign of their subject that are **done** and never were
  in their own queue (any kind, any status) — exactly the per-paper rows their analytics lists —
  and sees neither the participant code nor anybody's name: markers are "Перепроверка 1",
  "Третья проверка"; the history says what happened and when, not who or what changed; the
  pages are masked renders only (and none while the paper is held back);
- anybody else (experts, observers) opens none: the web layer refuses them by role, and
  :func:`paper_view` answers None for anyone but an organiser or a reviewer all the same.

Anything a reader may not open is None, exactly like a cipher that does not exist.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from ...models import (Assignment, AssignmentKind, AssignmentStatus, AuditEvent, Campaign, Page, PageStatus, Paper,
                       PaperStatus, PendingTitle, Role, TaskScore, User, held_back)
from .audience import audience_for

#: Only these roles ever open a paper; the web layer says the same with ``roles_required``.
VIEWERS = (Role.ORGANISER, Role.REVIEWER)


@dataclass(frozen=True)
class TaskRow:
    label: str
    max_score: int
    original: int | None       # the school's mark (None: not shown or not recorded)
    attempted: bool            # False: "Х" in the results form
    checks: list[int | None]   # one per column of ``PaperView.checks``, None: no score yet


@dataclass(frozen=True)
class Check:
    """One recheck or third check, as a column of the side-by-side table."""

    title: str                 # "Перепроверка 1", "Третья проверка"
    kind: str
    round: int
    status: AssignmentStatus
    marker: str | None         # None when the reader may not know who it was
    comment: str
    problem: str | None
    submitted_at: datetime | None
    total: int | None


@dataclass(frozen=True)
class ShownPage:
    id: int
    position: int
    doubt: str


@dataclass(frozen=True)
class HistoryEvent:
    at: datetime
    action: str
    actor: str | None          # None for a restricted reader
    details: str               # "" for a restricted reader


@dataclass
class PaperView:
    paper: Paper
    restricted: bool           # a reviewer's view: no participant code, no names, masked pages only
    held_back: bool
    checks: list[Check]
    tasks: list[TaskRow]
    original_total: int | None
    pages: list[ShownPage]
    history: list[HistoryEvent] = field(default_factory=list)
    placed: int = 0            # pages of the paper's scans placed, shown or not
    expected: int = 0          # pages the template says a paper has

    @property
    def page_count_differs(self) -> bool:
        return self.placed > 0 and self.placed != self.expected

    @property
    def participant_code(self) -> str | None:
        return None if self.restricted else self.paper.participant_code

    @property
    def original_marker(self) -> str | None:
        if self.restricted:
            return None
        marker = self.paper.original_marker
        return marker.full_name if marker is not None else (self.paper.original_marker_name or None)


def _title(a: Assignment) -> str:
    if a.kind == AssignmentKind.REVIEW:
        return "Третья проверка" if a.round == 1 else f"Третья проверка ({a.round})"
    return f"Перепроверка {a.round}"


def may_open(session: Session, user: User, campaign: Campaign, paper: Paper) -> bool:
    """Whether ``user`` may open ``paper`` of ``campaign`` (the caller has checked the campaign)."""
    if paper.campaign_id != campaign.id or user.role not in VIEWERS:
        return False
    audience = audience_for(session, user, campaign)
    if not audience.restricted:
        return user.role == Role.ORGANISER
    return paper.status == PaperStatus.DONE and paper.cipher not in audience.hidden


def paper_by_cipher(session: Session, user: User, campaign: Campaign, cipher: str) -> Paper | None:
    """The paper with ``cipher`` in ``campaign`` if ``user`` may open it, else None."""
    paper = session.scalar(select(Paper).where(Paper.campaign_id == campaign.id, Paper.cipher == cipher))
    if paper is None or not may_open(session, user, campaign, paper):
        return None
    return paper


def masked_page(session: Session, user: User, campaign: Campaign, cipher: str, position: int) -> str | None:
    """The masked render (content hash) of one page of a paper ``user`` may open; None for
    anything else and for every page of a paper held back (its masks may be wrong)."""
    paper = paper_by_cipher(session, user, campaign, cipher)
    if paper is None:
        return None
    return session.scalar(select(Page.masked_sha256).where(
        Page.paper_id == paper.id, Page.position == position, Page.status == PageStatus.PLACED,
        Page.doubt == "", ~held_back(Page.paper_id)))


def paper_view(session: Session, user: User, campaign: Campaign, cipher: str) -> PaperView | None:
    paper = paper_by_cipher(session, user, campaign, cipher)
    if paper is None:
        return None
    restricted = user.role != Role.ORGANISER
    tasks = sorted(campaign.template.tasks, key=lambda t: t.position)
    # a calibration copy is not a check of the paper (its own page: services/reports/calibration.py)
    stmt = select(Assignment).where(Assignment.paper_id == paper.id, Assignment.kind != AssignmentKind.CALIBRATION)
    if restricted:  # finished work only, never withdrawn drafts
        stmt = stmt.where(Assignment.status == AssignmentStatus.SUBMITTED)
    work = sorted(session.scalars(stmt), key=lambda a: (a.kind != AssignmentKind.RECHECK, a.round,
                                                        a.status == AssignmentStatus.SUPERSEDED, a.id))
    scores: dict[tuple[int, int], int] = {}
    if work:
        for s in session.scalars(select(TaskScore).where(TaskScore.assignment_id.in_([a.id for a in work]))):
            scores[(s.assignment_id, s.task_id)] = s.score
    checks = []
    for a in work:
        own = [scores.get((a.id, t.id)) for t in tasks]
        total = sum(v for v in own if v is not None) if any(v is not None for v in own) else None
        checks.append(Check(_title(a), a.kind.value, a.round, a.status, None if restricted else a.expert.full_name,
                            a.comment, a.problem.value if a.problem else None, a.submitted_at, total))
    original = {s.task_id: s for s in paper.original_scores}
    rows = [TaskRow(t.label, t.max_score, original[t.id].score if t.id in original else None,
                    original[t.id].attempted if t.id in original else True,
                    [scores.get((a.id, t.id)) for a in work]) for t in tasks]
    held = bool(session.scalar(select(held_back(paper.id))))
    page_rows = session.scalars(select(Page).where(Page.paper_id == paper.id, Page.status == PageStatus.PLACED)
                                .order_by(Page.position, Page.id)).all()
    placed = len(page_rows)
    if restricted:  # masked renders only, and none of a paper held back or of a page in doubt
        page_rows = [] if held else [p for p in page_rows if not p.doubt]
    pages = [ShownPage(p.id, p.position, p.doubt) for p in page_rows]
    original_total = sum(s.score for s in paper.original_scores) if paper.original_scores else None
    return PaperView(paper, restricted, held, checks, rows, original_total, pages,
                     history(session, paper, [a.id for a in work], restricted), placed=placed,
                     expected=campaign.template.pages)


def history(session: Session, paper: Paper, assignment_ids: list[int], restricted: bool) -> list[HistoryEvent]:
    """The paper's audit events: the paper's own, its assignments' and its pages', oldest first.
    A restricted reader gets what happened and when, never who or what changed."""
    if not restricted:  # every check of the paper; calibration copies are not (their own page)
        assignment_ids = list(session.scalars(select(Assignment.id).where(
            Assignment.paper_id == paper.id, Assignment.kind != AssignmentKind.CALIBRATION)))
    page_ids = list(session.scalars(select(Page.id).where(Page.paper_id == paper.id)))
    wanted = [(AuditEvent.entity_type == "paper") & (AuditEvent.entity_id == paper.id)]
    if assignment_ids:
        wanted.append((AuditEvent.entity_type == "assignment") & AuditEvent.entity_id.in_(assignment_ids))
    if page_ids and not restricted:
        wanted.append((AuditEvent.entity_type == "page") & AuditEvent.entity_id.in_(page_ids))
        # its title page's handwritten code confirmed by a person (scans without covers)
        titles = list(session.scalars(select(PendingTitle.id).where(PendingTitle.paper_id == paper.id)))
        if titles:
            wanted.append((AuditEvent.entity_type == "pending_title") & AuditEvent.entity_id.in_(titles))
    events = session.scalars(select(AuditEvent).where(or_(*wanted)).order_by(AuditEvent.at, AuditEvent.id)).all()
    if restricted:
        return [HistoryEvent(e.at, e.action, None, "") for e in events]
    return [HistoryEvent(e.at, e.action, e.actor.full_name if e.actor else (e.actor_label or None),
                         _details(e.before, e.after)) for e in events]


def _details(before: dict | None, after: dict | None) -> str:
    parts = []
    for key in sorted(set(before or {}) | set(after or {})):
        old, new = (before or {}).get(key), (after or {}).get(key)
        if old == new:
            continue
        parts.append(f"{key}: {_short(old)} → {_short(new)}" if before is not None and key in before
                     else f"{key}: {_short(new)}")
    return "; ".join(parts)


def _short(value, limit: int = 120) -> str:
    text = "—" if value is None else str(value)
    return text if len(text) <= limit else text[:limit] + "…"
