"""Time of reading the handwritten code, per title page and per non-title page.

    python bench/identity_speed.py [--pages 200] [--repeat 5]

The title pages are the tests' (``tests/scanner_import/identity_scans.py``: shifted up to
1.5 %, scaled ±3 %, turned ±3°, JPEG 55-85); a tenth of them upside down. The non-title
pages are what follows a title page in a stack: handwritten answer pages with the printed
header frame (``synthetic.content_page``) and VPR pages repeating the code in a plain
frame (``synthetic.vpr_page``). Each page is timed as the scan pipeline reads it
(``pagework.read_title``: as it stands, and upside down when no grid was found), and the
title pages also with ``read_code`` alone. Every figure is the median (and p95) over the
pages of each page's best of ``--repeat`` runs, in wall time and in this process's CPU
time (``time.process_time``: other work on the shared cores inflates the wall time, less
so the CPU time). Prints the load average before and after.
"""
from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "scanner_import"))

import identity_scans as scans  # noqa: E402
from PIL import Image  # noqa: E402

from scanner_import import synthetic as syn  # noqa: E402
from scanner_import.identity import read_code  # noqa: E402
from scanner_import.pagework import IdentityBox, read_title  # noqa: E402

IDENTITY = IdentityBox(scans.BOX, 5, 1)


def timed(fn, repeat: int) -> tuple[float, float]:
    """(wall, cpu) seconds: the best of ``repeat`` runs of ``fn()``."""
    walls, cpus = [], []
    for _ in range(repeat):
        w, c = time.perf_counter(), time.process_time()
        fn()
        cpus.append(time.process_time() - c)
        walls.append(time.perf_counter() - w)
    return min(walls), min(cpus)


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def row(label: str, times: list[tuple[float, float]]) -> str:
    wall = [w * 1000 for w, _ in times]
    cpu = [c * 1000 for _, c in times]
    return (f"| {label} | {len(times)} | {statistics.median(wall):.2f} | {p95(wall):.2f} | "
            f"{statistics.median(cpu):.2f} | {p95(cpu):.2f} |")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pages", type=int, default=200, help="title pages (and as many non-title pages)")
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    r = random.Random(14)
    codes = scans.roster(14, args.pages)
    titles, upside, others = [], [], []
    for i, code in enumerate(codes):
        page = scans.title_page(code, 30000 + i)
        page.load()
        (upside if i % 10 == 9 else titles).append(
            page.transpose(Image.Transpose.ROTATE_180) if i % 10 == 9 else page)
        other = syn.content_page(40000 + i) if i % 2 else syn.vpr_page(40000 + i, code, r.randint(2, 4))
        others.append(other)
    read_code(titles[0], scans.BOX)  # load the model
    load_before = os.getloadavg()
    lines = ["| pages | n | wall median (ms) | wall p95 | CPU median (ms) | CPU p95 |", "|---|---|---|---|---|---|"]
    results = {
        "title pages, `read_code`": [timed(lambda p=p: read_code(p, scans.BOX), args.repeat) for p in titles],
        "title pages, as the pipeline reads them": [timed(lambda p=p: read_title(p, IDENTITY), args.repeat)
                                                     for p in titles],
        "title pages upside down, as the pipeline reads them": [timed(lambda p=p: read_title(p, IDENTITY),
                                                                      args.repeat) for p in upside],
        "non-title pages (answer pages, header frame or code repeated)": [
            timed(lambda p=p: read_title(p, IDENTITY), args.repeat) for p in others],
    }
    load_after = os.getloadavg()
    found = sum(read_title(p, IDENTITY)[0] is not None for p in titles + upside)
    false = sum(read_title(p, IDENTITY)[0] is not None for p in others)
    lines += [row(label, times) for label, times in results.items()]
    print(f"load average before {' / '.join(f'{v:.2f}' for v in load_before)}, "
          f"after {' / '.join(f'{v:.2f}' for v in load_after)}; best of {args.repeat} per page")
    print("\n".join(lines))
    print(f"title pages found: {found}/{len(titles) + len(upside)}; non-title pages taken for title pages: "
          f"{false}/{len(others)}")


if __name__ == "__main__":
    main()
