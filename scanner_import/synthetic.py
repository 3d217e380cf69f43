"""Synthetic "scanned" papers for tests, the bench and demos.

Pages look like what a school's scanner produces - off-white paper, sensor
noise, handwriting-like pen strokes, printed form blocks, slightly skewed
covers, noisy duplex backs with show-through and dust - and are written the
way scanners write them (one JPEG per PDF page, or a multi-page TIFF).
Deterministic for a given seed.
"""
from __future__ import annotations

import io
import math
import random
from collections.abc import Iterable
from pathlib import Path
from statistics import NormalDist

from PIL import Image, ImageChops, ImageDraw

from .covers import CoverEntry, CoverSheetSet, render_cover
from .fonts import get_font
from .pdfwrite import PdfImagePageWriter

A4_150DPI = (1240, 1754)
PAPER = 246


def _noise(img: Image.Image, sigma: float, seed: int) -> Image.Image:
    """Gaussian sensor noise, deterministic per seed (Image.effect_noise is neither
    seedable nor fast: 150 ms a page)."""
    if sigma <= 0:
        return img
    w, h = img.size
    uniform = Image.frombytes("L", (w, h), random.Random(seed).randbytes(w * h))
    normal = NormalDist(128, sigma)
    noise = uniform.point([max(0, min(255, round(normal.inv_cdf((v + 0.5) / 256)))) for v in range(256)])
    if img.mode == "RGB":
        noise = Image.merge("RGB", (noise, noise, noise))
    return ImageChops.add(img, noise, scale=1.0, offset=-128)


def paper(size: tuple[int, int] = A4_150DPI, level: int = PAPER, mode: str = "L") -> Image.Image:
    return Image.new(mode, size, level if mode == "L" else (level, level, level - 4))


def draw_handwriting(img: Image.Image, rng: random.Random, lines: int = 8, ink: int | tuple = 60,
                     top: float = 0.25, words_per_line: int = 5) -> None:
    """Wavy cursive-like strokes in rows, pen width ~0.5 mm."""
    draw = ImageDraw.Draw(img)
    w, h = img.size
    pen = max(2, round(w / 400))
    row_h = h * 0.6 / max(lines, 1)
    for row in range(lines):
        y0 = h * top + row * row_h
        x = w * (0.1 + rng.random() * 0.05)
        for _ in range(rng.randint(max(1, words_per_line - 2), words_per_line + 1)):
            word_w = w * rng.uniform(0.05, 0.13)
            pts = []
            steps = int(word_w / 3)
            amp = min(row_h * rng.uniform(0.12, 0.22), h * 0.015)
            freq, phase = rng.uniform(0.15, 0.3), rng.random() * 6
            for i in range(steps):
                px = x + i * 3
                py = y0 + amp * math.sin(i * freq + phase) + rng.uniform(-1, 1)
                pts.append((px, py))
            draw.line(pts, fill=ink, width=pen, joint="curve")
            x += word_w + w * rng.uniform(0.02, 0.04)
            if x > w * 0.85:
                break


def draw_form_header(img: Image.Image, level: int = 30) -> None:
    """Printed blocks at the top (the place a "name" box usually is)."""
    draw = ImageDraw.Draw(img)
    w, h = img.size
    fill = level if img.mode == "L" else (level, level, level)
    for i in range(3):
        draw.rectangle([w * 0.08, h * (0.03 + i * 0.02), w * 0.5, h * (0.03 + i * 0.02) + 6], fill=fill)
    draw.rectangle([w * 0.56, h * 0.03, w * 0.96, h * 0.09], outline=fill, width=3)


def content_page(seed: int, size: tuple[int, int] = A4_150DPI, lines: int = 8, mode: str = "L",
                 noise: float = 6.0) -> Image.Image:
    """A handwritten answer page."""
    rng = random.Random(seed)
    img = paper(size, mode=mode)
    draw_form_header(img)
    ink = 60 if mode == "L" else (20, 30, 140)
    draw_handwriting(img, rng, lines=lines, ink=ink)
    return _noise(img, noise, seed)


def vpr_page(seed: int, code: str, position: int, marks: str | None = None, size: tuple[int, int] = A4_150DPI
             ) -> Image.Image:
    """A VPR answer page as a school hands it in: the participant code written into the box
    in the header (what the template's "*" mask covers), the school and class on page 1,
    and, with ``marks``, the school's marks table at the foot (the last page's mask)."""
    img = content_page(seed, size=size)
    draw = ImageDraw.Draw(img)
    w, h = img.size
    font = get_font(round(h / 62))
    draw.rectangle([0.63 * w, 0.02 * h, 0.98 * w, 0.06 * h], outline=20, width=3)
    draw.text((0.65 * w, 0.025 * h), f"Код: {code}", fill=25, font=font)
    if position == 1:
        draw.text((0.07 * w, 0.1 * h), "ОО 5001.. класс 5  вариант 1", fill=40, font=font)
    if marks is not None:
        draw.rectangle([0.06 * w, 0.85 * h, 0.94 * w, 0.97 * h], outline=20, width=3)
        draw.text((0.08 * w, 0.87 * h), "Баллы ОО: " + marks[:70], fill=25, font=font)
        draw.text((0.08 * w, 0.92 * h), marks[70:140], fill=25, font=font)
    return img


def sparse_page(seed: int, size: tuple[int, int] = A4_150DPI, noise: float = 8.0) -> Image.Image:
    """An almost empty page: one short handwritten answer (must NOT count as blank)."""
    rng = random.Random(seed)
    img = paper(size)
    draw_handwriting(img, rng, lines=1, words_per_line=1, top=0.5)
    return _noise(img, noise, seed)


def blank_back(seed: int, size: tuple[int, int] = A4_150DPI, noise: float = 8.0,
               show_through: bool = True, dust: int = 25) -> Image.Image:
    """A duplex back: noise, faint mirrored show-through, dust specks, an edge shadow."""
    rng = random.Random(seed)
    img = paper(size)
    draw = ImageDraw.Draw(img)
    w, h = size
    if show_through:
        ghost = paper(size)
        draw_handwriting(ghost, rng, lines=8, ink=PAPER - 28)
        img = ImageChops.darker(img, ghost.transpose(Image.Transpose.FLIP_LEFT_RIGHT))
        draw = ImageDraw.Draw(img)
    px_per_mm = w / 210
    for _ in range(dust):  # specks 0.2-0.6 mm across
        x, y, r = rng.uniform(0, w), rng.uniform(0, h), px_per_mm * rng.uniform(0.1, 0.3)
        draw.ellipse([x - r, y - r, x + r, y + r], fill=rng.randint(40, 120))
    draw.rectangle([0, 0, w, max(2, h // 200)], fill=90)  # lid shadow at the very edge
    return _noise(img, noise, seed)


def cover_page(sheets: CoverSheetSet, entry: CoverEntry, number: int = 1, total: int = 1,
               size: tuple[int, int] = A4_150DPI, angle: float = 0.0, upside_down: bool = False,
               noise: float = 6.0, seed: int = 0) -> Image.Image:
    """A printed cover as scanned: rendered at the scan resolution, skewed, noisy."""
    dpi = round(size[0] / (210 / 25.4))
    printed = render_cover(sheets, entry, number, total, dpi=dpi).convert("L")
    printed = printed.resize(size) if printed.size != size else printed
    img = ImageChops.multiply(paper(size), printed)
    if angle:
        img = img.rotate(angle, resample=Image.Resampling.BICUBIC, fillcolor=PAPER)
    if upside_down:
        img = img.transpose(Image.Transpose.ROTATE_180)
    return _noise(img, noise, seed)


def jpeg(img: Image.Image, quality: int = 75) -> bytes:
    out = io.BytesIO()
    img.save(out, "JPEG", quality=quality)
    return out.getvalue()


def write_scan_pdf(path: str | Path, pages: Iterable[Image.Image | bytes], dpi: int = 150,
                   quality: int = 75) -> int:
    """Write pages (images, or JPEG bytes as-is) one JPEG per page, like a scanner."""
    count = 0
    with open(path, "wb") as fh, PdfImagePageWriter(fh) as pdf:
        for page in pages:
            data = page if isinstance(page, bytes) else jpeg(page, quality)
            with Image.open(io.BytesIO(data)) as probe:
                size, gray = probe.size, probe.mode == "L"
            pdf.add_jpeg_page(data, size[0], size[1], dpi, gray=gray)
            count += 1
    return count


def write_scan_tiff(path: str | Path, pages: list[Image.Image], compression: str = "tiff_lzw") -> None:
    first, rest = pages[0], pages[1:]
    first.save(path, "TIFF", save_all=True, append_images=rest, compression=compression,
               dpi=(150, 150))
