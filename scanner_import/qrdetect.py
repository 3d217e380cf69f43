"""Find the cover QR on a page: the expected corner first, the whole page last.

Reading a corner crop costs well under a millisecond, the whole page several
(MEASUREMENTS.md), and most pages are not covers. So we read the corner where
:mod:`covers` prints the QR, then the opposite corner (upside-down cover), then
the other two (cover fed sideways), and only then the whole page reduced to
≤ 900 px (about 75 dpi for a 150 dpi scan), which still resolves our 45 mm QR
and catches a cover printed "fit to page" or scanned off-centre, at a quarter
of the full-page cost.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import zxingcpp
from PIL import Image

from .layout import COVER_QR_BOX, mirrored_x, rotated_180
from .qrpayload import PayloadStatus, decode_payload

_FORMATS = zxingcpp.BarcodeFormat.QRCode
FULL_PAGE_MAX_WIDTH = 900  # px; at 150 dpi this halves the page: our QR module is still ~3 px


@dataclass(frozen=True)
class QrHit:
    """A decoded QR: its text and the rotation (degrees CCW) that makes it upright."""

    text: str
    rotation: int


def _looks_ours(text: str) -> bool:
    return decode_payload(text).status is not PayloadStatus.NOT_OURS


def _corner_boxes(width: int, height: int) -> list[tuple[int, int, int, int]]:
    base = COVER_QR_BOX
    if width > height:  # landscape scan of a portrait cover: the box is turned too
        x0, y0, x1, y1 = base
        base = (y0, x0, y1, x1)
    order = [base, rotated_180(base), mirrored_x(base), rotated_180(mirrored_x(base))]
    return [(round(x0 * width), round(y0 * height), round(x1 * width), round(y1 * height))
            for x0, y0, x1, y1 in order]


def _read(img: Image.Image) -> list[QrHit]:
    hits = []
    for barcode in zxingcpp.read_barcodes(img, formats=_FORMATS, try_invert=False):
        if barcode.valid and barcode.text:
            hits.append(QrHit(barcode.text, (round(barcode.orientation / 90) * 90) % 360))
    return hits


def find_qr_in_corners(gray: Image.Image) -> list[QrHit]:
    """Corner crops only (sub-millisecond each); stops at the first crosscheck code."""
    seen: list[QrHit] = []
    for box in _corner_boxes(*gray.size):
        hits = _read(gray.crop(box))
        if any(_looks_ours(h.text) for h in hits):
            return hits
        seen += hits
    return seen


def find_qr_full_page(gray: Image.Image) -> list[QrHit]:
    """The whole page, reduced to about FULL_PAGE_MAX_WIDTH (a few milliseconds)."""
    factor = max(1, math.ceil(min(gray.size) / FULL_PAGE_MAX_WIDTH))
    return _read(gray.reduce(factor) if factor > 1 else gray)


def has_ours(hits: list[QrHit]) -> bool:
    return any(_looks_ours(h.text) for h in hits)


def find_qr(img: Image.Image) -> list[QrHit]:
    """QR codes on the page: corners first, the whole page only if they hold none of ours.

    Foreign QR codes (on the exam form itself, say) are returned too when no
    crosscheck code is found, so the caller can tell "no QR" from "not ours".
    """
    gray = img if img.mode == "L" else img.convert("L")
    corner = find_qr_in_corners(gray)
    if has_ours(corner):
        return corner
    return corner + find_qr_full_page(gray)
