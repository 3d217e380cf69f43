"""Anonymisation masks from the paper template (SPEC §1 ``masks``).

A box is filled solid *before* encoding, so the masked JPEG is computed from
pixels that no longer contain anything of the original inside the box: two
pages that differ only inside a masked box give byte-identical masked renders.
Box edges are rounded outwards so a fraction never leaves a one-pixel sliver.
"""
from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from PIL import Image

from .layout import box_before_turn


@dataclass(frozen=True)
class MaskBox:
    """A rectangle in fractions of page width/height; ``page`` None means every page."""

    page: int | None
    x0: float
    y0: float
    x1: float
    y1: float

    def applies_to(self, position: int) -> bool:
        return self.page is None or self.page == position

    def pixels(self, width: int, height: int) -> tuple[int, int, int, int]:
        return (math.floor(self.x0 * width), math.floor(self.y0 * height),
                math.ceil(self.x1 * width), math.ceil(self.y1 * height))


def parse_masks(data: Any) -> tuple[MaskBox, ...]:
    """Masks from template data: a list of ``{"page", "box"}`` or a template with ``masks``.

    Raises ValueError naming the offending entry (SPEC §1: "a message that names the key").
    """
    if isinstance(data, Mapping):
        data = data.get("masks", [])
    if not isinstance(data, Sequence) or isinstance(data, (str, bytes)):
        raise ValueError("masks: expected a list of {page, box}")
    return tuple(_parse_one(i, item) for i, item in enumerate(data))


def _parse_one(index: int, item: Any) -> MaskBox:
    where = f"masks[{index}]"
    if not isinstance(item, Mapping):
        raise ValueError(f"{where}: expected a mapping with page and box")
    unknown = set(item) - {"page", "box"}
    if unknown:
        raise ValueError(f"{where}: unknown key {sorted(unknown)[0]!r}")
    page = item.get("page", "*")
    if page == "*":
        page_no = None
    elif isinstance(page, int) and not isinstance(page, bool) and page >= 1:
        page_no = page
    else:
        raise ValueError(f"{where}.page: expected a page number ≥ 1 or \"*\", got {page!r}")
    box = item.get("box")
    if (not isinstance(box, Sequence) or len(box) != 4
            or not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in box)):
        raise ValueError(f"{where}.box: expected [x0, y0, x1, y1]")
    x0, y0, x1, y1 = (float(v) for v in box)
    if not all(0.0 <= v <= 1.0 for v in (x0, y0, x1, y1)):
        raise ValueError(f"{where}.box: values must be within [0, 1]")
    if x0 >= x1 or y0 >= y1:
        raise ValueError(f"{where}.box: needs x0 < x1 and y0 < y1")
    return MaskBox(page_no, x0, y0, x1, y1)


def boxes_for(masks: Iterable[MaskBox], position: int) -> list[MaskBox]:
    return [m for m in masks if m.applies_to(position)]


def doubt_boxes(masks: Iterable[MaskBox], turns: Iterable[int] = (0,)) -> list[MaskBox]:
    """When in doubt, mask more: every box of every position, where each of ``turns`` (the
    quarter turns the page may still need to stand upright) would put it on the page."""
    found: dict[tuple[float, float, float, float], None] = {}
    for turn in turns:
        for m in masks:
            found.setdefault(box_before_turn((m.x0, m.y0, m.x1, m.y1), turn))
    return [MaskBox(None, *box) for box in found]


def apply_masks(img: Image.Image, boxes: Iterable[MaskBox], fill: int = 0) -> Image.Image:
    """A copy of ``img`` with every box filled solid with grey level ``fill``."""
    out = img.copy()
    colour: int | tuple[int, int, int] = (fill, fill, fill) if out.mode == "RGB" else fill
    for box in boxes:
        out.paste(colour, box.pixels(*out.size))
    return out
