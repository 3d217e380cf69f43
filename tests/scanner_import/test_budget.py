"""Decoding work is bounded per page and per file, read before anything is decoded."""
from __future__ import annotations

import io
import time
from pathlib import Path

import pytest
from PIL import Image

from scanner_import import ScanInputError, open_scan
from scanner_import import synthetic as syn
from scanner_import.budget import DecodeLimits, RasterClock
from scanner_import.pagesrc import EmbeddedJpegPage, RasterPage
from scanner_import.raster import rasterise_page

from .pdfbombs import write_pdf


def refused(path: Path, **kw) -> ScanInputError:
    started = time.monotonic()
    with pytest.raises(ScanInputError) as info:
        open_scan(path, **kw)
    assert time.monotonic() - started < 10, "validation must stay fast on the attack file"
    return info.value


def test_the_attack_file_is_refused_at_once_naming_its_page(tmp_path):
    """2,000 pages, each drawing one shared 900-Mpx Flate image: a third of a megabyte."""
    path = write_pdf(tmp_path / "bomb.pdf", 2000)
    assert path.stat().st_size < 2_000_000
    err = refused(path)
    assert (err.code, err.page) == ("page_too_costly", 1)
    assert "«bomb.pdf», страница 1" in err.message_ru and "30000×30000" in err.message_ru
    assert "60 Мпикс" in err.message_ru


@pytest.mark.parametrize("how", [
    dict(draws=3, image_size=(5000, 5000)),                  # one image, drawn three times
    dict(via_form=True, draws=3, image_size=(5000, 5000)),   # through a form XObject
    dict(inline=True),                                       # an inline image (BI … ID … EI)
    dict(annotation=True),                                   # an annotation's appearance
])
def test_every_way_of_drawing_the_image_counts(tmp_path, how):
    err = refused(write_pdf(tmp_path / "bomb.pdf", 3, **how))
    assert (err.code, err.page) == ("page_too_costly", 1)


def test_content_too_costly_to_read_is_charged_every_image_it_could_draw(tmp_path):
    """Reading must not be the expensive part: a content stream pypdf would take seconds to
    decode (a PNG predictor, 20 MB) is not read; the page is charged every image its resources
    could draw."""
    err = refused(write_pdf(tmp_path / "slow.pdf", 2000, predictor_padding=20_000_000))
    assert (err.code, err.page) == ("page_too_costly", 1)


def test_pages_within_the_page_limit_still_add_up_to_the_file_limit(tmp_path):
    path = write_pdf(tmp_path / "many.pdf", 40, image_size=(3000, 3000))  # 9 Mpx (+ raster) a page
    with open_scan(path) as scan:
        assert scan.page_count == 40
    err = refused(path, limits=DecodeLimits(file_pixels=100_000_000))
    assert err.code == "file_too_costly" and err.page == 9  # 9 × (9 + 2.2 of raster) Mpx > 100 Mpx
    assert "разделите скан" in err.message_ru


def test_a_scanners_file_is_far_inside_the_limits(tmp_path):
    """Ordinary scans pass and still take the fast path (the JPEG is not rasterised)."""
    path = tmp_path / "scan.pdf"
    syn.write_scan_pdf(path, [syn.content_page(i) for i in range(3)])
    with open_scan(path, limits=DecodeLimits(page_pixels=2_200_000, file_pixels=6_600_000)) as scan:
        assert all(isinstance(p, EmbeddedJpegPage) for p in scan)


def test_a_huge_page_is_rendered_at_a_lower_dpi_and_an_absurd_one_refused(tmp_path):
    poster = write_pdf(tmp_path / "poster.pdf", 1, draw_image=False, media_box=(5000, 5000))  # 176 cm square
    with open_scan(poster, dpi=150) as scan:
        [page] = list(scan)
        assert isinstance(page, RasterPage) and page.dpi == 64  # 20 Mpx at most
        assert page.load().size == (4445, 4445)
    err = refused(write_pdf(tmp_path / "field.pdf", 1, draw_image=False, media_box=(20000, 20000)))
    assert err.code == "image_too_large" and "706×706 см" in err.message_ru


def test_a_jpeg_bigger_than_its_pdf_says_is_refused_before_decoding(tmp_path):
    big = io.BytesIO()
    Image.new("L", (3000, 3000), 255).save(big, "JPEG")
    page = EmbeddedJpegPage(number=4, path=tmp_path / "liar.pdf", jpeg=big.getvalue(), max_pixels=1_000_000)
    with pytest.raises(ScanInputError) as info:
        page.load()
    assert (info.value.code, info.value.page) == ("page_too_costly", 4)


def test_tiff_frames_are_charged_by_their_size(tmp_path):
    path = tmp_path / "scan.tif"
    syn.write_scan_tiff(path, [Image.new("L", (800, 1000), 255), Image.new("L", (1200, 1000), 255)])
    err = refused(path, limits=DecodeLimits(page_pixels=1_000_000))
    assert (err.code, err.page) == ("page_too_costly", 2) and "1200×1000" in err.message_ru
    err = refused(path, limits=DecodeLimits(file_pixels=1_500_000))
    assert (err.code, err.page) == ("file_too_costly", 2)


def test_pdftoppm_has_a_timeout_per_page_and_a_budget_per_file(tmp_path):
    path = write_pdf(tmp_path / "vector.pdf", 3, draw_image=False)
    assert rasterise_page(path, 1, 50, clock=RasterClock(60)).size == (414, 585)
    with pytest.raises(ScanInputError) as info:
        rasterise_page(path, 1, 50, clock=RasterClock(60, page_seconds=0.0001))
    assert info.value.code == "render_timeout" and info.value.page == 1  # this page only: unreadable
    clock = RasterClock(0.0001)
    with pytest.raises(ScanInputError) as info:
        for number in (1, 2, 3):
            rasterise_page(path, number, 50, clock=clock)
    assert info.value.code == "render_budget"  # the whole file is refused
    assert "слишком сложен" in info.value.message_ru


def test_an_import_that_exhausts_the_budget_fails_naming_the_file(tmp_path, monkeypatch):
    from scanner_import import ImportOptions, import_scan
    import scanner_import.reader as reader

    path = write_pdf(tmp_path / "vector.pdf", 6, draw_image=False)
    monkeypatch.setattr(reader, "DecodeLimits", lambda: DecodeLimits(raster_file_seconds=0.0001))
    with pytest.raises(ScanInputError) as info:
        import_scan(path, tmp_path / "out", ImportOptions("vpr-math-5-2025", workers=1))
    assert info.value.code == "render_budget" and "«vector.pdf»" in info.value.message_ru
