"""Read a title page's code box: cells found, handwriting present, digit probabilities."""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from PIL import Image

from .glyph import CellInk, examine
from .grid import CodeGrid, GridNotFound, box_region, find_cells, find_cells_in
from .model import DigitClassifier, default_classifier

UNIFORM = np.full(10, 0.1)


@dataclass(frozen=True)
class CodeReading:
    """What was read from one page's code box.

    ``probs`` is the full N x 10 table (row k: the probabilities of 0..9 for digit k);
    an empty cell's row is uniform (0.1 each) and its index is in ``empty``.
    ``grid`` is None (and ``error`` says why) when the printed cells were not found.
    """
    probs: np.ndarray
    filled: tuple[bool, ...]
    grid: CodeGrid | None = None
    error: str | None = None
    cells: tuple[CellInk, ...] = field(default=(), repr=False)
    min_filled: int = 3

    @property
    def empty(self) -> tuple[int, ...]:
        return tuple(k for k, f in enumerate(self.filled) if not f)

    @property
    def is_title_page(self) -> bool:
        """The box holds handwriting: at least ``min_filled`` of its cells are written in."""
        return self.grid is not None and sum(self.filled) >= self.min_filled

    @property
    def best_guess(self) -> str:
        """The most likely digit of each cell, ``?`` for an empty one (for display only)."""
        return "".join("?" if not f else str(int(row.argmax())) for f, row in zip(self.filled, self.probs))


def read_code(page: Image.Image, box, digits: int = 5, *, classifier: DigitClassifier | None = None,
              min_filled: int | None = None) -> CodeReading:
    """Find the code box near ``box`` (fractions of the page), look into each cell and
    classify the filled ones. Never raises for a page without a grid: the reading says so."""
    return read_turned(page, box, digits, 0, classifier=classifier, min_filled=min_filled)


def read_turned(page: Image.Image, box, digits: int = 5, turn: int = 0, *,
                classifier: DigitClassifier | None = None, min_filled: int | None = None) -> CodeReading:
    """:func:`read_code` of the page turned by ``turn`` degrees (0 or 180), without turning
    the page: only the crop around the box is cut (from where the box lands on the page as
    it stands) and turned. The reading's ``grid.region`` is in the turned page's pixels.

    Most pages of a stack are not title pages: the grid finder's quick test
    (``grid.grid_possible``) rejects them after one look at the crop's ink."""
    if turn % 180:
        raise ValueError("turn must be 0 or 180")
    need = digits // 2 + 1 if min_filled is None else min_filled
    W, H = page.size
    region = box_region(page.size, box)
    try:
        if region[2] - region[0] < 8 or region[3] - region[1] < 8:
            raise GridNotFound("the identity box is outside the page")
        x0, y0, x1, y1 = region
        if turn % 360:
            crop = page.crop((W - x1, H - y1, W - x0, H - y0)).transpose(Image.Transpose.ROTATE_180)
        else:
            crop = page.crop(region)
        grid = find_cells_in(crop if crop.mode == "L" else crop.convert("L"), region, page.size, box, digits)
    except GridNotFound as exc:
        return CodeReading(np.tile(UNIFORM, (digits, 1)), (False,) * digits, None, str(exc), (), need)
    return _read_cells(grid, digits, classifier, need)


def _read_cells(grid: CodeGrid, digits: int, classifier: DigitClassifier | None, need: int) -> CodeReading:
    cells = tuple(examine(c) for c in grid.cell_arrays())
    probs = np.tile(UNIFORM, (digits, 1))
    glyphs = [c.glyph for c in cells if c.filled]
    if glyphs:
        model = classifier or default_classifier()
        probs[[k for k, c in enumerate(cells) if c.filled]] = model.probabilities(np.stack(glyphs))
    return CodeReading(probs, tuple(c.filled for c in cells), grid, None, cells, need)
