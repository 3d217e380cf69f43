"""The blank-page test: tolerant of scanner noise, strict about losing ink."""
from __future__ import annotations

import io

import pytest
from PIL import Image, ImageDraw

from scanner_import import synthetic as syn
from scanner_import.blank import is_blank


def _jpeg(img: Image.Image, quality: int) -> Image.Image:
    out = Image.open(io.BytesIO(syn.jpeg(img, quality)))
    out.load()
    return out


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("quality", [50, 85])
def test_duplex_backs_are_blank(seed: int, quality: int) -> None:
    assert is_blank(_jpeg(syn.blank_back(seed, noise=10), quality))[0]


def test_pure_white_and_grey_paper_are_blank() -> None:
    assert is_blank(Image.new("L", (1240, 1754), 255))[0]
    assert is_blank(_jpeg(syn.paper(level=200), 60))[0]  # recycled paper


def test_adf_streak_is_not_ink() -> None:
    img = syn.blank_back(1)
    ImageDraw.Draw(img).line([(600, 0), (600, img.height)], fill=90, width=2)
    assert is_blank(_jpeg(img, 75))[0]


@pytest.mark.parametrize("seed", range(6))
def test_a_few_strokes_are_content(seed: int) -> None:
    assert not is_blank(_jpeg(syn.sparse_page(seed, noise=10), 50))[0]


def test_one_short_word_is_content() -> None:
    img = syn.paper()
    draw = ImageDraw.Draw(img)
    draw.line([(500, 800), (530, 780), (560, 810), (590, 785), (620, 805)], fill=90, width=3)
    assert not is_blank(_jpeg(img, 75))[0]


def test_pencil_grey_and_colour_ink_count() -> None:
    grey = syn.paper()
    syn.draw_handwriting(grey, __import__("random").Random(1), lines=2, ink=170)
    assert not is_blank(grey)[0]
    colour = syn.content_page(3, mode="RGB", lines=1)
    assert not is_blank(colour)[0]
