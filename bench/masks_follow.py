"""Cost and result of locating pages for the masks (scanner_import/register.py, issue 14).

    python bench/masks_follow.py [--n 40]

Times ``register.locate`` (median of --n runs, one thread) on a synthetic answer page with
the template header box and on a VPR title page (code grid + score table) displaced as a
scanner does (shift 5 %, 2°, scale 3 %), and prints what it found. The figures are recorded
in docs/identity.md («Masks that follow the page»).
"""
from __future__ import annotations

import argparse
import platform
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "scanner_import"))

import identity_scans as ids  # noqa: E402

from scanner_import import synthetic as syn  # noqa: E402
from scanner_import.masks import MaskBox  # noqa: E402
from scanner_import.register import locate  # noqa: E402

SCORE_BOX = (0.06, 0.84, 0.93, 0.91)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=40)
    n = parser.parse_args().n
    cases = {
        "answer page, header box": (syn.content_page(3), [MaskBox(None, 0.55, 0.02, 0.98, 0.10)]),
        "title page as printed, 2 boxes": (ids.title_page("40123", 5, shift=(0, 0), scale=1.0, angle=0.0),
                                           [MaskBox(1, *ids.BOX), MaskBox(1, *SCORE_BOX)]),
        "title page shifted 5 %, 2°, +3 %": (ids.title_page("40123", 5, shift=(0.05, 0.03), scale=1.03, angle=2.0),
                                             [MaskBox(1, *ids.BOX), MaskBox(1, *SCORE_BOX)]),
    }
    print(f"{platform.processor() or platform.machine()}, python {platform.python_version()}")
    for name, (img, boxes) in cases.items():
        img.load()
        found = locate(img, boxes)
        times = []
        for _ in range(n):
            start = time.perf_counter()
            locate(img, boxes)
            times.append((time.perf_counter() - start) * 1000)
        print(f"{name}: median {statistics.median(times):.1f} ms, min {min(times):.1f} ms; "
              f"located={found.located} angle={found.angle} shift={found.shift} anchors={found.anchors}")


if __name__ == "__main__":
    main()
