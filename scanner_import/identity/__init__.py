"""Reading the handwritten participant code on a VPR title page (no QR code there).

Pure pipeline code (numpy, scipy, Pillow; no web, no database). The pieces, in the
order the pipeline uses them (docs/identity.md tells how each works and how well):

* :func:`find_cells` (``grid``): the printed cells of the code box near the
  template's ``identity`` box, tolerant of a few per cent of shift, scale and
  skew; :class:`GridNotFound` when there is no such grid.
* :func:`examine` (``glyph``): a cell blank or written in, and its normalised glyph.
* :class:`DigitClassifier` / :func:`default_classifier` (``model``): the small
  CNN shipped as ``digits.npz`` (numpy inference; trained offline by ``train_digits.py``,
  docs/model-card-digits.md).
* :func:`read_code` (``read``): all of the above for one page, a
  :class:`CodeReading` with the N x 10 probability table and ``is_title_page``.
* :func:`match_pages` (``match``): the stack of readings against the school's
  codes, one-to-one, each page automatic or pending with its candidates.
"""
from .glyph import CellInk, examine
from .grid import CodeGrid, GridNotFound, find_cells, grid_possible
from .match import AUTO_FLOOR, AUTO_MARGIN, Candidate, PageMatch, match_pages, score_matrix
from .model import DigitClassifier, default_classifier
from .read import CodeReading, read_code, read_turned

__all__ = ["AUTO_FLOOR", "AUTO_MARGIN", "Candidate", "CellInk", "CodeGrid", "CodeReading",
           "DigitClassifier", "GridNotFound", "PageMatch", "default_classifier", "examine",
           "find_cells", "grid_possible", "match_pages", "read_code", "read_turned", "score_matrix"]
