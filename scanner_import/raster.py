"""Rasterise one PDF page with poppler's ``pdftoppm`` (the slow, always-correct path).

Used for pages that are not a single full-page JPEG: vector pages, CCITT/JBIG2
bilevel scans, images with masks or odd placement. The page is streamed to us
as PGM/PPM on stdout, so nothing is written to disk and no PNG is encoded.
"""
from __future__ import annotations

import io
import shutil
import subprocess
from pathlib import Path

from PIL import Image

from .errors import ScanInputError

PDFTOPPM_TIMEOUT_S = 120


def pdftoppm_path() -> str | None:
    return shutil.which("pdftoppm")


def rasterise_page(pdf: Path, number: int, dpi: int, gray: bool = False) -> Image.Image:
    """Render 1-based page ``number`` at ``dpi``; raise ScanInputError on failure."""
    exe = pdftoppm_path()
    if exe is None:
        raise ScanInputError("poppler_missing", pdf,
                             "страницу нужно растрировать, но pdftoppm (poppler-utils) не установлен",
                             page=number)
    cmd = [exe, "-f", str(number), "-l", str(number), "-r", str(dpi)]
    if gray:
        cmd.append("-gray")
    cmd.append(str(pdf))
    try:
        proc = subprocess.run(cmd, capture_output=True, timeout=PDFTOPPM_TIMEOUT_S, check=False)
    except subprocess.TimeoutExpired as exc:
        raise ScanInputError("render_timeout", pdf, "страницу не удалось растрировать за "
                             f"{PDFTOPPM_TIMEOUT_S} с", page=number) from exc
    if proc.returncode != 0 or not proc.stdout:
        reason = proc.stderr.decode("utf-8", "replace").strip().splitlines()[-1:] or ["нет вывода"]
        raise ScanInputError("render_failed", pdf,
                             f"страницу не удалось растрировать ({reason[0]})", page=number)
    img = Image.open(io.BytesIO(proc.stdout))
    img.load()
    return img
