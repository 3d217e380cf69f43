"""Papers held back because a page of theirs is in doubt, and the organiser's confirmation.

A placed page is in doubt (``Page.doubt``) when the import could not be sure which way up
it stands (a sheet fed sideways, mask boxes that disagree) or which page of the paper it is
(a paper with more or fewer pages than the template's): its masks may not cover what they
must. Its masked render then covers every box of every position, and still nobody is
served any page of the paper nor given it (``pages.py``, ``distribution``). The organiser
looks at the pages in the paper viewer, sets each page's position and turn, and confirms:
each page is masked afresh from its original for the confirmed position and turn, its doubt
is cleared, every change is audited, and the paper is released. A confirmation must put
the pages on positions 1..pages of the template, each exactly once; a page that does not
belong to the paper goes back to the unidentified queue.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ...domain.lifecycle import ensure_open
from ...models import Campaign, Page, PageStatus, Paper, School, held_back, in_doubt
from ..audit.trail import Actor, record
from .pages import TurnRefused, render_for_position, set_render

TURNS = (0, 90, 180, 270)  # degrees counter-clockwise, as everywhere in the scan pipeline
LIST_LIMIT = 500


class ConfirmError(ValueError):
    pass


@dataclass(frozen=True)
class HeldPaper:
    paper: Paper
    school: School
    pages: int
    reasons: list[str]


def held_back_count(session: Session, campaign: Campaign) -> int:
    return session.scalar(select(func.count(func.distinct(Page.paper_id))).where(
        Page.campaign_id == campaign.id, in_doubt()))


def held_back_papers(session: Session, campaign: Campaign, limit: int = LIST_LIMIT) -> list[HeldPaper]:
    """The campaign's held-back papers (by school and participant), with why."""
    rows = session.execute(select(Paper, School).join(School, Paper.school_id == School.id)
                           .where(Paper.campaign_id == campaign.id, held_back(Paper.id))
                           .order_by(School.code, Paper.participant_code).limit(limit)).all()
    counts: dict[int, int] = defaultdict(int)
    reasons: dict[int, list[str]] = defaultdict(list)
    for paper_id, doubt in session.execute(
            select(Page.paper_id, Page.doubt).where(Page.paper_id.in_([p.id for p, _ in rows]),
                                                    Page.status == PageStatus.PLACED)
            .order_by(Page.paper_id, Page.position)):
        counts[paper_id] += 1
        for reason in doubt.splitlines():
            if reason not in reasons[paper_id]:
                reasons[paper_id].append(reason)
    return [HeldPaper(paper, school, counts[paper.id], reasons[paper.id]) for paper, school in rows]


def paper_by_cipher(session: Session, campaign: Campaign, cipher: str) -> Paper | None:
    return session.scalar(select(Paper).where(Paper.campaign_id == campaign.id, Paper.cipher == cipher))


def placed_pages(session: Session, paper: Paper) -> list[Page]:
    return list(session.scalars(select(Page).where(Page.paper_id == paper.id, Page.status == PageStatus.PLACED)
                                .order_by(Page.position, Page.source_index, Page.id)))


def is_held_back(session: Session, paper: Paper) -> bool:
    return bool(session.scalar(select(held_back(paper.id))))


@dataclass(frozen=True)
class Decision:
    """What the organiser says of one page: its position (0: not of this paper) and the
    turn (degrees counter-clockwise) that makes the page, as it is shown, stand upright."""

    page_id: int
    position: int
    turn: int


def _check(pages: list[Page], decisions: list[Decision], expected: int) -> None:
    if sorted(d.page_id for d in decisions) != sorted(p.id for p in pages):
        raise ConfirmError("страницы работы изменились, пока открыт просмотр: откройте его заново")
    if any(d.turn not in TURNS for d in decisions):
        raise ConfirmError("поворот страницы: 0°, 90°, 180° или 270°")
    kept = [d.position for d in decisions if d.position]
    if any(not 1 <= p <= expected for p in kept):
        raise ConfirmError(f"номер страницы в работе: от 1 до {expected} (столько страниц в работе по шаблону)")
    twice = sorted({p for p in kept if kept.count(p) > 1})
    missing = [p for p in range(1, expected + 1) if p not in kept]
    problems = []
    if twice:
        problems.append("дважды указаны страницы " + ", ".join(map(str, twice)))
    if missing:
        problems.append("нет страниц " + ", ".join(map(str, missing)) + " (прикрепите недостающие из очереди "
                        "нераспознанных или отсканируйте работу заново)")
    if problems:
        raise ConfirmError(f"страницы работы должны занять места 1–{expected}, каждое ровно один раз: "
                           + "; ".join(problems))


def confirm_pages(session: Session, data_dir: Path, campaign: Campaign, paper: Paper, decisions: list[Decision],
                  actor: Actor | None) -> None:
    """Confirm every placed page of a held-back paper (see the module docstring) and release it."""
    ensure_open(campaign.status, campaign.name)  # closed: marks frozen (domain/lifecycle.py)
    if paper.campaign_id != campaign.id:
        raise ConfirmError("работа не из этой кампании")
    if not is_held_back(session, paper):
        raise ConfirmError("страницы этой работы не под сомнением: подтверждать нечего")
    pages = {p.id: p for p in placed_pages(session, paper)}
    _check(list(pages.values()), decisions, campaign.template.pages)
    before = {p.id: {"position": p.position, "rotation": p.rotation, "doubt": p.doubt,
                     "original_sha256": p.original_sha256, "masked_sha256": p.masked_sha256}
              for p in pages.values()}
    # New positions go through a range clear of the old ones: one page per position at every flush.
    clear = max(p.position for p in pages.values()) + 1
    for d in decisions:
        page = pages[d.page_id]
        if d.position:
            page.position = clear + d.position
        else:
            page.status, page.paper_id, page.position, page.doubt = PageStatus.UNIDENTIFIED, None, None, ""
            page.reason = f"убрана из работы {paper.cipher} при подтверждении её страниц"
            record(session, actor, "page.detach", "page", page.id, campaign_id=campaign.id,
                   before=before[page.id] | {"paper_id": paper.id, "cipher": paper.cipher},
                   after={"status": "unidentified", "reason": page.reason})
    session.flush()
    kept = [d for d in decisions if d.position]
    for d in kept:
        page = pages[d.page_id]
        page.position = d.position
        if page.doubt or d.turn or before[page.id]["position"] != d.position:
            try:
                render = render_for_position(data_dir, campaign, page.original_sha256, d.position, turn=d.turn)
            except TurnRefused as exc:
                raise ConfirmError(f"страница {d.position} (файл, стр. {page.source_index}): {exc}") from exc
            set_render(page, render)
        record(session, actor, "page.confirm", "page", page.id, campaign_id=campaign.id, before=before[page.id],
               after={"position": page.position, "rotation": page.rotation, "turn": d.turn,
                      "original_sha256": page.original_sha256, "masked_sha256": page.masked_sha256})
    session.flush()
    record(session, actor, "paper.release", "paper", paper.id, campaign_id=campaign.id,
           after={"cipher": paper.cipher, "pages": len(kept), "detached": len(decisions) - len(kept)})
