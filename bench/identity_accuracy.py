"""Accuracy of the handwritten-code reader and the matching rule, and the floor x margin trade-off.

    python bench/identity_accuracy.py [--stacks 40] [--blank 100] [--smudged 60]
                                      [--cache /tmp/identity-glyphs.npz] [--weights PATH] [--sweep]

The pages are the tests' (``tests/scanner_import/identity_scans.py``: a hand the classifier
was not trained on, shift / scale / rotation / JPEG), exactly those of ``bench/identity.py``.
Reading a page is two parts: finding the cells and their glyphs (model-independent, the
slow part: rendering the pages) and classifying the glyphs. ``--cache`` keeps the glyphs of
every page in a file so that another model (``--weights``) or another rule (``--sweep``:
the table of floors x margins that docs/identity.md §4 reports) is measured in seconds.

Scenarios, each counted for every (floor, margin):
* full roster: stack k is 30 pages drawn from a roster of 35 runs of consecutive codes;
* 6 codes off the roster: the same pages, 6 of their codes taken off (wrong if placed);
* each page alone against the roster without its own code (its neighbours free): any
  automatic placement is wrong;
* blank boxes taken for title pages;
* last digit overwritten with another and smeared: pending expected.
"""
from __future__ import annotations

import argparse
import math
import random
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "scanner_import"))

import identity_scans as scans  # noqa: E402

from scanner_import.identity import examine, find_cells, match_pages  # noqa: E402
from scanner_import.identity.grid import GridNotFound  # noqa: E402
from scanner_import.identity.match import AUTO_FLOOR, AUTO_MARGIN  # noqa: E402
from scanner_import.identity.model import DigitClassifier, default_classifier  # noqa: E402
from scanner_import.identity.glyph import SIZE  # noqa: E402

PAGES, ROSTER, MISSING = 30, 35, 6


def _cells(page) -> tuple[np.ndarray, np.ndarray, bool]:
    """(filled (5,), glyphs (5, SIZE, SIZE), grid found) for one page, as read_code sees it."""
    try:
        grid = find_cells(page, scans.BOX, 5)
    except GridNotFound:
        return np.zeros(5, bool), np.zeros((5, SIZE, SIZE), np.float32), False
    cells = [examine(c) for c in grid.cell_images()]
    glyphs = np.stack([c.glyph if c.filled else np.zeros((SIZE, SIZE), np.float32) for c in cells])
    return np.array([c.filled for c in cells]), glyphs.astype(np.float32), True


def collect(stacks: int, blank: int, smudged: int) -> dict:
    """Render the bench's pages and keep what the classifier needs."""
    out: dict = {"filled": [], "glyphs": [], "grid": [], "codes": [], "rosters": [],
                 "blank_title": [], "sm_filled": [], "sm_glyphs": [], "sm_codes": [], "sm_rosters": []}
    for k in range(stacks):
        r = random.Random(5000 + k)
        roster = scans.roster(5000 + k, ROSTER)
        codes = r.sample(roster, PAGES)
        out["rosters"].append(roster)
        for i, code in enumerate(codes):
            filled, glyphs, grid = _cells(scans.title_page(code, 7000 + 100 * k + i))
            out["filled"].append(filled)
            out["glyphs"].append(glyphs)
            out["grid"].append(grid)
            out["codes"].append(code)
    for s in range(blank):
        filled, _, grid = _cells(scans.title_page(None, 20000 + s))
        out["blank_title"].append(bool(grid and filled.sum() >= 3))
    for s in range(smudged):
        r = random.Random(s)
        roster = scans.roster(900 + s, ROSTER)
        code = r.choice(roster[5:-5])
        over = (int(code[-1]) + r.choice([1, 5, 6])) % 10
        filled, glyphs, _ = _cells(scans.title_page(code, 300 + s, smudged={4: over}))
        out["sm_filled"].append(filled)
        out["sm_glyphs"].append(glyphs)
        out["sm_codes"].append(code)
        out["sm_rosters"].append(roster)
    return {key: np.array(v) for key, v in out.items()}


def tables(model: DigitClassifier, filled: np.ndarray, glyphs: np.ndarray) -> tuple[np.ndarray, float]:
    """(pages, 5, 10) probability tables as read_code makes them, and the ms per page spent classifying."""
    probs = np.full(filled.shape + (10,), 0.1)
    t = time.perf_counter()
    for i in range(len(filled)):            # one page at a time, as read_code does
        if filled[i].any():
            probs[i, filled[i]] = model.probabilities(glyphs[i][filled[i]])
    ms = 1000 * (time.perf_counter() - t) / max(1, len(filled))
    return probs, ms


def evaluate(data: dict, probs: np.ndarray, sm_probs: np.ndarray, floor: float, margin: float) -> dict:
    codes, rosters = list(data["codes"]), [list(r) for r in data["rosters"]]
    res = dict(pages=0, auto=0, wrong=0, wrong_missing=0, lone_auto=0, smudged_auto=0, smudged_wrong=0, reasons={})
    for k, roster in enumerate(rosters):
        sl = slice(k * PAGES, (k + 1) * PAGES)
        st, sc = list(probs[sl]), codes[sl]
        for m, code in zip(match_pages(st, roster, floor=floor, margin=margin), sc):
            res["pages"] += 1
            res["auto"] += m.automatic
            res["wrong"] += m.automatic and m.participant != code
            if not m.automatic:
                key = ("below the floor" if "floor" in m.reason else "another code too close"
                       if "another code" in m.reason else "another page reads as it" if "another page" in m.reason
                       else m.reason)
                res["reasons"][key] = res["reasons"].get(key, 0) + 1
        missing = set(sc[:MISSING])
        for m, code in zip(match_pages(st, [c for c in roster if c not in missing], floor=floor, margin=margin), sc):
            res["wrong_missing"] += m.automatic and m.participant != code
        for t, code in zip(st, sc):
            res["lone_auto"] += match_pages([t], [c for c in roster if c != code], floor=floor, margin=margin)[0].automatic
    for t, code, roster in zip(sm_probs, data["sm_codes"], data["sm_rosters"]):
        m = match_pages([t], list(roster), floor=floor, margin=margin)[0]
        res["smudged_auto"] += m.automatic
        res["smudged_wrong"] += m.automatic and m.participant != code
    return res


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--stacks", type=int, default=40)
    ap.add_argument("--blank", type=int, default=100)
    ap.add_argument("--smudged", type=int, default=60)
    ap.add_argument("--cache", help="a .npz of the pages' glyphs: read if it exists, else written")
    ap.add_argument("--weights", help="a digits .npz other than the shipped one")
    ap.add_argument("--temperature", type=float, help="instead of the model's own (to study calibration)")
    ap.add_argument("--floor", type=float, default=AUTO_FLOOR)
    ap.add_argument("--margin", type=float, default=AUTO_MARGIN)
    ap.add_argument("--sweep", action="store_true", help="the floor x margin table")
    ap.add_argument("--floors", default="0.1,0.2,0.3,0.4,0.5,0.6,0.7", help="for --sweep")
    ap.add_argument("--margins", default="5,10,20,50,100", help="for --sweep: likelihood ratios")
    args = ap.parse_args()
    t0 = time.time()
    if args.cache and Path(args.cache).is_file():
        with np.load(args.cache) as z:
            data = {k: z[k] for k in z.files}
    else:
        data = collect(args.stacks, args.blank, args.smudged)
        if args.cache:
            np.savez_compressed(args.cache, **data)
    print(f"pages: {len(data['codes'])} ({time.time() - t0:.0f} s)")
    model = DigitClassifier.load(args.weights) if args.weights else default_classifier()
    if args.temperature:
        model.temperature = args.temperature
    probs, ms = tables(model, data["filled"], data["glyphs"])
    sm_probs, _ = tables(model, data["sm_filled"], data["sm_glyphs"])
    confusion = np.zeros((10, 10), int)
    for code, table, filled in zip(data["codes"], probs, data["filled"]):
        for ch, row, f in zip(code, table, filled):
            confusion[int(ch), int(row.argmax())] += 1
    pages = len(data["codes"])
    print(f"model: {model.meta.get('architecture', 'mlp')} {json_short(model.meta)}")
    print(f"grid not found {int((~data['grid']).sum())}/{pages}; "
          f"not taken for a title page {int((data['filled'].sum(1) < 3).sum())}/{pages}")
    print(f"per-digit accuracy: {np.trace(confusion)}/{confusion.sum()} = {np.trace(confusion) / confusion.sum():.4f}")
    errors = sorted(((confusion[a, b], a, b) for a in range(10) for b in range(10) if a != b and confusion[a, b]),
                    reverse=True)
    print("errors (written->read x n):", ", ".join(f"{a}->{b} x{n}" for n, a, b in errors))
    print("per digit:", " | ".join(f"{d}: {confusion[d, d] / confusion[d].sum():.4f}" for d in range(10)))
    conf_right = []
    for code, table, filled in zip(data["codes"], probs, data["filled"]):
        for ch, row, f in zip(code, table, filled):
            if f:
                conf_right.append((row.max(), row.argmax() == int(ch)))
    conf = np.array([c for c, _ in conf_right])
    right = np.array([ok for _, ok in conf_right])
    print("reliability (confidence bin: n, mean confidence, accuracy):", "; ".join(
        f"[{lo:.2f}, {min(hi, 1):.2f}): {int(sel.sum())}, {conf[sel].mean():.4f}, {right[sel].mean():.4f}"
        for lo, hi in ((0, 0.5), (0.5, 0.8), (0.8, 0.95), (0.95, 0.99), (0.99, 1.01))
        for sel in [(conf >= lo) & (conf < hi)] if sel.any()))
    wrong_conf = sorted(conf[~right].round(3).tolist(), reverse=True)
    print("confidence of the wrong digits:", wrong_conf)
    print(f"classifying: {ms:.2f} ms a page (5 glyphs x the shifts)")
    print(f"blank boxes taken for title pages: {int(data['blank_title'].sum())}/{len(data['blank_title'])}")
    grid = [(args.floor, args.margin)]
    if args.sweep:
        grid = [(float(f), math.log(float(m))) for f in args.floors.split(",") for m in args.margins.split(",")]
    print("| floor | margin (nats) | automatic | wrong | wrong, 6 codes off | alone without own code "
          "| smudged placed |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for floor, margin in grid:
        r = evaluate(data, probs, sm_probs, floor, margin)
        print(f"| {floor:.2f} | {margin:.2f} (ln {math.exp(margin):.0f}) | {r['auto']}/{r['pages']} = "
              f"{r['auto'] / r['pages']:.3f} | {r['wrong']} | {r['wrong_missing']} | {r['lone_auto']} "
              f"| {r['smudged_auto']}/{len(data['sm_codes'])} ({r['smudged_wrong']} wrong) |")
        if not args.sweep:
            print("pending by reason:", r["reasons"])
    print(f"total {time.time() - t0:.0f} s")


def json_short(meta: dict) -> str:
    keep = ("seed", "train", "epochs", "temperature", "held_out_accuracy")
    return ", ".join(f"{k}={meta[k]}" for k in keep if k in meta)


if __name__ == "__main__":
    main()
