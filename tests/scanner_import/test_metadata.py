"""No scanner metadata in what the pipeline writes, and stripping it from what it keeps verbatim."""
from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image

from scanner_import import ImportOptions, import_scan
from scanner_import import synthetic as syn
from scanner_import.images import encode_jpeg, rotate_ccw, strip_jpeg_metadata

from .conftest import CAMPAIGN, MASKS, make_sheets

SECRET = "Иванов 77702"


def talkative_jpeg(img: Image.Image, **save: object) -> bytes:
    """A JPEG with a comment, EXIF, XMP and an ICC profile, as some scanners write."""
    from PIL import ImageCms

    exif = Image.Exif()
    exif[0x010E] = SECRET
    out = io.BytesIO()
    img.save(out, "JPEG", quality=80, comment=SECRET.encode(), exif=exif.tobytes(),
             xmp=f"<dc:creator>{SECRET}</dc:creator>".encode(),
             icc_profile=ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes(), **save)
    return out.getvalue()


def segments(data: bytes) -> list[int]:
    markers, pos = [], 2
    while data[pos + 1] != 0xDA:
        markers.append(data[pos + 1])
        pos += 2 + int.from_bytes(data[pos + 2:pos + 4], "big")
    return markers


@pytest.mark.parametrize("progressive", [False, True])
def test_stripping_keeps_every_pixel_and_drops_every_trace(progressive):
    data = talkative_jpeg(syn.content_page(3, mode="RGB"), progressive=progressive) + b"after the end: " + \
        SECRET.encode()
    clean = strip_jpeg_metadata(data)
    assert SECRET.encode() not in clean and b"\xff\xfe" not in clean
    assert not {0xFE, *range(0xE1, 0xF0)} & set(segments(clean))
    with Image.open(io.BytesIO(data)) as before, Image.open(io.BytesIO(clean)) as after:
        assert before.tobytes() == after.tobytes()
        assert "comment" not in after.info and "exif" not in after.info
    assert strip_jpeg_metadata(clean) == clean  # nothing left to strip


def test_a_jfif_thumbnail_is_dropped_and_the_adobe_colour_flag_kept():
    plain = encode_jpeg(Image.new("RGB", (64, 64), (200, 10, 10)), 90)
    jfif_with_thumb = b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x02\x02" + bytes(12)  # a 2x2 RGB thumbnail
    adobe = b"Adobe\x00\x64\x00\x00\x00\x00\x01" + b"padding"
    data = (plain[:2] + b"\xff\xe0" + (len(jfif_with_thumb) + 2).to_bytes(2, "big") + jfif_with_thumb
            + b"\xff\xee" + (len(adobe) + 2).to_bytes(2, "big") + adobe + plain[2 + 2 + 16:])
    clean = strip_jpeg_metadata(data)
    markers = segments(clean)
    assert markers.count(0xE0) == 1 and markers.count(0xEE) == 1
    assert b"padding" not in clean and clean[6:20] == b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
    Image.open(io.BytesIO(clean)).load()


@pytest.mark.parametrize("broken", [b"", b"not a jpeg", b"\xff\xd8\xff\xe1\x00", b"\xff\xd8\xff\xdb\x00\x43\x00"])
def test_a_broken_jpeg_is_refused_not_passed_through(broken):
    with pytest.raises(ValueError):
        strip_jpeg_metadata(broken)


def test_encoding_never_copies_the_comment_of_the_decoded_scan():
    with Image.open(io.BytesIO(talkative_jpeg(Image.new("L", (80, 120), 200)))) as scan:
        scan.load()
        assert scan.info.get("comment")  # Pillow keeps it on the image, and on every copy
        for img in (scan, scan.copy(), rotate_ccw(scan, 90)):
            out = encode_jpeg(img, 85)
            assert b"\xff\xfe" not in out and SECRET.encode() not in out


def test_imported_renders_carry_no_metadata(tmp_path: Path):
    sheets = make_sheets(codes=("1001",))
    pages = [syn.cover_page(sheets, sheets.entries[0], seed=1), syn.content_page(5),
             syn.content_page(6).transpose(Image.Transpose.ROTATE_180)]
    scan = tmp_path / "talkative.pdf"
    syn.write_scan_pdf(scan, [talkative_jpeg(p) for p in pages])
    out = tmp_path / "out"
    result = import_scan(scan, out, ImportOptions(CAMPAIGN, masks=MASKS, workers=1))
    [paper] = result.papers
    assert len(paper.pages) == 2
    for page in paper.pages:
        masked = (out / page.masked.path).read_bytes()
        assert b"\xff\xfe" not in masked and SECRET.encode() not in masked
        assert not {0xFE, *range(0xE1, 0xF0)} & set(segments(masked))
