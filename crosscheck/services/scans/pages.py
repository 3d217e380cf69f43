"""Where page images live, how a page is masked for its position, and who may see which render."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from PIL import Image
from sqlalchemy import select
from sqlalchemy.orm import Session

from ...models import Assignment, AssignmentStatus, Campaign, Page, PageStatus, held_back

PAGES_DIR = "pages"


def pages_root(data_dir: Path) -> Path:
    return data_dir / PAGES_DIR


def stored_path(data_dir: Path, sha256: str) -> Path:
    """The content-addressed file of a render (``scanner_import.store`` layout)."""
    return pages_root(data_dir) / sha256[:2] / f"{sha256}.jpg"


class TurnRefused(ValueError):
    pass


@dataclass(frozen=True)
class Render:
    """A page masked for a position: its (possibly turned) original and masked render."""

    original_sha256: str
    width: int
    height: int
    masked_sha256: str
    turn: int   # degrees counter-clockwise applied to the stored original
    doubt: str  # "" or why the orientation stays in doubt (then every box is masked everywhere)


def render_for_position(data_dir: Path, campaign: Campaign, original_sha256: str, position: int, *,
                        turn: int | None = None) -> Render:
    """Mask a stored original for ``position`` of the campaign's template, turned by ``turn``
    (a person said so) or, with ``turn`` None, as its mask boxes say it stands (the pipeline's
    own judgement, ``scanner_import.orientation``). When the boxes cannot tell, the page is
    in doubt: masked with every box of every position under every turn it may need, and says
    why. A person's turn is refused (TurnRefused) when it leaves the page sideways or the
    boxes clearly say it is wrong; where the boxes say nothing the page is still masked
    both ways round, as the pipeline does: when in doubt, mask more, never less."""
    from scanner_import import ContentStore, parse_masks

    store = ContentStore(pages_root(data_dir))
    rel = stored_path(data_dir, original_sha256).relative_to(store.root).as_posix()
    return render_masked(store, rel, parse_masks(campaign.template.masks), position, turn=turn)


def render_masked(store, rel: str, masks, position: int, *, turn: int | None = None) -> Render:
    """The masking of :func:`render_for_position` for an original at ``rel`` in a
    ``scanner_import`` content store and parsed ``masks``: the one code path that decides
    which boxes a page at ``position`` gets (also the mask editor's preview,
    ``services/scans/mask_pages.py``)."""
    from scanner_import.images import rotate_ccw
    from scanner_import.masks import boxes_for, doubt_boxes
    from scanner_import.orientation import covering_boxes, orient
    from scanner_import.pagework import rerender
    from scanner_import.reasons import DOUBTS_RU, text_ru

    with Image.open(store.absolute(rel)) as img:
        found = orient(rotate_ccw(img, turn or 0), boxes_for(masks, position))
    if turn is None:
        turn, doubt, boxes = found.turn, found.doubt, covering_boxes(masks, position, found)
    elif found.sideways or (found.turn and not found.doubt):
        still = f"её нужно повернуть ещё на {found.turn}° против часовой стрелки" if found.turn else "она лежит боком"
        raise TurnRefused(f"после поворота на {turn}° страница будет стоять неправильно: {still}")
    else:  # a person's word settles the doubt, not the masking
        doubt, boxes = "", doubt_boxes(boxes_for(masks, position), found.candidates)
    original, masked, _ = rerender(store, rel, boxes, turn=turn)
    return Render(original.sha256, original.width, original.height, masked.sha256, turn,
                  text_ru(DOUBTS_RU, doubt) if doubt else "")


def set_render(page: Page, render: Render) -> None:
    """Point a page row at a render (its original turns with it)."""
    page.original_sha256, page.width, page.height = render.original_sha256, render.width, render.height
    page.rotation = (page.rotation + render.turn) % 360
    page.masked_sha256, page.doubt = render.masked_sha256, render.doubt


def page_positions(session: Session, paper_id: int) -> list[int]:
    """The positions of a paper's placed pages, in order; none while the paper is held back
    (a page of it is in doubt)."""
    return list(session.scalars(select(Page.position).where(Page.paper_id == paper_id,
                                                           Page.status == PageStatus.PLACED,
                                                           ~held_back(paper_id))
                                .order_by(Page.position)))


def masked_page_of_assignment(session: Session, user_id: int, assignment_id: int, position: int) -> str | None:
    """The masked render (its content hash) of one page of one of the user's own live
    assignments, in one statement; None for anything else, whoever it belongs to, and for
    every page of a paper held back: a page in doubt may be masked in the wrong places."""
    return session.scalar(
        select(Page.masked_sha256).join(Assignment, Assignment.paper_id == Page.paper_id)
        .where(Assignment.id == assignment_id, Assignment.expert_id == user_id,
               Assignment.status != AssignmentStatus.SUPERSEDED,
               Page.position == position, Page.status == PageStatus.PLACED, Page.doubt == "",
               ~held_back(Page.paper_id)))
