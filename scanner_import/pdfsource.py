"""Pages of a PDF, one at a time, taking the embedded JPEG whenever it *is* the page.

A scanner writes each page as one JPEG drawn over the whole page. Copying that
JPEG out is ~14x faster than rasterising (MEASUREMENTS.md) and loses nothing.
We take that fast path only when the page content is provably just "draw this
one image over the page": operators limited to q/Q/cm/Do, exactly one image,
DCT-encoded, no masks or /Decode, axis-aligned without flips, covering the
page. Anything else is rasterised by pdftoppm, which is always right.

Before any page is decoded, every page's decoding cost is read from its dictionaries
and charged against the file's limits (:mod:`.budget`, :mod:`.pdfcost`).

pypdf caches every object it resolves, including image data, and
``reader.pages`` holds every page dictionary; we walk the page tree lazily and
evict what a page resolved once it is extracted, so memory does not grow with
the number of pages. The file is read through an open handle (pypdf reads a
*path* fully into memory).
"""
from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, BinaryIO

from pypdf import PageObject, PdfReader
from pypdf.errors import DependencyError, FileNotDecryptedError, PdfReadError, PyPdfError
from pypdf.generic import ContentStream, IndirectObject, NameObject

from .budget import DecodeLimits, FileBudget, PageCost, RasterClock, raster_dpi, raster_pixels
from .errors import ScanInputError
from .pagesrc import EmbeddedJpegPage, RasterPage, SourcePage
from .pdfcost import PdfCoster, content_streams

MAX_PLAIN_CONTENT_BYTES = 4096  # a scanner's page content is ~40 bytes
MIN_COVERAGE = 0.97  # image must cover this share of the page in each direction
_DCT = "/DCTDecode"


class _NotPlain(Exception):
    """The page is not a single full-page JPEG; rasterise it."""


_NOT_PLAIN = (_NotPlain, PyPdfError, KeyError, TypeError, ValueError, AttributeError, IndexError)


def check_pdf_envelope(path: Path, fh: BinaryIO, size: int) -> None:
    """Header and end-of-file marker: catches non-PDFs and truncated uploads early."""
    fh.seek(0)
    if b"%PDF-" not in fh.read(1024):
        raise ScanInputError("not_pdf", path, "это не PDF-файл (нет заголовка %PDF)")
    fh.seek(max(0, size - 2048))
    if b"%%EOF" not in fh.read():
        raise ScanInputError("truncated_pdf", path,
                             "PDF-файл обрезан (нет конца файла) — вероятно, загрузка или "
                             "сохранение прервались; загрузите файл заново")
    fh.seek(0)


def open_pdf_reader(path: Path, fh: BinaryIO) -> PdfReader:
    """Open with pypdf, turning its many failure modes into ScanInputError."""
    logging.getLogger("pypdf").setLevel(logging.ERROR)  # repairs are routine, not news
    try:
        reader = PdfReader(fh, strict=False)
        if reader.is_encrypted and not reader.decrypt(""):
            raise ScanInputError("encrypted_pdf", path,
                                 "PDF защищён паролем; сохраните его без пароля и загрузите снова")
        return reader
    except ScanInputError:
        raise
    except DependencyError as exc:
        raise ScanInputError("encrypted_pdf", path,
                             "PDF зашифрован (AES); сохраните его без защиты и загрузите снова") from exc
    except (PyPdfError, ValueError, KeyError, TypeError, AttributeError, IndexError) as exc:
        raise ScanInputError("corrupt_pdf", path, f"PDF-файл повреждён и не читается ({exc})") from exc


def survey_pages(path: Path, reader: PdfReader, dpi: int, limits: DecodeLimits, max_pages: int) -> int:
    """Count leaves of the page tree, forgetting each page as we go, and charge the
    decoding cost of each of the first ``max_pages`` pages against ``limits``.

    The tree's /Count is not trusted (a wrong one would silently drop pages),
    and pypdf's ``len(reader.pages)`` keeps every page dictionary in memory.
    """
    try:
        walker, count = _walk_pages(reader), 0
        budget, coster = FileBudget(path, limits), PdfCoster()
        while True:
            with _evicting(reader):
                page = next(walker, None)
                if page is None:
                    return count
                count += 1
                if count <= max_pages:
                    budget.charge(count, _page_cost(path, page, count, dpi, limits, coster))
    except FileNotDecryptedError as exc:
        raise ScanInputError("encrypted_pdf", path, "PDF защищён паролем; сохраните его без "
                             "пароля и загрузите снова") from exc
    except DependencyError as exc:
        raise ScanInputError("encrypted_pdf", path,
                             "PDF зашифрован (AES); сохраните его без защиты и загрузите снова") from exc
    except (PyPdfError, ValueError, KeyError, TypeError, AttributeError, RecursionError) as exc:
        raise ScanInputError("corrupt_pdf", path, f"не удаётся прочитать список страниц ({exc})") from exc


_INHERITABLE = ("/Resources", "/MediaBox", "/CropBox", "/Rotate")
MAX_TREE_DEPTH = 64


def _walk_pages(reader: PdfReader) -> Iterator[PageObject]:
    """Pages in order, built lazily from the page tree (with inherited attributes)."""
    root = reader.trailer["/Root"].get_object()
    yield from _walk_node(reader, root.raw_get("/Pages"), {}, 0, set())


def _walk_node(reader: PdfReader, ref: Any, inherited: dict[str, Any], depth: int,
               seen: set[int]) -> Iterator[PageObject]:
    if depth > MAX_TREE_DEPTH:
        raise PdfReadError("page tree too deep")
    node = ref.get_object()
    if isinstance(ref, IndirectObject):
        if ref.idnum in seen:
            raise PdfReadError("page tree has a cycle")
        seen.add(ref.idnum)
    if "/Kids" in node and node.get("/Type") != "/Page":
        here = dict(inherited)
        here.update({k: node.raw_get(k) for k in _INHERITABLE if k in node})
        for kid in list(node.raw_get("/Kids").get_object()):
            yield from _walk_node(reader, kid, here, depth + 1, seen)
        return
    page = PageObject(reader, ref if isinstance(ref, IndirectObject) else None)
    page.update(node)
    for key, value in inherited.items():
        if key not in page:
            page[NameObject(key)] = value
    yield page


@contextmanager
def _evicting(reader: PdfReader) -> Iterator[None]:
    """Forget every object resolved inside the block (image data is the bulk)."""
    cache: dict[Any, Any] = reader.resolved_objects
    before = set(cache)
    try:
        yield
    finally:
        for key in [k for k in cache if k not in before]:
            del cache[key]


def _page_cost(path: Path, page: Any, number: int, dpi: int, limits: DecodeLimits, coster: PdfCoster) -> PageCost:
    """The images the page draws, plus pdftoppm's raster unless the page is one JPEG."""
    cost = coster.page(page) or PageCost()
    try:
        _plain_page_image(page)
    except _NOT_PLAIN:
        cost.pixels += raster_pixels(page.cropbox, raster_dpi(path, number, page.cropbox, dpi, limits))
    return cost


def iter_pdf_pages(path: Path, reader: PdfReader, count: int, dpi: int, limits: DecodeLimits,
                   clock: RasterClock) -> Iterator[SourcePage]:
    """Yield each page as an embedded JPEG when possible, else as a page to rasterise."""
    walker = _walk_pages(reader)
    for index in range(count):
        number = index + 1
        try:
            with _evicting(reader):
                page = next(walker)
                source = _source_page(path, page, number, dpi, limits, clock)
        except (PyPdfError, ValueError, KeyError, TypeError, AttributeError, RecursionError,
                StopIteration) as exc:
            raise ScanInputError("corrupt_pdf", path, f"страница повреждена ({exc})", page=number) from exc
        yield source


def _source_page(path: Path, page: Any, number: int, dpi: int, limits: DecodeLimits,
                 clock: RasterClock) -> SourcePage:
    # A page bigger than raster_pixels at ``dpi`` is rendered at a lower dpi.
    dpi = raster_dpi(path, number, page.cropbox, dpi, limits)
    try:
        jpeg = bytes(_plain_page_image(page).get_data())
    except _NOT_PLAIN:
        return RasterPage(number=number, path=path, dpi=dpi, origin="rasterised", clock=clock)
    rotate = int(page.get("/Rotate", 0) or 0) % 360
    # /Rotate turns the page clockwise on screen; PIL rotates counter-clockwise.
    return EmbeddedJpegPage(number=number, path=path, jpeg=jpeg, pre_rotation=(-rotate) % 360,
                            dpi=dpi, origin="embedded-jpeg", max_pixels=limits.page_pixels, clock=clock)


def _plain_page_image(page: Any) -> Any:
    """The page's image XObject if the page is exactly one full-page JPEG, else _NotPlain."""
    if not _small_contents(page.get("/Contents")):
        raise _NotPlain  # never decode a big content stream to find out
    contents = page.get_contents()
    if contents is None:
        raise _NotPlain
    if len(contents.get_data()) > MAX_PLAIN_CONTENT_BYTES:
        raise _NotPlain
    xobjects = (page.get("/Resources") or {}).get("/XObject") or {}
    ctm = [1.0, 0.0, 0.0, 1.0, 0.0, 0.0]
    stack: list[list[float]] = []
    drawn: list[tuple[Any, list[float]]] = []
    for operands, op in ContentStream(contents, page.pdf).operations:
        if op == b"q":
            stack.append(ctm)
        elif op == b"Q":
            ctm = stack.pop() if stack else ctm
        elif op == b"cm":
            ctm = _multiply([float(v) for v in operands], ctm)
        elif op == b"Do":
            drawn.append((xobjects[operands[0]].get_object(), ctm))
        else:
            raise _NotPlain
    if len(drawn) != 1:
        raise _NotPlain
    image, matrix = drawn[0]
    _require_plain_jpeg(image)
    _require_full_page(matrix, page.cropbox)
    return image


def _small_contents(ref: Any) -> bool:
    """Whether the page's content streams are few, small as stored (encoded) and without a
    predictor (pypdf applies one in Python, row by row): a scanner's page is ~40 bytes, and
    decoding must not be the way to find out."""
    streams = content_streams(ref)
    return len(streams) <= 8 and all(
        len(getattr(stream, "_data", b"") or b"") <= MAX_PLAIN_CONTENT_BYTES + 512 and "/DecodeParms" not in stream
        for stream in streams)


def _multiply(m: list[float], n: list[float]) -> list[float]:
    """PDF matrix product m × n (m applied first), both [a b c d e f]."""
    a, b, c, d, e, f = m
    A, B, C, D, E, F = n
    return [a * A + b * C, a * B + b * D, c * A + d * C, c * B + d * D,
            e * A + f * C + E, e * B + f * D + F]


def _require_plain_jpeg(image: Any) -> None:
    if image.get("/Subtype") != "/Image" or image.get("/ImageMask"):
        raise _NotPlain
    filters = image.get("/Filter")
    if isinstance(filters, list):
        filters = filters[0] if len(filters) == 1 else None
    if filters != _DCT:
        raise _NotPlain
    if any(key in image for key in ("/SMask", "/Mask", "/Decode")):
        raise _NotPlain
    colour_space = image.get("/ColorSpace")
    if isinstance(colour_space, list):
        colour_space = colour_space[0]
    if colour_space not in ("/DeviceGray", "/DeviceRGB", "/DeviceCMYK", "/ICCBased", None):
        raise _NotPlain


def _require_full_page(m: list[float], box: Any) -> None:
    a, b, c, d, e, f = m
    if abs(b) > 1e-6 or abs(c) > 1e-6 or a <= 0 or d <= 0:
        raise _NotPlain  # rotated or mirrored placement: let poppler get it right
    left, bottom = float(box.left), float(box.bottom)
    width, height = float(box.width), float(box.height)
    x0, x1 = max(e, left), min(e + a, left + width)
    y0, y1 = max(f, bottom), min(f + d, bottom + height)
    if (x1 - x0) < MIN_COVERAGE * width or (y1 - y0) < MIN_COVERAGE * height:
        raise _NotPlain
    if a > width * (2 - MIN_COVERAGE) or d > height * (2 - MIN_COVERAGE):
        raise _NotPlain  # the image overhangs the page: only part of it is the page
