"""Masks that follow the page: where the scanner put the template's boxes on this page.

A scanner shifts a sheet by a few per cent, scales it a little and turns it a degree or
two; the template's mask boxes (fractions of the page) are then off what they must hide
(the handwritten code, the teacher's score table). This module locates the page against
the template, cheaply, on a quarter-size binary copy (numpy and scipy only, no reference
image needed):

1. **skew**: the angle (±``SKEW_RANGE``°) at which the dark pixels' row histogram is the
   most peaked (printed text rows and rules are long and straight);
2. **printed frames**: the page, turned back by the skew, opened with a horizontal segment
   (``RULE_W`` of the page width) and a vertical one (``RULE_H`` of its height): what stays
   is long straight printed rules (text letters, being short, go); connected groups of
   them that hold both horizontal and vertical rules are printed frames — the code grid,
   the score table, a header box;
3. **anchors**: a mask box's anchor is the frame of a plausible size (``_fits``) whose
   centre lies within the largest displacement we accept (``MAX_SHIFT`` of the page, plus
   ``ANCHOR_SLACK``) of the box's centre, the nearest one; on a title page the code grid
   the reader found (``identity.read_code``'s ``grid``) is the identity box's anchor. The
   template's box is taken to be drawn around its printed frame, so the box's centre is
   where that frame is expected;
4. each anchor gives the page's translation (its found centre against the box's centre
   turned with the page about the page centre); the page's translation is their median.
   A page is **located** when at least one anchor was found and the skew is within
   ``MAX_ANGLE``.

The boxes to fill for each template box are then the union of: the template box itself
(never less than a fixed mask), the box moved with the page (turned by the skew about its
anchor, or about the page centre and shifted by the median translation when it has none;
both when its anchor disagrees with the median by more than the margin) grown by
``MARGIN``, and the anchor frame found (the grid, the located table) grown by ``MARGIN``. A page that cannot be located is masked **generously**: every box turned by
±``MAX_ANGLE`` about the page centre and grown by ``MAX_SHIFT`` on every side; the caller
marks it in doubt (``reasons.DOUBTS_RU["not_located"]``).
"""
from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from PIL import Image
from scipy import ndimage

from .masks import MaskBox

MAX_SHIFT = 0.06       # the largest displacement accepted, of the page's width / height
MAX_ANGLE = 3.0        # the largest rotation accepted, degrees
SKEW_RANGE = 4.0       # degrees searched for the skew (beyond MAX_ANGLE: too turned is seen)
MARGIN = 0.015         # safety margin around a moved box or a found frame, of the page
SCALE = 4              # the page is searched at a quarter of its size (37 dpi for a 150-dpi scan)
RULE_W = 0.05          # a horizontal printed rule is at least this long (of the page width)
RULE_H = 0.018         # a vertical printed rule is at least this long (of the page height)
ANCHOR_SLACK = 0.04    # the template box need not be centred exactly on its frame

Box = tuple[float, float, float, float]


@dataclass(frozen=True)
class Location:
    """How this page lies against the template, and the boxes that mask it.

    ``located`` False: no anchor was found or the estimate is implausible (``reason``, in
    English, says which); ``boxes`` are then the generous ones. ``angle`` is the printed
    lines' slope in degrees (clockwise on the image, y pointing down), ``shift`` the median
    translation in fractions of the page (x, y), ``anchors`` how many boxes had an anchor.
    """

    located: bool
    boxes: tuple[MaskBox, ...]
    angle: float = 0.0
    shift: tuple[float, float] = (0.0, 0.0)
    anchors: int = 0
    reason: str = ""


def _quantile(hist: np.ndarray, q: float) -> float:
    """The ``q`` quantile of a grey-level histogram (cheaper than sorting the pixels)."""
    return float(np.searchsorted(np.cumsum(hist), q * hist.sum()))


def _binary(image: Image.Image) -> tuple[np.ndarray, Image.Image, int] | None:
    """Dark pixels of the page at 1/``SCALE`` size: the page averaged over SCALE x SCALE
    blocks (in C), a block dark when it is clearly darker than paper - a printed line one
    pixel thin still darkens its blocks by a quarter of the ink's contrast. Also the small
    grey page, its paper level and the cut, for straightening it."""
    small = image.reduce(SCALE)
    small = small if small.mode == "L" else small.convert("L")
    gray = np.asarray(small)
    hist = np.bincount(gray.ravel(), minlength=256)
    paper, ink = _quantile(hist, 0.9), _quantile(hist, 0.002)
    if paper - ink < 40:
        return None
    cut = int(paper - max(20.0, 0.25 * (paper - ink)))
    return gray < cut, small, cut


def _skew(dark: np.ndarray) -> float:
    """Slope of the printed rows, degrees (positive: they run down to the right)."""
    ys, xs = np.nonzero(dark)
    if len(ys) < 200:
        return 0.0
    step = max(1, len(ys) // 8000)
    ys, xs = ys[::step].astype(np.float64), xs[::step].astype(np.float64) - dark.shape[1] / 2.0

    def score(angle: float) -> float:
        rows = np.round(ys - xs * math.tan(math.radians(angle))).astype(np.int64)
        hist = np.bincount(rows - rows.min()).astype(np.float64)
        return float((hist * hist).sum())

    coarse = max(np.arange(-SKEW_RANGE, SKEW_RANGE + 1e-9, 0.5), key=lambda a: (score(a), -abs(a)))
    fine = np.arange(coarse - 0.4, coarse + 0.41, 0.1)
    return float(round(max(fine, key=lambda a: (score(a), -abs(a))), 2))


def _frames(dark: np.ndarray, small: Image.Image, cut: int, angle: float, windows: Sequence[Box]) -> list[Box]:
    """Printed frames inside ``windows`` (fractions of the page as it lies) as bounding
    boxes in fractions of the page as it lies; ``small``, ``cut``: the small grey page and
    its dark level (it is straightened in grey, so that thin lines stay whole)."""
    h, w = dark.shape
    straight = dark
    if abs(angle) >= 0.05:
        paper = int(np.asarray(small)[::4, ::4].max())
        turned = small.rotate(angle, resample=Image.Resampling.BILINEAR, fillcolor=paper)  # counter-clockwise
        straight = np.asarray(turned) < cut
    lw, lh = max(5, round(RULE_W * w)), max(5, round(RULE_H * h))
    out: list[Box] = []
    for window in windows:
        # the window in the straightened plane (turned back by the skew), in pixels
        wx0, wy0, wx1, wy1 = _bbox(_turn(_corners(window), (0.5, 0.5), -angle, (w, h)))
        x0, y0 = int(wx0 * w), int(wy0 * h)
        x1, y1 = int(math.ceil(wx1 * w)), int(math.ceil(wy1 * h))
        if x1 - x0 < lw or y1 - y0 < lh:
            continue
        u = straight[y0:y1, x0:x1].view(np.uint8)
        horiz = ndimage.maximum_filter1d(ndimage.minimum_filter1d(u, lw, axis=1), lw, axis=1) > 0
        vert = ndimage.maximum_filter1d(ndimage.minimum_filter1d(u, lh, axis=0), lh, axis=0) > 0
        labels, count = ndimage.label(horiz | vert, structure=np.ones((3, 3), bool))
        if not count:
            continue
        hsum = np.bincount(labels[horiz], minlength=count + 1)[1:]
        vsum = np.bincount(labels[vert], minlength=count + 1)[1:]
        for i, sl in enumerate(ndimage.find_objects(labels)):
            if sl is None or hsum[i] < 2 * lw or vsum[i] < 2 * lh:
                continue
            fy0, fy1, fx0, fx1 = sl[0].start + y0, sl[0].stop + y0, sl[1].start + x0, sl[1].stop + x0
            if fx1 - fx0 < lw or fy1 - fy0 < lh:
                continue
            # back from the straightened plane to the page as it lies
            frame = _bbox(_turn(_corners((fx0 / w, fy0 / h, fx1 / w, fy1 / h)), (0.5, 0.5), angle, (w, h)))
            if not any(_same(frame, f, 0.002) for f in out):
                out.append(frame)
    return out


def _fits(frame: Box, box: Box) -> bool:
    """A frame of a size the box could have been drawn around (fractions)."""
    fw, fh = frame[2] - frame[0], frame[3] - frame[1]
    bw, bh = box[2] - box[0], box[3] - box[1]
    return 0.3 * bw <= fw <= 1.15 * bw + 0.02 and 0.2 * bh <= fh <= 1.3 * bh + 0.02


def _turn(points, centre, angle: float, size):
    """Points (fractions) turned by ``angle`` degrees (the page's skew) about ``centre``, in
    pixel space (the page is not square)."""
    w, h = size
    ca, sa = math.cos(math.radians(angle)), math.sin(math.radians(angle))
    cx, cy = centre[0] * w, centre[1] * h
    out = []
    for x, y in points:
        dx, dy = x * w - cx, y * h - cy
        out.append(((cx + dx * ca - dy * sa) / w, (cy + dx * sa + dy * ca) / h))
    return out


def _corners(box: Box):
    x0, y0, x1, y1 = box
    return [(x0, y0), (x1, y0), (x0, y1), (x1, y1)]


def _bbox(points, grow_x: float = 0.0, grow_y: float = 0.0) -> Box:
    xs, ys = [p[0] for p in points], [p[1] for p in points]
    return (max(0.0, min(xs) - grow_x), max(0.0, min(ys) - grow_y),
            min(1.0, max(xs) + grow_x), min(1.0, max(ys) + grow_y))


def _centre(box: Box) -> tuple[float, float]:
    return ((box[0] + box[2]) / 2, (box[1] + box[3]) / 2)


def _mask(box: Box, page: int | None = None) -> MaskBox | None:
    x0, y0, x1, y1 = box
    return MaskBox(page, x0, y0, x1, y1) if x1 > x0 and y1 > y0 else None


def generous(boxes: Sequence[MaskBox], size: tuple[int, int]) -> list[MaskBox]:
    """Each box turned by ±MAX_ANGLE about the page centre and grown by MAX_SHIFT: where it
    may be on any page displaced as much as we accept."""
    out = []
    for m in boxes:
        pts = _corners((m.x0, m.y0, m.x1, m.y1))
        for angle in (-MAX_ANGLE, MAX_ANGLE):
            pts += _turn(_corners((m.x0, m.y0, m.x1, m.y1)), (0.5, 0.5), angle, size)
        out.append(MaskBox(m.page, *_bbox(pts, MAX_SHIFT, MAX_SHIFT)))
    return out


def _same(a: Box, b: Box, tolerance: float = 1e-6) -> bool:
    return all(abs(p - q) < tolerance for p, q in zip(a, b))


def _with_grid(boxes: list[MaskBox], grid: Box | None) -> list[MaskBox]:
    if grid is None:
        return boxes
    extra = _mask(_bbox(_corners(grid), MARGIN, MARGIN))
    return boxes + ([extra] if extra is not None else [])


def _merged(windows: list[Box]) -> list[Box]:
    """Overlapping windows joined (each part of the page is searched once)."""
    out: list[Box] = []
    for win in sorted(windows):
        for i, o in enumerate(out):
            if win[0] <= o[2] and o[0] <= win[2] and win[1] <= o[3] and o[1] <= win[3]:
                out[i] = (min(o[0], win[0]), min(o[1], win[1]), max(o[2], win[2]), max(o[3], win[3]))
                break
        else:
            out.append(win)
    return out


def locate(image: Image.Image, boxes: Sequence[MaskBox], *, grid: Box | None = None,
           grid_for: Box | None = None) -> Location:
    """Locate ``image`` (a content page, turned upright) and the boxes that mask ``boxes``
    on it (see the module docstring). ``grid``: the code grid the reader found on this page
    (fractions of ``image``), the anchor of the mask box equal to ``grid_for`` (the
    template's identity box)."""
    if not boxes:
        return Location(True, ())
    size = image.size
    found = _binary(image)
    if found is None:
        return Location(False, tuple(_with_grid(generous(boxes, size), grid)), reason="no printed content")
    dark, small, cut = found
    angle = _skew(dark)
    reach_x, reach_y = MAX_SHIFT + ANCHOR_SLACK, MAX_SHIFT + ANCHOR_SLACK
    windows = [_bbox(_corners((m.x0, m.y0, m.x1, m.y1)), reach_x + 0.1 * (m.x1 - m.x0) + 0.02,
                     reach_y + 0.15 * (m.y1 - m.y0) + 0.02)
               for m in boxes if grid is None or grid_for is None or not _same((m.x0, m.y0, m.x1, m.y1), grid_for)]
    frames = _frames(dark, small, cut, angle, _merged(windows))

    def widened(reason: str) -> Location:
        # every box where it may be, and every printed frame of a box's size near one:
        # never less than what was found
        near = [f for f in frames if any(_fits(f, (m.x0, m.y0, m.x1, m.y1)) for m in boxes)]
        extra = [b for b in (_mask(_bbox(_corners(f), MARGIN, MARGIN)) for f in near) if b is not None]
        return Location(False, tuple(_with_grid(generous(boxes, size), grid) + extra), angle=angle, reason=reason)

    if abs(angle) > MAX_ANGLE:
        return widened(f"turned by {angle:.1f} degrees")
    anchors: dict[int, Box] = {}
    own_shift: dict[int, tuple[float, float]] = {}
    shifts: list[tuple[float, float]] = []
    for i, m in enumerate(boxes):
        box = (m.x0, m.y0, m.x1, m.y1)
        expected = _turn([_centre(box)], (0.5, 0.5), angle, size)[0]
        found = None
        if grid is not None and grid_for is not None and _same(box, grid_for):
            found = grid
        else:
            near = [f for f in frames if _fits(f, box)
                    and abs(_centre(f)[0] - expected[0]) <= reach_x and abs(_centre(f)[1] - expected[1]) <= reach_y]
            if near:
                found = min(near, key=lambda f: math.hypot(_centre(f)[0] - expected[0],
                                                           _centre(f)[1] - expected[1]))
        if found is None:
            continue
        fx, fy = _centre(found)
        if abs(fx - expected[0]) > reach_x or abs(fy - expected[1]) > reach_y:
            continue  # implausible: farther than any displacement we accept
        anchors[i] = found
        shifts.append((fx - expected[0], fy - expected[1]))
        own_shift[i] = shifts[-1]
    if not anchors:
        return widened("no printed anchor found")
    shift = (float(np.median([s[0] for s in shifts])), float(np.median([s[1] for s in shifts])))
    out: list[MaskBox] = []
    for i, m in enumerate(boxes):
        box = (m.x0, m.y0, m.x1, m.y1)
        out.append(m)
        if i in anchors:
            anchor = anchors[i]
            moved = [(x - _centre(box)[0] + _centre(anchor)[0], y - _centre(box)[1] + _centre(anchor)[1])
                     for x, y in _turn(_corners(box), _centre(box), angle, size)]
            extra = [_mask(_bbox(_corners(anchor), MARGIN, MARGIN), m.page)]
            own = own_shift[i]
            if max(abs(own[0] - shift[0]), abs(own[1] - shift[1])) > MARGIN:
                # its frame disagrees with the page's other anchors: where they put it, too
                extra.append(_mask(_bbox([(x + shift[0], y + shift[1]) for x, y in
                                          _turn(_corners(box), (0.5, 0.5), angle, size)], MARGIN, MARGIN), m.page))
        else:
            moved = [(x + shift[0], y + shift[1]) for x, y in _turn(_corners(box), (0.5, 0.5), angle, size)]
            extra = []
        out += [b for b in [_mask(_bbox(moved, MARGIN, MARGIN), m.page)] + extra if b is not None]
    if grid is not None:  # a title page: the code grid found is covered whatever the boxes
        out += [b for b in [_mask(_bbox(_corners(grid), MARGIN, MARGIN))] if b is not None]
    return Location(True, tuple(out), angle, (round(shift[0], 4), round(shift[1], 4)), len(anchors))


def grid_on_page(grid, size: tuple[int, int]) -> Box:
    """The code grid the reader found (``identity.CodeGrid``: its outer lines in the crop it
    turned by ``angle`` degrees counter-clockwise about the crop's centre) as a box in
    fractions of the page it was read on (``size`` in pixels)."""
    rx0, ry0, rx1, ry1 = grid.region
    cw, ch = rx1 - rx0, ry1 - ry0
    gx0, gy0, gx1, gy1 = grid.grid
    inside = _turn(_corners((gx0 / cw, gy0 / ch, gx1 / cw, gy1 / ch)), (0.5, 0.5), grid.angle, (cw, ch))
    w, h = size
    return _bbox([((rx0 + x * cw) / w, (ry0 + y * ch) / h) for x, y in inside])
