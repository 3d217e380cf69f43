"""Small image helpers: normalising modes, rotating, encoding JPEG, stripping JPEG metadata."""
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

    No EXIF, XMP, ICC, thumbnail or comment is copied from the source: a scanner's
    EXIF thumbnail would be an unmasked copy of the page, and its JPEG comment (COM)
    may carry whatever the school typed into the scanner. Pillow writes ``info["comment"]``
    of the image being saved - which a decoded scan, and every copy, rotation or resize of
    it, still carries - unless told otherwise, hence ``comment=b""``. Encoding is
    deterministic for the same pixels, which makes re-imports byte-identical (idempotent).
    """
    out = io.BytesIO()
    img.save(out, "JPEG", quality=quality, optimize=False, progressive=False, exif=b"", comment=b"")
    return out.getvalue()


_SOI, _EOI, _SOS, _COM, _APP0, _APP14 = 0xD8, 0xD9, 0xDA, 0xFE, 0xE0, 0xEE
_STANDALONE = frozenset({0x01, *range(0xD0, 0xD8)})  # TEM and RST0..7 have no length


def strip_jpeg_metadata(data: bytes) -> bytes:
    """The same JPEG (every coded byte kept, so the same pixels) without its metadata.

    Dropped: comments (COM), APP1..APP13 and APP15 (EXIF, XMP, ICC, Photoshop/IPTC,
    vendor notes), APP0 other than JFIF (JFXX thumbnails) and anything after the end of
    the image. A JFIF APP0 is kept without its thumbnail and an Adobe APP14 (it says how
    the colours are coded) without anything past its fixed fields. Raises ValueError
    when ``data`` is not a well-formed JPEG.
    """
    if not data.startswith(b"\xff\xd8"):
        raise ValueError("not a JPEG (no SOI marker)")
    out, pos, end = [data[:2]], 2, len(data)
    while True:
        if pos + 2 > end or data[pos] != 0xFF:
            raise ValueError(f"JPEG structure broken at byte {pos}")
        marker = data[pos + 1]
        if marker == 0xFF:  # fill byte before a marker
            pos += 1
            continue
        if marker == _EOI:
            out.append(b"\xff\xd9")
            return b"".join(out)
        if marker in _STANDALONE:
            out.append(data[pos:pos + 2])
            pos += 2
            continue
        if marker == _SOI or pos + 4 > end:
            raise ValueError(f"JPEG structure broken at byte {pos}")
        stop = pos + 2 + int.from_bytes(data[pos + 2:pos + 4], "big")
        if stop > end or stop < pos + 4:
            raise ValueError(f"JPEG segment at byte {pos} runs past the end")
        kept = _kept_segment(marker, data[pos + 4:stop])
        if kept is not None:
            out.append(kept)
        pos = stop
        if marker == _SOS:
            scan_end = _entropy_end(data, pos)
            out.append(data[pos:scan_end])
            pos = scan_end


def _kept_segment(marker: int, payload: bytes) -> bytes | None:
    if marker == _COM or (0xE1 <= marker <= 0xEF and marker != _APP14):
        return None
    if marker == _APP0:
        if not payload.startswith(b"JFIF\x00") or len(payload) < 14:
            return None
        payload = payload[:12] + b"\x00\x00"  # version, units, density; no thumbnail
    elif marker == _APP14:
        if not payload.startswith(b"Adobe") or len(payload) < 12:
            return None
        payload = payload[:12]
    return bytes((0xFF, marker)) + (len(payload) + 2).to_bytes(2, "big") + payload


def _entropy_end(data: bytes, pos: int) -> int:
    """Where the entropy-coded data after SOS ends: the first marker that is not a
    stuffed 0xFF00 or a restart marker."""
    while True:
        pos = data.find(b"\xff", pos)
        if pos < 0 or pos + 1 >= len(data):
            raise ValueError("JPEG scan data runs past the end (no EOI)")
        following = data[pos + 1]
        if following == 0x00 or 0xD0 <= following <= 0xD7 or following == 0xFF:
            pos += 1 if following == 0xFF else 2
            continue
        return pos
