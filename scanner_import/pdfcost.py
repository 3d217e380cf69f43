"""What decoding a PDF page costs, read from its dictionaries (see :mod:`.budget`).

The pixels of every image the page draws: ``/Width`` × ``/Height`` of each image XObject
(and its soft mask), counted each time a ``Do`` draws it, through form XObjects and
annotation appearances; inline images by their ``/W`` and ``/H``; tiling patterns, Type 3
glyphs and soft-mask groups once each. Drawing operators are found by pattern in the
decoded content (a name inside a string may be counted too: more, never less).

Reading the content must not itself be the expensive part: XObjects and content shared by
many pages (the attack is one huge image on every page) are costed once; a content stream
is decoded only when that is cheap - no filter or plain Flate (no predictor: pypdf applies
predictors row by row in Python, 30 s for one small stream), within CONTENT_BUDGET decoded
bytes for the whole file. Content not read so is charged every image its resources could
draw, once each. Dictionaries pypdf cannot read leave a page at its raster cost: pdftoppm
may still cope, within its time limits.
"""
from __future__ import annotations

import re
from collections import Counter
from typing import Any

from pypdf.errors import PyPdfError
from pypdf.generic import IndirectObject

from .budget import PageCost

MAX_DEPTH = 16
CONTENT_BUDGET = 256 << 20  # decoded content bytes examined per file (~2 s of inflating)
CHEAP_FILTERS = (None, "/FlateDecode", "/Fl")  # zlib in C; pypdf's LZW, RunLength … are Python
_TOKEN_END = rb"(?![^\s/\[\]()<>{}%])"
_DO = re.compile(rb"/([^\s/\[\]()<>{}%]+)\s*Do" + _TOKEN_END)
_INLINE = re.compile(rb"(?:^|\s)BI\s(.{0,4096}?)\sID\s", re.S)
_INLINE_W = re.compile(rb"/W(?:idth)?\s+(\d{1,12})\b")
_INLINE_H = re.compile(rb"/H(?:eight)?\s+(\d{1,12})\b")
ERRORS = (PyPdfError, KeyError, TypeError, ValueError, AttributeError, IndexError, RecursionError)


class PdfCoster:
    """Costs of the pages of one PDF; remembers what shared objects cost."""

    def __init__(self, content_budget: int = CONTENT_BUDGET) -> None:
        self._memo: dict[Any, PageCost] = {}
        self._content_left = content_budget

    def page(self, page: Any) -> PageCost | None:
        """The images ``page`` draws; None when its dictionaries cannot be read."""
        try:
            contents, resources = (page.raw_get(k) if k in page else None for k in ("/Contents", "/Resources"))
            key = (_id(contents), _id(resources))  # pages sharing both cost the same
            if None in key or key not in self._memo:
                cost = self._content(content_streams(contents), _resolve(resources) or {}, 0, frozenset())
                if None in key:
                    return self._with_annotations(page, cost)
                self._memo[key] = cost
            return self._with_annotations(page, PageCost(self._memo[key].pixels, self._memo[key].largest))
        except ERRORS:
            return None

    def _with_annotations(self, page: Any, cost: PageCost) -> PageCost:
        for annot in _resolve(page.get("/Annots")) or []:
            cost.add(self._appearance(_resolve(annot)))
        return cost

    def _content(self, streams: list[Any], resources: Any, depth: int, active: frozenset) -> PageCost:
        data = self._decoded(streams)
        if data is None:
            return self._reachable(resources, depth, active)
        cost = PageCost()
        xobjects = _resolve(resources.get("/XObject")) or {}
        for name, times in Counter(_DO.findall(data)).items():
            ref = xobjects.get(_name(name))
            if ref is not None:
                cost.add(self._xobject(ref, resources, depth, active), times)
        for head in _INLINE.findall(data):
            w, h = _INLINE_W.search(head), _INLINE_H.search(head)
            if w and h:
                size = (int(w.group(1)), int(h.group(1)))
                cost.add(PageCost(size[0] * size[1], size))
        for ref in _drawn_without_do(resources):
            cost.add(self._xobject(ref, resources, depth, active))
        return cost

    def _reachable(self, resources: Any, depth: int, active: frozenset) -> PageCost:
        """Content we do not read: every image its resources could draw, once each."""
        cost = PageCost()
        for ref in [*(_resolve(resources.get("/XObject")) or {}).values(), *_drawn_without_do(resources)]:
            cost.add(self._xobject(ref, resources, depth, active))
        return cost

    def _decoded(self, streams: list[Any]) -> bytes | None:
        """The content, when decoding it is cheap and within the file's budget; else None."""
        if not all(map(_cheap, streams)):
            return None
        parts = []
        for stream in streams:
            if self._content_left <= 0:
                return None
            try:
                parts.append(stream.get_data())
            except PyPdfError:  # beyond pypdf's own limit on a decoded stream (75 MB)
                return None
            self._content_left -= len(parts[-1])
        return b"\n".join(parts)

    def _xobject(self, ref: Any, resources: Any, depth: int, active: frozenset) -> PageCost:
        key = ref.idnum if isinstance(ref, IndirectObject) else None
        if key in self._memo:
            return self._memo[key]
        if key in active or depth > MAX_DEPTH:
            return PageCost()  # a cycle or absurd nesting: poppler stops there too
        obj = _resolve(ref)
        if obj.get("/Subtype") == "/Image":
            cost = _image(obj)
        else:  # a form, pattern, glyph or group: a content stream of its own
            inner = active | {key} if key is not None else active
            cost = self._content([obj], _resolve(obj.get("/Resources")) or resources, depth + 1, inner)
        if key is not None:
            self._memo[key] = cost
        return cost

    def _appearance(self, annot: Any) -> PageCost:
        normal = (_resolve(annot.get("/AP")) or {}).get("/N")
        if normal is None:
            return PageCost()
        states = _resolve(normal)
        if hasattr(states, "get_data"):
            return self._xobject(normal, {}, 0, frozenset())
        total = PageCost()  # appearance states: any one may be shown
        for state in states.values():
            total.add(self._xobject(state, {}, 0, frozenset()))
        return total


def _image(obj: Any) -> PageCost:
    w, h = max(int(obj.get("/Width", 0)), 0), max(int(obj.get("/Height", 0)), 0)
    cost = PageCost(w * h, (w, h))
    for key in ("/SMask", "/Mask"):
        mask = _resolve(obj.get(key))
        if hasattr(mask, "get_data"):  # a stencil image (a /Mask array is a colour range)
            cost.add(_image(mask))
    return cost


def _drawn_without_do(resources: Any) -> list[Any]:
    """Tiling patterns, Type 3 glyphs and soft-mask groups of these resources."""
    found: list[Any] = []
    for ref in (_resolve(resources.get("/Pattern")) or {}).values():
        if _resolve(ref).get("/PatternType") == 1:
            found.append(ref)
    for ref in (_resolve(resources.get("/Font")) or {}).values():
        font = _resolve(ref)
        if font.get("/Subtype") == "/Type3":
            found.extend((_resolve(font.get("/CharProcs")) or {}).values())
    for ref in (_resolve(resources.get("/ExtGState")) or {}).values():
        smask = _resolve(_resolve(ref).get("/SMask"))
        if hasattr(smask, "get") and smask.get("/G") is not None:
            found.append(smask["/G"])
    return found


def content_streams(contents: Any) -> list[Any]:
    """A page's /Contents (a stream or an array of them) as a list of streams."""
    contents = _resolve(contents)
    if contents is None:
        return []
    return [_resolve(s) for s in contents] if isinstance(contents, list) else [contents]


def _cheap(stream: Any) -> bool:
    """Whether decoding ``stream`` costs no more than inflating it."""
    filters = _resolve(stream.get("/Filter"))
    if isinstance(filters, list):
        filters = filters[0] if len(filters) == 1 else "several"
    return filters in CHEAP_FILTERS and stream.get("/DecodeParms") is None


def _id(value: Any) -> int | None:
    return value.idnum if isinstance(value, IndirectObject) else None


def _resolve(value: Any) -> Any:
    return value.get_object() if isinstance(value, IndirectObject) else value


def _name(raw: bytes) -> str:
    decoded = re.sub(rb"#([0-9A-Fa-f]{2})", lambda m: bytes([int(m.group(1), 16)]), raw)
    return "/" + decoded.decode("utf-8", "replace")
