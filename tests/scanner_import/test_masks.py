from __future__ import annotations

import pytest
from PIL import Image

from scanner_import import MaskBox, apply_masks, parse_masks
from scanner_import import synthetic as syn
from scanner_import.images import encode_jpeg


def test_parse_template_masks() -> None:
    masks = parse_masks({"name": "t", "masks": [{"page": 1, "box": [0.5, 0, 1, 0.1]},
                                                {"page": "*", "box": [0, 0.9, 1, 1]}]})
    assert masks == (MaskBox(1, 0.5, 0.0, 1.0, 0.1), MaskBox(None, 0.0, 0.9, 1.0, 1.0))


@pytest.mark.parametrize("item, key", [
    ({"page": 0, "box": [0, 0, 1, 1]}, "masks[0].page"),
    ({"page": "all", "box": [0, 0, 1, 1]}, "masks[0].page"),
    ({"page": 1, "box": [0, 0, 1.2, 1]}, "masks[0].box"),
    ({"page": 1, "box": [0.5, 0, 0.5, 1]}, "masks[0].box"),
    ({"page": 1, "box": [0, 0, 1]}, "masks[0].box"),
    ({"page": 1, "box": [0, 0, 1, 1], "colour": "red"}, "colour"),
])
def test_invalid_masks_name_the_key(item: dict, key: str) -> None:
    with pytest.raises(ValueError, match=key.replace("[", r"\[").replace("]", r"\]")):
        parse_masks([item])


def test_fill_is_solid_and_covers_fraction_edges() -> None:
    img = Image.new("L", (101, 99), 200)
    out = apply_masks(img, [MaskBox(None, 0.333, 0.333, 0.667, 0.667)])
    x0, y0, x1, y1 = MaskBox(None, 0.333, 0.333, 0.667, 0.667).pixels(101, 99)
    assert (x0, y0) == (33, 32) and (x1, y1) == (68, 67)
    assert out.crop((x0, y0, x1, y1)).getextrema() == (0, 0)
    assert out.getpixel((x0 - 1, y0)) == 200 and img.getpixel((50, 50)) == 200  # copy, not in place


def test_masked_render_keeps_no_trace_of_the_box() -> None:
    """Two pages differing only inside the box give byte-identical masked JPEGs."""
    box = MaskBox(None, 0.55, 0.02, 0.98, 0.10)
    a = syn.content_page(1)
    b = a.copy()
    b.paste(syn.content_page(99).crop(box.pixels(*a.size)), box.pixels(*a.size)[:2])
    assert a.tobytes() != b.tobytes()
    for mode in ("L", "RGB"):
        ja = encode_jpeg(apply_masks(a.convert(mode), [box]), 85)
        jb = encode_jpeg(apply_masks(b.convert(mode), [box]), 85)
        assert ja == jb
