"""Shared fixtures: synthetic scans built with Pillow + our cover module.

The "school scan" is generated once per session (it is the expensive part) and
imported once; tests that mutate outputs import into their own directories.
"""
from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from PIL import Image

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:  # no reliance on a root conftest or an installed package
    sys.path.insert(0, str(ROOT))

from scanner_import import (CoverEntry, CoverSheetSet, ImportOptions, ImportResult,  # noqa: E402
                            import_scan, parse_masks)
from scanner_import import synthetic as syn  # noqa: E402

CAMPAIGN = "vpr-math-5-2025"
NAME_BOX = [0.55, 0.02, 0.98, 0.10]  # where draw_form_header puts the "name" box
PAGE2_BOX = [0.10, 0.30, 0.50, 0.40]
MASKS = parse_masks([{"page": "*", "box": NAME_BOX}, {"page": 2, "box": PAGE2_BOX}])


def make_sheets(slug: str = CAMPAIGN, codes: tuple[str, ...] = ("1001", "1002", "1003", "1004", "1005"),
                prefix: str = "PAPER") -> CoverSheetSet:
    entries = [CoverEntry(code, f"{prefix}{code.zfill(4)}X") for code in codes]
    return CoverSheetSet(slug, "ВПР. Математика. 5 класс", "0042", "МБОУ СОШ № 42", entries)


@dataclass
class SchoolScan:
    """The standard scan and what each page is, for assertions."""

    path: Path
    sheets: CoverSheetSet
    jpegs: list[bytes]
    upright: dict[int, Image.Image] = field(default_factory=dict)  # source page -> upright content


def build_school_scan(path: Path) -> SchoolScan:
    """18 pages: a stray page, 5 covers (one upside down), duplex blanks, a foreign
    cover with its page, a sparse page, a colour page and an empty paper."""
    sheets = make_sheets()
    foreign = make_sheets("other-campaign", ("7777",), prefix="ALIEN")
    e = sheets.entries
    upright: dict[int, Image.Image] = {}

    def content(n: int, seed: int, **kw: object) -> Image.Image:
        img = syn.content_page(seed, **kw)  # type: ignore[arg-type]
        upright[n] = img
        return img

    pages: list[Image.Image] = [
        content(1, 11),                                                    # 1 stray
        syn.cover_page(sheets, e[0], 1, 5, angle=1.0, seed=2),            # 2 cover 1001
        syn.blank_back(3),                                                 # 3 blank
        content(4, 14),                                                    # 4 p1
        syn.blank_back(5, dust=60),                                        # 5 blank
        content(6, 16),                                                    # 6 p2
        syn.sparse_page(7),                                                # 7 p3 (few strokes)
        syn.cover_page(sheets, e[1], 2, 5, angle=-1.0, upside_down=True, seed=8),  # 8 cover 1002
        content(9, 19).transpose(Image.Transpose.ROTATE_180),              # 9 p1 (upside down)
        content(10, 20).transpose(Image.Transpose.ROTATE_180),             # 10 p2 (upside down)
        syn.cover_page(foreign, foreign.entries[0], seed=11, angle=0.7),  # 11 foreign cover
        content(12, 22),                                                   # 12 after foreign
        syn.blank_back(13),                                                # 13 blank
        syn.cover_page(sheets, e[2], 3, 5, angle=0.5, seed=14),           # 14 cover 1003
        content(15, 25, mode="RGB"),                                       # 15 p1, colour
        syn.cover_page(sheets, e[3], 4, 5, seed=16),                      # 16 cover 1004 (no pages)
        syn.cover_page(sheets, e[4], 5, 5, angle=-0.8, seed=17),          # 17 cover 1005
        content(18, 28),                                                   # 18 p1
    ]
    covers = {2, 8, 11, 14, 16, 17}
    jpegs = [syn.jpeg(img, 50 if i + 1 in covers else 75) for i, img in enumerate(pages)]
    syn.write_scan_pdf(path, jpegs)
    return SchoolScan(path, sheets, jpegs, upright)


@pytest.fixture(scope="session")
def school_scan(tmp_path_factory: pytest.TempPathFactory) -> SchoolScan:
    return build_school_scan(tmp_path_factory.mktemp("scan") / "school.pdf")


@pytest.fixture(scope="session")
def school_import(school_scan: SchoolScan, tmp_path_factory: pytest.TempPathFactory
                  ) -> tuple[ImportResult, Path]:
    out = tmp_path_factory.mktemp("out")
    result = import_scan(school_scan.path, out, ImportOptions(CAMPAIGN, MASKS, expected_pages=2))
    return result, out


@pytest.fixture
def small_pdf(tmp_path: Path) -> Path:
    """Five quick 100-dpi pages: cover, content, blank, cover, content."""
    size = (827, 1169)
    sheets = make_sheets(codes=("1", "2"))
    pages = [syn.cover_page(sheets, sheets.entries[0], size=size, seed=1),
             syn.content_page(2, size=size), syn.blank_back(3, size=size),
             syn.cover_page(sheets, sheets.entries[1], size=size, seed=4),
             syn.content_page(5, size=size)]
    path = tmp_path / "small.pdf"
    syn.write_scan_pdf(path, pages, dpi=100)
    return path


def files_under(root: Path) -> dict[str, int]:
    return {str(p.relative_to(root)): p.stat().st_size for p in root.rglob("*") if p.is_file()}
