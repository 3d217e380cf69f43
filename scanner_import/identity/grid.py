"""Find the printed cells of the code box on a scanned title page.

The template's ``identity`` box (fractions of the page, SPEC §1) says roughly where
the cells are; the scanner may have shifted, scaled or turned the page by a few
per cent, so nothing is assumed to be exactly there:

1. the box is cropped with a margin (``MARGIN`` of the page on every side);
2. the crop is binarised and its skew estimated: the angle (within ±``MAX_SKEW``
   degrees) at which the dark pixels' row histogram is the most peaked (printed
   lines are long and straight, handwriting is not); the crop is turned back;
3. horizontal lines are the rows that keep many pixels after an opening with a
   horizontal segment of half a cell's expected width (handwriting rarely has
   such runs, and never along the whole grid); vertical lines likewise, with a
   vertical segment of most of the cell's height, between a pair of horizontal
   lines that lie about one box height apart;
4. the cells are N+1 vertical lines at an even pitch (each within 15 % of a
   pitch of where it should be); a stray vertical stroke (a tall "1") is not at
   the pitch and is ignored. Of the candidate pairs of horizontal lines the
   first that gives N evenly pitched cells wins.

Each cell is cut inside its border lines (``CodeGrid.cells``). When no such grid
is found, :class:`GridNotFound` says which step failed.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from PIL import Image
from scipy import ndimage

MARGIN = 0.05      # of the page's width / height, added on each side of the identity box
MAX_SKEW = 5.0     # degrees
SKEW_STEP = 0.25   # degrees
PITCH_TOLERANCE = 0.15


class GridNotFound(ValueError):
    """The printed cells of the code box could not be found; the message says why."""


@dataclass(frozen=True)
class CodeGrid:
    image: Image.Image                    # the crop, turned upright (greyscale)
    region: tuple[int, int, int, int]     # the crop in page pixels (x0, y0, x1, y1), before turning
    angle: float                          # degrees the crop was turned by
    cells: tuple[tuple[int, int, int, int], ...]   # each cell's inside, in ``image`` pixels
    grid: tuple[int, int, int, int]       # the grid's outer lines, in ``image`` pixels

    def cell_images(self) -> list[Image.Image]:
        return [self.image.crop(c) for c in self.cells]

    def grid_image(self, pad: int = 6) -> Image.Image:
        """The code box alone (for a person confirming a reading)."""
        x0, y0, x1, y1 = self.grid
        w, h = self.image.size
        return self.image.crop((max(0, x0 - pad), max(0, y0 - pad), min(w, x1 + pad), min(h, y1 + pad)))


def _dark(gray: np.ndarray) -> np.ndarray:
    paper = float(np.percentile(gray, 90))
    ink = float(np.percentile(gray, 0.5))
    if paper - ink < 60:
        return np.zeros(gray.shape, bool)
    return gray < min(paper - 40, (paper + ink) / 2)


def _skew(dark: np.ndarray) -> float:
    ys, xs = np.nonzero(dark)
    if len(ys) < 50:
        return 0.0
    xs = xs - dark.shape[1] / 2.0
    best, best_angle = -1.0, 0.0
    for angle in np.arange(-MAX_SKEW, MAX_SKEW + 1e-9, SKEW_STEP):
        shifted = np.round(ys - xs * math.tan(math.radians(angle))).astype(np.int64)
        hist = np.bincount(shifted - shifted.min())
        score = float((hist.astype(np.float64) ** 2).sum())
        if score > best + 1e-9 or (abs(score - best) <= 1e-9 and abs(angle) < abs(best_angle)):
            best, best_angle = score, float(angle)
    return best_angle


def _bands(profile: np.ndarray, threshold: float) -> list[tuple[float, int, int]]:
    """(weighted centre, start, stop) of each run of profile >= threshold."""
    above = profile >= threshold
    out = []
    i, n = 0, len(profile)
    while i < n:
        if above[i]:
            j = i
            while j < n and above[j]:
                j += 1
            weights = profile[i:j]
            out.append((float((np.arange(i, j) * weights).sum() / weights.sum()), i, j))
            i = j
        else:
            i += 1
    return out


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


def find_cells(page: Image.Image, box, digits: int = 5, margin: float = MARGIN) -> CodeGrid:
    """The ``digits`` cells of the code box printed near ``box`` (x0, y0, x1, y1 as
    fractions of the page). Raises :class:`GridNotFound` when there is no such grid."""
    if digits < 1:
        raise ValueError("digits must be at least 1")
    W, H = page.size
    bx0, by0, bx1, by1 = box
    region = (max(0, math.floor((bx0 - margin) * W)), max(0, math.floor((by0 - margin) * H)),
              min(W, math.ceil((bx1 + margin) * W)), min(H, math.ceil((by1 + margin) * H)))
    if region[2] - region[0] < 8 or region[3] - region[1] < 8:
        raise GridNotFound("the identity box is outside the page")
    crop = page.crop(region).convert("L")
    gray = np.asarray(crop)
    dark = _dark(gray)
    if dark.sum() < 50:
        raise GridNotFound("the identity box is blank: no printed lines there")
    angle = _skew(dark)
    if angle:
        paper = int(np.percentile(gray, 90))
        crop = crop.rotate(angle, resample=Image.Resampling.BICUBIC, fillcolor=paper)
        gray = np.asarray(crop)
        dark = _dark(gray)
    box_w, box_h = (bx1 - bx0) * W, (by1 - by0) * H
    cell_w = box_w / digits
    dark = ndimage.binary_closing(dark, structure=np.ones((1, 3), bool))
    horiz = ndimage.binary_opening(dark, structure=np.ones((1, max(5, int(cell_w * 0.5))), bool))
    rows = horiz.sum(axis=1).astype(np.float64)
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
    dark_v = ndimage.binary_closing(dark, structure=np.ones((3, 1), bool))
    for _, top, bottom in sorted(pairs):
        t, b = int(math.ceil(top)) + 2, int(math.floor(bottom)) - 1
        if b - t < 6:
            continue
        band = dark_v[t:b]
        vert = ndimage.binary_opening(band, structure=np.ones((max(3, int((b - t) * 0.75)), 1), bool))
        cols = vert.sum(axis=0) / float(b - t)
        cols = np.maximum(cols, np.maximum(np.r_[0, cols[:-1]], np.r_[cols[1:], 0]) * 0.999)
        centres = [c for c, _, _ in _bands(cols, 0.6)]
        height = bottom - top
        found = _even_lines(centres, digits, 0.3 * height, min(3.0 * height, 1.6 * cell_w))
        if found is None:
            continue
        lines, pitch = found
        line_w = max(2.0, float(np.mean([stop - start for _, start, stop in _bands(cols, 0.6)])))
        inset_x = line_w / 2 + 0.07 * pitch
        inset_y = line_w / 2 + 0.07 * height
        cells = tuple((int(round(lines[k] + inset_x)), int(round(top + inset_y)),
                       int(round(lines[k + 1] - inset_x)), int(round(bottom - inset_y)))
                      for k in range(digits))
        grid = (int(round(lines[0])), int(round(top)), int(round(lines[-1])) + 1, int(round(bottom)) + 1)
        return CodeGrid(crop, region, angle, cells, grid)
    raise GridNotFound(f"no {digits} evenly spaced cells between any pair of horizontal lines")
