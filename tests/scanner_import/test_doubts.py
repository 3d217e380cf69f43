"""Pages out of place: a sheet fed sideways (90° or 270°), boxes that disagree, a paper with a
page more or a page short. Each is turned where the mask boxes tell, and otherwise carries a
doubt and a masked render that covers every box wherever it may be: mask more, never less."""
from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image, ImageDraw

from scanner_import import ImportOptions, import_scan, parse_masks
from scanner_import import synthetic as syn
from scanner_import.images import rotate_ccw
from scanner_import.layout import box_before_turn
from scanner_import.masks import apply_masks, boxes_for, doubt_boxes
from scanner_import.orientation import orient

from .conftest import CAMPAIGN, make_sheets

SIZE = (827, 1169)  # A4 at 100 dpi
# The VPR template's masks: the code box on every page, the class line on page 1, the
# school's marks table on page 4.
VPR_MASKS = parse_masks([{"page": "*", "box": [0.62, 0.01, 0.99, 0.07]},
                         {"page": 1, "box": [0.05, 0.08, 0.95, 0.16]},
                         {"page": 4, "box": [0.05, 0.84, 0.95, 0.98]}])
CODE = (0.65, 0.025, 0.97, 0.055)   # where "Код: 77702" is written on the upright page
MARKS = (0.08, 0.86, 0.92, 0.96)    # the school's marks table
MARKS_TEXT = "1:1  2:1  3:0  4:2  5:1  6:2  7:1  8:0  9:2  10:1  11:2  12.1:1  12.2:0  13:1  14:2"


def page(seed: int, position: int, marks: bool = False, code: str = "77702") -> Image.Image:
    return syn.vpr_page(seed, code, position, MARKS_TEXT if marks else None, size=SIZE)


def fed(img: Image.Image, turn: int) -> Image.Image:
    """The page as a scanner stores a sheet that needs ``turn`` degrees counter-clockwise."""
    return rotate_ccw(img, -turn)


def ink_everywhere_the_header_could_be(img: Image.Image) -> Image.Image:
    """A pupil's scribble in the corner diagonally opposite the code box: the header box then
    holds ink both ways round, and says nothing of the page's orientation."""
    out = img.copy()
    w, h = out.size
    draw = ImageDraw.Draw(out)
    for k in range(6):
        draw.line([(0.03 * w, (0.935 + k * 0.009) * h), (0.35 * w, (0.94 + k * 0.009) * h)], fill=40, width=3)
    return out


def solid(img: Image.Image, box: tuple[float, float, float, float], inset: int = 6) -> bool:
    w, h = img.size
    x0, y0, x1, y1 = box
    crop = img.convert("L").crop((int(x0 * w) + inset, int(y0 * h) + inset, int(x1 * w) - inset, int(y1 * h) - inset))
    return crop.getextrema()[1] <= 16


@pytest.mark.parametrize("turn", [90, 180, 270])
def test_a_box_of_the_upright_page_is_found_where_the_turn_puts_it(turn: int) -> None:
    upright = Image.new("L", (300, 400), 255)
    box = (0.6, 0.05, 0.95, 0.12)
    ImageDraw.Draw(upright).rectangle([0.6 * 300, 0.05 * 400, 0.95 * 300 - 1, 0.12 * 400 - 1], fill=0)
    stored = fed(upright, turn)
    assert rotate_ccw(stored, turn).tobytes() == upright.tobytes()
    assert solid(stored, box_before_turn(box, turn), inset=2)
    assert not solid(stored, box_before_turn(box, turn + 180), inset=2)


@pytest.mark.parametrize("turn", [90, 270])
def test_a_sideways_sheet_is_turned_the_way_its_boxes_say(turn: int) -> None:
    upright = page(1, 2)
    found = orient(fed(upright, turn), boxes_for(VPR_MASKS, 2))
    assert (found.turn, found.doubt, found.sideways) == (turn, "", True)


def test_a_sideways_sheet_whose_boxes_say_nothing_is_in_doubt_with_both_quarter_turns() -> None:
    found = orient(fed(ink_everywhere_the_header_could_be(page(2, 2)), 90), boxes_for(VPR_MASKS, 2))
    assert (found.turn, found.doubt, found.candidates, found.sideways) == (0, "sideways_undecided", (90, 270), True)


def test_boxes_that_disagree_about_180_degrees_are_a_doubt_not_a_guess() -> None:
    # Position 1 has two boxes: the code box and the class line. Ink the class line's
    # upside-down place and empty the code box: the code box says "upside down", the class
    # line (inked where it is, empty turned) says "upright".
    img = page(3, 1)
    w, h = img.size
    ImageDraw.Draw(img).rectangle([0.6 * w, 0, w, 0.08 * h], fill=246)  # no header ink at all
    ImageDraw.Draw(img).rectangle([0.05 * w, 0.005 * h, 0.5 * w, 0.06 * h], fill=246)
    flipped_header = [(1 - 0.99) * w, (1 - 0.07) * h, (1 - 0.62) * w, (1 - 0.01) * h]
    ImageDraw.Draw(img).rectangle(flipped_header, outline=20, width=4)
    found = orient(img, boxes_for(VPR_MASKS, 1))
    assert (found.turn, found.doubt, found.candidates) == (0, "boxes_disagree", (0, 180))


def test_shape_and_masks_decide_whether_there_is_anything_to_doubt() -> None:
    square = syn.content_page(4, size=(900, 900))
    assert orient(square, boxes_for(VPR_MASKS, 2)).candidates == (0, 90, 180, 270)
    assert orient(fed(page(5, 2), 90), ()).doubt == ""  # no masks: nothing to cover, nothing to doubt
    assert orient(page(5, 2), boxes_for(VPR_MASKS, 2)) == orient(page(5, 2), boxes_for(VPR_MASKS, 2))
    assert orient(page(5, 2), boxes_for(VPR_MASKS, 2)).doubt == ""


def test_doubt_boxes_cover_every_position_under_every_turn() -> None:
    img = Image.new("L", (400, 600), 255)
    masked = apply_masks(img, doubt_boxes(VPR_MASKS, (90, 270)))
    for turn in (90, 270):
        for box in (CODE, MARKS, (0.06, 0.09, 0.94, 0.15)):
            assert solid(masked, box_before_turn(box, turn), inset=2)
    assert not solid(masked, box_before_turn(CODE, 0), inset=2)  # only where a candidate puts it


def _scan(tmp_path: Path, papers: list[list[Image.Image]]) -> Path:
    sheets = make_sheets(codes=tuple(str(1001 + n) for n in range(len(papers))))
    images: list[Image.Image] = []
    for n, pages in enumerate(papers):
        images.append(syn.cover_page(sheets, sheets.entries[n], n + 1, len(papers), size=SIZE, seed=n))
        images += pages
    path = tmp_path / "scan.pdf"
    syn.write_scan_pdf(path, images, dpi=100)
    return path


def _open(out: Path, rel: str) -> Image.Image:
    img = Image.open(out / rel)
    img.load()
    return img


def test_irregular_papers_through_the_pipeline(tmp_path: Path) -> None:
    papers = [
        [page(10, 1), fed(page(11, 2), 90), fed(page(12, 3), 270), page(13, 4, marks=True)],  # sideways
        [page(20, 1), page(21, 2), page(22, 3), page(23, 3), page(24, 4, marks=True)],  # a page more
        [page(30, 1), page(31, 2), page(34, 4, marks=True)],                        # a page short
        # Sideways, and the marks table sits where the code box would be turned the other
        # way: the boxes cannot tell 90° from 270°.
        [page(40, 1), page(41, 2), page(42, 3), fed(page(43, 4, marks=True), 270)],
        [page(50, 1), page(51, 2), page(52, 3), fed(page(53, 4, marks=True), 180)],  # upside down
    ]
    out = tmp_path / "out"
    result = import_scan(_scan(tmp_path, papers), out, ImportOptions(CAMPAIGN, VPR_MASKS, expected_pages=4))
    sideways, longer, shorter, undecided, flipped = result.papers

    # Turned where the boxes tell: upright, masked for their position, nothing in doubt.
    assert [p.rotation for p in sideways.pages] == [0, 90, 270, 0]
    for p in sideways.pages:
        masked = _open(out, p.masked.path)
        assert not p.doubt and masked.height > masked.width and solid(masked, CODE)
    assert solid(_open(out, sideways.pages[3].masked.path), MARKS)
    # The last page upside down: its marks table lies where the code box would be, so no box
    # says which way up it is; it stays as the cover says and is masked both ways round.
    assert [p.rotation for p in flipped.pages] == [0, 0, 0, 0] and not any(p.doubt for p in flipped.pages)
    masked = _open(out, flipped.pages[3].masked.path)
    for box in (CODE, MARKS):
        assert solid(masked, box) and solid(masked, box_before_turn(box, 180))
    codes = [(w.code, w.source_page) for w in result.warnings]
    assert ("page_turned_sideways", 3) in codes and ("page_turned_sideways", 4) in codes
    assert "на 90°" in next(w.message_ru for w in result.warnings if w.source_page == 3)

    # A page more or a page short: which page is which is unknown; every page in doubt and
    # masked with every position's boxes, so the marks table on page 5 (or 3) is covered.
    for paper, count in ((longer, 5), (shorter, 3)):
        assert len(paper.pages) == count
        for p in paper.pages:
            assert p.doubt_codes[-1] == "page_count" and f"страниц: {count}, а по шаблону — 4" in p.doubt
            masked = _open(out, p.masked.path)
            assert solid(masked, CODE) and solid(masked, MARKS) and solid(masked, (0.06, 0.09, 0.94, 0.15))
    assert ("page_count_mismatch", longer.cover_page) in codes and ("page_count_mismatch", shorter.cover_page) in codes
    # The long paper's fourth sheet is no last page: its foot is empty where the marks table
    # should be, and its header is there: the boxes disagree as well.
    assert longer.pages[3].doubt_codes == ("boxes_disagree", "page_count")

    # Sideways and undecidable: stored as scanned, in doubt, masked under both quarter turns.
    doubtful = undecided.pages[3]
    assert doubtful.doubt_codes == ("sideways_undecided",) and "90° или на 270°" in doubtful.doubt
    assert doubtful.rotation == 0 and doubtful.original.width > doubtful.original.height
    masked = _open(out, doubtful.masked.path)
    for turn in (90, 270):
        assert solid(masked, box_before_turn(CODE, turn)) and solid(masked, box_before_turn(MARKS, turn))
    assert not any(p.doubt for p in undecided.pages if p is not doubtful)
    assert ("page_in_doubt", doubtful.source_page) in codes and ("landscape_page", doubtful.source_page) in codes
    assert result.to_dict()["summary"]["pages_in_doubt"] == 5 + 3 + 1


def test_a_reimport_of_the_irregular_scan_writes_nothing(tmp_path: Path) -> None:
    papers = [[page(60, 1), page(61, 2), page(62, 4, marks=True)]]
    path = _scan(tmp_path, papers)
    options = ImportOptions(CAMPAIGN, VPR_MASKS, expected_pages=4)
    first = import_scan(path, tmp_path / "out", options)
    again = import_scan(path, tmp_path / "out", options)
    assert first.files_written > 0 and again.files_written == 0
    assert [p.masked.sha256 for p in first.papers[0].pages] == [p.masked.sha256 for p in again.papers[0].pages]
