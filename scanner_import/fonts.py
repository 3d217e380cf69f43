"""Find a TrueType font with Cyrillic glyphs for cover sheets (and for the PDF reports,
which embed the same file through reportlab: ``crosscheck.services.reports.pdf``).

Pillow's built-in font has no Cyrillic, so a missing system font would print
empty boxes instead of Russian text. We try the usual Debian/Ubuntu/RedHat
locations (``fonts-dejavu-core`` first), then ``SCANNER_IMPORT_FONT`` /
``SCANNER_IMPORT_FONT_BOLD``; if none exists we fall back to Pillow's default
font and emit a warning once, so covers still carry a readable QR and digits.
"""
from __future__ import annotations

import os
import warnings
from functools import lru_cache
from pathlib import Path

from PIL import ImageFont

_REGULAR = (
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/TTF/DejaVuSans.ttf",
    "/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf",
    "/usr/share/fonts/truetype/noto/NotoSans-Regular.ttf",
    "/usr/share/fonts/truetype/freefont/FreeSans.ttf",
)
_BOLD = (
    "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf",
    "/usr/share/fonts/dejavu/DejaVuSans-Bold.ttf",
    "/usr/share/fonts/TTF/DejaVuSans-Bold.ttf",
    "/usr/share/fonts/truetype/liberation/LiberationSans-Bold.ttf",
    "/usr/share/fonts/truetype/noto/NotoSans-Bold.ttf",
    "/usr/share/fonts/truetype/freefont/FreeSansBold.ttf",
)

Font = ImageFont.FreeTypeFont | ImageFont.ImageFont


@lru_cache(maxsize=4)
def font_path(bold: bool = False) -> str | None:
    """The first existing candidate (bold falls back to regular), or None."""
    env = os.environ.get("SCANNER_IMPORT_FONT_BOLD" if bold else "SCANNER_IMPORT_FONT")
    candidates = ((env,) if env else ()) + (_BOLD if bold else ()) + _REGULAR
    for candidate in candidates:
        if candidate and Path(candidate).is_file():
            return candidate
    return None


@lru_cache(maxsize=64)
def get_font(size: int, bold: bool = False) -> Font:
    """A font of ``size`` pixels; see the module docstring for the fallback."""
    path = font_path(bold)
    if path is not None:
        return ImageFont.truetype(path, size)
    warnings.warn("No TrueType font with Cyrillic found (install fonts-dejavu-core); "
                  "cover texts will be printed with Pillow's default font.", RuntimeWarning,
                  stacklevel=2)
    return ImageFont.load_default(size)


def wrap_text(text: str, font: Font, width: float) -> list[str]:
    """Greedy word wrap: the lines of ``text`` that fit ``width`` pixels in ``font``."""
    lines: list[str] = []
    current = ""
    for word in text.split():
        candidate = f"{current} {word}".strip()
        if current and font.getlength(candidate) > width:
            lines.append(current)
            current = word
        else:
            current = candidate
    if current:
        lines.append(current)
    return lines
