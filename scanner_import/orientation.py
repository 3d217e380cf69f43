"""Which way up is a content page within its paper?

Content pages take their paper's rotation from the cover's QR code. A single sheet
flipped or turned in the stack would be stored the wrong way round, and the template's
masks (fractions of the upright page) would then cover the wrong place: the participant's
code in the header would reach the experts.

The masks are the signal. They cover what the form prints and the pupil fills in (the
code box in the header), so on an upright page the mask boxes hold ink. A box that is
empty where it is but inked when turned by 180° says "upside down"; one inked where it is
and empty when turned says "upright"; one inked (or empty) both ways, e.g. a box over an
answer area, says nothing. The page is turned only when some box says "upside down" and
none says "upright"; when boxes say both, the page is in doubt. When no box says anything
but some box is inked both ways (the last page: its marks table lies where the code box
would be if the sheet were upside down), the page stays as its cover says and is masked
both ways round: when in doubt, mask more, never less.

A page of the other shape than the template's (a landscape page in a portrait template)
was fed sideways: it needs a quarter turn, and the same boxes tell 90° from 270° (the
boxes are read where each quarter turn would put them). When they do not tell, the page
is in doubt, and so is a page too square for its shape to say anything.

A page in doubt is stored as its cover says, with the turns it may still need
(``Orientation.candidates``): its masked render covers every box of every position under
every one of them (``covering_boxes``), and a person confirms the page before anyone else
sees it.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from PIL import Image

from .blank import paper_level
from .layout import box_before_turn
from .masks import MaskBox, boxes_for, doubt_boxes

INK_MARGIN = 60      # grey levels below the paper that count as ink (as in blank.py)
EMPTY_SHARE = 0.002  # boxes with less ink than this share of their pixels are empty
INKED_SHARE = 0.01   # ... and with at least this much, inked (a printed box outline: ~5 %)
SQUARE = 1.15        # sides closer than this ratio: the shape says nothing (A4 is 1.41)


@dataclass(frozen=True)
class Orientation:
    """How to turn a content page (degrees counter-clockwise, on top of its cover's rotation).

    ``doubt`` is "" or a code of ``reasons.DOUBTS_RU``: a person must confirm the page.
    ``candidates`` are the turns that may still be right for the page as stored: (0,) when
    the page is sure, (0, 180) also for a page masked both ways round without a doubt.
    ``sideways``: the page came in with the other shape than the template's.
    """

    turn: int = 0
    doubt: str = ""
    candidates: tuple[int, ...] = (0,)
    sideways: bool = False


def _ink_share(img: Image.Image, box: tuple[float, float, float, float], threshold: int) -> float:
    w, h = img.size
    x0, y0, x1, y1 = box
    crop = img.crop((round(x0 * w), round(y0 * h), round(x1 * w), round(y1 * h)))
    crop = crop if crop.mode == "L" else crop.convert("L")
    pixels = crop.width * crop.height
    return sum(crop.histogram()[:threshold]) / pixels if pixels else 0.0


def _votes(img: Image.Image, masks: Sequence[MaskBox], turn: int) -> tuple[int, int, int]:
    """(boxes saying ``turn``, boxes saying ``turn`` + 180°, boxes inked both ways) for a page
    that needs one of the two."""
    # Only the boxes are converted and counted; the paper's level comes from a thumbnail.
    thumb = img.resize((max(1, img.width // 8), max(1, img.height // 8)), Image.Resampling.NEAREST)
    threshold = max(0, paper_level(thumb if thumb.mode == "L" else thumb.convert("L")) - INK_MARGIN)
    this = other = both = 0
    for m in masks:
        box = (m.x0, m.y0, m.x1, m.y1)
        here = _ink_share(img, box_before_turn(box, turn), threshold)
        there = _ink_share(img, box_before_turn(box, turn + 180), threshold)
        this += here >= INKED_SHARE and there < EMPTY_SHARE
        other += here < EMPTY_SHARE and there >= INKED_SHARE
        both += here >= INKED_SHARE and there >= INKED_SHARE
    return this, other, both


def orient(img: Image.Image, masks: Sequence[MaskBox], *, portrait: bool = True) -> Orientation:
    """How to turn ``img`` (a content page as its cover says it stands) so that ``masks``
    (its position's boxes) cover what they must; ``portrait``: the template's page shape.
    Without masks there is nothing to cover and nothing to read: the page stays as it is."""
    if not masks:
        return Orientation()
    w, h = img.size
    if max(w, h) < SQUARE * min(w, h):
        return Orientation(doubt="shape_undecided", candidates=(0, 90, 180, 270))
    if (w > h) == portrait:  # sideways: a quarter turn, but which?
        this, other, _ = _votes(img, masks, 90)
        if this and not other:
            return Orientation(90, sideways=True)
        if other and not this:
            return Orientation(270, sideways=True)
        return Orientation(doubt="sideways_undecided", candidates=(90, 270), sideways=True)
    upright, upside_down, both = _votes(img, masks, 0)
    if upside_down and upright:
        return Orientation(doubt="boxes_disagree", candidates=(0, 180))
    if upside_down:
        return Orientation(180)
    return Orientation(candidates=(0, 180)) if both and not upright else Orientation()


def covering_boxes(masks: Sequence[MaskBox], position: int, found: Orientation) -> list[MaskBox]:
    """The boxes to fill on a page at ``position`` turned as ``found`` says: its position's
    boxes under every candidate turn, and every position's boxes when it is in doubt."""
    return doubt_boxes(masks if found.doubt else boxes_for(masks, position), found.candidates)
