"""Find the printed cells of the code box on a scanned title page.

The template's ``identity`` box (fractions of the page, SPEC §1) says roughly where
the cells are; the scanner may have shifted, scaled or turned the page by a few
per cent, so nothing is assumed to be exactly there:

1. the box is cropped with a margin (``MARGIN`` of the page on every side) and
   binarised once (darker than halfway between paper and ink);
2. a **quick test** (:func:`grid_possible`) rejects a crop that cannot hold the grid
   - blank, or fewer than N+1 separate tall vertical strokes (a printed grid has
   N+1 border lines; a content page's header, body text or a plain frame has
   fewer). It is a necessary condition of step 5, tolerant of the same skew, so it
   never loses a title page; most pages of a stack stop here;
3. the skew: the angle (within ±``MAX_SKEW`` degrees) at which the dark pixels' row
   histogram is the most peaked (printed lines are long and straight, handwriting
   is not), found on the dark pixels' coordinates coarse to fine (``SKEW_STEP``
   then ``SKEW_FINE``) without turning any image; the binary mask is turned back
   (nearest neighbour);
4. horizontal lines are the rows that keep many pixels after an opening with a
   horizontal segment of half a cell's expected width (handwriting rarely has
   such runs, and never along the whole grid); vertical lines likewise, with a
   vertical segment of most of the cell's height, between a pair of horizontal
   lines that lie about one box height apart. Openings and closings of a binary
   mask with a straight segment are done on its runs (keep the runs at least as
   long as the segment; fill gaps shorter than the closing segment);
5. the cells are N+1 vertical lines at an even pitch (each within 15 % of a
   pitch of where it should be); a stray vertical stroke (a tall "1") is not at
   the pitch and is ignored; N cells with another line one pitch beyond either
   end, or whose top or bottom line runs on past an end, are part of a wider
   table (the score table of a page scanned upside down reaches into the crop)
   and are not taken. Of the candidate pairs of horizontal
   lines the first that gives N evenly pitched cells wins.

Each cell is cut inside its border lines (``CodeGrid.cells``), each turned upright on
its own (bicubic) rather than the whole crop. When no such grid is found,
:class:`GridNotFound` says which step failed.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cached_property

import numpy as np
from PIL import Image

from .glyph import percentiles_u8

MARGIN = 0.05      # of the page's width / height, added on each side of the identity box
MAX_SKEW = 5.0     # degrees
SKEW_STEP = 0.5    # degrees, the coarse search over ±MAX_SKEW
SKEW_FINE = 0.1    # degrees, the fine search around the coarse best (± SKEW_STEP)
PITCH_TOLERANCE = 0.15
QUICK_SPREAD = 2   # px each side: the quick test widens strokes so a skewed line stays one tall run
QUICK_RUN = 0.25   # of the box's height: the quick test's "tall vertical stroke"


class GridNotFound(ValueError):
    """The printed cells of the code box could not be found; the message says why."""


@dataclass(frozen=True)
class CodeGrid:
    source: Image.Image                   # the crop as scanned (greyscale, not turned)
    region: tuple[int, int, int, int]     # the crop in page pixels (x0, y0, x1, y1), before turning
    angle: float                          # degrees the crop is turned by (counter-clockwise)
    cells: tuple[tuple[int, int, int, int], ...]   # each cell's inside, in ``image`` pixels
    grid: tuple[int, int, int, int]       # the grid's outer lines, in ``image`` pixels
    paper: int = 255                      # the paper's grey, for what turning brings in

    @cached_property
    def image(self) -> Image.Image:
        """The whole crop turned upright (made on demand: reading the code needs only the cells)."""
        if not self.angle:
            return self.source
        return self.source.rotate(self.angle, resample=Image.Resampling.BICUBIC, fillcolor=self.paper)

    def _cut(self, box: tuple[int, int, int, int]) -> Image.Image:
        """``image.crop(box)``, turning only that part of the crop."""
        if not self.angle:
            return self.source.crop(box)
        x0, y0, x1, y1 = box
        a, b, c, d, e, f = _rotation_matrix(self.source.size, self.angle)
        return self.source.transform((x1 - x0, y1 - y0), Image.Transform.AFFINE,
                                     (a, b, c + a * x0 + b * y0, d, e, f + d * x0 + e * y0),
                                     Image.Resampling.BICUBIC, fillcolor=self.paper)

    def cell_images(self) -> list[Image.Image]:
        return [Image.fromarray(a) for a in self.cell_arrays()]

    def cell_arrays(self) -> list[np.ndarray]:
        """Each cell's greyscale pixels (those of ``cell_images``): one turned piece holding
        every cell, then slices of it."""
        if not self.cells:
            return []
        x0, y0 = min(c[0] for c in self.cells), min(c[1] for c in self.cells)
        x1, y1 = max(c[2] for c in self.cells), max(c[3] for c in self.cells)
        piece = np.asarray(self._cut((x0, y0, x1, y1)))
        return [piece[c[1] - y0:c[3] - y0, c[0] - x0:c[2] - x0] for c in self.cells]

    def grid_image(self, pad: int = 6) -> Image.Image:
        """The code box alone (for a person confirming a reading)."""
        x0, y0, x1, y1 = self.grid
        w, h = self.source.size
        return self._cut((max(0, x0 - pad), max(0, y0 - pad), min(w, x1 + pad), min(h, y1 + pad)))


def _rotation_matrix(size: tuple[int, int], angle: float) -> tuple[float, ...]:
    """The output-to-input affine matrix of ``Image.rotate(angle)`` (same centre, no expand)."""
    w, h = size
    cx, cy = w / 2, h / 2
    rad = -math.radians(angle)
    a, b = round(math.cos(rad), 15), round(math.sin(rad), 15)
    d, e = round(-math.sin(rad), 15), round(math.cos(rad), 15)
    return (a, b, a * -cx + b * -cy + cx, d, e, d * -cx + e * -cy + cy)


def box_region(size: tuple[int, int], box, margin: float = MARGIN) -> tuple[int, int, int, int]:
    """The crop searched for the grid: ``box`` (fractions) with ``margin`` on every side, in pixels."""
    W, H = size
    bx0, by0, bx1, by1 = box
    return (max(0, math.floor((bx0 - margin) * W)), max(0, math.floor((by0 - margin) * H)),
            min(W, math.ceil((bx1 + margin) * W)), min(H, math.ceil((by1 + margin) * H)))


def _dark(gray: np.ndarray) -> tuple[np.ndarray, int]:
    """The ink mask (all False when there is no clear ink) and the paper's grey."""
    paper, ink = percentiles_u8(gray, (90, 0.5))
    if paper - ink < 60:
        return np.zeros(gray.shape, bool), int(paper)
    return gray < min(paper - 40, (paper + ink) / 2), int(paper)


# --- runs of a binary mask (openings and closings with a straight segment) -------------

def _runs(mask: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(row, start, stop) of every run of True along each row of a 2-D mask."""
    h, w = mask.shape
    padded = np.zeros((h, w + 2), np.int8)
    padded[:, 1:-1] = mask
    step = np.diff(padded.ravel())
    starts = np.flatnonzero(step == 1) + 1
    stops = np.flatnonzero(step == -1) + 1
    return starts // (w + 2), starts % (w + 2) - 1, stops % (w + 2) - 1


def _long_runs(mask: np.ndarray, length: int, gap: int = 2) -> np.ndarray:
    """Per row, the pixels left by a closing with a segment of ``gap`` + 1 (gaps of up to
    ``gap`` filled) followed by an opening with a segment of ``length`` (runs shorter
    than it dropped)."""
    rows, starts, stops = _runs(mask)
    if len(rows) == 0:
        return np.zeros(mask.shape[0], np.float64)
    # a run joins the previous one when it is on the same row and the gap is small
    new = np.ones(len(rows), bool)
    new[1:] = (rows[1:] != rows[:-1]) | (starts[1:] - stops[:-1] > gap)
    group = np.cumsum(new) - 1
    first = np.flatnonzero(new)
    last = np.r_[first[1:], len(rows)] - 1
    lengths = stops[last] - starts[first]
    keep = lengths >= length
    return np.bincount(rows[first][keep], weights=lengths[keep], minlength=mask.shape[0]).astype(np.float64) \
        if keep.any() else np.zeros(mask.shape[0], np.float64)


def _bands(profile: np.ndarray, threshold: float) -> list[tuple[float, int, int]]:
    """(weighted centre, start, stop) of each run of profile >= threshold."""
    above = np.zeros(len(profile) + 2, np.int8)
    above[1:-1] = profile >= threshold
    step = np.diff(above)
    starts, stops = np.flatnonzero(step == 1), np.flatnonzero(step == -1)
    if len(starts) == 0:
        return []
    weights = np.r_[0.0, np.cumsum(profile, dtype=np.float64)]
    moments = np.r_[0.0, np.cumsum(np.arange(len(profile)) * profile, dtype=np.float64)]
    centres = (moments[stops] - moments[starts]) / (weights[stops] - weights[starts])
    return [(float(c), int(i), int(j)) for c, i, j in zip(centres, starts, stops)]


# --- the quick test ---------------------------------------------------------------------

def grid_possible(dark: np.ndarray, box_h: float, digits: int) -> bool:
    """Could ``dark`` (the crop's ink mask, not turned) hold a printed grid of ``digits``
    cells? Needs N+1 separate columns with a tall vertical stroke. Strokes are first
    widened by ``QUICK_SPREAD`` pixels each side, so a border line skewed by up to
    ``MAX_SKEW`` is still one run of about its height. A necessary condition of
    :func:`find_cells` (whose vertical lines are at least ¾ of ≥ 0.35 box heights tall)."""
    h, w = dark.shape
    if w <= 2 * QUICK_SPREAD or h < 4:
        return False
    wide = dark.copy()
    for s in range(1, QUICK_SPREAD + 1):
        wide[:, s:] |= dark[:, :-s]
        wide[:, :-s] |= dark[:, s:]
    tall = _long_runs(np.ascontiguousarray(wide.T), max(4, int(QUICK_RUN * box_h)), gap=2) > 0
    if not tall.any():
        return False
    # separate strokes: groups of adjacent columns with a tall run
    edges = np.diff(np.r_[0, tall.view(np.int8), 0])
    return int((edges == 1).sum()) >= digits + 1


# --- skew ---------------------------------------------------------------------------------

def _peakedness(ys: np.ndarray, xs: np.ndarray, angles: np.ndarray, height: int) -> np.ndarray:
    """For each angle, the sum of squares of the row histogram of the points sheared by it
    (all angles in one histogram: row r of angle a is bin a * span + r + pad)."""
    tans = np.tan(np.radians(angles)).astype(np.float32)
    pad = int(math.ceil(float(np.abs(xs).max(initial=0.0)) * float(np.abs(tans).max(initial=0.0)))) + 1
    span = height + 2 * pad + 1
    base = (np.arange(len(angles), dtype=np.float32) * span + pad)[:, None] + ys[None, :]
    bins = np.rint(base - xs[None, :] * tans[:, None]).astype(np.intp).ravel()
    hist = np.bincount(bins, minlength=len(angles) * span).reshape(len(angles), span).astype(np.float64)
    return np.einsum("ij,ij->i", hist, hist)


def _best(scores: np.ndarray, angles: np.ndarray) -> float:
    top = scores.max()
    near = np.flatnonzero(scores >= top - 1e-9)
    return float(angles[near[np.argmin(np.abs(angles[near]))]])  # a tie: the smaller turn


def _skew(dark: np.ndarray) -> float:
    ys, xs = np.nonzero(dark)
    if len(ys) < 50:
        return 0.0
    ys = ys.astype(np.float32)
    xs = (xs - dark.shape[1] / 2.0).astype(np.float32)
    coarse = np.round(np.arange(-MAX_SKEW, MAX_SKEW + 1e-9, SKEW_STEP), 6)
    every = max(1, len(ys) // 1000)   # the coarse search only needs the basin: a sample of the points
    angle = _best(_peakedness(ys[::every], xs[::every], coarse, dark.shape[0]), coarse)
    fine = np.round(np.arange(angle - SKEW_STEP, angle + SKEW_STEP + 1e-9, SKEW_FINE), 6)
    fine = fine[np.abs(fine) <= MAX_SKEW + 1e-9]
    angle = _best(_peakedness(ys, xs, fine, dark.shape[0]), fine)
    return 0.0 if abs(angle) < 1e-9 else angle


def _even_lines(centres: list[float], n: int, min_pitch: float, max_pitch: float):
    """N+1 of the centres at an even pitch (the best fit), or None."""
    best = None
    for a in range(len(centres)):
        for b in range(a + n, len(centres)):
            pitch = (centres[b] - centres[a]) / n
            if not (min_pitch <= pitch <= max_pitch):
                continue
            chosen, error = [centres[a]], 0.0
            for k in range(1, n):
                want = centres[a] + k * pitch
                near = min(centres[a + 1:b], key=lambda c: abs(c - want))
                if abs(near - want) > PITCH_TOLERANCE * pitch:
                    break
                chosen.append(near)
                error += abs(near - want) / pitch
            else:
                chosen.append(centres[b])
                if best is None or error < best[0] - 1e-9 or (abs(error - best[0]) <= 1e-9 and pitch > best[2]):
                    best = (error, chosen, pitch)
    return None if best is None else (best[1], best[2])


def _continues(dark: np.ndarray, top: float, bottom: float, centres: list[float], lines: list[float],
               pitch: float) -> bool:
    """The N cells are part of a wider table: another vertical line one pitch beyond either
    end, or a horizontal line running on past an end (into the next cell, or out of the
    crop)."""
    tol = PITCH_TOLERANCE * pitch
    if any(abs(c - (lines[0] - pitch)) <= tol or abs(c - (lines[-1] + pitch)) <= tol for c in centres):
        return True
    h, w = dark.shape

    def inked(y: float, x0: float, x1: float) -> bool:
        x0, x1 = max(0, int(round(x0))), min(w, int(round(x1)))
        if x1 - x0 < 3:
            return False
        y0 = max(0, int(round(y)) - 2)
        return float(dark[y0:int(round(y)) + 3, x0:x1].any(axis=0).mean()) >= 0.8

    reach = 0.4 * pitch
    # either line is enough: turning the crop cuts a corner of a table at its edge away
    return any(inked(y, lines[0] - reach, lines[0] - 4) or inked(y, lines[-1] + 4, lines[-1] + reach)
               for y in (top, bottom))


def find_cells(page: Image.Image, box, digits: int = 5, margin: float = MARGIN) -> CodeGrid:
    """The ``digits`` cells of the code box printed near ``box`` (x0, y0, x1, y1 as
    fractions of the page). Raises :class:`GridNotFound` when there is no such grid."""
    region = box_region(page.size, box, margin)
    if region[2] - region[0] < 8 or region[3] - region[1] < 8:
        raise GridNotFound("the identity box is outside the page")
    crop = page.crop(region)
    return find_cells_in(crop if crop.mode == "L" else crop.convert("L"), region, page.size, box, digits)


def find_cells_in(crop: Image.Image, region: tuple[int, int, int, int], page_size: tuple[int, int], box,
                  digits: int = 5) -> CodeGrid:
    """:func:`find_cells` on the crop already cut (greyscale), ``region`` being where it lies
    on a page of ``page_size`` pixels (of the page as read: possibly turned)."""
    if digits < 1:
        raise ValueError("digits must be at least 1")
    W, H = page_size
    bx0, by0, bx1, by1 = box
    gray = np.asarray(crop)
    dark, paper = _dark(gray)
    if dark.sum() < 50:
        raise GridNotFound("the identity box is blank: no printed lines there")
    box_w, box_h = (bx1 - bx0) * W, (by1 - by0) * H
    if not grid_possible(dark, box_h, digits):
        raise GridNotFound(f"no {digits + 1} tall vertical lines of a printed grid (quick test)")
    angle = _skew(dark)
    if angle:
        turned = Image.fromarray(dark.view(np.uint8) * np.uint8(255)).rotate(
            angle, resample=Image.Resampling.NEAREST, fillcolor=0)
        dark = np.asarray(turned) > 127
    cell_w = box_w / digits
    rows = _long_runs(dark, max(5, int(cell_w * 0.5)))
    if rows.max() < cell_w:
        raise GridNotFound("no horizontal printed line in the identity box")
    hbands = _bands(rows, 0.4 * rows.max())
    pairs = []
    for i, (top, _, _) in enumerate(hbands):
        for bottom, _, _ in hbands[i + 1:]:
            if 0.35 * box_h <= bottom - top <= 1.6 * box_h:
                strength = rows[int(round(top))] + rows[int(round(bottom))]
                pairs.append((-strength, top, bottom))
    if not pairs:
        raise GridNotFound("no pair of horizontal lines about one box height apart")
    for _, top, bottom in sorted(pairs):
        t, b = int(math.ceil(top)) + 2, int(math.floor(bottom)) - 1
        if b - t < 6:
            continue
        band = np.ascontiguousarray(dark[t:b].T)
        cols = _long_runs(band, max(3, int((b - t) * 0.75))) / float(b - t)
        cols = np.maximum(cols, np.maximum(np.r_[0, cols[:-1]], np.r_[cols[1:], 0]) * 0.999)
        vbands = _bands(cols, 0.6)
        centres = [c for c, _, _ in vbands]
        height = bottom - top
        found = _even_lines(centres, digits, 0.3 * height, min(3.0 * height, 1.6 * cell_w))
        if found is None:
            continue
        lines, pitch = found
        if _continues(dark, top, bottom, centres, lines, pitch):
            continue  # N cells of a wider table (a score table turned upside down into the crop)
        line_w = max(2.0, float(np.mean([stop - start for _, start, stop in vbands])))
        inset_x = line_w / 2 + 0.07 * pitch
        inset_y = line_w / 2 + 0.07 * height
        cells = tuple((int(round(lines[k] + inset_x)), int(round(top + inset_y)),
                       int(round(lines[k + 1] - inset_x)), int(round(bottom - inset_y)))
                      for k in range(digits))
        grid = (int(round(lines[0])), int(round(top)), int(round(lines[-1])) + 1, int(round(bottom)) + 1)
        return CodeGrid(crop, region, angle, cells, grid, paper)
    raise GridNotFound(f"no {digits} evenly spaced cells between any pair of horizontal lines")
