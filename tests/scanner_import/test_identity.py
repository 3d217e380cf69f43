"""Issue 14: reading the handwritten participant code and matching a stack of title pages.

Every scan here is built with Pillow (``identity_scans``) in a hand the classifier was
not trained on. The figures asserted are the ones docs/identity.md reports, with a
little room; set IDENTITY_STACKS=40 to measure over more stacks than the default.
"""
from __future__ import annotations

import math
import os
import random
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw

sys.path.insert(0, str(Path(__file__).resolve().parent))
import identity_scans as scans  # noqa: E402

from scanner_import.identity import (AUTO_FLOOR, DigitClassifier, GridNotFound, default_classifier,  # noqa: E402
                                     examine, find_cells, match_pages, read_code, score_matrix)
from scanner_import.identity.model import WEIGHTS  # noqa: E402

BOX = scans.BOX
STACKS = int(os.environ.get("IDENTITY_STACKS", "4"))
PAGES, ROSTER = 30, 35
DIGIT_ACCURACY = 0.99      # per digit, held-out hand (docs/identity.md: 99.77 % over 40 stacks)
AUTO_SHARE = 0.90          # of a stack placed automatically (docs/identity.md: 95.4 % over 40 stacks)


def expected_cells(grid=scans.GRID):
    return scans.cells_of(grid)


# --- cells found ----------------------------------------------------------------------
@pytest.mark.parametrize("shift,scale,angle", [((0, 0), 1.0, 0.0), ((0.03, 0.03), 1.0, 0.0),
                                               ((-0.03, -0.03), 1.0, 0.0), ((-0.03, 0.02), 1.03, 3.0),
                                               ((0.02, 0.03), 0.97, -3.0)])
def test_the_grid_is_found_when_the_page_is_shifted_scaled_or_turned(shift, scale, angle):
    page = scans.title_page("40127", 11, shift=shift, scale=scale, angle=angle)
    grid = find_cells(page, BOX, 5)
    assert len(grid.cells) == 5
    assert abs(grid.angle - angle) <= 0.5
    widths = [c[2] - c[0] for c in grid.cells]
    assert max(widths) - min(widths) <= 3
    assert abs(np.mean(widths) - scans.GRID[2] * scale) < 0.25 * scans.GRID[2]
    assert read_code(page, BOX).best_guess == "40127"


def test_a_page_without_the_printed_grid_fails_clearly():
    page = Image.new("L", scans.PAGE, 250)
    ImageDraw.Draw(page).text((100, 400), "Страница 2. Задание 5.", fill=0)
    with pytest.raises(GridNotFound, match="blank"):
        find_cells(page, BOX)
    page2 = scans.title_page("12345", 3, angle=0, shift=(0, 0))
    with pytest.raises(GridNotFound, match="cells|lines"):
        find_cells(page2, (0.05, 0.5, 0.4, 0.56))   # the box points at body text
    reading = read_code(page, BOX)
    assert reading.grid is None and reading.error and not reading.is_title_page


def test_a_grid_of_another_size_is_not_taken_for_five_cells():
    page = scans.title_page("12345", 4, angle=0, shift=(0, 0))
    with pytest.raises(GridNotFound):
        find_cells(page, BOX, 7)


# --- handwriting present? -------------------------------------------------------------
@pytest.mark.parametrize("seed", range(5))
def test_a_blank_box_is_not_a_title_page(seed):
    reading = read_code(scans.title_page(None, 100 + seed), BOX)
    assert reading.grid is not None
    assert reading.filled == (False,) * 5 and not reading.is_title_page
    assert reading.empty == (0, 1, 2, 3, 4)
    assert np.allclose(reading.probs, 0.1)


def test_a_box_with_a_code_is_a_title_page_and_a_missing_digit_is_flagged():
    reading = read_code(scans.title_page("40 27", 5), BOX)
    assert reading.is_title_page and reading.empty == (2,)
    assert reading.best_guess[2] == "?" and np.allclose(reading.probs[2], 0.1)


def test_dust_in_a_cell_is_not_handwriting():
    cell = Image.new("L", (60, 64), 245)
    d = ImageDraw.Draw(cell)
    d.point([(10, 10), (40, 50), (30, 20)], fill=60)
    d.line([(0, 1), (59, 1)], fill=0, width=2)           # a remnant of the printed border
    assert not examine(cell).filled


# --- the classifier -------------------------------------------------------------------
DATA = Path(__file__).resolve().parents[1] / "data"


def cell_of(img28: np.ndarray, ink: int = 30) -> Image.Image:
    """A 28x28 MNIST digit (255 = ink) written into a scanned-looking 90x90 cell."""
    digit = Image.fromarray((255 - img28.astype(np.float32) / 255 * (255 - ink)).astype(np.uint8))
    cell = Image.new("L", (90, 90), 240)
    cell.paste(digit.resize((84, 84), Image.Resampling.BILINEAR), (3, 3))
    return cell


def test_the_shipped_model_is_small_and_documented():
    assert WEIGHTS.stat().st_size < 300_000
    model = default_classifier()
    assert model.meta["held_out_accuracy"] >= 0.98
    held = model.meta["held_out_sources"]
    assert held["mnist_held_out"]["accuracy"] >= 0.97 and len(held["mnist_held_out"]["per_digit"]) == 10
    assert held["optdigits"]["accuracy"] >= 0.85    # real digits of writers never trained on (8x8 scans)
    assert model.meta["train_sources"]["optdigits"] == 0
    probs = model.probabilities(np.zeros((3, 20, 20), np.float32))
    assert probs.shape == (3, 10) and np.allclose(probs.sum(axis=1), 1)


def test_the_numpy_network_computes_what_pytorch_computed_at_training():
    model = default_classifier()
    glyphs, torch_logits = model.check
    assert np.allclose(model.logits(glyphs), torch_logits, atol=2e-3)


def test_held_out_real_mnist_digits_are_read_right_and_with_confidence():
    """Two digits of each value from the MNIST part the training never saw
    (tests/data/mnist_held_out.npz: the first two of each in the held-out split)."""
    with np.load(DATA / "mnist_held_out.npz") as z:
        images, labels = z["images"], z["labels"]
    cells = [examine(cell_of(img)) for img in images]
    assert all(c.filled for c in cells)
    probs = default_classifier().probabilities(np.stack([c.glyph for c in cells]))
    assert (probs.argmax(axis=1) == labels).all(), probs.argmax(axis=1)
    assert np.median(probs[np.arange(len(labels)), labels]) >= 0.95
    assert (probs[np.arange(len(labels)), labels] >= 0.5).all()


@pytest.mark.parametrize("seed", range(4))
def test_a_scribble_gives_a_flat_row_not_a_confident_guess(seed):
    r = random.Random(seed)
    img = Image.new("L", (80, 80), 245)
    draw = ImageDraw.Draw(img)
    # a crossed-out box: a dense zigzag over the whole cell
    pts = [(12 + (i % 2) * 56 + r.uniform(-4, 4), 10 + 4 * i) for i in range(16)]
    draw.line(pts, fill=20, width=4)
    cell = examine(img)
    assert cell.filled
    row = default_classifier().probabilities(cell.glyph[None])[0]
    assert row.max() < 0.5, row.round(2)


def test_the_model_round_trips_through_its_file(tmp_path):
    model = default_classifier()
    model.save(tmp_path / "m.npz")
    again = DigitClassifier.load(tmp_path / "m.npz")
    glyphs = np.random.default_rng(0).random((4, 20, 20)).astype(np.float32)
    assert np.allclose(again.probabilities(glyphs), model.probabilities(glyphs), atol=1e-6)
    assert np.array_equal(again.check[1], model.check[1])


# --- a stack of title pages -----------------------------------------------------------
def stack(k: int):
    """(roster, codes of the pages, readings) for stack number k: 30 pages of a roster of 35."""
    r = random.Random(5000 + k)
    roster = scans.roster(5000 + k, ROSTER)
    codes = r.sample(roster, PAGES)
    return roster, codes, [read_code(scans.title_page(c, 7000 + 100 * k + i), BOX) for i, c in enumerate(codes)]


@pytest.fixture(scope="module")
def stacks():
    return [stack(k) for k in range(STACKS)]


def test_per_digit_accuracy_on_a_held_out_hand(stacks):
    right = total = 0
    for _, codes, readings in stacks:
        for code, reading in zip(codes, readings):
            assert reading.is_title_page
            total += 5
            right += sum(g == c for g, c in zip(reading.best_guess, code))
    assert right / total >= DIGIT_ACCURACY, f"{right}/{total}"


def test_a_stack_is_placed_automatically_with_no_wrong_placement(stacks):
    auto = wrong = pages = 0
    for roster, codes, readings in stacks:
        matches = match_pages([rd.probs for rd in readings], roster)
        assert [m.page for m in matches] == list(range(len(codes)))
        placed = [m.participant for m in matches if m.automatic]
        assert len(placed) == len(set(placed))
        for m, code in zip(matches, codes):
            pages += 1
            if m.automatic:
                auto += 1
                wrong += m.participant != code
            else:
                assert m.reason and m.candidates
    assert wrong == 0
    assert auto / pages >= AUTO_SHARE, f"{auto}/{pages}"


def test_pages_whose_code_is_not_on_the_roster_are_never_placed(stacks):
    # The same stacks against rosters that miss some of the pages' codes: those pages
    # must stay pending (their neighbours, one digit away, are still on the roster).
    wrong = 0
    for roster, codes, readings in stacks:
        missing = set(codes[:6])
        matches = match_pages([rd.probs for rd in readings], [c for c in roster if c not in missing])
        for m, code in zip(matches, codes):
            if m.automatic and m.participant != code:
                wrong += 1
    assert wrong == 0


@pytest.mark.parametrize("seed", range(6))
def test_a_smudged_digit_goes_to_pending(seed):
    r = random.Random(seed)
    roster = scans.roster(900 + seed, ROSTER)
    code = r.choice(roster[5:-5])
    over = (int(code[-1]) + r.choice([1, 5, 6])) % 10       # a digit written over the last one
    page = scans.title_page(code, 300 + seed, smudged={4: over})
    others = [read_code(scans.title_page(c, 400 + 10 * seed + i), BOX)
              for i, c in enumerate(c for c in roster[:3] if c != code)]
    matches = match_pages([read_code(page, BOX).probs] + [o.probs for o in others], roster)
    assert not matches[0].automatic
    assert matches[0].candidates


# --- matching on made-up tables (fast) ------------------------------------------------
def table(code: str, p: float = 0.97) -> np.ndarray:
    t = np.full((len(code), 10), (1 - p) / 9)
    t[np.arange(len(code)), [int(c) for c in code]] = p
    return t


def test_the_score_is_the_sum_of_log_probabilities():
    s = score_matrix([table("12345", 0.9)], ["12345", "12346"])
    assert s.shape == (1, 2)
    assert s[0, 0] == pytest.approx(5 * math.log(0.999 * 0.9 + 0.0001))
    assert s[0, 1] == pytest.approx(4 * math.log(0.999 * 0.9 + 0.0001) + math.log(0.999 * 0.1 / 9 + 0.0001))


def test_more_codes_than_pages_and_more_pages_than_codes():
    roster = ["40001", "40002", "40003", "40004"]
    ms = match_pages([table("40003"), table("40001")], roster)
    assert [(m.participant, m.automatic) for m in ms] == [("40003", True), ("40001", True)]
    ms = match_pages([table("40003"), table("40001"), table("40002")], roster[:2])
    assert [(m.participant, m.automatic) for m in ms] == [(None, False), ("40001", True), ("40002", True)]
    assert "more pages" in ms[0].reason


def test_the_one_to_one_assignment_resolves_a_shared_best_guess():
    # page 0 reads 40012 firmly; page 1's last digit is torn between 2 and 7, and 40017 is free
    roster = ["40012", "40017"]
    torn = table("40012")
    torn[4] = 0.0
    torn[4, 2], torn[4, 7] = 0.55, 0.45
    ms = match_pages([table("40012"), torn], roster)
    assert ms[0].participant == "40012" and ms[1].participant == "40017"
    assert not ms[1].automatic        # the assignment's choice, but not confident on its own
    assert ms[1].candidates[0].participant == "40012"


def test_two_pages_reading_as_one_code_are_both_pending():
    ms = match_pages([table("40012"), table("40012")], ["40012", "40013"])
    assert not ms[0].automatic and not ms[1].automatic


def test_low_confidence_is_pending_with_candidates():
    ms = match_pages([table("40012", 0.8)], ["40012", "50000"])
    assert ms[0].confidence == pytest.approx(0.8 ** 5, rel=0.01) and ms[0].confidence < AUTO_FLOOR
    assert not ms[0].automatic and "floor" in ms[0].reason
    assert ms[0].candidates[0].participant == "40012"


def test_unread_pages_and_bad_rosters():
    ms = match_pages([None, table("40012")], ["40012"])
    assert not ms[0].automatic and ms[0].candidates == () and ms[1].automatic
    assert match_pages([table("40012")], [])[0].participant is None
    with pytest.raises(ValueError):
        match_pages([table("40012")], ["40012", "40012"])
    with pytest.raises(ValueError):
        match_pages([table("40012")], ["4001"])


def test_the_training_data_are_glyphs_with_soft_targets():
    """The data generators (numpy and Pillow only; training itself needs PyTorch)."""
    from scanner_import.identity import train_digits
    with np.load(DATA / "mnist_held_out.npz") as z:
        mnist = (z["images"], z["labels"])
    x, y, src = train_digits.make_set(200, 3, mnist)
    assert x.shape == (200, 400) and y.shape == (200, 10) and np.allclose(y.sum(axis=1), 1)
    names = {train_digits.SOURCES[i] for i in src}
    assert {"pen", "mnist", "ambiguous", "scribble"} <= names and "optdigits" not in names
    assert np.allclose(y[src == train_digits.SOURCES.index("scribble")], 0.1)
    ambiguous = y[src == train_digits.SOURCES.index("ambiguous")]
    assert ((ambiguous == 0.5).sum(axis=1) == 2).all()
    again = train_digits.make_set(200, 3, mnist)
    assert np.array_equal(x, again[0])                   # reproducible from the seed
    train, held = train_digits.mnist_split(np.repeat(np.arange(10), 100))
    assert len(held) == 300 and not set(train) & set(held)


def test_the_training_script_runs_end_to_end(tmp_path, capsys):
    pytest.importorskip("torch")          # training only: not a runtime dependency
    from scanner_import.identity import train_digits
    if not train_digits.mnist_path().is_file():
        pytest.skip("the MNIST tarball is not in the cache (see train_digits' docstring)")
    out = tmp_path / "tiny.npz"
    train_digits.main(["--out", str(out), "--train", "300", "--epochs", "1", "--seed", "3", "--threads", "1"])
    model = DigitClassifier.load(out)
    assert model.meta["train"] == 300 and model.params["f1w"].shape == (train_digits.C2 * 25, train_digits.HIDDEN)
    assert np.allclose(model.logits(model.check[0]), model.check[1], atol=2e-3)
