"""Scans without cover sheets (SPEC §3): a title page with a handwritten code starts a paper.

The title pages come from ``identity_scans`` (the identity tests' handwriting, a hand the
classifier was not trained on); they go through the real pipeline and poppler.
"""
from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parent))
import identity_scans as ids  # noqa: E402

from scanner_import import IdentityBox, ImportOptions, import_scan  # noqa: E402
from scanner_import import synthetic as syn  # noqa: E402
from scanner_import.identity import match_pages  # noqa: E402

from .conftest import CAMPAIGN, MASKS, make_sheets  # noqa: E402

IDENTITY = IdentityBox(ids.BOX, 5, 1)


def _options(**kw) -> ImportOptions:
    return ImportOptions(CAMPAIGN, MASKS, expected_pages=3, identity=IDENTITY, **kw)


def test_title_pages_start_papers_and_blank_backs_are_dropped(tmp_path):
    codes = ids.roster(11, n=4)
    pages = []
    for i, code in enumerate(codes):
        pages += [ids.title_page(code, 500 + i), syn.blank_back(i), syn.content_page(600 + i),
                  syn.content_page(700 + i)]
    syn.write_scan_pdf(tmp_path / "s.pdf", pages)
    result = import_scan(tmp_path / "s.pdf", tmp_path / "out", _options())
    assert [p.cover_page for p in result.papers] == [1, 5, 9, 13]
    assert [[pg.source_page for pg in p.pages] for p in result.papers] == \
        [[1, 3, 4], [5, 7, 8], [9, 11, 12], [13, 15, 16]]
    assert [[pg.position for pg in p.pages] for p in result.papers] == [[1, 2, 3]] * 4
    assert all(p.cipher == "" and p.cover is None and p.title is not None for p in result.papers)
    assert result.blank_count == 4 and not result.unidentified
    title = result.papers[0].title
    assert title.source_page == 1 and len(title.probs) == 5 and len(title.probs[0]) == 10
    assert all(title.filled)
    x0, y0, x1, y1 = title.crop
    assert x0 <= ids.BOX[0] and x1 >= ids.BOX[2] and y0 <= ids.BOX[1] + 0.01 and y1 >= ids.BOX[3]
    # the readings match the roster: every paper placed with its own code, none wrongly
    matches = match_pages([np.array(p.title.probs) for p in result.papers], codes)
    assert all(m.participant in (codes[m.page], None) for m in matches)
    assert all(m.participant == codes[m.page] for m in matches if m.automatic)
    assert sum(m.automatic for m in matches) >= 1  # the share placed is measured in bench/identity.py
    # the title page is page 1: masked with page 1's boxes (the identity box is among them)
    with Image.open(tmp_path / "out" / result.papers[0].pages[0].masked.path) as masked:
        crop = masked.convert("L").crop((int(0.63 * masked.width), int(0.03 * masked.height),
                                         int(0.95 * masked.width), int(0.08 * masked.height)))
        assert crop.getextrema()[1] < 40  # filled solid: no digit shows


def test_without_an_identity_box_nothing_changes(tmp_path):
    pages = [ids.title_page("40001", 1), syn.content_page(2)]
    syn.write_scan_pdf(tmp_path / "s.pdf", pages)
    result = import_scan(tmp_path / "s.pdf", tmp_path / "out", ImportOptions(CAMPAIGN, MASKS))
    assert not result.papers and [u.reason for u in result.unidentified] == ["before_first_cover"] * 2


def test_a_mixed_stack_covers_take_precedence(tmp_path):
    sheets = make_sheets(codes=("1001", "1002"))
    e = sheets.entries
    pages = [
        syn.cover_page(sheets, e[0], seed=1),        # 1 cover 1001
        ids.title_page("40011", 2),                  # 2 its title page: page 1 of 1001, not a new paper
        syn.content_page(3),                         # 3
        ids.title_page("40012", 4),                  # 4 an uncovered paper
        syn.blank_back(5),                           # 5
        syn.content_page(6),                         # 6
        syn.cover_page(sheets, e[1], seed=7),        # 7 cover 1002 closes it
        syn.content_page(8),                         # 8
        ids.title_page("40013", 9).transpose(Image.Transpose.ROTATE_180),  # 9 upside down
        syn.content_page(10),                        # 10
    ]
    syn.write_scan_pdf(tmp_path / "s.pdf", pages)
    result = import_scan(tmp_path / "s.pdf", tmp_path / "out", _options())
    got = [(p.cipher, p.title.source_page if p.title else None, [pg.source_page for pg in p.pages])
           for p in result.papers]
    assert got == [(e[0].cipher, None, [2, 3]), ("", 4, [4, 6]), (e[1].cipher, None, [8]), ("", 9, [9, 10])]
    upside = result.papers[3]
    assert upside.cover_rotation == 180 and upside.pages[0].rotation == 180
    assert upside.title.digits == "40013" or "?" not in upside.title.digits
    assert not result.unidentified
    # messages name an uncovered paper by its title page, never by an empty cipher
    texts = [w.message_ru for w in result.warnings]
    assert all("работы :" not in t and "работе :" not in t for t in texts)
    assert "В работе без обложки (титульный лист — стр. 4) страниц: 2, а по шаблону ожидается 3." in texts
