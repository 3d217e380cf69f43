"""Read a title page's code box: cells found, handwriting present, digit probabilities."""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from PIL import Image

from .glyph import CellInk, examine
from .grid import CodeGrid, GridNotFound, find_cells
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
    need = digits // 2 + 1 if min_filled is None else min_filled
    try:
        grid = find_cells(page, box, digits)
    except GridNotFound as exc:
        return CodeReading(np.tile(UNIFORM, (digits, 1)), (False,) * digits, None, str(exc), (), need)
    cells = tuple(examine(c) for c in grid.cell_images())
    probs = np.tile(UNIFORM, (digits, 1))
    glyphs = [c.glyph for c in cells if c.filled]
    if glyphs:
        model = classifier or default_classifier()
        probs[[k for k, c in enumerate(cells) if c.filled]] = model.probabilities(np.stack(glyphs))
    return CodeReading(probs, tuple(c.filled for c in cells), grid, None, cells, need)
