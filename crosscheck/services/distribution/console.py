"""Read models for the campaign console: per-expert progress and the paper list."""
from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import and_, case, func, select
from sqlalchemy.orm import Session

from ...models import (Assignment, AssignmentKind, AssignmentStatus, Campaign, CampaignExpert, IdentifiedBy, Page,
                      PageStatus, Paper, PaperStatus, School, User, held_back)


@dataclass(frozen=True)
class ExpertRow:
    user: User
    assigned: int
    in_progress: int
    submitted: int
    problems: int
    withdrawn: bool
    capacity: int | None

    @property
    def total(self) -> int:
        return self.assigned + self.in_progress + self.submitted


def expert_rows(session: Session, campaign: Campaign, kind: AssignmentKind = AssignmentKind.RECHECK) -> list[ExpertRow]:
    def count(status):
        return func.coalesce(func.sum(case((Assignment.status == status, 1), else_=0)), 0)

    stmt = (select(User, count(AssignmentStatus.ASSIGNED), count(AssignmentStatus.IN_PROGRESS),
                   count(AssignmentStatus.SUBMITTED),
                   func.coalesce(func.sum(case((Assignment.problem.is_not(None), 1), else_=0)), 0))
            .join(Assignment, Assignment.expert_id == User.id)
            .join(Paper, Assignment.paper_id == Paper.id)
            .where(Paper.campaign_id == campaign.id, Assignment.kind == kind,
                   Assignment.status != AssignmentStatus.SUPERSEDED)
            .group_by(User.id).order_by(User.login))
    settings = {s.user_id: s for s in session.scalars(
        select(CampaignExpert).where(CampaignExpert.campaign_id == campaign.id))}
    rows = []
    for user, assigned, in_progress, submitted, problems in session.execute(stmt):
        s = settings.get(user.id)
        rows.append(ExpertRow(user, int(assigned), int(in_progress), int(submitted), int(problems),
                              bool(s and s.withdrawn_at), s.capacity if s else None))
    return rows


@dataclass
class PaperRow:
    paper: Paper
    school: School
    work: list[Assignment] = field(default_factory=list)
    scanned: bool = False  # it has placed pages (then ``identified`` says how they were tied to it)

    @property
    def identified(self) -> str | None:
        """How its scans were tied to it: "qr" (a cover; also a paper placed before migration
        0012), "code" (the handwritten code read with confidence), "person"; None: no scans."""
        if not self.scanned:
            return None
        return IdentifiedBy(self.paper.identified_by or IdentifiedBy.QR).value


#: The «Страницы» filter of «Работы»: what the scans of a paper look like against the template.
PAGE_FILTERS = {"short": "меньше страниц, чем в шаблоне", "extra": "больше страниц, чем в шаблоне",
                "held": "задержаны: положение страниц под сомнением", "none": "сканов нет"}
#: The «Как опознана» filter of «Работы»: how a paper's scanned pages were tied to it (``Paper.identified_by``).
IDENTIFIED_FILTERS = {"qr": "по обложке", "code": "по коду участника автоматически",
                      "person": "код подтверждён вручную"}


def paper_rows(session: Session, campaign: Campaign, *, school_code: str | None = None,
               status: str | None = None, expert_login: str | None = None, pages: str | None = None,
               identified: str | None = None, limit: int = 50, offset: int = 0) -> tuple[list[PaperRow], int]:
    """One page of the campaign's papers (by school, then participant code) and how many match.
    ``expert_login``: papers with a live recheck or third check of that person; ``pages``: one
    of PAGE_FILTERS (papers with scans, fewer or more placed pages than the template's);
    ``identified``: one of IDENTIFIED_FILTERS (papers with scans tied to them that way)."""
    if status and status not in {s.value for s in PaperStatus}:
        return [], 0  # no paper has a status that does not exist
    if pages and pages not in PAGE_FILTERS:
        return [], 0
    if identified and identified not in IDENTIFIED_FILTERS:
        return [], 0
    stmt = select(Paper, School).join(School, Paper.school_id == School.id).where(Paper.campaign_id == campaign.id)
    if school_code:
        stmt = stmt.where(School.code == school_code)
    if status:
        stmt = stmt.where(Paper.status == status)
    if expert_login:
        stmt = stmt.where(select(Assignment.id).join(User, Assignment.expert_id == User.id).where(
            Assignment.paper_id == Paper.id, Assignment.status != AssignmentStatus.SUPERSEDED,
            Assignment.kind != AssignmentKind.CALIBRATION, User.login == expert_login.lower()).exists())
    if pages:
        placed = (select(func.count()).select_from(Page)
                  .where(Page.paper_id == Paper.id, Page.status == PageStatus.PLACED).scalar_subquery())
        expected = campaign.template.pages
        stmt = stmt.where({"short": and_(placed > 0, placed < expected), "extra": placed > expected,
                           "held": held_back(Paper.id), "none": placed == 0}[pages])
    if identified:
        has_pages = select(Page.id).where(Page.paper_id == Paper.id, Page.status == PageStatus.PLACED).exists()
        how = (Paper.identified_by.is_(None) | (Paper.identified_by == IdentifiedBy.QR)) if identified == "qr" \
            else Paper.identified_by == IdentifiedBy(identified)
        stmt = stmt.where(has_pages, how)
    total = session.scalar(select(func.count()).select_from(stmt.subquery()))
    rows = [PaperRow(p, s) for p, s in session.execute(
        stmt.order_by(School.code, Paper.participant_code).limit(limit).offset(offset))]
    by_id = {r.paper.id: r for r in rows}
    if by_id:
        for paper_id in session.scalars(select(Page.paper_id).where(Page.paper_id.in_(by_id),
                                                                    Page.status == PageStatus.PLACED).distinct()):
            by_id[paper_id].scanned = True
        for a in session.scalars(select(Assignment).where(Assignment.paper_id.in_(by_id),
                                                          Assignment.kind != AssignmentKind.CALIBRATION,
                                                          Assignment.status != AssignmentStatus.SUPERSEDED)
                                 .order_by(Assignment.kind, Assignment.round)):
            by_id[a.paper_id].work.append(a)
    return rows, total


def problem_assignments(session: Session, campaign: Campaign) -> list[Assignment]:
    return list(session.scalars(
        select(Assignment).join(Paper, Assignment.paper_id == Paper.id)
        .where(Paper.campaign_id == campaign.id, Assignment.problem.is_not(None),
               Assignment.status != AssignmentStatus.SUPERSEDED)))


@dataclass(frozen=True)
class Offer:
    """An expert the gate allows for one recheck slot, with their current load."""
    login: str
    full_name: str
    school_code: str
    load: int
    capacity: int | None = None  # the expert's limit in the campaign, if the organiser set one


def reassignment_offers(session: Session, campaign: Campaign, paper_ids: list[int]) -> dict[tuple[int, int], list[Offer]]:
    """(paper id, round) → the experts a manual move may give that recheck to: only those the
    gate allows (active in the campaign, of the subject, no conflict, not the paper's other
    rechecker, under capacity), least loaded first. Excluded papers get no offers."""
    from ...domain.assignment import candidates
    from .assignment import load_inputs

    if not paper_ids:
        return {}
    inputs = load_inputs(session, campaign)
    wanted = set(paper_ids)
    papers = [p for p in inputs.papers if p.id in wanted]
    users = {u.id: u for u in session.scalars(select(User).where(User.id.in_([e.id for e in inputs.experts])))}
    schools = {s.id: s.code for s in session.scalars(select(School))}
    capacity = {e.id: e.capacity for e in inputs.experts}
    offers: dict[tuple[int, int], list[Offer]] = {}
    for paper in papers:
        for round_ in range(1, campaign.per_paper + 1):
            found = candidates(paper, round_, inputs.experts, inputs.existing,
                               exclude_same_municipality=campaign.exclude_same_municipality)
            offers[(paper.id, round_)] = [
                Offer(users[c.expert_id].login, users[c.expert_id].full_name,
                      schools.get(users[c.expert_id].school_id, ""), c.load, capacity.get(c.expert_id))
                for c in found if c.allowed]
    return offers
