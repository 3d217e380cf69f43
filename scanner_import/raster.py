"""Rasterise one PDF page with poppler's ``pdftoppm`` (the slow, always-correct path).

Used for pages that are not a single full-page JPEG: vector pages, CCITT/JBIG2
bilevel scans, images with masks or odd placement. The page is streamed to us
as PGM/PPM on stdout, so nothing is written to disk and no PNG is encoded.

pdftoppm runs under limits (:mod:`.budget`): a timeout for the page, the file's
remaining seconds of pdftoppm, and - where util-linux's ``prlimit`` is there, as on
every Debian - an address-space cap, so a page that makes poppler allocate without
end fails alone instead of taking the machine's memory.
"""
from __future__ import annotations

import io
import math
import shutil
import subprocess
import time
from pathlib import Path

from PIL import Image, UnidentifiedImageError

from .budget import RasterClock
from .errors import ScanInputError

PDFTOPPM_TIMEOUT_S = 60
PDFTOPPM_MEMORY_BYTES = 2 << 30


def pdftoppm_path() -> str | None:
    return shutil.which("pdftoppm")


def rasterise_page(pdf: Path, number: int, dpi: int, gray: bool = False,
                   clock: RasterClock | None = None) -> Image.Image:
    """Render 1-based page ``number`` at ``dpi``; raise ScanInputError on failure.

    ``render_timeout`` (the page took longer than the clock's ``page_seconds``) and
    ``render_failed`` are about this page; ``render_budget`` (the file has used up its
    seconds of pdftoppm) about the whole file.
    """
    binary = pdftoppm_path()
    if binary is None:
        raise ScanInputError("poppler_missing", pdf,
                             "страницу нужно растрировать, но pdftoppm (poppler-utils) не установлен",
                             page=number)
    clock = clock or RasterClock(math.inf)
    allowed = min(clock.page_seconds, clock.remaining())
    if allowed <= 0:
        raise _over_budget(pdf, number, clock)
    command = [binary, "-r", str(dpi), "-f", str(number), "-l", str(number), *(["-gray"] if gray else []), str(pdf)]
    limiter = shutil.which("prlimit")
    if limiter:
        command = [limiter, f"--as={PDFTOPPM_MEMORY_BYTES}", "--", *command]
    started = time.monotonic()
    try:
        done = subprocess.run(command, capture_output=True, timeout=allowed, check=False)
    except subprocess.TimeoutExpired as exc:
        if allowed < clock.page_seconds:
            raise _over_budget(pdf, number, clock) from exc
        raise ScanInputError("render_timeout", pdf, f"страницу не удалось растрировать за {allowed:.0f} с",
                             page=number) from exc
    finally:
        clock.charge(time.monotonic() - started)
    try:
        img = Image.open(io.BytesIO(done.stdout))
        img.load()
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError) as exc:
        said = done.stderr.decode("utf-8", "replace").strip().splitlines()
        reason = said[-1][:200] if said else f"код выхода {done.returncode}"
        raise ScanInputError("render_failed", pdf, f"страницу не удалось растрировать ({reason})",
                             page=number) from exc
    return img


def _over_budget(pdf: Path, number: int, clock: RasterClock) -> ScanInputError:
    return ScanInputError("render_budget", pdf,
                          f"растрирование страниц заняло больше {clock.budget / 60:.0f} мин — файл слишком сложен для "
                          "обработки; сохраните скан заново как PDF из изображений (JPEG) или TIFF", page=number)
