"""The identity tests' title pages: the generator lives in the package
(``scanner_import/synthetic_titles.py``) because the demo draws its stack without covers with
it at run time; the tests and ``bench/identity.py`` keep importing it by this name."""
from scanner_import.synthetic_titles import (BOX, GRID, MONO, PAGE, bezier, cells_of, cross_out, roster,
                                             skeleton_b, smudge, title_page, write_digit)

__all__ = ["BOX", "GRID", "MONO", "PAGE", "bezier", "cells_of", "cross_out", "roster", "skeleton_b", "smudge",
           "title_page", "write_digit"]
