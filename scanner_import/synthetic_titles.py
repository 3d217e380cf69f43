"""Synthetic VPR title pages with handwritten participant codes, built with Pillow only: the
identity tests', the benchmark's (``bench/identity.py``) and the demo's stack without covers
(``crosscheck/demo/papers.py``). Never used to train the classifier: it is the held-out hand.

The handwriting here is a different "hand" from the one the classifier was
trained on (``scanner_import/identity/train_digits.py``): Bezier skeletons with
other shapes, a pen whose width varies along the stroke and a smooth wobble, and
some digits in DejaVu Sans Mono, a font the training left out. A page: A4 at
150 dpi, printed header and body text, the label «Код участника» and a printed
5-cell grid inside the template's identity box, the score table lower down; then
the whole page is shifted, scaled and turned a little, noised and JPEG-compressed.
"""
from __future__ import annotations

import io
import math
import random
from pathlib import Path

import numpy as np
from PIL import Image, ImageChops, ImageDraw, ImageFilter, ImageFont

PAGE = (1240, 1754)
BOX = (0.62, 0.02, 0.97, 0.08)     # SPEC §1's identity box
GRID = (800, 62, 70, 74)           # x, y, cell width, cell height (page pixels, before distortion)
FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
MONO = [FONT_DIR / f for f in ("DejaVuSansMono.ttf", "DejaVuSansMono-Bold.ttf", "DejaVuSansMono-Oblique.ttf")
        if (FONT_DIR / f).is_file()]


_NOISE = np.random.default_rng(7).normal(0, 5, (256, 256)).round().astype(np.int16)  # sensor noise


def _font(size: int):
    path = FONT_DIR / "DejaVuSans.ttf"
    return ImageFont.truetype(str(path), size) if path.is_file() else ImageFont.load_default(size)


def bezier(*pts, n=16):
    out = []
    for i in range(n):
        t = i / (n - 1)
        p = list(pts)
        while len(p) > 1:
            p = [((1 - t) * a[0] + t * b[0], (1 - t) * a[1] + t * b[1]) for a, b in zip(p, p[1:])]
        out.append(p[0])
    return out


def skeleton_b(d: int, r: random.Random):
    v = r.random()
    if d == 0:
        return [bezier((0.55, 0.0), (-0.1, 0.05), (0.0, 1.05), (0.5, 1.0), n=12)
                + bezier((0.5, 1.0), (1.05, 0.95), (1.1, -0.05), (0.45, 0.05), n=12)]
    if d == 1:
        return [[(0.2, 0.35), (0.6, 0.0)] + bezier((0.6, 0.0), (0.58, 0.5), (0.55, 1.0), n=6)] if v < 0.7 \
            else [bezier((0.55, 0.0), (0.5, 0.5), (0.48, 1.0), n=6)]
    if d == 2:
        return [bezier((0.1, 0.25), (0.3, -0.15), (1.0, 0.0), (0.8, 0.4), n=12)
                + bezier((0.8, 0.4), (0.5, 0.7), (0.1, 1.0), n=8) + [(0.95, 0.97)]]
    if d == 3:
        return [bezier((0.1, 0.1), (0.8, -0.2), (0.9, 0.35), (0.4, 0.45), n=10)
                + bezier((0.4, 0.45), (1.1, 0.5), (0.9, 1.15), (0.08, 0.9), n=12)]
    if d == 4:
        return [[(0.6, 0.0), (0.05, 0.62), (0.95, 0.62)], [(0.68, 0.2), (0.66, 1.0)]] if v < 0.5 \
            else [[(0.15, 0.0), (0.1, 0.55), (0.9, 0.55)], [(0.7, 0.05), (0.7, 1.0)]]
    if d == 5:
        return [[(0.25, 0.02), (0.2, 0.42)] + bezier((0.2, 0.42), (1.1, 0.2), (1.0, 1.2), (0.1, 0.9), n=14),
                [(0.25, 0.02), (0.9, 0.0)]]
    if d == 6:
        return [bezier((0.8, 0.02), (0.1, 0.1), (0.0, 1.1), (0.55, 1.0), n=12)
                + bezier((0.55, 1.0), (1.05, 0.9), (0.85, 0.35), (0.15, 0.6), n=10)]
    if d == 7:
        s = [[(0.08, 0.05), (0.92, 0.02)] + bezier((0.92, 0.02), (0.6, 0.4), (0.45, 1.0), n=8)]
        return s + ([[(0.3, 0.52), (0.85, 0.5)]] if v < 0.25 else [])
    if d == 8:
        return [bezier((0.5, 0.48), (-0.1, 0.3), (0.35, -0.15), (0.8, 0.15), n=10)
                + bezier((0.8, 0.15), (0.9, 0.35), (0.2, 0.6), (0.15, 0.8), n=8)
                + bezier((0.15, 0.8), (0.2, 1.15), (1.1, 1.05), (0.5, 0.48), n=10)]
    if d == 9:
        return [bezier((0.85, 0.2), (0.5, -0.15), (-0.05, 0.2), (0.3, 0.5), n=10)
                + bezier((0.3, 0.5), (0.7, 0.6), (0.85, 0.3), (0.85, 0.15), n=8)
                + bezier((0.85, 0.15), (0.85, 0.6), (0.6, 1.0), n=8)]
    raise ValueError(d)


def write_digit(img: Image.Image, d: int, cell: tuple[int, int, int, int], r: random.Random) -> None:
    """Write ``d`` by hand into the cell (x0, y0, x1, y1) of ``img`` (in place)."""
    x0, y0, x1, y1 = cell
    w, h = x1 - x0, y1 - y0
    draw = ImageDraw.Draw(img)
    ink = r.randint(10, 80)
    if MONO and r.random() < 0.2:
        font = ImageFont.truetype(str(r.choice(MONO)), round(h * r.uniform(0.6, 0.85)))
        draw.text((x0 + w / 2 + r.gauss(0, w * 0.05), y0 + h / 2 + r.gauss(0, h * 0.05)), str(d),
                  font=font, fill=ink, anchor="mm")
        return
    gh = h * r.uniform(0.55, 0.8)
    gw = gh * r.uniform(0.5, 0.8)
    cx, cy = x0 + w / 2 + r.gauss(0, w * 0.05), y0 + h / 2 + r.gauss(0, h * 0.04)
    slant, rot = r.gauss(0.15, 0.12), math.radians(r.gauss(0, 4))
    pen = r.uniform(1.6, 4.2)
    phase, freq, amp = r.uniform(0, 6.3), r.uniform(2, 5), r.uniform(0, 0.03)
    for stroke in skeleton_b(d, r):
        pts = []
        for i, (x, y) in enumerate(stroke):
            x += amp * math.sin(phase + freq * i / len(stroke) * 6.3)
            y += amp * math.cos(phase + freq * i / len(stroke) * 5.1)
            x, y = (x - 0.5) * gw - slant * (y - 0.5) * gh, (y - 0.5) * gh
            pts.append((cx + x * math.cos(rot) - y * math.sin(rot), cy + x * math.sin(rot) + y * math.cos(rot)))
        for i, (a, b) in enumerate(zip(pts, pts[1:])):
            width = max(1, round(pen * (0.75 + 0.5 * math.sin(math.pi * i / max(1, len(pts) - 2)))))
            draw.line([a, b], fill=ink, width=width)
            draw.ellipse([b[0] - width / 2, b[1] - width / 2, b[0] + width / 2, b[1] + width / 2], fill=ink)


def smudge(img: Image.Image, cell, d_over: int, r: random.Random) -> None:
    """A digit corrected by writing another one over it, then smeared with a wet finger."""
    write_digit(img, d_over, cell, r)
    x0, y0, x1, y1 = cell
    w, h = x1 - x0, y1 - y0
    smear = Image.new("L", img.size, 0)
    ex, ey = x0 + w * r.uniform(0.3, 0.7), y0 + h * r.uniform(0.35, 0.65)
    ImageDraw.Draw(smear).ellipse([ex - w * 0.3, ey - h * 0.25, ex + w * 0.3, ey + h * 0.25], fill=130)
    smear = smear.filter(ImageFilter.GaussianBlur(w * 0.08))
    img.paste(ImageChops.subtract(img, smear))


def cross_out(img: Image.Image, cells, wrong: str, r: random.Random) -> None:
    """A code written wrong in the boxes, struck through with one wavy stroke along the whole
    grid (what a pupil does before writing the right code beside it)."""
    for digit, cell in zip(wrong, cells):
        write_digit(img, int(digit), cell, r)
    x0, y0 = cells[0][0], cells[0][1]
    x1, y1 = cells[-1][2], cells[-1][3]
    draw = ImageDraw.Draw(img)
    pts = [(x0 - 6 + (x1 - x0 + 12) * t / 24, (y0 + y1) / 2 + r.uniform(-0.12, 0.12) * (y1 - y0) + (t % 2) * 3)
           for t in range(25)]
    draw.line(pts, fill=r.randint(15, 60), width=4, joint="curve")


def cells_of(grid=GRID, digits: int = 5):
    gx, gy, cw, ch = grid
    return [(gx + k * cw, gy, gx + (k + 1) * cw, gy + ch) for k in range(digits)]


def title_page(code: str | None, seed: int, *, shift=None, scale=None, angle=None, smudged: dict | None = None,
               quality: int | None = None, grid=GRID, crossed: str | None = None) -> Image.Image:
    """A scanned title page with ``code`` written in its boxes (None: boxes left blank).

    ``smudged`` maps a cell index to a digit written over the one there. ``crossed``: the
    boxes hold that (wrong) code struck through, and ``code`` is written smaller below the
    grid, outside the boxes. ``shift`` is
    (dx, dy) as fractions of the page, ``scale`` a factor, ``angle`` degrees; by
    default each is drawn at random (shift up to 1.5 %, scale 0.97-1.03, angle ±3°).
    """
    r = random.Random(seed)
    img = Image.new("L", PAGE, 250)
    draw = ImageDraw.Draw(img)
    draw.text((70, 60), "ВПР. Математика. 5 класс. Вариант 1", font=_font(30), fill=20)
    gx, gy, cw, ch = grid
    draw.text((gx - 12, gy + ch / 2), "Код", font=_font(26), fill=20, anchor="rm")
    line, n = 2, 5
    draw.rectangle([gx, gy, gx + n * cw, gy + ch], outline=0, width=line)
    for k in range(1, n):
        draw.line([(gx + k * cw, gy), (gx + k * cw, gy + ch)], fill=0, width=line)
    body = _font(22)
    for i, text in enumerate(["Инструкция по выполнению работы", "На выполнение работы отводится 45 минут.",
                              "Ответы запишите в поля ответов в тексте работы.",
                              "Желаем успеха!"]):
        draw.text((90, 250 + i * 40), text, font=body, fill=30)
    # the score table lower down
    for k in range(14):
        draw.rectangle([90 + k * 75, 1500, 165 + k * 75, 1580], outline=0, width=2)
        draw.text((127 + k * 75, 1520), str(k + 1), font=body, fill=0, anchor="mm")
    if code and crossed:
        cross_out(img, cells_of(grid), crossed, r)
        gx, gy, cw, ch = grid
        below = (gx + cw // 2, gy + ch + 14, round(cw * 0.55), round(ch * 0.55))
        for digit, cell in zip(code, cells_of(below)):
            write_digit(img, int(digit), cell, r)
    elif code:
        for k, (digit, cell) in enumerate(zip(code, cells_of(grid))):
            if digit != " ":
                write_digit(img, int(digit), cell, r)
            if smudged and k in smudged:
                smudge(img, cell, smudged[k], r)
    # the scanner
    dx, dy = shift if shift is not None else (r.uniform(-0.015, 0.015), r.uniform(-0.015, 0.015))
    s = scale if scale is not None else r.uniform(0.97, 1.03)
    a = angle if angle is not None else r.uniform(-3, 3)
    ca, sa = math.cos(math.radians(a)), math.sin(math.radians(a))
    W, H = PAGE
    # output (x, y) <- input: rotate/scale about the centre, then shift
    cx, cy = W / 2 + dx * W, H / 2 + dy * H
    m = (ca / s, sa / s, 0.0, -sa / s, ca / s, 0.0)
    m = (m[0], m[1], W / 2 - m[0] * cx - m[1] * cy, m[3], m[4], H / 2 - m[3] * cx - m[4] * cy)
    img = img.transform(PAGE, Image.Transform.AFFINE, m, resample=Image.Resampling.BILINEAR, fillcolor=250)
    tile = np.roll(_NOISE, (r.randrange(256), r.randrange(256)), axis=(0, 1))
    noise = np.tile(tile, (H // 256 + 1, W // 256 + 1))[:H, :W]
    arr = np.asarray(img, np.int16) + noise
    img = Image.fromarray(arr.clip(0, 255).astype(np.uint8))
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=quality if quality is not None else r.randint(55, 85))
    return Image.open(io.BytesIO(buf.getvalue()))


def roster(seed: int, n: int = 35, base: int = 40001) -> list[str]:
    """A school's participant codes: a run of consecutive codes with a few gaps (codes
    that differ in one digit are the hard case)."""
    r = random.Random(seed)
    codes, c = [], base + r.randrange(0, 1400)
    while len(codes) < n:
        codes.append(f"{c:05d}")
        c += 1 if r.random() < 0.85 else r.randint(2, 4)
    return codes
