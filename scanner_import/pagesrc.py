"""One source page, cheap to create, decoded on demand.

Readers yield these in page order from the main thread; the expensive part
(:meth:`SourcePage.load` - JPEG decoding or running pdftoppm) runs in a worker
thread. That split keeps pypdf (not thread-safe) on one thread while decoding,
which releases the GIL, uses every core.
"""
from __future__ import annotations

import io
import re
from abc import ABC, abstractmethod
from dataclasses import dataclass
from pathlib import Path

from PIL import Image

from .budget import RasterClock
from .errors import ScanInputError
from .images import normalise_mode, rotate_ccw
from .raster import rasterise_page


@dataclass
class SourcePage(ABC):
    """Base: ``number`` is 1-based in the source file.

    ``jpeg`` is the page's exact bytes when the page *is* a JPEG we may store
    verbatim (no loss, no re-encoding); ``pre_rotation`` is the rotation (°CCW)
    ``load`` applies to show the page as a PDF viewer would (``/Rotate``).
    """

    number: int
    path: Path

    jpeg: bytes | None = None
    pre_rotation: int = 0
    origin: str = "unknown"
    decode_error: str | None = None  # set when the fast path failed and poppler stood in

    @abstractmethod
    def load(self) -> Image.Image:
        """The page as an upright-as-scanned image (each kind of source reads it its own way)."""

    def release(self) -> None:
        """Drop held bytes once the page is stored (bounds memory on long files)."""
        self.jpeg = None


def _too_large(path: Path, number: int, exc: Exception) -> ScanInputError:
    return ScanInputError("image_too_large", path,
                          f"изображение страницы слишком большое, возможна «бомба распаковки» ({exc})",
                          page=number)


@dataclass
class EmbeddedJpegPage(SourcePage):
    """A PDF page that is one full-page JPEG: decode it, never rasterise.

    If the JPEG does not decode (12-bit, arithmetic coding, damage), the page
    is rasterised by poppler instead, which may still cope. A JPEG larger than
    ``max_pixels`` (its header, not the PDF's /Width and /Height, says) is refused
    before it is decoded.
    """

    dpi: int = 150
    max_pixels: int = 0
    clock: RasterClock | None = None

    def load(self) -> Image.Image:
        assert self.jpeg is not None
        try:
            img = Image.open(io.BytesIO(self.jpeg))
            if self.max_pixels and img.width * img.height > self.max_pixels:
                raise ScanInputError("page_too_costly", self.path,
                                     f"изображение страницы — {img.width}×{img.height} пикселей (в PDF указан меньший "
                                     f"размер), а допускается не больше {self.max_pixels // 1_000_000} Мпикс на "
                                     "страницу", page=self.number)
            img.load()
        except Image.DecompressionBombError as exc:
            raise _too_large(self.path, self.number, exc) from exc
        except (OSError, SyntaxError, ValueError) as exc:
            self.jpeg = None  # not usable verbatim either
            self.origin = "rasterised"
            self.decode_error = re.sub(r" ?<[^>]*>", "", f"{type(exc).__name__}: {exc}")
            return normalise_mode(rasterise_page(self.path, self.number, self.dpi, clock=self.clock))
        if img.mode not in ("L", "RGB"):
            self.jpeg = None  # e.g. CMYK: browsers differ, store a normalised copy
        return rotate_ccw(normalise_mode(img), self.pre_rotation)


@dataclass
class RasterPage(SourcePage):
    """A PDF page rendered by pdftoppm at ``dpi``, on the file's ``clock``."""

    dpi: int = 150
    clock: RasterClock | None = None

    def load(self) -> Image.Image:
        return normalise_mode(rasterise_page(self.path, self.number, self.dpi, clock=self.clock))


@dataclass
class DecodedPage(SourcePage):
    """A page already decoded by the reader (TIFF frames: Pillow seeks sequentially)."""

    image: Image.Image | None = None

    def load(self) -> Image.Image:
        assert self.image is not None
        img, self.image = self.image, None
        return normalise_mode(img)
