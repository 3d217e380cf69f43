"""Train the digit classifier shipped as ``digits.npz`` (offline; never at run time).

    python -m scanner_import.identity.train_digits [--out PATH] [--seed 20261129]

Training-only dependency: scikit-learn (``pip install scikit-learn``), for the
1,797 real handwritten 8x8 digits of ``sklearn.datasets.load_digits`` that ship
inside it (UCI "optdigits", 43 writers). The runtime needs numpy only.

Data (all made here, deterministic for the seed):
* **pen digits**: each digit drawn from hand-made stroke skeletons (several
  allographs: 1 with and without a flag, open and closed 4, 7 with a bar, ...),
  control points jittered, random rotation, shear, aspect and slant, pen widths
  from hairline to felt-tip, blur, sensor noise, occasionally a JPEG round trip;
* **font digits**: DejaVu Sans / Serif / Condensed (regular, bold, oblique)
  glyphs with the same distortions, when those fonts are installed (DejaVu
  Sans Mono is deliberately left out: the tests write with it);
* **optdigits**: the 8x8 scans upscaled, with random affine distortions;
* **ambiguous**: two different digits written over each other (a corrected
  digit) with the soft target 1/2 - 1/2, and scribbles / blobs / strokes with
  the uniform target 1/10, so that a smudge gives a flat table, not a
  confident guess.
Every image goes through ``glyph.examine`` exactly as a scanned cell does.

Model: SIZE*SIZE -> HIDDEN ReLU -> 10, trained with Adam on the soft
cross-entropy, then a softmax temperature is fitted on a held-out split (NLL).
"""
from __future__ import annotations

import argparse
import io
import json
import math
import random
import time
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont

from .glyph import SIZE, examine
from .model import WEIGHTS, DigitClassifier

HIDDEN = 256
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
    for stroke in skeletons(d, r):
        pts = [(cx + x * box, cy + y * box) for x, y in warp(_densify(stroke), jitter)]
        for i, (a, b) in enumerate(zip(pts, pts[1:])):
            w = max(1.0, width * (1 - pressure / 2 + pressure * math.sin(math.pi * i / max(1, len(pts) - 2))))
            draw.line([a, b], fill=ink, width=round(w))
            draw.ellipse([b[0] - w / 2, b[1] - w / 2, b[0] + w / 2, b[1] + w / 2], fill=ink)
        p = pts[0]
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


def _affine_coeffs(r: random.Random, size):
    w, h = size
    a = math.radians(r.gauss(0, 6))
    sh = r.gauss(0, 0.15)
    sx, sy = 1 / r.uniform(0.6, 1.05), 1 / r.uniform(0.85, 1.05)
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


def make_set(n: int, seed: int, optdigits: tuple[np.ndarray, np.ndarray] | None):
    """n glyphs with soft targets: (x: n x SIZE*SIZE, y: n x 10)."""
    r = random.Random(seed)
    fonts = [FONT_DIR / f for f in TRAIN_FONTS if (FONT_DIR / f).is_file()]
    xs, ys = [], []
    while len(xs) < n:
        target = np.zeros(10, np.float32)
        u = r.random()
        d = r.randrange(10)
        if u < 0.5:
            img = pen_digit(d, r)
            target[d] = 1
        elif u < 0.68 and fonts:
            img = font_digit(d, r, fonts)
            target[d] = 1
        elif u < 0.86 and optdigits is not None:
            i = r.randrange(len(optdigits[1]))
            d = int(optdigits[1][i])
            img = optdigit(optdigits[0][i], r)
            target[d] = 1
        elif u < 0.94:
            e = (d + r.randrange(1, 10)) % 10
            a, b = pen_digit(d, r), pen_digit(e, r)
            img = Image.fromarray(np.minimum(np.asarray(a), np.asarray(b)))
            target[d] = target[e] = 0.5
        else:
            img = junk(r)
            target[:] = 0.1
        cell = examine(scanned(img, r))
        if cell.glyph is None:
            continue
        xs.append(cell.glyph.reshape(-1))
        ys.append(target)
    return np.stack(xs), np.stack(ys)


def train(x, y, seed: int, epochs: int = 40, batch: int = 128, lr: float = 2e-3):
    """Adam on the soft cross-entropy; returns (w1, b1, w2, b2)."""
    g = np.random.default_rng(seed)
    d = x.shape[1]
    params = [g.normal(0, math.sqrt(2 / d), (d, HIDDEN)).astype(np.float32), np.zeros(HIDDEN, np.float32),
              g.normal(0, math.sqrt(1 / HIDDEN), (HIDDEN, 10)).astype(np.float32), np.zeros(10, np.float32)]
    m = [np.zeros_like(p) for p in params]
    v = [np.zeros_like(p) for p in params]
    step = 0
    for epoch in range(epochs):
        order = g.permutation(len(x))
        rate = lr * 0.5 * (1 + math.cos(math.pi * epoch / epochs))
        for s in range(0, len(x), batch):
            idx = order[s:s + batch]
            xb, yb = x[idx], y[idx]
            if g.random() < 1.0:  # input dropout-like noise for robustness
                xb = xb * (g.random(xb.shape) > 0.05)
            w1, b1, w2, b2 = params
            h = np.maximum(xb @ w1 + b1, 0)
            z = h @ w2 + b2
            z -= z.max(axis=1, keepdims=True)
            p = np.exp(z)
            p /= p.sum(axis=1, keepdims=True)
            dz = (p - yb) / len(xb)
            dh = (dz @ w2.T) * (h > 0)
            grads = [xb.T @ dh + 1e-5 * w1, dh.sum(0), h.T @ dz + 1e-5 * w2, dz.sum(0)]
            step += 1
            for i, gr in enumerate(grads):
                m[i] = 0.9 * m[i] + 0.1 * gr
                v[i] = 0.999 * v[i] + 0.001 * gr * gr
                params[i] -= rate * (m[i] / (1 - 0.9 ** step)) / (np.sqrt(v[i] / (1 - 0.999 ** step)) + 1e-8)
    return params


def fit_temperature(model: DigitClassifier, x, y) -> float:
    z = model.logits(x).astype(np.float64)
    best, best_t = float("inf"), 1.0
    for t in np.arange(0.5, 3.01, 0.05):
        zz = z / t
        zz -= zz.max(axis=1, keepdims=True)
        logp = zz - np.log(np.exp(zz).sum(axis=1, keepdims=True))
        nll = float(-(y * logp).sum(axis=1).mean())
        if nll < best:
            best, best_t = nll, float(t)
    return best_t


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default=str(WEIGHTS))
    ap.add_argument("--seed", type=int, default=20261129)
    ap.add_argument("--train", type=int, default=60000)
    ap.add_argument("--epochs", type=int, default=40)
    args = ap.parse_args(argv)
    t0 = time.time()
    try:
        from sklearn.datasets import load_digits  # training only
        od = load_digits()
        optdigits = (od.images, od.target)
    except ImportError:
        optdigits = None
        print("scikit-learn is not installed: training without the optdigits scans")
    x, y = make_set(args.train, args.seed, optdigits)
    xv, yv = make_set(args.train // 6, args.seed + 1, optdigits)
    print(f"data: {len(x)} train, {len(xv)} held out ({time.time() - t0:.0f} s)")
    w1, b1, w2, b2 = train(x, y, args.seed, epochs=args.epochs)
    model = DigitClassifier(w1, b1, w2, b2)
    model.temperature = fit_temperature(model, xv, yv)
    hard = yv.max(axis=1) == 1
    acc = float((model.probabilities(xv[hard]).argmax(1) == yv[hard].argmax(1)).mean())
    model.meta = {"input": f"{SIZE}x{SIZE}", "hidden": HIDDEN, "seed": args.seed, "train": len(x),
                  "epochs": args.epochs, "temperature": model.temperature,
                  "held_out_accuracy": round(acc, 4), "optdigits": optdigits is not None,
                  "fonts": [f for f in TRAIN_FONTS if (FONT_DIR / f).is_file()]}
    model.save(args.out)
    print(json.dumps(model.meta), f"{Path(args.out).stat().st_size} bytes, {time.time() - t0:.0f} s")


if __name__ == "__main__":
    main()
