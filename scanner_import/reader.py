"""Open a scan file (PDF or multi-page TIFF), validate it, and stream its pages.

Everything that makes a file unusable as a whole is detected here, before any
output is written, and reported as :class:`ScanInputError` naming the file -
including a file whose pages would cost too much to decode (:mod:`.budget`).
"""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any, BinaryIO

from .budget import DecodeLimits, RasterClock
from .errors import ScanInputError
from .pagesrc import SourcePage
from .pdfsource import check_pdf_envelope, iter_pdf_pages, open_pdf_reader, survey_pages
from .tiffsource import count_frames, iter_tiff_pages, open_tiff, survey_frames

DEFAULT_MAX_PAGES = 2000
DEFAULT_DPI = 150
_TIFF_MAGIC = (b"II*\x00", b"MM\x00*", b"II+\x00", b"MM\x00+")


def sniff_format(path: Path, head: bytes) -> str:
    """'pdf' or 'tiff' by content, never by extension (a ".tif" may be anything)."""
    if not head:
        raise ScanInputError("empty_file", path, "файл пустой (0 байт)")
    if head[:4] in _TIFF_MAGIC:
        return "tiff"
    if b"%PDF-" in head:
        return "pdf"
    looks_text = all(b in b"\t\n\r" or 32 <= b < 127 or b >= 128 for b in head[:512])
    what = "похоже, это текстовый файл" if looks_text else "формат не распознан"
    raise ScanInputError("unsupported_format", path,
                         f"это не PDF и не TIFF ({what}); нужен скан в PDF или многостраничном TIFF")


@dataclass
class ScanFile:
    """An opened, validated scan; iterate it for :class:`SourcePage` objects in order.

    Use as a context manager: it holds the file open while pages are read.
    """

    path: Path
    format: str
    page_count: int
    dpi: int
    _handle: Any = field(default=None, repr=False)
    _reader: Any = field(default=None, repr=False)
    limits: DecodeLimits = field(default_factory=DecodeLimits)

    def __iter__(self) -> Iterator[SourcePage]:
        if self.format == "pdf":
            clock = RasterClock(self.limits.raster_file_seconds, self.limits.raster_page_seconds)
            return iter_pdf_pages(self.path, self._reader, self.page_count, self.dpi, self.limits, clock)
        return iter_tiff_pages(self.path, self._reader, self.page_count)

    def close(self) -> None:
        for obj in (self._reader if self.format == "tiff" else None, self._handle):
            if obj is not None:
                obj.close()
        self._handle = self._reader = None

    def __enter__(self) -> "ScanFile":
        return self

    def __exit__(self, et: type[BaseException] | None, e: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()


def open_scan(path: str | Path, max_pages: int = DEFAULT_MAX_PAGES, dpi: int = DEFAULT_DPI,
              limits: DecodeLimits | None = None) -> ScanFile:
    """Validate ``path`` and return a :class:`ScanFile` ready to stream pages.

    ``dpi`` is used only for pages that must be rasterised; embedded scans keep
    their native resolution. Every page's decoding cost is checked against
    ``limits`` here, from the file's dictionaries, without decoding a page.
    """
    path, limits = Path(path), limits or DecodeLimits()
    try:
        size = path.stat().st_size
        fh: BinaryIO = open(path, "rb")
    except FileNotFoundError as exc:
        raise ScanInputError("not_found", path, "файл не найден") from exc
    except OSError as exc:
        raise ScanInputError("unreadable", path, f"файл не читается ({exc.strerror})") from exc
    try:
        kind = sniff_format(path, fh.read(1024))
        if kind == "tiff":
            fh.close()
            return _open_tiff_scan(path, max_pages, dpi, limits)
        check_pdf_envelope(path, fh, size)
        reader = open_pdf_reader(path, fh)
        count = survey_pages(path, reader, dpi, limits, max_pages)
        _check_count(path, count, max_pages)
    except BaseException:
        fh.close()
        raise
    return ScanFile(path, "pdf", count, dpi, fh, reader, limits)


def _open_tiff_scan(path: Path, max_pages: int, dpi: int, limits: DecodeLimits) -> ScanFile:
    img = open_tiff(path)
    try:
        count = count_frames(path, img)
        _check_count(path, count, max_pages)
        survey_frames(path, img, count, limits)
    except BaseException:
        img.close()
        raise
    return ScanFile(path, "tiff", count, dpi, None, img, limits)


def _check_count(path: Path, count: int, max_pages: int) -> None:
    if count == 0:
        raise ScanInputError("no_pages", path, "в файле нет ни одной страницы")
    if count > max_pages:
        raise ScanInputError("too_many_pages", path,
                             f"в файле {count} страниц, а допускается не больше {max_pages}; "
                             "разделите скан на несколько файлов")
