"""The plain result of an import: what the web/job layer stores in the database.

Only standard types (str, int, lists, dataclasses) so it can be pickled into a
job result or turned into JSON with :meth:`ImportResult.to_dict`.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True)
class StoredImage:
    """A JPEG in the output directory; ``path`` is relative to it."""

    path: str
    sha256: str
    size: int
    width: int
    height: int


@dataclass(frozen=True)
class ContentPage:
    """A page of a paper.

    ``source_page`` is the 1-based page in the scan file, ``position`` the
    1-based content page within the paper (what template masks refer to), and
    ``rotation`` the degrees counter-clockwise applied to make it upright.
    ``original`` is for organisers only; ``masked`` is what experts get.

    ``doubt`` (Russian, for the organiser, a line per reason; "" when there is none) says why
    the page's orientation or position may be wrong, ``doubt_codes`` the same as codes of
    ``reasons.DOUBTS_RU``. The masked render of such a page covers every box of every
    position (under every turn the page may need): it must not reach an expert before
    a person has confirmed the page.
    """

    source_page: int
    position: int
    rotation: int
    original: StoredImage
    masked: StoredImage
    doubt: str = ""
    doubt_codes: tuple[str, ...] = ()


@dataclass(frozen=True)
class TitleReading:
    """The handwritten participant code read on an uncovered paper's title page.

    ``probs`` is the N x 10 table (row k: the probabilities of 0..9 for digit k, uniform
    for an empty cell), ``filled`` which cells hold ink, ``digits`` the most likely digit
    of each cell (``?`` empty; for display only: matching uses ``probs``). ``crop`` is
    the code box with a margin, in fractions (x0, y0, x1, y1) of the page's *stored
    original* (as turned upright), for a person confirming the reading.
    """

    source_page: int
    digits: str
    probs: list[list[float]]
    filled: list[bool]
    crop: tuple[float, float, float, float]


@dataclass
class Paper:
    """A cover and the content pages after it, or (``title`` set, ``cipher`` "", ``cover``
    None) an uncovered paper: a title page with a handwritten code (its page 1, which
    ``cover_page`` names) and the pages after it. Whose paper that is, the caller decides
    from ``title`` (scanner_import.identity.match_pages) or a person does."""

    campaign: str
    cipher: str
    cover_page: int
    cover_rotation: int
    cover: StoredImage | None
    pages: list[ContentPage] = field(default_factory=list)
    title: TitleReading | None = None


@dataclass(frozen=True)
class UnidentifiedPage:
    """A page that could not be placed; the organiser resolves it in the web UI.

    ``original`` is None only when the page could not be decoded at all.
    ``cipher``/``campaign`` carry what the blocking cover's QR said, if any.
    """

    source_page: int
    reason: str
    reason_ru: str
    rotation: int
    original: StoredImage | None
    cipher: str | None = None
    campaign: str | None = None


@dataclass(frozen=True)
class BlankPage:
    """A dropped blank page; ``original`` is kept only on request."""

    source_page: int
    inked_tiles: int
    original: StoredImage | None = None


@dataclass(frozen=True)
class ScanWarning:
    code: str
    message_ru: str
    source_page: int | None = None
    cipher: str | None = None


@dataclass
class ImportResult:
    """Everything an import produced. ``files_written`` is 0 on an identical re-run."""

    source: str
    source_sha256: str
    format: str
    campaign: str
    page_count: int
    papers: list[Paper]
    unidentified: list[UnidentifiedPage]
    blank_pages: list[BlankPage]
    warnings: list[ScanWarning]
    files_written: int = 0
    elapsed_s: float = 0.0

    @property
    def blank_count(self) -> int:
        return len(self.blank_pages)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["summary"] = {
            "papers": len(self.papers),
            "content_pages": sum(len(p.pages) for p in self.papers),
            "unidentified": len(self.unidentified),
            "blank": self.blank_count,
            "warnings": len(self.warnings),
            "pages_in_doubt": sum(1 for p in self.papers for page in p.pages if page.doubt_codes),
        }
        return data
