"""Screen-sized renders of stored pages, made once and kept beside the originals.

A scoring screen shows a page about 1000 px wide; sending the full 150-dpi scan for
every page view wastes the school laptop's bandwidth. The full render stays one zoom away.
"""
from __future__ import annotations

import os
import tempfile
from pathlib import Path

from PIL import Image

RENDER_WIDTHS = (800, 1200)


def render_for(data_dir: Path, source: Path, sha256: str, width: int) -> Path:
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
        small.save(fh, "JPEG", quality=82, optimize=False)
    os.replace(tmp, target)  # atomic: concurrent viewers never see half a file
    return target
