"""Small image helpers: normalising modes, rotating, encoding JPEG."""
from __future__ import annotations

import io

from PIL import Image

# PIL rotates counter-clockwise; these map "degrees counter-clockwise" to a
# lossless transpose (no resampling, no border).
_TRANSPOSE = {90: Image.Transpose.ROTATE_90, 180: Image.Transpose.ROTATE_180,
              270: Image.Transpose.ROTATE_270}


def normalise_mode(img: Image.Image) -> Image.Image:
    """Return an "L" or "RGB" image: the only modes JPEG stores faithfully.

    Bilevel, palette and 16-bit scans become grey; CMYK becomes RGB; transparency
    is flattened on white (the colour of paper).
    """
    if img.mode in ("L", "RGB"):
        return img
    if img.mode == "1":
        return img.convert("L")
    if img.mode.startswith("I") or img.mode == "F":
        return img.convert("I").point(lambda v: v * (1 / 256)).convert("L")
    if img.mode in ("LA", "RGBA", "PA", "P") and ("A" in img.mode or "transparency" in img.info):
        rgba = img.convert("RGBA")
        white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        return Image.alpha_composite(white, rgba).convert("RGB")
    if img.mode == "P":
        rgb = img.convert("RGB")
        return rgb.convert("L") if _is_grey_palette(img) else rgb
    return img.convert("RGB")


def _is_grey_palette(img: Image.Image) -> bool:
    palette = img.getpalette() or []
    return all(palette[i] == palette[i + 1] == palette[i + 2] for i in range(0, len(palette), 3))


def rotate_ccw(img: Image.Image, degrees: int) -> Image.Image:
    """Rotate by a multiple of 90° counter-clockwise, losslessly."""
    degrees %= 360
    if degrees == 0:
        return img
    return img.transpose(_TRANSPOSE[degrees])


def encode_jpeg(img: Image.Image, quality: int) -> bytes:
    """Encode without any metadata.

    No EXIF, ICC or thumbnail is copied from the source: a scanner's EXIF
    thumbnail would be an unmasked copy of the page. Encoding is deterministic
    for the same pixels, which makes re-imports byte-identical (idempotent).
    """
    out = io.BytesIO()
    img.save(out, "JPEG", quality=quality, optimize=False, progressive=False, exif=b"")
    return out.getvalue()
