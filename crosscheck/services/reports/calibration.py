"""Calibration papers for reviewers and organisers: making a finished paper a reference and
keeping its key, and each expert's deviation from the current keys (docs/experts.md,
«Calibration papers»). Giving copies out is ``services/distribution/calibration.py``.

A reviewer may only make a reference of a paper they may open in the paper viewer (done,
of their subject, never in their own queue: ``paper.paper_by_cipher``); an organiser of any
finished paper. Deviations are read from the stored copies and the key *as it is now*, so a
changed key recomputes everything at the next read (``domain.calibration``).
"""
from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ...db import utcnow
from ...domain.calibration import CopyDeviation, ExpertCalibration, deviation, summarise
from ...domain.discrepancy import Engine
from ...models import (Assignment, AssignmentKind, AssignmentStatus, CalibrationPaper, Campaign, CampaignExpert,
                       Paper, PaperStatus, TaskScore, User)
from ..audit.trail import Actor, record
from ..marking.schemes import paper_marks, scheme_for
from .paper import paper_by_cipher


class KeyRefused(ValueError):
    def __init__(self, message: str):
        self.message = message
        super().__init__(message)


NOT_FINISHED = "эталоном может стать только завершённая работа этой кампании, которую вы можете открыть"


def engine_for(campaign: Campaign) -> Engine:
    return Engine(scheme_for(campaign.template), campaign.per_paper)


def labels_of(campaign: Campaign) -> list[tuple[str, int]]:
    return [(t.label, t.max_score) for t in sorted(campaign.template.tasks, key=lambda t: t.position)]


def references(session: Session, campaign: Campaign) -> list[CalibrationPaper]:
    return list(session.scalars(select(CalibrationPaper).join(Paper, Paper.id == CalibrationPaper.paper_id)
                                .where(CalibrationPaper.campaign_id == campaign.id).order_by(Paper.cipher)))


def reference_paper(session: Session, user: User, campaign: Campaign, cipher: str) -> Paper | None:
    """The finished paper ``user`` may make (or keep) a reference, else None."""
    paper = paper_by_cipher(session, user, campaign, cipher)
    if paper is None or paper.status != PaperStatus.DONE:
        return None
    return paper


def reference_of(session: Session, paper: Paper) -> CalibrationPaper | None:
    return session.scalar(select(CalibrationPaper).where(CalibrationPaper.paper_id == paper.id))


def final_scores(session: Session, campaign: Campaign, paper: Paper) -> dict[str, int]:
    """The paper's final marks (SPEC §7): what a new key is pre-filled with."""
    result = engine_for(campaign).compare(paper_marks(session, paper))
    if result.final is None:
        return {}
    return dict(zip((label for label, _ in labels_of(campaign)), result.final.scores))


def parse_key(campaign: Campaign, form: dict[str, str]) -> dict[str, int]:
    """Every task's score from the form; Russian errors name the task."""
    key, problems = {}, []
    for label, maximum in labels_of(campaign):
        raw = str(form.get(label, "")).strip()
        if not raw.isdigit() or not 0 <= int(raw) <= maximum:
            problems.append(f"задание {label}: нужен балл от 0 до {maximum}" + (f" (введено «{raw}»)" if raw else ""))
        else:
            key[label] = int(raw)
    if problems:
        raise KeyRefused("; ".join(problems))
    return key


def set_key(session: Session, campaign: Campaign, paper: Paper, key: dict[str, int], note: str,
            actor: Actor) -> CalibrationPaper:
    """Make ``paper`` a reference with ``key``, or change its key/note (audited with before and
    after). The caller checked the paper with :func:`reference_paper`."""
    if paper.campaign_id != campaign.id or paper.status != PaperStatus.DONE:
        raise KeyRefused(NOT_FINISHED)
    note = (note or "").strip()[:2000]
    ref = reference_of(session, paper)
    if ref is None:
        ref = CalibrationPaper(campaign_id=campaign.id, paper_id=paper.id, key_scores=key, note=note,
                               set_by_id=actor.user.id if actor.user else None, set_at=utcnow(), active=True)
        session.add(ref)
        session.flush()
        record(session, actor, "calibration.create", "paper", paper.id, campaign_id=campaign.id,
               after={"cipher": paper.cipher, "key": key, "note": note})
        return ref
    before = {"key": dict(ref.key_scores), "note": ref.note}
    if before == {"key": key, "note": note}:
        return ref
    ref.key_scores, ref.note = dict(key), note
    ref.set_by_id, ref.set_at = (actor.user.id if actor.user else None), utcnow()
    session.flush()
    record(session, actor, "calibration.key_change", "paper", paper.id, campaign_id=campaign.id,
           before=before, after={"cipher": paper.cipher, "key": key, "note": note})
    return ref


def set_active(session: Session, ref: CalibrationPaper, active: bool, actor: Actor) -> None:
    """An inactive reference is given to nobody new; copies already given still count."""
    if ref.active == active:
        return
    ref.active = active
    session.flush()
    record(session, actor, "calibration.activate" if active else "calibration.deactivate", "paper", ref.paper_id,
           campaign_id=ref.campaign_id, after={"cipher": ref.paper.cipher})


# --- deviations ------------------------------------------------------------------------

@dataclass(frozen=True)
class CalibrationView:
    labels: tuple[str, ...]
    experts: list[ExpertCalibration]
    references: list[CalibrationPaper]
    copies_per_reference: dict[int, tuple[int, int]]  # paper id -> (given, submitted)
    rate: int
    first: int


def _copies(session: Session, campaign: Campaign, login: str | None = None):
    """Live copies of the campaign: (expert id, login, name, cipher, paper id, status, assignment id)."""
    stmt = (select(User.id, User.login, User.full_name, Paper.cipher, Paper.id, Assignment.status, Assignment.id)
            .join(Paper, Paper.id == Assignment.paper_id).join(User, User.id == Assignment.expert_id)
            .where(Paper.campaign_id == campaign.id, Assignment.kind == AssignmentKind.CALIBRATION,
                   Assignment.status != AssignmentStatus.SUPERSEDED)
            .order_by(User.login, Assignment.submitted_at, Assignment.id))
    if login is not None:
        stmt = stmt.where(User.login == login)
    return session.execute(stmt).all()


def _scores(session: Session, assignment_ids: list[int], labels: dict[int, str]) -> dict[int, dict[str, int]]:
    found: defaultdict[int, dict[str, int]] = defaultdict(dict)
    for start in range(0, len(assignment_ids), 500):
        for aid, task_id, score in session.execute(
                select(TaskScore.assignment_id, TaskScore.task_id, TaskScore.score)
                .where(TaskScore.assignment_id.in_(assignment_ids[start:start + 500]))):
            found[aid][labels[task_id]] = score
    return found


def calibration_view(session: Session, campaign: Campaign) -> CalibrationView:
    """Every expert of the campaign (live work or copies), their copies against the current keys."""
    engine = engine_for(campaign)
    task_labels = {t.id: t.label for t in campaign.template.tasks}
    refs = references(session, campaign)
    keys = {r.paper_id: r.key_scores for r in refs}
    rows = _copies(session, campaign)
    submitted_ids = [r[6] for r in rows if r[5] == AssignmentStatus.SUBMITTED]
    scores = _scores(session, submitted_ids, task_labels)
    live = dict(session.execute(
        select(Assignment.expert_id, func.count()).join(Paper, Paper.id == Assignment.paper_id)
        .where(Paper.campaign_id == campaign.id, Assignment.kind == AssignmentKind.RECHECK,
               Assignment.status == AssignmentStatus.SUBMITTED).group_by(Assignment.expert_id)).all())
    recheckers = set(session.scalars(
        select(Assignment.expert_id).join(Paper, Paper.id == Assignment.paper_id)
        .where(Paper.campaign_id == campaign.id, Assignment.kind == AssignmentKind.RECHECK,
               Assignment.status != AssignmentStatus.SUPERSEDED).distinct()))
    paused = {uid: note for uid, note in session.execute(
        select(CampaignExpert.user_id, CampaignExpert.pause_note)
        .where(CampaignExpert.campaign_id == campaign.id, CampaignExpert.paused_at.is_not(None)))}
    given: Counter[int] = Counter()
    by_expert: defaultdict[int, list] = defaultdict(list)
    people: dict[int, tuple[str, str]] = {}
    per_ref: defaultdict[int, list[int]] = defaultdict(lambda: [0, 0])
    for uid, login, name, cipher, paper_id, status, aid in rows:
        people[uid] = (login, name)
        given[uid] += 1
        per_ref[paper_id][0] += 1
        if status == AssignmentStatus.SUBMITTED and paper_id in keys:
            per_ref[paper_id][1] += 1
            by_expert[uid].append((cipher, scores[aid], keys[paper_id]))
    missing = (recheckers | set(paused)) - set(people)
    if missing:
        people.update({uid: (login, name) for uid, login, name in session.execute(
            select(User.id, User.login, User.full_name).where(User.id.in_(missing)))})
    experts = [summarise(engine, login, name, given[uid], by_expert[uid], live_rechecks=live.get(uid, 0),
                         paused=uid in paused, pause_note=paused.get(uid, ""))
               for uid, (login, name) in sorted(people.items(), key=lambda kv: kv[1][0])]
    return CalibrationView(tuple(label for label, _ in labels_of(campaign)), experts, refs,
                           {k: (v[0], v[1]) for k, v in per_ref.items()}, campaign.calibration_rate,
                           campaign.calibration_first)


@dataclass(frozen=True)
class ExpertCopies:
    login: str
    name: str
    labels: tuple[str, ...]
    maxima: tuple[int, ...]
    summary: ExpertCalibration
    pending: list[str]  # ciphers of copies not yet submitted


def expert_copies(session: Session, campaign: Campaign, login: str) -> ExpertCopies | None:
    """One expert's copies, each with their scores beside the current key (None: unknown login)."""
    user = session.scalar(select(User).where(User.login == login.lower()))
    if user is None:
        return None
    engine = engine_for(campaign)
    task_labels = {t.id: t.label for t in campaign.template.tasks}
    keys = {r.paper_id: r.key_scores for r in references(session, campaign)}
    rows = _copies(session, campaign, user.login)
    scores = _scores(session, [r[6] for r in rows if r[5] == AssignmentStatus.SUBMITTED], task_labels)
    done = [(r[3], scores[r[6]], keys[r[4]]) for r in rows if r[5] == AssignmentStatus.SUBMITTED and r[4] in keys]
    pending = [r[3] for r in rows if r[5] != AssignmentStatus.SUBMITTED]
    settings = session.get(CampaignExpert, (campaign.id, user.id))
    paused = settings is not None and settings.paused_at is not None
    live = session.scalar(select(func.count()).select_from(Assignment).join(Paper, Paper.id == Assignment.paper_id)
                          .where(Paper.campaign_id == campaign.id, Assignment.expert_id == user.id,
                                 Assignment.kind == AssignmentKind.RECHECK,
                                 Assignment.status == AssignmentStatus.SUBMITTED)) or 0
    summary = summarise(engine, user.login, user.full_name, len(rows), done, live_rechecks=live, paused=paused,
                        pause_note=settings.pause_note if paused else "")
    labels = labels_of(campaign)
    return ExpertCopies(user.login, user.full_name, tuple(label for label, _ in labels),
                        tuple(m for _, m in labels), summary, pending)


__all__ = ["CalibrationView", "CopyDeviation", "ExpertCalibration", "ExpertCopies", "KeyRefused", "calibration_view",
           "deviation", "expert_copies", "final_scores", "parse_key", "reference_of", "reference_paper",
           "references", "set_active", "set_key"]
