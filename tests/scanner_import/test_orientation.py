"""One sheet flipped in the stack: found by its mask boxes, turned, masked where the
header really is, and reported to the organiser."""
from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageChops, ImageStat

from scanner_import import ImportOptions, import_scan, parse_masks
from scanner_import import synthetic as syn
from scanner_import.masks import boxes_for
from scanner_import.orientation import orient

from .conftest import CAMPAIGN, MASKS, NAME_BOX, make_sheets

FLIP = Image.Transpose.ROTATE_180
HEADER = boxes_for(MASKS, 1)  # the code box of every page (position 2 also masks a mid-page box)


def is_upside_down(img: Image.Image, masks) -> bool:
    return orient(img, masks).turn == 180


def test_an_upright_form_page_is_left_alone_and_a_flipped_one_is_found() -> None:
    page = syn.content_page(3)
    assert not is_upside_down(page, HEADER)
    assert is_upside_down(page.transpose(FLIP), HEADER)
    colour = syn.content_page(5, mode="RGB")
    assert not is_upside_down(colour, HEADER) and is_upside_down(colour.transpose(FLIP), HEADER)


def test_nothing_is_decided_without_a_signal() -> None:
    sparse = syn.sparse_page(4)  # no printed header: boxes empty both ways
    assert not is_upside_down(sparse, HEADER) and not is_upside_down(sparse.transpose(FLIP), HEADER)
    assert not is_upside_down(syn.content_page(3).transpose(FLIP), ())  # no masks, no signal
    # Ink in the boxes both ways (a page-wide mask): left as the cover says.
    wide = parse_masks([{"page": "*", "box": [0.05, 0.02, 0.95, 0.98]}])
    assert not is_upside_down(syn.content_page(3).transpose(FLIP), wide)


def _open(path: Path) -> Image.Image:
    img = Image.open(path)
    img.load()
    return img.convert("L")


def test_a_flipped_sheet_in_an_upright_paper_is_turned_masked_and_reported(tmp_path: Path) -> None:
    sheets = make_sheets(codes=("1001",))
    pages = [syn.content_page(30 + n) for n in range(3)]
    scan = [syn.cover_page(sheets, sheets.entries[0], seed=1), pages[0], pages[1].transpose(FLIP), pages[2]]
    path = tmp_path / "scan.pdf"
    syn.write_scan_pdf(path, [syn.jpeg(img, 75) for img in scan])

    out = tmp_path / "out"
    result = import_scan(path, out, ImportOptions(CAMPAIGN, MASKS, expected_pages=3))

    [paper] = result.papers
    assert [p.rotation for p in paper.pages] == [0, 180, 0]
    flipped = paper.pages[1]
    original, masked = _open(out / flipped.original.path), _open(out / flipped.masked.path)
    expected = pages[1].convert("L")
    assert ImageStat.Stat(ImageChops.difference(original.resize((124, 175)),
                                                expected.resize((124, 175)))).mean[0] < 3  # upright now
    w, h = masked.size
    header = masked.crop((int(NAME_BOX[0] * w) + 8, int(NAME_BOX[1] * h) + 8,
                          int(NAME_BOX[2] * w) - 8, int(NAME_BOX[3] * h) - 8))
    assert header.getextrema()[1] <= 12  # the header (the participant's code) is masked
    assert [(w.code, w.source_page, w.cipher) for w in result.warnings] == [("page_turned", 3, paper.cipher)]
    assert "вверх ногами" in result.warnings[0].message_ru
