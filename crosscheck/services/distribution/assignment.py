"""Distribution of work (SPEC §5): load the campaign, ask the pure engine, write the plan.

Only papers in the campaign's sample are given out (SPEC §8: a paper outside it has
status ``excluded`` and is not even loaded here).
Every path that creates an assignment — the automatic run, a manual move, a withdrawal,
a third check — passes the same gate (``domain.conflicts.allowed`` / ``check_plan``), and
none gives out a paper held back (a page of it in doubt: ``models.held_back``) until an
organiser confirms its pages.
Rows are read and written with Core statements: a regional campaign has 100,000 slots.
"""
from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import String, and_, cast, exists, select, update
from sqlalchemy.orm import Session

from ...bulk import bulk_insert
from ...domain.lifecycle import ensure_open
from ...db import utcnow
from ...domain.assignment import HELD_BACK, Plan, plan_assignments, plan_withdrawal
from ...domain.conflicts import RECHECK, ExistingAssignment, ExpertInfo, PaperInfo, Refusal, allowed
from ...models import (Assignment, AssignmentKind, AssignmentStatus, AuditEvent, Campaign, CampaignExpert,
                      CampaignStatus, Page, Paper, PaperStatus, Role, School, Subject, User, in_doubt,
                      user_subjects)
from ..audit.trail import Actor, record
from .calibration import CALIBRATION, copy_ciphers, interleave, plan_copies
from .gate import conflict_map


@dataclass
class Inputs:
    papers: list[PaperInfo]
    experts: list[ExpertInfo]
    existing: list[ExistingAssignment]
    names: dict[int, str]  # expert id -> "login · full name"
    held_back: frozenset[int]  # papers with a page in doubt: nobody may be given them yet


def load_inputs(session: Session, campaign: Campaign) -> Inputs:
    subject = campaign.template.subject.name
    papers = [PaperInfo(pid, school_id, municipality or None, subject, marker)
              for pid, school_id, municipality, marker in session.execute(
                  select(Paper.id, Paper.school_id, School.municipality, Paper.original_marker_id)
                  .join(School, Paper.school_id == School.id)
                  .where(Paper.campaign_id == campaign.id, Paper.status != PaperStatus.EXCLUDED)
                  .order_by(Paper.id))]
    existing = [ExistingAssignment(p, e, k.value, r, s.value) for p, e, k, r, s in session.execute(
        select(Assignment.paper_id, Assignment.expert_id, Assignment.kind, Assignment.round, Assignment.status)
        .join(Paper, Assignment.paper_id == Paper.id)
        .where(Paper.campaign_id == campaign.id, Assignment.kind != AssignmentKind.CALIBRATION))]
    holders = {a.expert_id for a in existing if a.kind == RECHECK}
    held = frozenset(session.scalars(select(Page.paper_id).where(Page.campaign_id == campaign.id, in_doubt())
                                     .distinct()))
    return Inputs(papers, _experts(session, campaign, Role.EXPERT, holders), existing, expert_names(session), held)


def _experts(session: Session, campaign: Campaign, role: Role, holders: set[int]) -> list[ExpertInfo]:
    subject = campaign.template.subject.name
    subjects: dict[int, set[str]] = defaultdict(set)
    for uid, name in session.execute(select(user_subjects.c.user_id, Subject.name)
                                     .join(Subject, Subject.id == user_subjects.c.subject_id)):
        subjects[uid].add(name)
    settings = {row.user_id: row for row in session.scalars(
        select(CampaignExpert).where(CampaignExpert.campaign_id == campaign.id))}
    conflicts = conflict_map(session)
    result = []
    for uid, school_id, municipality, active in session.execute(
            select(User.id, User.school_id, School.municipality, User.active)
            .outerjoin(School, User.school_id == School.id).where(User.role == role).order_by(User.id)):
        if subject not in subjects[uid] and uid not in holders:
            continue
        s = settings.get(uid)
        result.append(ExpertInfo(
            id=uid, school_id=school_id, municipality=municipality or None,
            subjects=frozenset(subjects[uid]), conflict_school_ids=conflicts.get(uid, frozenset()),
            capacity=s.capacity if s else None,
            # withdrawn, or paused until a talk (calibration): no new work
            active=bool(active) and not (s and (s.withdrawn_at is not None or s.paused_at is not None))))
    return result


def expert_names(session: Session) -> dict[int, str]:
    return {uid: f"{login} · {name}" for uid, login, name in session.execute(
        select(User.id, User.login, User.full_name).where(User.role.in_([Role.EXPERT, Role.REVIEWER])))}


def preview(session: Session, campaign: Campaign, *, seed: int = 0) -> tuple[Plan, Inputs]:
    inputs = load_inputs(session, campaign)
    plan = plan_assignments(inputs.papers, inputs.experts, inputs.existing, per_paper=campaign.per_paper,
                            seed=seed, exclude_same_municipality=campaign.exclude_same_municipality,
                            held_back=inputs.held_back)
    return plan, inputs


ASSIGNMENT_COLUMNS = ("paper_id", "expert_id", "kind", "round", "status", "version", "comment", "problem_note",
                      "created_at", "created_by_id", "copy_cipher")
EVENT_COLUMNS = ("at", "actor_id", "actor_label", "action", "entity_type", "entity_id", "campaign_id", "after")


def apply_plan(session: Session, campaign: Campaign, plan: Plan, actor: Actor | None,
               inputs: Inputs | None = None) -> int:
    """Write the plan's new assignments (and one audit event each); flush, don't commit.
    Returns how many calibration copies were given with them (``calibration.plan_copies``:
    same statement, same creation time, mixed in among each expert's new rows).

    A regional run writes 100,000 assignments and as many audit events: they go to the
    driver in bulk (``crosscheck.bulk``), and the new ids are read back in one query by
    their shared creation time.
    """
    ensure_open(campaign.status, campaign.name)  # closed: marks frozen (domain/lifecycle.py)
    if not plan.new:
        return 0
    session.flush()
    copies = []
    if campaign.calibration_rate > 0:
        copies = plan_copies(session, campaign, inputs or load_inputs(session, campaign), plan.new)
    rows = interleave(plan.new, copies, seed=(campaign.id, len(plan.new)))
    names = copy_ciphers(session, len(copies))
    now = utcnow()
    created_by = actor.user.id if actor and actor.user else None
    bulk_insert(session, Assignment.__table__, ASSIGNMENT_COLUMNS,
                ((n.paper_id, n.expert_id, n.kind, n.round, "assigned", 1, "", "", now, created_by,
                  names.pop() if n.kind == CALIBRATION else None)
                 for n in rows))
    table = Assignment.__table__
    ids = {(p, k, r, e): i for i, p, k, r, e in session.execute(
        select(table.c.id, table.c.paper_id, cast(table.c.kind, String), table.c.round, table.c.expert_id)
        .where(table.c.created_at == now, table.c.paper_id.in_(
            select(Paper.id).where(Paper.campaign_id == campaign.id).scalar_subquery())))}
    label = actor.label if actor else "system"
    bulk_insert(session, AuditEvent.__table__, EVENT_COLUMNS,
                ((now, created_by, label, "assignment.create", "assignment",
                  ids[(n.paper_id, n.kind, n.round, n.expert_id)],
                  campaign.id, json.dumps({"paper_id": n.paper_id, "expert_id": n.expert_id, "kind": n.kind,
                                           "round": n.round}))
                 for n in rows))
    mark_papers_in_marking(session, campaign)
    session.flush()
    return len(copies)


def mark_papers_in_marking(session: Session, campaign: Campaign) -> None:
    live = exists().where(and_(Assignment.paper_id == Paper.id, Assignment.kind == AssignmentKind.RECHECK,
                               Assignment.status != AssignmentStatus.SUPERSEDED))
    session.execute(update(Paper).where(Paper.campaign_id == campaign.id, Paper.status == PaperStatus.UNASSIGNED,
                                        live).values(status=PaperStatus.MARKING).execution_options(
        synchronize_session=False))
    # The bulk UPDATE bypassed the identity map: loaded papers must re-read their status.
    for obj in list(session.identity_map.values()):
        if isinstance(obj, Paper):
            session.expire(obj, ["status"])


def _chunks(rows: list, size: int):
    for start in range(0, len(rows), size):
        yield rows[start:start + size]


def run_assignment(session: Session, campaign: Campaign, actor: Actor | None, *, seed: int = 0) -> Plan:
    ensure_open(campaign.status, campaign.name)  # closed: marks frozen (domain/lifecycle.py)
    plan, inputs = preview(session, campaign, seed=seed)
    copies = apply_plan(session, campaign, plan, actor, inputs)
    if plan.new and campaign.status == CampaignStatus.PREPARING:
        record(session, actor, "campaign.status", "campaign", campaign.id, campaign_id=campaign.id,
               before={"status": campaign.status.value}, after={"status": CampaignStatus.MARKING.value})
        campaign.status = CampaignStatus.MARKING
    record(session, actor, "assignment.run", "campaign", campaign.id, campaign_id=campaign.id,
           after={"created": len(plan.new), "unassigned": len(plan.unassigned), "max_load": plan.max_load,
                  "held_back": len({u.paper_id for u in plan.unassigned if u.reason == HELD_BACK}),
                  **({"calibration": copies} if copies else {})})
    return plan


# --- manual moves -----------------------------------------------------------------------

NOT_SAMPLED = "работа не входит в выборку кампании: её не перепроверяют"


class AssignmentRefused(ValueError):
    def __init__(self, refusal: Refusal | str):
        self.message = refusal.message if isinstance(refusal, Refusal) else refusal
        super().__init__(self.message)


def assign_manually(session: Session, campaign: Campaign, paper: Paper, round_: int, expert: User,
                    actor: Actor | None, *, keep_draft: bool = False) -> Assignment:
    """Put ``expert`` on (paper, round), superseding unstarted or draft work there; the gate decides.
    With ``keep_draft``, a draft in progress is written into the supersede event."""
    ensure_open(campaign.status, campaign.name)  # closed: marks frozen (domain/lifecycle.py)
    if paper.campaign_id != campaign.id:
        raise AssignmentRefused("работа не из этой кампании")
    if paper.status == PaperStatus.EXCLUDED:
        raise AssignmentRefused(NOT_SAMPLED)
    if not 1 <= round_ <= campaign.per_paper:
        raise AssignmentRefused(f"в кампании {campaign.per_paper} перепроверк(и) на работу")
    inputs = load_inputs(session, campaign)
    if paper.id in inputs.held_back:
        raise AssignmentRefused(HELD_BACK)
    info = next(p for p in inputs.papers if p.id == paper.id)
    experts = {e.id: e for e in inputs.experts}
    current = session.scalar(select(Assignment).where(
        Assignment.paper_id == paper.id, Assignment.kind == AssignmentKind.RECHECK, Assignment.round == round_,
        Assignment.status != AssignmentStatus.SUPERSEDED))
    if current is not None and current.status == AssignmentStatus.SUBMITTED:
        raise AssignmentRefused("эта перепроверка уже сдана: её нельзя переназначить")
    if current is not None and current.expert_id == expert.id:
        raise AssignmentRefused("работа уже назначена этому эксперту")
    if expert.id not in experts:
        raise AssignmentRefused("это не эксперт по предмету кампании")
    others = [a for a in inputs.existing if not (a.paper_id == paper.id and a.kind == RECHECK and a.round == round_)]
    schools = {e.id: e.school_id for e in inputs.experts}
    refusal = allowed(experts[expert.id], info, round_, others, expert_schools=schools,
                      exclude_same_municipality=campaign.exclude_same_municipality)
    if refusal is not None:
        raise AssignmentRefused(refusal)
    before = None
    if current is not None:
        before = {"expert_id": current.expert_id, "status": current.status.value}
        supersede(session, current, actor, draft=keep_draft and current.status == AssignmentStatus.IN_PROGRESS)
    new = Assignment(paper_id=paper.id, expert_id=expert.id, kind=AssignmentKind.RECHECK, round=round_,
                     created_by_id=actor.user.id if actor and actor.user else None)
    session.add(new)
    session.flush()
    record(session, actor, "assignment.reassign" if current else "assignment.create", "assignment", new.id,
           campaign_id=campaign.id, before=before,
           after={"paper_id": paper.id, "expert_id": expert.id, "round": round_, "kind": "recheck"})
    mark_papers_in_marking(session, campaign)
    return new


def supersede(session: Session, assignment: Assignment, actor: Actor | None, *, draft: bool = False) -> None:
    """Take the work off its holder. With ``draft``, the holder's unsubmitted scores are
    written into the event, so the trail shows what was handed on unfinished."""
    after: dict = {"expert_id": assignment.expert_id}
    if draft:
        after["draft"] = {s.task.label: s.score for s in sorted(assignment.scores, key=lambda s: s.task.position)}
    assignment.status = AssignmentStatus.SUPERSEDED
    assignment.superseded_at = utcnow()
    assignment.version += 1  # an autosave or submission that read the old version is stale
    session.flush()
    record(session, actor, "assignment.supersede", "assignment", assignment.id,
           campaign_id=assignment.paper.campaign_id, after=after)


def withdraw_expert(session: Session, campaign: Campaign, expert: User, actor: Actor | None,
                    reason: str = "") -> Plan:
    """The expert leaves this campaign: their unfinished work — not started or a draft in
    progress — is handed on through the gate; a draft's scores are kept in the audit trail
    (the superseded assignment keeps them too); submitted work stays theirs."""
    ensure_open(campaign.status, campaign.name)  # closed: marks frozen (domain/lifecycle.py)
    settings = session.get(CampaignExpert, (campaign.id, expert.id))
    if settings is None:
        settings = CampaignExpert(campaign_id=campaign.id, user_id=expert.id)
        session.add(settings)
    if settings.withdrawn_at is not None:
        raise AssignmentRefused("эксперт уже выведен из кампании")
    settings.withdrawn_at, settings.reason = utcnow(), reason
    session.flush()
    inputs = load_inputs(session, campaign)
    result = plan_withdrawal(expert.id, inputs.papers, inputs.experts, inputs.existing,
                             per_paper=campaign.per_paper,
                             exclude_same_municipality=campaign.exclude_same_municipality,
                             held_back=inputs.held_back, include_started=True)
    freed = {(a.paper_id, a.kind, a.round) for a in result.supersede}
    for a in session.scalars(select(Assignment).join(Paper, Assignment.paper_id == Paper.id).where(
            Paper.campaign_id == campaign.id, Assignment.expert_id == expert.id,
            Assignment.status.in_((AssignmentStatus.ASSIGNED, AssignmentStatus.IN_PROGRESS)))):
        if (a.paper_id, a.kind.value, a.round) in freed:
            supersede(session, a, actor, draft=a.status == AssignmentStatus.IN_PROGRESS)
    apply_plan(session, campaign, result.plan, actor)
    # the expert's unstarted calibration copies go too (a copy is never handed on)
    for a in list(session.scalars(select(Assignment).join(Paper, Assignment.paper_id == Paper.id).where(
            Paper.campaign_id == campaign.id, Assignment.expert_id == expert.id,
            Assignment.kind == AssignmentKind.CALIBRATION,
            Assignment.status.in_((AssignmentStatus.ASSIGNED, AssignmentStatus.IN_PROGRESS))))):
        supersede(session, a, actor, draft=a.status == AssignmentStatus.IN_PROGRESS)
    record(session, actor, "campaign.withdraw_expert", "user", expert.id, campaign_id=campaign.id,
           after={"reason": reason, "moved": len(result.supersede), "reassigned": len(result.plan.new)})
    return result.plan


def assignments_json(session: Session, campaign: Campaign) -> list[dict]:
    """SPEC §4 `assignments --json`: [{"cipher", "expert", "round", "status"}]."""
    rows = session.execute(
        select(Paper.cipher, User.login, Assignment.round, Assignment.status, Assignment.kind)
        .join(Paper, Assignment.paper_id == Paper.id).join(User, Assignment.expert_id == User.id)
        .where(Paper.campaign_id == campaign.id, Assignment.status != AssignmentStatus.SUPERSEDED,
               Assignment.kind != AssignmentKind.CALIBRATION)
        .order_by(Paper.cipher, Assignment.kind, Assignment.round))
    return [{"cipher": c, "expert": login, "round": r, "status": s.value, "kind": k.value}
            for c, login, r, s, k in rows]
