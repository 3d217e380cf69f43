"""Issue 14, performance: the grid finder's quick test and the pipeline's per-page reading.

Most pages of a stack scanned without covers are not title pages; the reader rejects them
after one look at the ink of the box's crop (``grid.grid_possible``), before any skew
search or line finding. These tests pin down that it rejects what it should and never a
title page (no timings here: bench/identity_speed.py measures them)."""
from __future__ import annotations

import random
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw

sys.path.insert(0, str(Path(__file__).resolve().parent))
import identity_scans as scans  # noqa: E402

from scanner_import import synthetic as syn  # noqa: E402
from scanner_import.identity import GridNotFound, find_cells, grid_possible, read_code, read_turned  # noqa: E402
from scanner_import.identity import grid as grid_mod  # noqa: E402
from scanner_import.pagework import IdentityBox, read_title  # noqa: E402

BOX = scans.BOX
IDENTITY = IdentityBox(BOX, 5, 1)
BOX_H = (BOX[3] - BOX[1]) * scans.PAGE[1]


def crop_dark(page: Image.Image, box=BOX) -> np.ndarray:
    region = grid_mod.box_region(page.size, box)
    return grid_mod._dark(np.asarray(page.convert("L").crop(region)))[0]


def quick_rejects(monkeypatch, page: Image.Image) -> bool:
    """Read the page as the pipeline does and tell whether every try stopped at the quick
    test: the slower steps (skew search, line finding) must never run."""
    def never(*_args, **_kw):
        raise AssertionError("the skew search ran: the quick test let the page through")

    monkeypatch.setattr(grid_mod, "_skew", never)
    reading, turn = read_title(page, IDENTITY)
    return reading is None and turn == 0


@pytest.mark.parametrize("seed", range(4))
def test_an_answer_page_with_text_and_a_printed_frame_is_rejected_by_the_quick_test(monkeypatch, seed):
    # the header frame of the synthetic answer page lies right where the code box is looked for
    page = syn.content_page(600 + seed)
    assert crop_dark(page).sum() > 50           # there is ink in the box: not rejected as blank
    assert not grid_possible(crop_dark(page), BOX_H, 5)
    assert quick_rejects(monkeypatch, page)
    reading = read_code(page, BOX)
    assert not reading.is_title_page and reading.grid is None and "quick test" in reading.error


@pytest.mark.parametrize("seed", range(3))
def test_a_page_repeating_the_code_in_a_plain_frame_is_not_a_title_page(monkeypatch, seed):
    # later VPR pages may repeat the code as text in a frame: no grid of cells, no reading
    page = syn.vpr_page(700 + seed, "40127", 2 + seed)
    assert quick_rejects(monkeypatch, page)


def test_handwriting_and_text_in_the_box_without_a_grid_are_rejected(monkeypatch):
    page = Image.new("L", scans.PAGE, 250)
    draw = ImageDraw.Draw(page)
    draw.text((760, 40), "Задание 7. Ответ:", font=syn.get_font(28), fill=20)
    r = random.Random(3)
    for k, d in enumerate("7314"):
        scans.write_digit(page, int(d), (800 + 70 * k, 90, 870 + 70 * k, 164), r)
    assert quick_rejects(monkeypatch, page)


def test_five_cells_of_a_wider_printed_table_are_not_taken_for_the_code_box():
    # a row of 7 printed cells where the code box is looked for: it has the N+1 tall lines
    # the quick test asks for, but 5 of its cells are not a 5-cell code box
    page = Image.new("L", scans.PAGE, 250)
    draw = ImageDraw.Draw(page)
    x, y, w, h = 790, 62, 54, 74
    draw.rectangle([x, y, x + 7 * w, y + h], outline=0, width=2)
    for k in range(1, 7):
        draw.line([(x + k * w, y), (x + k * w, y + h)], fill=0, width=2)
    assert grid_possible(crop_dark(page), BOX_H, 5)
    with pytest.raises(GridNotFound, match="evenly spaced cells"):
        find_cells(page, BOX, 5)
    # the same table with exactly 5 cells is a code box
    page5 = Image.new("L", scans.PAGE, 250)
    draw = ImageDraw.Draw(page5)
    draw.rectangle([x, y, x + 5 * w, y + h], outline=0, width=2)
    for k in range(1, 5):
        draw.line([(x + k * w, y), (x + k * w, y + h)], fill=0, width=2)
    assert len(find_cells(page5, BOX, 5).cells) == 5


@pytest.mark.parametrize("shift,scale,angle", [((0, 0), 1.0, 0.0), ((0.03, 0.03), 1.0, 0.0),
                                               ((-0.03, -0.03), 1.0, 0.0), ((-0.03, 0.02), 1.03, 3.0),
                                               ((0.02, 0.03), 0.97, -3.0), ((0.015, -0.015), 1.0, 5.0),
                                               ((-0.015, 0.015), 1.0, -5.0)])
def test_a_title_page_shifted_scaled_or_turned_passes_the_quick_test(shift, scale, angle):
    # the documented range (docs/identity.md): shifts of 3 %, scale ±3 %, skew up to ±5°
    page = scans.title_page("40127", 11, shift=shift, scale=scale, angle=angle)
    assert grid_possible(crop_dark(page), BOX_H, 5)
    reading, turn = read_title(page, IDENTITY)
    assert reading is not None and turn == 0 and reading.best_guess == "40127"


def test_a_blank_code_box_passes_the_quick_test_and_is_not_a_title_page():
    page = scans.title_page(None, 101)
    assert grid_possible(crop_dark(page), BOX_H, 5)
    reading = read_code(page, BOX)
    assert reading.grid is not None and not reading.is_title_page


@pytest.mark.parametrize("seed", range(30))
def test_no_title_page_is_lost_by_the_quick_test(seed):
    # random shift / scale / turn / JPEG of the test hand, as the bench's stacks
    page = scans.title_page(scans.roster(77, 30)[seed], 61000 + seed)
    assert grid_possible(crop_dark(page), BOX_H, 5)
    reading, turn = read_title(page, IDENTITY)
    assert reading is not None and reading.is_title_page and turn == 0


@pytest.mark.parametrize("seed", [30009, 30129, 30169, 30068, 30080])
def test_an_upside_down_title_page_whose_score_table_reaches_the_box_is_found_upside_down(seed):
    # Upside down, the score table at the foot of the page lands in the code box's crop: its
    # cells are a grid too, but a wider one, and must not be read as an empty code box (it
    # was: the page was then taken for an answer page and its paper lost).
    code = scans.roster(14, 300)[seed - 30000]
    page = scans.title_page(code, seed).transpose(Image.Transpose.ROTATE_180)
    assert read_turned(page, BOX, 5, 0).grid is None
    reading, turn = read_title(page, IDENTITY)
    assert turn == 180 and reading is not None and reading.is_title_page


def test_the_cells_are_the_same_pixels_as_turning_the_whole_crop():
    # the reader turns only the cells; what it reads is what turning the whole crop shows
    page = scans.title_page("40127", 11, shift=(0.01, -0.01), scale=1.0, angle=2.5)
    grid = find_cells(page, BOX)
    assert abs(grid.angle - 2.5) <= 0.5
    for cell, box in zip(grid.cell_images(), grid.cells):
        assert np.array_equal(np.asarray(cell), np.asarray(grid.image.crop(box)))
    x0, y0, x1, y1 = grid.grid
    assert grid.grid_image(pad=0).size == (x1 - x0, y1 - y0)


def test_reading_upside_down_crops_the_box_instead_of_turning_the_page():
    page = scans.title_page("40127", 12)
    turned = page.transpose(Image.Transpose.ROTATE_180)
    direct = read_code(page, BOX)
    via_turn = read_turned(turned, BOX, 5, 180)
    assert via_turn.best_guess == direct.best_guess == "40127"
    assert via_turn.grid.region == direct.grid.region
    assert np.allclose(via_turn.probs, direct.probs)
    with pytest.raises(ValueError):
        read_turned(page, BOX, 5, 90)
