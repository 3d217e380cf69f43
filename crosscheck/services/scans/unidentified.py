"""The unidentified-page queue: the organiser attaches a page to a paper or discards it.

Attaching renders the masked copy for the page's position from the original (the
template masks apply by position), so an expert still only ever sees a masked page.
"""
from __future__ import annotations

from pathlib import Path

from PIL import Image
from sqlalchemy import select
from sqlalchemy.orm import Session

from ...models import Campaign, Page, PageStatus, Paper, School
from ..audit.trail import Actor, record
from .pages import pages_root, stored_path


class QueueError(ValueError):
    pass


def waiting(session: Session, campaign: Campaign) -> list[Page]:
    return list(session.scalars(select(Page).where(Page.campaign_id == campaign.id,
                                                   Page.status == PageStatus.UNIDENTIFIED)
                                .order_by(Page.batch_id, Page.source_index)))


def masked_render(data_dir: Path, campaign: Campaign, original_sha256: str, position: int) -> str:
    from scanner_import import ContentStore, apply_masks, parse_masks
    from scanner_import.images import encode_jpeg
    from scanner_import.masks import boxes_for

    with Image.open(stored_path(data_dir, original_sha256)) as img:
        masked = apply_masks(img.convert("L") if img.mode not in ("L", "RGB") else img.copy(),
                             boxes_for(parse_masks(campaign.template.masks), position))
    stored, _ = ContentStore(pages_root(data_dir)).put(encode_jpeg(masked, 85))
    return stored.sha256


def find_paper(session: Session, campaign: Campaign, school_code: str, participant: str) -> Paper:
    paper = session.scalar(select(Paper).join(School, Paper.school_id == School.id).where(
        Paper.campaign_id == campaign.id, School.code == school_code.strip(),
        Paper.participant_code == participant.strip()))
    if paper is None:
        raise QueueError(f"работа участника «{participant}» ОО «{school_code}» в кампании не найдена")
    return paper


def attach(session: Session, data_dir: Path, campaign: Campaign, page: Page, paper: Paper, position: int,
           *, replace: bool, actor: Actor | None) -> Page:
    if page.status != PageStatus.UNIDENTIFIED or page.campaign_id != campaign.id:
        raise QueueError("эта страница уже разобрана")
    if position < 1 or position > 50:
        raise QueueError("номер страницы в работе: от 1 до 50")
    occupant = session.scalar(select(Page).where(Page.paper_id == paper.id, Page.position == position,
                                                 Page.status == PageStatus.PLACED))
    if occupant is not None and not replace:
        raise QueueError(f"у работы уже есть страница {position}: отметьте «заменить», чтобы заменить её")
    if occupant is not None:
        occupant.status, occupant.reason = PageStatus.DISCARDED, f"заменена страницей {page.id}"
        session.flush()
        record(session, actor, "page.replace", "page", occupant.id, campaign_id=campaign.id,
               before={"paper_id": paper.id, "position": position}, after={"replaced_by": page.id})
    page.masked_sha256 = masked_render(data_dir, campaign, page.original_sha256, position)
    page.paper_id, page.position, page.status = paper.id, position, PageStatus.PLACED
    session.flush()
    record(session, actor, "page.attach", "page", page.id, campaign_id=campaign.id,
           before={"status": "unidentified", "reason": page.reason},
           after={"paper_id": paper.id, "cipher": paper.cipher, "position": position})
    return page


def discard(session: Session, campaign: Campaign, page: Page, actor: Actor | None) -> None:
    if page.status != PageStatus.UNIDENTIFIED or page.campaign_id != campaign.id:
        raise QueueError("эта страница уже разобрана")
    page.status = PageStatus.DISCARDED
    session.flush()
    record(session, actor, "page.discard", "page", page.id, campaign_id=campaign.id,
           before={"status": "unidentified", "reason": page.reason}, after={"status": "discarded"})
