"""The limits on decoding work, checked before anything is decoded, and the clock on pdftoppm.

Decoding work grows with pixels, not with bytes: a 1.2 MB PDF of 2,000 pages, each drawing
one shared Flate image of 30000×30000 pixels, costs pdftoppm about 6 s a page (hours in
all) while every check on size and page count passes. So each page's cost in pixels is read
from the file before any page is decoded (PDF: :mod:`.pdfcost`; TIFF: the frame sizes) and
charged against :class:`DecodeLimits`:

* ``page_pixels`` 60 Mpx: an A4 page scanned at 600 dpi is 35 Mpx, an A3 page at 450 dpi 44;
  an A3 page at 600 dpi (70 Mpx) is refused, to be scanned at 300 dpi (the pipeline needs
  ~100 dpi for the cover QR codes; experts read 150-dpi renders). Decoding 60 Mpx takes
  well under a second, and it bounds the memory of each page in flight.
* ``file_pixels`` 40 Gpx: 2,000 A4 pages at 300 dpi (the page-count limit at a good scan
  resolution) are 17 Gpx, 22 Gpx when pdftoppm must also render each page. At pdftoppm's
  ~150 Mpx/s on Flate images, 40 Gpx is under five minutes of one core.
* ``raster_pixels`` 20 Mpx: pdftoppm's output for one page; a page bigger than that at the
  import's dpi is rendered at a lower dpi (an A4 page at 150 dpi is 2.2 Mpx).
* ``raster_page_seconds`` 60 and ``raster_file_seconds`` 900: what the file's dictionaries
  cannot tell (complex vector content, a broken cross-reference table that poppler rebuilds
  for every page) is bounded by time. A page pdftoppm has not rendered in a minute is
  unreadable; a file whose pages have taken 15 minutes of pdftoppm in all (summed over
  threads) is refused. A legitimate page renders in ~0.1 s.
"""
from __future__ import annotations

import math
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import ScanInputError

MPX = 1_000_000
MIN_RASTER_DPI = 36


@dataclass(frozen=True)
class DecodeLimits:
    page_pixels: int = 60 * MPX
    file_pixels: int = 40_000 * MPX
    raster_pixels: int = 20 * MPX
    raster_page_seconds: float = 60.0
    raster_file_seconds: float = 900.0


@dataclass
class PageCost:
    """Pixels to decode for one page, and its largest image (for the message)."""

    pixels: int = 0
    largest: tuple[int, int] = (0, 0)

    def add(self, other: "PageCost", times: int = 1) -> None:
        self.pixels += other.pixels * times
        if other.largest[0] * other.largest[1] > self.largest[0] * self.largest[1]:
            self.largest = other.largest


@dataclass
class FileBudget:
    """Charges the pages of one file against the limits, refusing the first that breaks one."""

    path: Path
    limits: DecodeLimits
    spent: int = 0

    def charge(self, number: int, cost: PageCost) -> None:
        limit = self.limits.page_pixels
        if cost.pixels > limit:
            w, h = cost.largest
            biggest = f" (самое большое — {w}×{h} пикселей)" if w * h else ""
            raise ScanInputError(
                "page_too_costly", self.path,
                f"изображения на странице — {_millions(cost.pixels)} Мпикс{biggest}, а допускается не больше "
                f"{limit // MPX} Мпикс на страницу (лист A4 в 600 dpi — около 35 Мпикс); отсканируйте работы "
                "с разрешением 300 dpi", page=number)
        self.spent += cost.pixels
        if self.spent > self.limits.file_pixels:
            raise ScanInputError(
                "file_too_costly", self.path,
                f"изображений в файле больше {self.limits.file_pixels // (1000 * MPX)} млрд пикселей (предел "
                "превышен на этой странице); разделите скан на несколько файлов или отсканируйте с меньшим "
                "разрешением", page=number)


def _millions(pixels: int) -> str:
    return f"{pixels / MPX:,.0f}".replace(",", " ")


def raster_dpi(path: Path, number: int, box: Any, dpi: int, limits: DecodeLimits) -> int:
    """The dpi pdftoppm renders a page of ``box`` (points) at: ``dpi``, lowered so that the
    page is at most ``raster_pixels``; a page too big even at MIN_RASTER_DPI is refused."""
    width, height = max(float(box.width), 1.0), max(float(box.height), 1.0)
    fitting = math.floor(math.sqrt(limits.raster_pixels / (width * height / 72 / 72)))
    if fitting < MIN_RASTER_DPI:
        raise ScanInputError("image_too_large", path, f"страница слишком большая для растрирования "
                             f"({width / 72 * 2.54:.0f}×{height / 72 * 2.54:.0f} см)", page=number)
    return min(dpi, fitting)


def raster_pixels(box: Any, dpi: int) -> int:
    return math.ceil(float(box.width) / 72 * dpi) * math.ceil(float(box.height) / 72 * dpi)


@dataclass
class RasterClock:
    """Seconds of pdftoppm one file has used (summed over threads) against its ``budget``,
    and the most one page may take."""

    budget: float
    page_seconds: float = DecodeLimits.raster_page_seconds
    spent: float = 0.0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def remaining(self) -> float:
        with self._lock:
            return self.budget - self.spent

    def charge(self, seconds: float) -> None:
        with self._lock:
            self.spent += seconds
