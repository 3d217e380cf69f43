"""Calibration copies given out with live work, through the same gate; the campaign's rate;
pausing an expert until a talk (docs/experts.md, «Calibration papers»).

A calibration copy is an assignment of kind ``calibration`` on a reference paper (a finished
paper with a key, ``models.CalibrationPaper``). Copies are created only when live work is
given out (``assignment.apply_plan``: the run, a top-up run, a withdrawal's redistribution),
in the same statement and with the same creation time as that batch, each placed at a
seeded position among the expert's new live rows — so the queue's order (created, then id)
mixes them in and nothing in their timestamps sets them apart. Each copy carries its own
cipher (``copy_cipher``, drawn like a paper's), shown to its expert instead of the paper's:
with the paper's cipher, two experts holding copies of one reference — or an expert and the
paper's live marker — would see the same cipher, which live work never shows in a campaign
with one check a paper.

Who may get a copy is decided by the recheck gate (``domain.conflicts.allowed`` with the
recheck rules: subject, own school, declared conflicts, same municipality when the campaign
excludes it, original marker, inactive/withdrawn/paused), with no peers (a copy competes
with no other check), and never a paper the expert already holds or held in any way (live,
third check or an earlier copy, superseded ones included).
"""
from __future__ import annotations

import hashlib
import random
from collections import Counter, defaultdict
from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ...db import utcnow
from ...domain.assignment import NewAssignment
from ...domain.conflicts import RECHECK, allowed
from ...models import (Assignment, AssignmentKind, AssignmentStatus, CalibrationPaper, Campaign, CampaignExpert,
                      Paper, PaperStatus, User)
from ..audit.trail import Actor, record
from ...domain.ciphers import new_ciphers

CALIBRATION = AssignmentKind.CALIBRATION.value
MAX_RATE = 1000
MAX_FIRST = 20


class CalibrationRefused(ValueError):
    def __init__(self, message: str):
        self.message = message
        super().__init__(message)


def reference_ids(session: Session, campaign: Campaign) -> list[int]:
    """Paper ids of the campaign's active references (finished papers only)."""
    return list(session.scalars(
        select(CalibrationPaper.paper_id).join(Paper, Paper.id == CalibrationPaper.paper_id)
        .where(CalibrationPaper.campaign_id == campaign.id, CalibrationPaper.active.is_(True),
               Paper.status == PaperStatus.DONE).order_by(CalibrationPaper.paper_id)))


def _digest(*parts: object) -> int:
    return int.from_bytes(hashlib.sha256(":".join(map(str, parts)).encode()).digest()[:8], "big")


def round_for(expert_id: int, paper_id: int, per_paper: int) -> int:
    """A copy's round, spread like live work's rounds (with two checks a paper, half are second)."""
    return 1 + _digest("round", expert_id, paper_id) % per_paper


def plan_copies(session: Session, campaign: Campaign, inputs, new: Sequence[NewAssignment]) -> list[NewAssignment]:
    """The calibration copies owed to the experts receiving live work in ``new``.

    An expert is owed ``calibration_first + live // calibration_rate`` copies in the campaign
    (``live``: their live rechecks, this batch included); the rate 0 switches copies off. The
    copies they already have count; what the gate allows is given, the least-given references
    first (then in a seeded order), so every reference is marked by many experts.
    """
    rate, first = campaign.calibration_rate, campaign.calibration_first
    receivers = list(dict.fromkeys(n.expert_id for n in new if n.kind == RECHECK))
    if rate <= 0 or not receivers:
        return []
    refs = reference_ids(session, campaign)
    if not refs:
        return []
    live = Counter(a.expert_id for a in inputs.existing if a.kind == RECHECK and a.is_active)
    live.update(n.expert_id for n in new if n.kind == RECHECK)
    held: defaultdict[int, set[int]] = defaultdict(set)  # expert -> reference papers they ever held
    copies: Counter[int] = Counter()  # expert -> live copies
    given: Counter[int] = Counter()  # reference -> live copies
    for paper_id, expert_id, kind, status in session.execute(
            select(Assignment.paper_id, Assignment.expert_id, Assignment.kind, Assignment.status)
            .where(Assignment.paper_id.in_(refs))):
        held[expert_id].add(paper_id)
        if kind == AssignmentKind.CALIBRATION and status != AssignmentStatus.SUPERSEDED:
            given[paper_id] += 1
    for expert_id, n in session.execute(
            select(Assignment.expert_id, func.count()).join(Paper, Paper.id == Assignment.paper_id)
            .where(Paper.campaign_id == campaign.id, Assignment.kind == AssignmentKind.CALIBRATION,
                   Assignment.status != AssignmentStatus.SUPERSEDED, Assignment.expert_id.in_(receivers))
            .group_by(Assignment.expert_id)):
        copies[expert_id] = n
    papers = {p.id: p for p in inputs.papers}
    experts = {e.id: e for e in inputs.experts}
    out: list[NewAssignment] = []
    for expert_id in receivers:
        missing = first + live[expert_id] // rate - copies[expert_id]
        expert = experts.get(expert_id)
        if missing <= 0 or expert is None:
            continue
        open_refs = [p for p in refs if p in papers and p not in held[expert_id] and p not in inputs.held_back
                     and allowed(expert, papers[p], 1, (), kind=RECHECK,
                                 exclude_same_municipality=campaign.exclude_same_municipality) is None]
        open_refs.sort(key=lambda p: (given[p], _digest(campaign.id, expert_id, p)))
        for paper_id in open_refs[:missing]:
            out.append(NewAssignment(paper_id, expert_id, round_for(expert_id, paper_id, campaign.per_paper),
                                     CALIBRATION))
            given[paper_id] += 1
    return out


def interleave(new: Sequence[NewAssignment], copies: Sequence[NewAssignment], seed: object) -> list[NewAssignment]:
    """The batch's rows in insertion (hence id, hence queue) order: each copy at a seeded place
    among its expert's new live rows — before the k-th of them, or after the last."""
    if not copies:
        return list(new)
    count = Counter(n.expert_id for n in new)
    before: defaultdict[tuple[int, int], list[NewAssignment]] = defaultdict(list)
    for c in copies:
        slot = random.Random(f"{seed}:{c.expert_id}:{c.paper_id}").randint(0, count[c.expert_id])
        before[(c.expert_id, slot)].append(c)
    seen: Counter[int] = Counter()
    out: list[NewAssignment] = []
    for n in new:
        out += before.pop((n.expert_id, seen[n.expert_id]), [])
        seen[n.expert_id] += 1
        out.append(n)
    for key in sorted(before):
        out += before[key]
    return out


def copy_ciphers(session: Session, count: int) -> list[str]:
    """``count`` fresh ciphers for copies, drawn like papers' (``domain.ciphers``), none taken by
    a paper or another copy."""
    if not count:
        return []
    taken = set(session.scalars(select(Paper.cipher))) | set(session.scalars(
        select(Assignment.copy_cipher).where(Assignment.copy_cipher.is_not(None))))
    return new_ciphers(count, taken)


# --- the campaign's rate -----------------------------------------------------------------

def set_rate(session: Session, campaign: Campaign, rate: object, first: object, actor: Actor | None) -> bool:
    """The organiser's «1 из N» (0: off) and the copies every expert gets first. Russian errors
    name the field. True when something changed (audited)."""
    values = {}
    for field, value, top, name in (("calibration_rate", rate, MAX_RATE, "«Калибровочная работа: одна на N»"),
                                    ("calibration_first", first, MAX_FIRST, "«Первых калибровочных работ»")):
        try:
            number = int(str(value).strip())
        except (TypeError, ValueError):
            raise CalibrationRefused(f"{name}: нужно целое число от 0 до {top}") from None
        if not 0 <= number <= top:
            raise CalibrationRefused(f"{name}: нужно целое число от 0 до {top}")
        values[field] = number
    before = {k: getattr(campaign, k) for k in values}
    if before == values:
        return False
    for k, v in values.items():
        setattr(campaign, k, v)
    session.flush()
    record(session, actor, "campaign.calibration", "campaign", campaign.id, campaign_id=campaign.id,
           before=before, after=values)
    return True


# --- pausing -----------------------------------------------------------------------------

def _settings(session: Session, campaign: Campaign, expert: User) -> CampaignExpert:
    settings = session.get(CampaignExpert, (campaign.id, expert.id))
    if settings is None:
        settings = CampaignExpert(campaign_id=campaign.id, user_id=expert.id)
        session.add(settings)
        session.flush()
    return settings


def is_paused(session: Session, campaign: Campaign, expert_id: int) -> bool:
    return session.scalar(select(CampaignExpert.paused_at).where(
        CampaignExpert.campaign_id == campaign.id, CampaignExpert.user_id == expert_id)) is not None


def pause_expert(session: Session, campaign: Campaign, expert: User, actor: Actor, note: str = "") -> None:
    """No new work for the expert in this campaign and their queue shows a notice instead of
    the papers (drafts are kept), until a reviewer or the organiser resumes them."""
    settings = _settings(session, campaign, expert)
    if settings.paused_at is not None:
        raise CalibrationRefused("эксперт уже приостановлен")
    settings.paused_at, settings.paused_by_id = utcnow(), actor.user.id if actor.user else None
    settings.pause_note = (note or "").strip()[:1000]
    session.flush()
    record(session, actor, "campaign.pause_expert", "user", expert.id, campaign_id=campaign.id,
           after={"note": settings.pause_note})


def resume_expert(session: Session, campaign: Campaign, expert: User, actor: Actor, note: str = "") -> None:
    settings = _settings(session, campaign, expert)
    if settings.paused_at is None:
        raise CalibrationRefused("эксперт не приостановлен")
    before = {"note": settings.pause_note}
    settings.paused_at, settings.paused_by_id, settings.pause_note = None, None, ""
    session.flush()
    record(session, actor, "campaign.resume_expert", "user", expert.id, campaign_id=campaign.id,
           before=before, after={"note": (note or "").strip()[:1000]})
