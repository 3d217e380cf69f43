"""A minimal, streaming PDF writer for image pages.

Why not Pillow's ``save(save_all=True)``: it needs every page image in memory
at once and re-encodes JPEGs. Cover sheets for a big school and the 1000-page
synthetic scans used by tests and the bench are written page by page here, with
JPEG data embedded verbatim (exactly what a scanner produces).
"""
from __future__ import annotations

import zlib
from dataclasses import dataclass, field
from types import TracebackType
from typing import BinaryIO

from PIL import Image

PT_PER_INCH = 72.0


def _name_list(d: dict[str, str]) -> str:
    return " ".join(f"/{k} {v}" for k, v in d.items())


@dataclass
class PdfImagePageWriter:
    """Write pages into an open binary file; call :meth:`close` (or use ``with``)."""

    fh: BinaryIO
    _offsets: list[int] = field(default_factory=list)
    _kids: list[int] = field(default_factory=list)
    _pos: int = 0
    _closed: bool = False

    def __post_init__(self) -> None:
        self._write(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
        # Objects 1 (catalog) and 2 (page tree) are written last; reserve ids.
        self._offsets = [0, 0]

    def __enter__(self) -> "PdfImagePageWriter":
        return self

    def __exit__(self, et: type[BaseException] | None, e: BaseException | None,
                 tb: TracebackType | None) -> None:
        if et is None:
            self.close()

    # -- low level -------------------------------------------------------
    def _write(self, data: bytes) -> None:
        self.fh.write(data)
        self._pos += len(data)

    def _new_id(self) -> int:
        self._offsets.append(0)
        return len(self._offsets)

    def _obj(self, oid: int, body: bytes, stream: bytes | None = None) -> None:
        self._offsets[oid - 1] = self._pos
        self._write(f"{oid} 0 obj\n".encode())
        self._write(body)
        if stream is not None:
            self._write(b"\nstream\n")
            self._write(stream)
            self._write(b"\nendstream")
        self._write(b"\nendobj\n")

    # -- pages -----------------------------------------------------------
    def add_page(self, width_pt: float, height_pt: float, content: bytes,
                 images: dict[str, tuple[dict[str, str], bytes]] | None = None,
                 extra_page_entries: str = "") -> None:
        """Add a page with a raw content stream and named image XObjects.

        ``images`` maps a resource name to (image dict entries, stream data);
        the dict entries are PDF source text such as ``{"Filter": "/DCTDecode"}``.
        """
        xobj_refs = []
        for name, (entries, data) in (images or {}).items():
            oid = self._new_id()
            body = f"<< /Type /XObject /Subtype /Image {_name_list(entries)} /Length {len(data)} >>"
            self._obj(oid, body.encode(), data)
            xobj_refs.append(f"/{name} {oid} 0 R")
        content_id = self._new_id()
        self._obj(content_id, f"<< /Length {len(content)} >>".encode(), content)
        page_id = self._new_id()
        resources = f"<< /XObject << {' '.join(xobj_refs)} >> /Font << /F1 << /Type /Font /Subtype /Type1 /BaseFont /Helvetica >> >> >>"
        body = (f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {width_pt:.2f} {height_pt:.2f}] "
                f"/Resources {resources} /Contents {content_id} 0 R {extra_page_entries}>>")
        self._obj(page_id, body.encode())
        self._kids.append(page_id)

    def add_jpeg_page(self, jpeg: bytes, width_px: int, height_px: int, dpi: float,
                      gray: bool = True) -> None:
        """A full-page JPEG, as a scanner writes it (one DCTDecode image per page)."""
        w_pt, h_pt = width_px * PT_PER_INCH / dpi, height_px * PT_PER_INCH / dpi
        entries = {"Width": str(width_px), "Height": str(height_px),
                   "ColorSpace": "/DeviceGray" if gray else "/DeviceRGB",
                   "BitsPerComponent": "8", "Filter": "/DCTDecode"}
        content = f"q {w_pt:.2f} 0 0 {h_pt:.2f} 0 0 cm /Im0 Do Q".encode()
        self.add_page(w_pt, h_pt, content, {"Im0": (entries, jpeg)})

    def add_bilevel_page(self, image: Image.Image, dpi: float) -> None:
        """A full-page black-and-white image, Flate-compressed (crisp print, tiny file)."""
        bw = image if image.mode == "1" else image.convert("1")
        w, h = bw.size
        # Pillow packs mode "1" rows MSB first with 1 = white, as DeviceGray 1-bit does.
        data = zlib.compress(bw.tobytes(), 6)
        entries = {"Width": str(w), "Height": str(h), "ColorSpace": "/DeviceGray",
                   "BitsPerComponent": "1", "Filter": "/FlateDecode"}
        w_pt, h_pt = w * PT_PER_INCH / dpi, h * PT_PER_INCH / dpi
        content = f"q {w_pt:.2f} 0 0 {h_pt:.2f} 0 0 cm /Im0 Do Q".encode()
        self.add_page(w_pt, h_pt, content, {"Im0": (entries, data)})

    def close(self) -> None:
        """Write the page tree, catalog, xref and trailer."""
        if self._closed:
            return
        self._closed = True
        kids = " ".join(f"{k} 0 R" for k in self._kids)
        self._obj(2, f"<< /Type /Pages /Kids [{kids}] /Count {len(self._kids)} >>".encode())
        self._obj(1, b"<< /Type /Catalog /Pages 2 0 R >>")
        xref_at = self._pos
        lines = [f"xref\n0 {len(self._offsets) + 1}\n", "0000000000 65535 f \n"]
        lines += [f"{off:010d} 00000 n \n" for off in self._offsets]
        self._write("".join(lines).encode())
        self._write(f"trailer\n<< /Size {len(self._offsets) + 1} /Root 1 0 R >>\n"
                    f"startxref\n{xref_at}\n%%EOF\n".encode())
        self.fh.flush()
