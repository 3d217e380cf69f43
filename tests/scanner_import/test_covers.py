from __future__ import annotations

from pathlib import Path

import pytest
from pypdf import PdfReader

from scanner_import import CoverEntry, CoverSheetSet, ImportOptions, import_scan, write_covers_pdf
from scanner_import.covers import natural_key
from scanner_import.fonts import font_path

from .conftest import CAMPAIGN


def _sheets(entries: list[CoverEntry]) -> CoverSheetSet:
    return CoverSheetSet(CAMPAIGN, "ВПР. Русский язык. 6 класс", "0042",
                         "МБОУ «Средняя общеобразовательная школа № 42 с углублённым изучением "
                         "отдельных предметов»", entries)


def test_covers_pdf_is_a4_one_page_per_paper_ordered(tmp_path: Path) -> None:
    entries = [CoverEntry("10", "CIPHER0010"), CoverEntry("2", "CIPHER0002"),
               CoverEntry("1", "CIPHER0001")]
    path = tmp_path / "covers.pdf"
    assert write_covers_pdf(_sheets(entries), path) == 3
    reader = PdfReader(path)
    assert len(reader.pages) == 3
    for page in reader.pages:
        assert abs(float(page.mediabox.width) - 595.3) < 1 and abs(float(page.mediabox.height) - 841.9) < 1
    # printed covers read back (rasterised, B/W) in participant-code order
    result = import_scan(path, tmp_path / "out", ImportOptions(CAMPAIGN))
    assert [p.cipher for p in result.papers] == ["CIPHER0001", "CIPHER0002", "CIPHER0010"]
    assert {w.code for w in result.warnings} == {"paper_without_pages"}


def test_duplicates_and_empty_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="participant_code"):
        write_covers_pdf(_sheets([CoverEntry("1", "CIPHER0001"), CoverEntry("1", "CIPHER0002")]),
                         tmp_path / "x.pdf")
    with pytest.raises(ValueError, match="cipher"):
        write_covers_pdf(_sheets([CoverEntry("1", "CIPHER0001"), CoverEntry("2", "CIPHER0001")]),
                         tmp_path / "x.pdf")
    with pytest.raises(ValueError):
        write_covers_pdf(_sheets([]), tmp_path / "x.pdf")


def test_natural_order() -> None:
    codes = ["10", "9", "A-2", "A-10", "100"]
    assert sorted(codes, key=natural_key) == ["9", "10", "100", "A-2", "A-10"]


def test_cyrillic_font_found() -> None:
    path = font_path()
    assert path is not None and path.endswith(".ttf")
