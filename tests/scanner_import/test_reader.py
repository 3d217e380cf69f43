"""Input validation and page extraction (fast path vs rasterising)."""
from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image
from pypdf import PdfReader, PdfWriter

from scanner_import import ImportOptions, ScanInputError, import_scan, open_scan
from scanner_import import synthetic as syn
from scanner_import.pagesrc import EmbeddedJpegPage, RasterPage
from scanner_import.pdfwrite import PdfImagePageWriter

from .conftest import CAMPAIGN


def _refused(path: Path, code: str, out: Path, **options: object) -> ScanInputError:
    with pytest.raises(ScanInputError) as info:
        import_scan(path, out, ImportOptions(CAMPAIGN, **options))  # type: ignore[arg-type]
    err = info.value
    assert err.code == code, err
    assert f"«{path.name}»" in str(err) and err.path == str(path)
    assert not any(out.rglob("*.jpg")), "nothing may be written for a refused file"
    return err


def test_zero_byte_file(tmp_path: Path) -> None:
    path = tmp_path / "пустой.pdf"
    path.write_bytes(b"")
    assert "пустой (0 байт)" in _refused(path, "empty_file", tmp_path / "out").message_ru


def test_missing_file(tmp_path: Path) -> None:
    _refused(tmp_path / "nope.pdf", "not_found", tmp_path / "out")


def test_tif_that_is_text(tmp_path: Path) -> None:
    path = tmp_path / "scan.tif"
    path.write_text("Это не скан, а список участников\n1001;Иванов\n", encoding="utf-8")
    err = _refused(path, "unsupported_format", tmp_path / "out")
    assert "текстовый" in err.message_ru


def test_truncated_pdf(small_pdf: Path, tmp_path: Path) -> None:
    path = tmp_path / "cut.pdf"
    path.write_bytes(small_pdf.read_bytes()[: small_pdf.stat().st_size // 2])
    assert "обрезан" in _refused(path, "truncated_pdf", tmp_path / "out").message_ru


def test_corrupt_pdf(tmp_path: Path) -> None:
    path = tmp_path / "broken.pdf"
    path.write_bytes(b"%PDF-1.4\n" + bytes(range(256)) * 40 + b"\n%%EOF\n")
    _refused(path, "corrupt_pdf", tmp_path / "out")


def test_password_protected_pdf(small_pdf: Path, tmp_path: Path) -> None:
    writer = PdfWriter(clone_from=PdfReader(small_pdf))
    writer.encrypt(user_password="secret", owner_password="owner", algorithm="RC4-128")
    path = tmp_path / "locked.pdf"
    with open(path, "wb") as fh:
        writer.write(fh)
    assert "паролем" in _refused(path, "encrypted_pdf", tmp_path / "out").message_ru


@pytest.mark.parametrize("algorithm", ["RC4-128", "AES-128", "AES-256"])
def test_owner_password_only_pdf_is_read(small_pdf: Path, tmp_path: Path, algorithm: str) -> None:
    """'Protected' PDFs with an empty user password open in any viewer; so do we, whichever
    cipher the scanner chose."""
    writer = PdfWriter(clone_from=PdfReader(small_pdf))
    writer.encrypt(user_password="", owner_password="owner", algorithm=algorithm)
    path = tmp_path / "restricted.pdf"
    with open(path, "wb") as fh:
        writer.write(fh)
    result = import_scan(path, tmp_path / "out", ImportOptions(CAMPAIGN))
    assert len(result.papers) == 2 and [len(p.pages) for p in result.papers] == [1, 1]
    assert not result.unidentified


def test_page_limit(small_pdf: Path, tmp_path: Path) -> None:
    err = _refused(small_pdf, "too_many_pages", tmp_path / "out", max_pages=3)
    assert "5" in err.message_ru and "3" in err.message_ru


def test_decompression_bomb_guard_stays_on_pdf(small_pdf: Path, tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 100_000)  # pages are ~1M px
    err = _refused(small_pdf, "image_too_large", tmp_path / "out")
    assert err.page == 1


def test_decompression_bomb_guard_stays_on_tiff(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "big.tif"
    syn.write_scan_tiff(path, [Image.new("L", (100, 100), 255), Image.new("L", (900, 900), 255)])
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 100_000)
    assert _refused(path, "image_too_large", tmp_path / "out").page == 2


@pytest.mark.filterwarnings("ignore::UserWarning")  # Pillow notes the garbage IFD
def test_corrupt_tiff(tmp_path: Path) -> None:
    path = tmp_path / "bad.tiff"
    path.write_bytes(b"II*\x00" + b"\xff" * 64)
    _refused(path, "corrupt_tiff", tmp_path / "out")


def test_scanner_pages_take_the_fast_path(small_pdf: Path) -> None:
    with open_scan(small_pdf) as scan:
        pages = list(scan)
        assert scan.format == "pdf" and scan.page_count == 5
        assert all(isinstance(p, EmbeddedJpegPage) and p.jpeg for p in pages)
        # pypdf's cache is emptied page by page: memory does not grow with the file
        assert not any(b"JFIF" in bytes(getattr(o, "_data", b""))[:20]
                       for o in scan._reader.resolved_objects.values() if o is not None)


def _vector_and_odd_pages(path: Path) -> Image.Image:
    img = syn.content_page(1, size=(827, 1169), noise=0)
    data = syn.jpeg(img, 90)
    entries = {"Width": "827", "Height": "1169", "ColorSpace": "/DeviceGray",
               "BitsPerComponent": "8", "Filter": "/DCTDecode"}
    with open(path, "wb") as fh, PdfImagePageWriter(fh) as pdf:
        pdf.add_page(595, 842, b"BT /F1 24 Tf 72 700 Td (Hello) Tj ET")                # text only
        pdf.add_page(595, 842, b"q 300 0 0 420 50 50 cm /Im0 Do Q", {"Im0": (entries, data)})  # small
        pdf.add_page(595, 842, b"q 595 0 0 842 0 0 cm /Im0 Do Q", {"Im0": (entries, data)},
                     extra_page_entries="/Rotate 90 ")                                 # rotated view
        pdf.add_page(595, 842, b"q -595 0 0 842 595 0 cm /Im0 Do Q", {"Im0": (entries, data)})  # mirrored
    return img


def test_other_pages_are_rasterised(tmp_path: Path) -> None:
    path = tmp_path / "mixed.pdf"
    _vector_and_odd_pages(path)
    with open_scan(path, dpi=72) as scan:
        pages = list(scan)
        kinds = [type(p).__name__ for p in pages]
        assert kinds == ["RasterPage", "RasterPage", "EmbeddedJpegPage", "RasterPage"]
        assert pages[2].pre_rotation == 270  # /Rotate 90 = clockwise on screen
        loaded = [p.load() for p in pages]
    assert loaded[0].size == (595, 842)
    assert loaded[2].size == (1169, 827)  # shown landscape, as a viewer shows it
    assert isinstance(pages[0], RasterPage)


def test_sniffing_ignores_extension(small_pdf: Path, tmp_path: Path) -> None:
    disguised = tmp_path / "scan.tif"
    disguised.write_bytes(small_pdf.read_bytes())
    with open_scan(disguised) as scan:
        assert scan.format == "pdf"
