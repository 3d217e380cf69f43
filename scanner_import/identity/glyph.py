"""One cell of the code box: is there handwriting in it, and the normalised glyph.

A cell arrives as a greyscale crop of the cell's inside (border lines mostly cut
away). Ink is what is clearly darker than the paper around it; specks of scanner
dust and the remnants of the printed border (thin runs hugging an edge) are
dropped as connected components. What is left is the handwriting: a cell holds a
digit when that ink covers enough of the cell and is tall enough to be a digit.

The glyph fed to the classifier is the ink (0 = paper, 1 = full ink) inside its
bounding box, scaled so that its longer side is ``FIT`` pixels and its shorter one
``FIT * sqrt(aspect)`` (narrow glyphs are widened a little), and centred by its bounding box into a ``SIZE`` x ``SIZE`` square, the same
function for the training images and for the scans.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from PIL import Image
from scipy import ndimage

SIZE = 20   # the classifier's input is SIZE x SIZE
FIT = 16    # the glyph's longer side, in pixels, inside that square

MIN_CONTRAST = 60       # paper minus ink, in grey levels, below which nothing is ink
MIN_INK_SHARE = 0.012   # share of the cell's pixels that must be ink for a filled cell
MIN_INK_HEIGHT = 0.28   # the ink's bounding box must be at least this share of the cell's height
SPECK_SHARE = 0.0015    # components smaller than this share of the cell are dust
WEAK, STRONG = 0.08, 0.35   # ink levels of the hysteresis (see _kept_mask)


@dataclass(frozen=True)
class CellInk:
    """What was found in one cell."""
    filled: bool          # holds handwriting
    ink_share: float      # share of the cell's pixels that are (kept) ink
    height_share: float   # height of the ink's bounding box / the cell's height
    glyph: np.ndarray | None  # SIZE x SIZE float32 in [0, 1] when filled


def percentiles_u8(gray: np.ndarray, qs, dtype=np.float64) -> list[float]:
    """``np.percentile(gray.astype(dtype), q)`` (linear interpolation) for each q (the same
    value, but for a last-bit rounding now and then), from one histogram when ``gray``
    holds 8-bit grey levels: a tenth of the time of sorting them."""
    if gray.dtype != np.uint8:
        return [float(np.percentile(gray.astype(dtype, copy=False), q)) for q in qs]
    flat = gray.ravel()
    n = flat.size
    cum = np.cumsum(np.bincount(flat, minlength=256))
    out = []
    for q in qs:
        index = (n - 1) * (q / 100.0)  # numpy's 'linear' virtual index
        lo = int(math.floor(index))
        hi = min(lo + 1, n - 1)
        v_lo = float(np.searchsorted(cum, lo, side="right"))
        v_hi = float(np.searchsorted(cum, hi, side="right"))
        t = index - lo
        step = v_hi - v_lo  # numpy's lerp, then the array's dtype
        out.append(float(dtype(v_hi - step * (1 - t) if t >= 0.5 else v_lo + step * t)))
    return out


def ink_map(gray: np.ndarray) -> np.ndarray:
    """Ink intensity in [0, 1] from a greyscale array (0 = black): 0 on paper."""
    g = gray.astype(np.float32)
    paper, dark = percentiles_u8(gray if gray.dtype == np.uint8 else g, (90, 0.5), np.float32)
    contrast = paper - dark
    if contrast < MIN_CONTRAST:
        return np.zeros_like(g)
    # Paper is anything within a fifth of the way to the ink (sensor noise, JPEG ringing);
    # a thin or light stroke still shows.
    lo = paper - max(20.0, contrast / 5.0)
    return np.clip((lo - g) / max(lo - dark, 1.0), 0.0, 1.0)


def _kept_mask(ink: np.ndarray) -> np.ndarray:
    """Ink pixels after dropping dust and border remnants.

    Hysteresis: a component of faint ink (> ``WEAK``) is kept only when it holds some
    clear ink (> ``STRONG``), so a light or thin stroke stays whole."""
    mask = ink > WEAK
    if not mask.any():
        return mask
    labels, n = ndimage.label(mask, structure=np.ones((3, 3), bool))
    h, w = mask.shape
    keep = np.zeros(n + 1, bool)
    areas = np.bincount(labels.ravel(), minlength=n + 1).astype(np.float64)
    strong = np.bincount(labels.ravel(), weights=(ink > STRONG).ravel(), minlength=n + 1)
    for i, sl in enumerate(ndimage.find_objects(labels), start=1):
        if sl is None or areas[i] < max(3.0, SPECK_SHARE * h * w) or strong[i] < 2:
            continue
        ys, xs = sl
        bh, bw = ys.stop - ys.start, xs.stop - xs.start
        # A thin band touching one edge along most of it: what is left of the printed border.
        edge = 0.05
        if bh <= max(4, 0.1 * h) and bw > 0.5 * w and (ys.start <= edge * h or ys.stop >= (1 - edge) * h):
            continue
        if bw <= max(4, 0.1 * w) and bh > 0.5 * h and (xs.start <= edge * w or xs.stop >= (1 - edge) * w):
            continue
        keep[i] = True
    return keep[labels]


def normalise(ink: np.ndarray, mask: np.ndarray | None = None) -> np.ndarray | None:
    """The classifier's SIZE x SIZE input from an ink map (see the module docstring)."""
    if mask is None:
        mask = _kept_mask(ink)
    if not mask.any():
        return None
    ys, xs = np.nonzero(mask)
    y0, y1, x0, x1 = ys.min(), ys.max() + 1, xs.min(), xs.max() + 1
    # saturate: a light pen's stroke looks like a dark one's
    crop = np.where(mask, np.minimum(ink / 0.6, 1.0), 0.0)[y0:y1, x0:x1].astype(np.float32)
    h, w = crop.shape
    # The longer side becomes FIT; a narrow glyph is widened to the square root of its
    # aspect (a 7 or a 4 written narrow keeps its bar legible; a 1 stays a thin stroke).
    if h >= w:
        nh, nw = FIT, max(1, round(FIT * math.sqrt(w / h)))
    else:
        nh, nw = max(1, round(FIT * math.sqrt(h / w))), FIT
    scale = max(nh / h, nw / w)
    small = np.asarray(Image.fromarray(crop, mode="F").resize((nw, nh), Image.Resampling.BILINEAR
                                                              if scale > 1 else Image.Resampling.BOX))
    out = np.zeros((SIZE, SIZE), np.float32)
    top, left = (SIZE - nh) // 2, (SIZE - nw) // 2
    out[top:top + nh, left:left + nw] = small
    peak = out.max()
    return out / peak if peak > 0 else None


def examine(cell: Image.Image | np.ndarray) -> CellInk:
    """Look at one cell's inside: filled or blank, and its glyph when filled."""
    gray = np.asarray(cell if not isinstance(cell, Image.Image) or cell.mode == "L" else cell.convert("L"))
    ink = ink_map(gray)
    mask = _kept_mask(ink)
    h, w = mask.shape
    if not mask.any():
        return CellInk(False, 0.0, 0.0, None)
    share = float(mask.sum()) / (h * w)
    ys = np.nonzero(mask.any(axis=1))[0]
    height = float(ys.max() + 1 - ys.min()) / h
    filled = share >= MIN_INK_SHARE and height >= MIN_INK_HEIGHT
    glyph = normalise(ink, mask) if filled else None
    return CellInk(filled and glyph is not None, share, height, glyph)
