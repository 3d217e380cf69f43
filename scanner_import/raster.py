"""Rasterise one PDF page with poppler's ``pdftoppm`` (the slow, always-correct path).

Used for pages that are not a single full-page JPEG: vector pages, CCITT/JBIG2
bilevel scans, images with masks or odd placement. The page is streamed to us
as PGM/PPM on stdout, so nothing is written to disk and no PNG is encoded.
"""
from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from PIL import Image

from .errors import ScanInputError

PDFTOPPM_TIMEOUT_S = 120


def pdftoppm_path() -> str | None:
    return shutil.which("pdftoppm")


def rasterise_page(pdf: Path, number: int, dpi: int, gray: bool = False) -> Image.Image:
    """Render 1-based page ``number`` at ``dpi`` through pdf2image; raise ScanInputError on failure.

    pdf2image drives poppler's pdftoppm and, without an output folder, reads the PPM it
    writes to stdout: nothing is written to disk and no PNG is encoded.
    """
    from pdf2image import convert_from_path
    from pdf2image.exceptions import PDFInfoNotInstalledError, PDFPageCountError, PDFSyntaxError

    if pdftoppm_path() is None:
        raise ScanInputError("poppler_missing", pdf,
                             "страницу нужно растрировать, но pdftoppm (poppler-utils) не установлен",
                             page=number)
    try:
        images = convert_from_path(str(pdf), dpi=dpi, first_page=number, last_page=number, grayscale=gray,
                                   fmt="ppm", timeout=PDFTOPPM_TIMEOUT_S)
    except subprocess.TimeoutExpired as exc:
        raise ScanInputError("render_timeout", pdf, "страницу не удалось растрировать за "
                             f"{PDFTOPPM_TIMEOUT_S} с", page=number) from exc
    except PDFInfoNotInstalledError as exc:
        raise ScanInputError("poppler_missing", pdf, "не установлен poppler-utils", page=number) from exc
    except (PDFPageCountError, PDFSyntaxError) as exc:
        raise ScanInputError("render_failed", pdf, f"страницу не удалось растрировать ({exc})",
                             page=number) from exc
    if not images:
        raise ScanInputError("render_failed", pdf, "страницу не удалось растрировать (нет вывода)", page=number)
    img = images[0]
    img.load()
    return img
