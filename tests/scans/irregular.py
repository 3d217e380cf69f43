"""A school's scan with every way a page can be out of place (issue 19, finding 1), and the
truth about each of its pages, for the tests that check what is served of it."""
from __future__ import annotations

from dataclasses import dataclass

from scanner_import import CoverEntry, CoverSheetSet
from scanner_import import synthetic as syn
from scanner_import.images import rotate_ccw

SIZE = (827, 1169)  # A4 at 100 dpi
SLUG = "vpr-math-5-2026"
CODE = (0.65, 0.025, 0.97, 0.055)  # «Код: 77702», as written on the upright page
MARKS = (0.08, 0.86, 0.92, 0.96)   # the school's marks table at the foot of the last page
MARKS_TEXT = "1:1  2:1  3:0  4:2  5:1  6:2  7:1  8:0  9:2  10:1  11:2  12.1:1  12.2:0  13:1  14:2"
CODES = ("77701", "77702", "77703", "77704", "77705", "77706", "77707")
HELD = {"77703", "77704", "77705"}


@dataclass(frozen=True)
class Sheet:
    """What a content page of the scan really is."""

    code: str
    position: int  # its page in the paper; 0: a sheet that is no page of the template
    turn: int      # degrees counter-clockwise it needs, as scanned, to stand upright
    marks: bool    # carries the school's marks table


def content(code: str, position: int, turn: int = 0, marks: bool = False, seed: int = 0):
    img = syn.vpr_page(seed or int(code) * 10 + position, code, position, MARKS_TEXT if marks else None, size=SIZE)
    return rotate_ccw(img, -turn), Sheet(code, position, turn, marks)


def build_scan(path, campaign, school, papers: dict[str, Paper]) -> dict[int, Sheet]:
    """The school's scan; returns the truth about every content page by its page in the file."""
    sheets = CoverSheetSet(campaign.slug, campaign.name, school.code, school.name,
                           [CoverEntry(code, papers[code].cipher) for code in CODES])

    def paper(code: str, *pages):
        n = CODES.index(code)
        return [(syn.cover_page(sheets, sheets.entries[n], n + 1, len(CODES), size=SIZE, seed=n), None), *pages]

    scan = [
        content("77705", 3, seed=53),  # 77705's page 3, fed before the first cover
        *paper("77701", content("77701", 1), content("77701", 2), content("77701", 3),
               content("77701", 4, marks=True)),
        # (a) sideways both ways: the code box tells which way
        *paper("77702", content("77702", 1), content("77702", 2, turn=90), content("77702", 3, turn=270),
               content("77702", 4, marks=True)),
        # (a) the marks page sideways: the marks table lies where the code box would be turned the other way
        *paper("77703", content("77703", 1), content("77703", 2), content("77703", 3),
               content("77703", 4, turn=270, marks=True)),
        # (b) a page more: an extra sheet after page 2, the marks table on the 5th page
        *paper("77704", content("77704", 1), content("77704", 2), content("77704", 0, seed=40),
               content("77704", 3), content("77704", 4, marks=True)),
        # (c) a page short: page 3 went before the first cover, the marks table on the 3rd page
        *paper("77705", content("77705", 1), content("77705", 2), content("77705", 4, marks=True)),
        # (d) upside down: the last page (its boxes say nothing) and a page in the middle (they do)
        *paper("77706", content("77706", 1), content("77706", 2), content("77706", 3),
               content("77706", 4, turn=180, marks=True)),
        *paper("77707", content("77707", 1), content("77707", 2, turn=180), content("77707", 3),
               content("77707", 4, marks=True)),
    ]
    syn.write_scan_pdf(path, [img for img, _ in scan], dpi=100)
    return {n: truth for n, (_, truth) in enumerate(scan, start=1) if truth is not None}
