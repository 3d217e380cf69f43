"""Is a content page upside down within its paper?

Content pages take their paper's rotation from the cover's QR code. A single sheet
flipped in the stack would be stored upside down, and the template's masks (fractions
of the upright page) would then cover the wrong corner: the participant's code in the
header would reach the experts.

The masks are the signal. They cover what the form prints and the pupil fills in (the
code box in the header), so on an upright page the mask boxes hold ink. A box that is
empty where it is but inked when turned by 180° says "upside down"; one inked where it is
and empty when turned says "upright"; one inked (or empty) both ways, e.g. a box over an
answer area, says nothing. The page is turned only when some box says "upside down" and
none says "upright": otherwise it stays as its cover says.
"""
from __future__ import annotations

from collections.abc import Sequence

from PIL import Image

from .blank import paper_level
from .layout import rotated_180
from .masks import MaskBox

INK_MARGIN = 60      # grey levels below the paper that count as ink (as in blank.py)
EMPTY_SHARE = 0.002  # boxes with less ink than this share of their pixels are empty
INKED_SHARE = 0.01   # ... and with at least this much, inked (a printed box outline: ~5 %)


def _ink_share(img: Image.Image, box: tuple[float, float, float, float], threshold: int) -> float:
    w, h = img.size
    x0, y0, x1, y1 = box
    crop = img.crop((round(x0 * w), round(y0 * h), round(x1 * w), round(y1 * h)))
    crop = crop if crop.mode == "L" else crop.convert("L")
    pixels = crop.width * crop.height
    return sum(crop.histogram()[:threshold]) / pixels if pixels else 0.0


def is_upside_down(img: Image.Image, masks: Sequence[MaskBox]) -> bool:
    """True when some mask box is empty where it is and inked turned by 180°, and no box
    says the opposite (boxes inked or empty both ways, e.g. over an answer area, are
    neutral)."""
    if not masks:
        return False
    # Only the boxes are converted and counted; the paper's level comes from a thumbnail.
    thumb = img.resize((max(1, img.width // 8), max(1, img.height // 8)), Image.Resampling.NEAREST)
    threshold = max(0, paper_level(thumb if thumb.mode == "L" else thumb.convert("L")) - INK_MARGIN)
    for_turning = against = 0
    for m in masks:
        box = (m.x0, m.y0, m.x1, m.y1)
        here, there = _ink_share(img, box, threshold), _ink_share(img, rotated_180(box), threshold)
        for_turning += here < EMPTY_SHARE and there >= INKED_SHARE
        against += here >= INKED_SHARE and there < EMPTY_SHARE
    return for_turning > 0 and against == 0
