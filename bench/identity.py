"""Measure the handwritten-code reader and the stack matching on synthetic title pages.

    python bench/identity.py [--stacks 40] [--blank 100] [--smudged 60]

The pages are the tests' (``tests/scanner_import/identity_scans.py``: a hand the
classifier was not trained on, shift / scale / rotation / JPEG). Stack k is the
tests' stack k: 30 pages of a roster of 35 consecutive-ish codes. Prints the figures
that docs/identity.md reports.
"""
from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "scanner_import"))

import identity_scans as scans  # noqa: E402

from scanner_import.identity import match_pages, read_code  # noqa: E402
from scanner_import.identity.match import AUTO_FLOOR, AUTO_MARGIN  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--stacks", type=int, default=40)
    ap.add_argument("--blank", type=int, default=100)
    ap.add_argument("--smudged", type=int, default=60)
    args = ap.parse_args()
    t0 = time.time()
    confusion = np.zeros((10, 10), int)
    pages = auto = wrong = wrong_missing = lone_auto = no_grid = not_title = 0
    read_time = 0.0
    for k in range(args.stacks):
        r = random.Random(5000 + k)
        roster = scans.roster(5000 + k, 35)
        codes = r.sample(roster, 30)
        tables = []
        for i, code in enumerate(codes):
            page = scans.title_page(code, 7000 + 100 * k + i)
            t = time.perf_counter()
            reading = read_code(page, scans.BOX)
            read_time += time.perf_counter() - t
            no_grid += reading.grid is None
            not_title += not reading.is_title_page
            for ch, row in zip(code, reading.probs):
                confusion[int(ch), int(row.argmax())] += 1
            tables.append(reading.probs)
        for m, code in zip(match_pages(tables, roster), codes):
            pages += 1
            auto += m.automatic
            wrong += m.automatic and m.participant != code
        missing = set(codes[:6])
        for m, code in zip(match_pages(tables, [c for c in roster if c not in missing]), codes):
            wrong_missing += m.automatic and m.participant != code
        # the harshest case: each page alone against the roster without its own code
        # (its neighbours, one digit away, are there and free)
        for table, code in zip(tables, codes):
            lone_auto += match_pages([table], [c for c in roster if c != code])[0].automatic
    blank_titles = sum(read_code(scans.title_page(None, 20000 + s), scans.BOX).is_title_page
                       for s in range(args.blank))
    smudged_auto = smudged_wrong = 0
    for s in range(args.smudged):
        r = random.Random(s)
        roster = scans.roster(900 + s, 35)
        code = r.choice(roster[5:-5])
        over = (int(code[-1]) + r.choice([1, 5, 6])) % 10
        m = match_pages([read_code(scans.title_page(code, 300 + s, smudged={4: over}), scans.BOX).probs], roster)[0]
        smudged_auto += m.automatic
        smudged_wrong += m.automatic and m.participant != code
    digits = confusion.sum()
    print(f"rule: floor {AUTO_FLOOR}, margin {AUTO_MARGIN:.2f} nats")
    print(f"stacks: {args.stacks} x 30 pages vs 35 codes = {pages} pages; grid not found {no_grid}, "
          f"not taken for a title page {not_title}")
    print(f"per-digit accuracy: {np.trace(confusion)}/{digits} = {np.trace(confusion) / digits:.4f}")
    print(f"automatic: {auto}/{pages} = {auto / pages:.3f}; wrong automatic: {wrong}")
    print(f"6 of each stack's codes taken off the roster: wrong automatic {wrong_missing}")
    print(f"each page alone, its own code off the roster: automatic (all wrong) {lone_auto}/{pages}")
    print(f"blank boxes taken for title pages: {blank_titles}/{args.blank}")
    print(f"smudged last digit: automatic {smudged_auto}/{args.smudged}, wrong automatic {smudged_wrong}")
    print(f"read_code: {1000 * read_time / pages:.0f} ms a page; total {time.time() - t0:.0f} s")
    print("confusion (rows: written, columns: read):")
    print(confusion)


if __name__ == "__main__":
    main()
