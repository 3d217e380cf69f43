"""Page images as they leave the server: screen-sized renders, and every image without metadata.

A scoring screen shows a page about 1000 px wide; sending the full 150-dpi scan for
every page view wastes the school laptop's bandwidth. The full render stays one zoom away.

Whatever is sent carries no metadata (SPEC: experts never learn who wrote a paper): a
scanner's JPEG comment, EXIF or XMP may hold what the school typed into it (a name, a
class). Renders and masked pages are encoded without any; originals are stored as the
scanner wrote them (lossless, content-addressed) and pages imported before masked
renders dropped the comment still have one, so :func:`servable_jpeg` strips every file
on the way out: a walk over the segment headers, well under a millisecond a page.
"""
from __future__ import annotations

import io
import os
import tempfile
from pathlib import Path

from PIL import Image

RENDER_WIDTHS = (800, 1200)
RENDER_QUALITY = 82


def render_for(data_dir: Path, source: Path, sha256: str, width: int) -> Path:
    from scanner_import.images import encode_jpeg

    target = data_dir / "renders" / sha256[:2] / f"{sha256}-w{width}.jpg"
    if target.is_file():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    with Image.open(source) as img:
        if img.width <= width:
            return source
        height = round(img.height * width / img.width)
        small = img.convert("L" if img.mode in ("L", "1") else "RGB").resize((width, height), Image.LANCZOS)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".tmp-")
    with os.fdopen(fd, "wb") as fh:
        fh.write(encode_jpeg(small, RENDER_QUALITY))
    os.replace(tmp, target)  # atomic: concurrent viewers never see half a file
    return target


def servable_jpeg(path: Path) -> tuple[bytes, bool]:
    """The file's JPEG without metadata, and whether that is the file byte for byte (then a
    front server may send the file itself). A file too broken to walk is re-encoded."""
    from scanner_import.images import encode_jpeg, strip_jpeg_metadata

    data = path.read_bytes()
    try:
        clean = strip_jpeg_metadata(data)
    except ValueError:
        with Image.open(io.BytesIO(data)) as img:
            img.load()
            clean = encode_jpeg(img.convert("L" if img.mode in ("L", "1") else "RGB"), 92)
    return clean, clean == data
