"""The unidentified-page queue: the organiser attaches a page to a paper or discards it.

Attaching renders the masked copy for the page's position from the original (the
template masks apply by position), turned the way its mask boxes say it stands, so an
expert still only ever sees a masked page. A page whose boxes cannot tell its orientation
is attached in doubt (masked everywhere), and its paper is held back until the organiser
confirms the page in the paper viewer.
"""
from __future__ import annotations

from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ...domain.lifecycle import ensure_open
from ...models import Campaign, IdentifiedBy, Page, PageStatus, Paper, School
from ..audit.trail import Actor, record
from .pages import render_for_position, set_render


class QueueError(ValueError):
    pass


PENDING_PAGE = "страница работы, чей код участника ждёт подтверждения: подтвердите код в очереди титульных листов"


def waiting(session: Session, campaign: Campaign) -> list[Page]:
    return list(session.scalars(select(Page).where(Page.campaign_id == campaign.id,
                                                   Page.status == PageStatus.UNIDENTIFIED,
                                                   Page.pending_title_id.is_(None))
                                .order_by(Page.batch_id, Page.source_index)))


def find_paper(session: Session, campaign: Campaign, school_code: str, participant: str) -> Paper:
    paper = session.scalar(select(Paper).join(School, Paper.school_id == School.id).where(
        Paper.campaign_id == campaign.id, School.code == school_code.strip(),
        Paper.participant_code == participant.strip()))
    if paper is None:
        raise QueueError(f"работа участника «{participant}» ОО «{school_code}» в кампании не найдена")
    return paper


def attach(session: Session, data_dir: Path, campaign: Campaign, page: Page, paper: Paper, position: int,
           *, replace: bool, actor: Actor | None) -> Page:
    ensure_open(campaign.status, campaign.name)  # closed: marks frozen (domain/lifecycle.py)
    if page.status != PageStatus.UNIDENTIFIED or page.campaign_id != campaign.id:
        raise QueueError("эта страница уже разобрана")
    if page.pending_title_id is not None:
        raise QueueError(PENDING_PAGE)
    pages = campaign.template.pages
    if not 1 <= position <= pages:
        raise QueueError(f"номер страницы в работе: от 1 до {pages} (столько страниц в работе по шаблону)")
    if paper.identified_by is None and session.scalar(select(Page.id).where(
            Page.paper_id == paper.id, Page.status == PageStatus.PLACED).limit(1)) is None:
        paper.identified_by = IdentifiedBy.PERSON  # its first page: a person said whose it is (scans status)
    occupant = session.scalar(select(Page).where(Page.paper_id == paper.id, Page.position == position,
                                                 Page.status == PageStatus.PLACED))
    if occupant is not None and occupant.doubt and not replace:
        # Its own place is only a guess (the paper is held back): it makes room, and waits in
        # doubt for the organiser to confirm the paper's pages in the paper viewer.
        last = session.scalar(select(func.max(Page.position)).where(Page.paper_id == paper.id,
                                                                    Page.status == PageStatus.PLACED))
        occupant.position = last + 1
        session.flush()
        record(session, actor, "page.make_room", "page", occupant.id, campaign_id=campaign.id,
               before={"position": position}, after={"position": occupant.position, "for": page.id})
    elif occupant is not None and not replace:
        raise QueueError(f"у работы уже есть страница {position}: отметьте «заменить», чтобы заменить её")
    elif occupant is not None:
        occupant.status, occupant.reason = PageStatus.DISCARDED, f"заменена страницей {page.id}"
        session.flush()
        record(session, actor, "page.replace", "page", occupant.id, campaign_id=campaign.id,
               before={"paper_id": paper.id, "position": position}, after={"replaced_by": page.id})
    before = {"status": "unidentified", "reason": page.reason, "rotation": page.rotation,
              "original_sha256": page.original_sha256}
    set_render(page, render_for_position(data_dir, campaign, page.original_sha256, position))
    page.paper_id, page.position, page.status = paper.id, position, PageStatus.PLACED
    session.flush()
    record(session, actor, "page.attach", "page", page.id, campaign_id=campaign.id, before=before,
           after={"paper_id": paper.id, "cipher": paper.cipher, "position": position, "rotation": page.rotation,
                  "original_sha256": page.original_sha256, "doubt": page.doubt})
    return page


def discard(session: Session, campaign: Campaign, page: Page, actor: Actor | None) -> None:
    ensure_open(campaign.status, campaign.name)  # closed: marks frozen (domain/lifecycle.py)
    if page.status != PageStatus.UNIDENTIFIED or page.campaign_id != campaign.id:
        raise QueueError("эта страница уже разобрана")
    if page.pending_title_id is not None:
        raise QueueError(PENDING_PAGE)
    page.status = PageStatus.DISCARDED
    session.flush()
    record(session, actor, "page.discard", "page", page.id, campaign_id=campaign.id,
           before={"status": "unidentified", "reason": page.reason}, after={"status": "discarded"})
