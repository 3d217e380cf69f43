"""Per-page work done in worker threads: decode + classify, then store.

Decoding, QR reading, Pillow filters and JPEG encoding release the GIL, so
threads use every core without pickling page images between processes.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Sequence

from PIL import Image

from .classify import PageClass, PageKind, classify_page
from .errors import ScanInputError
from .images import encode_jpeg, normalise_mode, rotate_ccw
from .layout import box_before_turn
from .masks import MaskBox, apply_masks, boxes_for
from .orientation import Orientation, covering_boxes, orient
from .pagesrc import SourcePage
from .register import Location, grid_on_page, locate
from .result import StoredImage
from .splitter import Placement
from .store import ContentStore


PAGE_LEVEL_CODES = frozenset({"render_failed", "render_timeout"})


@dataclass(frozen=True)
class IdentityBox:
    """The template's ``identity`` box (SPEC §1): where the pupil writes the participant
    code by hand; ``box`` in fractions of the page (x0, y0, x1, y1)."""

    box: tuple[float, float, float, float]
    digits: int = 5
    page: int = 1


@dataclass
class Analysis:
    source: SourcePage
    image: Image.Image | None
    page: PageClass
    reading: Any = None          # identity.CodeReading of a title page (None: not one)
    reading_turn: int = 0        # degrees CCW the page was turned to read it
    reading_size: tuple[int, int] = (0, 0)   # the page's pixels as read


@dataclass(frozen=True)
class StoreSettings:
    masks: Sequence[MaskBox]
    mask_fill: int
    masked_quality: int
    original_quality: int
    keep_blank_originals: bool
    portrait: bool = True  # the template's page shape (a page of the other shape came in sideways)
    identity: tuple[float, float, float, float] | None = None  # the template's identity box (a mask too)
    identity_page: int = 1  # the title page's position


@dataclass(frozen=True)
class Stored:
    original: StoredImage | None
    masked: StoredImage | None
    written: int
    orientation: Orientation = Orientation()  # content pages: how it was turned, or why in doubt
    located: bool = True  # content pages: False when the page could not be located (masks widened)
    title_like: bool = False  # a page placed after the title page that has the title page's printed frames
    # not located because its printed lines are turned beyond what the masks may follow
    # (a doubt: held back); not located for want of printed anchors only widens the masks
    turned_too_far: bool = False


def read_title(image: Image.Image, identity: IdentityBox) -> tuple[Any, int]:
    """The code box read as the page stands, else upside down: (reading, turn) of a title
    page, (None, 0) when the box holds no handwritten code either way.

    Only the crop around the box is looked at (and turned, for the upside-down try), never
    the whole page; on a page with no printed grid there either way the grid finder's quick
    test stops each try after one look at the crop's ink (docs/identity.md)."""
    from .identity import read_turned

    for turn in (0, 180):
        reading = read_turned(image, identity.box, identity.digits, turn)
        if reading.is_title_page:
            return reading, turn
        if reading.grid is not None:
            return None, 0  # the printed cells stand upright and are empty: not a title page
    return None, 0


def analyse(source: SourcePage, campaign: str, identity: IdentityBox | None = None) -> Analysis:
    """Decode and classify. A page that does not decode is UNREADABLE, not fatal.

    ScanInputError stays fatal (decompression bomb, missing poppler): it is
    about the file or the installation - except when poppler merely fails to
    render this one page.
    """
    try:
        image = source.load()
    except ScanInputError as exc:
        if exc.code not in PAGE_LEVEL_CODES:
            raise
        return Analysis(source, None, PageClass(source.number, PageKind.UNREADABLE,
                                                error=exc.detail_ru))
    except Exception as exc:  # noqa: BLE001 - any decoder failure is one bad page
        return Analysis(source, None, PageClass(source.number, PageKind.UNREADABLE,
                                                error=f"{type(exc).__name__}: {exc}"))
    page = classify_page(source.number, image, campaign)
    if page.kind is PageKind.BLANK and source.decode_error:
        # A damaged JPEG that poppler renders as white is not a blank page: keep it.
        page = PageClass(source.number, PageKind.UNREADABLE, error=source.decode_error)
    if identity is not None and page.kind is PageKind.CONTENT:
        reading, turn = read_title(image, identity)
        return Analysis(source, image, page, reading, turn, image.size)
    return Analysis(source, image, page)


def store_page(analysis: Analysis, placement: Placement, store: ContentStore,
               settings: StoreSettings) -> Stored:
    """Write the original (and, for content, the masked render) of one page."""
    image, source = analysis.image, analysis.source
    if image is None or (placement.role == "blank" and not settings.keep_blank_originals):
        return Stored(None, None, 0)
    upright = rotate_ccw(image, placement.rotation)
    boxes: list[MaskBox] = []
    orientation = Orientation()
    location = Location(True, ())
    title_like = False
    if placement.role == "content":
        assert placement.position is not None
        boxes = boxes_for(settings.masks, placement.position)
        # One sheet flipped or turned in the stack: turn it, or its masks would miss the
        # header; when that is not clear-cut, mask every box wherever it may be.
        title_grid = placement.title and analysis.reading is not None and analysis.reading.grid is not None
        # A title page stands as its printed code grid was read; the mask boxes' ink would
        # only mislead on a shifted page (a box off its frame looks empty).
        orientation = Orientation() if title_grid else orient(upright, boxes, portrait=settings.portrait)
        if orientation.turn == 180 and not orientation.doubt:
            orientation = _frames_confirm_turn(upright, settings.masks, placement.position, orientation)
        upright = rotate_ccw(upright, orientation.turn)
        boxes = covering_boxes(settings.masks, placement.position, orientation)
        # Masks follow the page: moved with the printed frames found (the code grid the
        # reader found on a title page among them); widened where the page is not located.
        grid = None
        if title_grid:
            grid = box_before_turn(grid_on_page(analysis.reading.grid, analysis.reading_size),
                                   (360 - orientation.turn) % 360)
        location = locate(upright, boxes, grid=grid, grid_for=settings.identity)
        boxes = list(location.boxes)
        if not placement.title and settings.identity is not None and placement.position != settings.identity_page:
            title_like, extra = _looks_like_title(upright, settings)
            boxes += extra
    if (source.jpeg is not None and placement.rotation == 0 and source.pre_rotation == 0
            and orientation.turn == 0):
        original_bytes = source.jpeg  # the scanner's own bytes: lossless and free
    else:
        original_bytes = encode_jpeg(upright, settings.original_quality)
    original, new_o = _put(store, original_bytes, upright)
    masked, new_m = None, False
    if placement.role == "content":
        render = apply_masks(upright, boxes, settings.mask_fill)
        masked, new_m = _put(store, encode_jpeg(render, settings.masked_quality), render)
    located = location.located if placement.role == "content" else True
    return Stored(original, masked, int(new_o) + int(new_m), orientation, located, title_like,
                  not located and location.reason.startswith("turned by"))


def _frames_confirm_turn(page: Image.Image, masks: Sequence[MaskBox], position: int,
                         found: Orientation) -> Orientation:
    """The boxes' ink says "upside down"; so does a page shifted off its boxes (its header box
    looks empty, its score table lies where an upside-down header would be). The printed
    frames settle it: when the page is located as it stands and not (or by fewer frames)
    turned, it is not turned - and is still masked both ways round."""
    as_is = locate(page, covering_boxes(masks, position, Orientation()))
    if not as_is.located or not as_is.anchors:
        return found
    turned = locate(rotate_ccw(page, 180), covering_boxes(masks, position, found))
    if turned.located and turned.anchors >= as_is.anchors:
        return found
    return Orientation(candidates=(0, 180))


def _looks_like_title(page: Image.Image, settings: StoreSettings) -> tuple[bool, list[MaskBox]]:
    """A title page whose code box was left empty (or not read) joins the paper before it:
    it must not be served with a later page's masks. It has printed frames where *each* of
    the title page's own boxes (its position's boxes other than "*" and the identity box)
    has one: then (True, the title page's boxes located on it). Without such boxes in the
    template nothing tells a title page from the others: (False, [])."""
    own = [m for m in settings.masks if m.page == settings.identity_page]
    distinctive = [m for m in own if settings.identity is None
                   or (m.x0, m.y0, m.x1, m.y1) != tuple(settings.identity)]
    if not distinctive:
        return False, []
    probe = locate(page, distinctive)
    if not probe.located or probe.anchors < len(distinctive):
        return False, []
    return True, list(locate(page, own).boxes)


def rerender(store: ContentStore, original: str, boxes: Sequence[MaskBox], *, turn: int = 0, mask_fill: int = 0,
             masked_quality: int = 85, original_quality: int = 92, follow: bool = True
             ) -> tuple[StoredImage, StoredImage, int]:
    """A stored original (``original``: its path in ``store``) turned by ``turn`` degrees
    counter-clockwise and masked afresh with ``boxes``: (original, masked, files written).
    The original is re-encoded only when it turns. ``follow``: the boxes follow the page
    (``register.locate``; widened when it cannot be located), as at the import."""
    with Image.open(store.absolute(original)) as opened:
        image = normalise_mode(opened.copy())
    upright = rotate_ccw(image, turn)
    written = 0
    if turn % 360:
        kept, created = _put(store, encode_jpeg(upright, original_quality), upright)
        written += created
    else:
        path = store.absolute(original)
        kept = StoredImage(original, path.stem, path.stat().st_size, upright.width, upright.height)
    if follow:
        boxes = locate(upright, boxes).boxes
    render = apply_masks(upright, boxes, mask_fill)
    masked, created = _put(store, encode_jpeg(render, masked_quality), render)
    return kept, masked, written + created


def _put(store: ContentStore, data: bytes, image: Image.Image) -> tuple[StoredImage, bool]:
    stored, created = store.put(data, ".jpg")
    return StoredImage(stored.path, stored.sha256, stored.size, image.width, image.height), created
