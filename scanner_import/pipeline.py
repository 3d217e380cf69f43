"""The scan import: read → classify → split into papers → orient → mask → store.

Pages stream through a bounded window: the reader (main thread) yields page
*n+k* while workers classify page *n+1* and store page *n*, and placement
(which depends on every earlier page) happens on the main thread strictly in
page order. Memory therefore depends on the window, not on the file length.
"""
from __future__ import annotations

import hashlib
import os
import time
from collections import deque
from collections.abc import Callable, Collection, Iterable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path

from .masks import MaskBox, doubt_boxes
from .pagesrc import SourcePage
from .layout import box_before_turn
from .pagework import Analysis, IdentityBox, Stored, StoreSettings, analyse, rerender, store_page
from .qrpayload import CAMPAIGN_RE
from .reader import DEFAULT_DPI, DEFAULT_MAX_PAGES, open_scan
from .reasons import DOUBTS_RU, WARNINGS_RU, text_ru
from .result import (BlankPage, ContentPage, ImportResult, Paper, ScanWarning, TitleReading, UnidentifiedPage)
from .splitter import Placement, Splitter
from .store import ContentStore

ProgressCallback = Callable[[int, int], None]


@dataclass(frozen=True)
class ImportOptions:
    """How to import; only ``campaign`` is required.

    ``known_ciphers``: when given, a cover whose cipher is not in it is
    unidentified (reason ``unknown_cipher``). ``expected_pages``: the template's
    page count: a paper with more or fewer pages has every page in doubt (its
    positions, which the masks follow, are unknown). ``portrait``: the template's
    page shape (a page of the other shape came in sideways). ``workers`` 0 = one
    per core (≤ 4). ``identity``: the template's code box; when given, a content page
    whose box holds a handwritten code is a title page and starts an uncovered paper
    (``Paper.title``) unless it directly follows a cover.
    """

    campaign: str
    masks: Sequence[MaskBox] = ()
    expected_pages: int | None = None
    portrait: bool = True
    known_ciphers: Collection[str] | None = None
    dpi: int = DEFAULT_DPI
    max_pages: int = DEFAULT_MAX_PAGES
    workers: int = 0
    masked_quality: int = 85
    original_quality: int = 92
    mask_fill: int = 0
    keep_blank_originals: bool = False
    fsync: bool = False
    identity: IdentityBox | None = None


def _title_reading(number: int, analysis: Analysis, turn: int) -> TitleReading:
    """Plain data of a title page's reading; the crop (the code box with the grid finder's
    margin) in fractions of the stored original, which the orientation check may have
    turned by ``turn`` further."""
    reading = analysis.reading
    width, height = analysis.reading_size
    x0, y0, x1, y1 = reading.grid.region
    box = (max(0.0, x0 / width), max(0.0, y0 / height), min(1.0, x1 / width), min(1.0, y1 / height))
    crop = box_before_turn(box, (360 - turn) % 360)
    return TitleReading(number, reading.best_guess, [[round(float(v), 6) for v in row] for row in reading.probs],
                        [bool(f) for f in reading.filled], tuple(round(c, 5) for c in crop))


def default_workers() -> int:
    return max(1, min(4, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity")
                      else (os.cpu_count() or 1)))


def file_sha256(path: str | Path) -> str:
    """SHA-256 of a file, read in chunks (the web layer may use it to spot re-uploads)."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def import_scan(path: str | Path, out_dir: str | Path, options: ImportOptions,
                progress: ProgressCallback | None = None) -> ImportResult:
    """Import one scan file into ``out_dir``; see the module docstring.

    Raises ScanInputError when the file is unusable: problems with the file as
    a whole (empty, not a PDF/TIFF, truncated, encrypted, too many pages) are
    found before anything is written; a fatal problem on a later page (e.g. a
    decompression bomb) carries ``page`` and may leave the earlier pages'
    files behind - harmless, content-addressed, reused by the next run.
    Safe to re-run: identical input writes nothing new. ``progress(done, total)``
    is called from this thread after each page; raising from it aborts.
    """
    _validate(options)
    started = time.monotonic()
    with open_scan(path, options.max_pages, options.dpi) as scan:
        store = ContentStore(out_dir, fsync=options.fsync)
        store.sweep_temporaries()
        run = _Run(options, store, scan.page_count, progress)
        workers = options.workers or default_workers()
        with ThreadPoolExecutor(workers, thread_name_prefix="scan") as pool:
            try:
                digest = pool.submit(file_sha256, scan.path)
                run.execute(pool, iter(scan), window=2 * workers + 2)
                sha = digest.result()
            except BaseException:
                pool.shutdown(wait=True, cancel_futures=True)
                raise
    result = run.result(str(path), sha, scan.format)
    result.elapsed_s = round(time.monotonic() - started, 3)
    return result


def _validate(options: ImportOptions) -> None:
    """Programming errors in the caller, refused before the file is touched."""
    if not CAMPAIGN_RE.fullmatch(options.campaign):
        raise ValueError(f"campaign slug must match [a-z0-9-]{{1,64}}: {options.campaign!r}")
    if not all(isinstance(m, MaskBox) for m in options.masks):
        raise TypeError("options.masks must hold MaskBox items (use parse_masks)")
    if not (1 <= options.masked_quality <= 95 and 1 <= options.original_quality <= 95):
        raise ValueError("JPEG quality must be within 1..95")
    if options.dpi < 50 or options.dpi > 600:
        raise ValueError("dpi must be within 50..600")


@dataclass
class _Run:
    """State of one import; everything here is touched by the main thread only."""

    options: ImportOptions
    store: ContentStore
    total: int
    progress: ProgressCallback | None
    splitter: Splitter = field(init=False)
    settings: StoreSettings = field(init=False)
    papers: list[Paper] = field(default_factory=list)
    unidentified: list[UnidentifiedPage] = field(default_factory=list)
    blanks: list[BlankPage] = field(default_factory=list)
    warnings: list[ScanWarning] = field(default_factory=list)
    candidates: dict[int, tuple[int, ...]] = field(default_factory=dict)  # content page -> turns it may need
    written: int = 0
    done: int = 0

    def __post_init__(self) -> None:
        o = self.options
        self.splitter = Splitter(o.campaign, o.known_ciphers)
        self.settings = StoreSettings(tuple(o.masks), o.mask_fill, o.masked_quality,
                                      o.original_quality, o.keep_blank_originals, o.portrait,
                                      tuple(o.identity.box) if o.identity is not None else None,
                                      o.identity.page if o.identity is not None else 1)

    def execute(self, pool: ThreadPoolExecutor, pages: Iterable[SourcePage], window: int) -> None:
        analyses: deque[Future[Analysis]] = deque()
        stores: deque[tuple[Placement, Analysis, Future[Stored]]] = deque()
        for source in pages:
            analyses.append(pool.submit(analyse, source, self.options.campaign, self.options.identity))
            while len(analyses) >= window:
                self._dispatch(pool, analyses.popleft().result(), stores)
                self._collect(stores, window)
        while analyses:
            self._dispatch(pool, analyses.popleft().result(), stores)
            self._collect(stores, window)
        self._collect(stores, 0)

    def _dispatch(self, pool: ThreadPoolExecutor, analysis: Analysis,
                  stores: deque[tuple[Placement, Analysis, Future[Stored]]]) -> None:
        placement = self.splitter.place(
            analysis.page, analysis.reading_turn if analysis.reading is not None else None)
        stores.append((placement, analysis,
                       pool.submit(store_page, analysis, placement, self.store, self.settings)))

    def _collect(self, stores: deque[tuple[Placement, Analysis, Future[Stored]]], keep: int) -> None:
        """Record finished pages in order; block on the oldest only beyond ``keep``."""
        while stores and (len(stores) > keep or stores[0][2].done()):
            placement, analysis, future = stores.popleft()
            stored = future.result()
            analysis.image = None
            analysis.source.release()
            self._record(placement, analysis, stored)
            self.done += 1
            if self.progress is not None:
                self.progress(self.done, self.total)

    def _record(self, p: Placement, analysis: Analysis, stored: Stored) -> None:
        self.written += stored.written
        if p.role == "cover":
            self.papers.append(Paper(p.campaign or "", p.cipher or "", p.number, p.rotation,
                                     stored.original))
        elif p.role == "content":
            assert stored.original and stored.masked and p.position is not None
            turn = stored.orientation.turn
            # why the page's masks may be wrong: its orientation, or it could not be located
            # against the template (turned further than masks may follow: then its masks are
            # widened and it is held back). A page with no printed frame near its mask boxes
            # only has its masks widened (register.generous) and is named in the warnings:
            # with a template whose later pages carry no printed frames that is every page, and
            # the widened boxes already cover every displacement we accept.
            codes = tuple(c for c in (stored.orientation.doubt, "not_located" if stored.turned_too_far else "",
                                      "title_layout" if stored.title_like else "") if c)
            if not stored.located and not stored.turned_too_far:
                self._warn("masks_widened", p)
            doubt = "\n".join(text_ru(DOUBTS_RU, c) for c in codes)
            if p.title:
                self.papers.append(Paper(p.campaign or "", "", p.number, p.rotation, None,
                                         title=_title_reading(p.number, analysis, turn)))
            self.candidates[p.number] = stored.orientation.candidates
            self.papers[p.paper or 0].pages.append(ContentPage(
                p.number, p.position, (p.rotation + turn) % 360, stored.original, stored.masked, doubt, codes))
            if turn == 180:
                self._warn("page_turned", p)
            elif turn:
                self._warn("page_turned_sideways", p, turn=turn)
            for code in codes:
                self._warn("page_in_doubt", p, doubt=text_ru(DOUBTS_RU, code))
            if (stored.original.width > stored.original.height) == self.options.portrait:
                self._warn("landscape_page", p)
        elif p.role == "unidentified":
            self.unidentified.append(UnidentifiedPage(p.number, p.reason or "", p.reason_ru or "",
                                                      p.rotation, stored.original, p.cipher,
                                                      p.campaign))
        else:
            self.blanks.append(BlankPage(p.number, analysis.page.inked_tiles, stored.original))

    def _warn(self, code: str, p: Placement, **fields: object) -> None:
        cipher = p.cipher
        if not cipher and p.paper is not None:  # an uncovered paper: named by its title page
            cipher = self.splitter.papers[p.paper].label
        text = text_ru(WARNINGS_RU, code, page=p.number, cipher=cipher, **fields)
        self.warnings.append(ScanWarning(code, text, p.number, p.cipher or None))

    def _doubt_page_counts(self) -> None:
        """A paper with more or fewer pages than the template's: which page is which is
        unknown, and so are the masks each needs. Every page is in doubt and masked with
        every box of every position (pages already in doubt are masked so already)."""
        o = self.options
        if o.expected_pages is None or not o.masks:
            return
        for paper in self.papers:
            count = len(paper.pages)
            if count in (0, o.expected_pages):
                continue
            why = text_ru(DOUBTS_RU, "page_count", count=count, expected=o.expected_pages)
            for i, page in enumerate(paper.pages):
                masked = page.masked
                if not set(page.doubt_codes) - {"not_located", "title_layout"}:  # an orientation doubt masks everywhere
                    everywhere = doubt_boxes(o.masks, self.candidates[page.source_page])
                    _, masked, written = rerender(self.store, page.original.path, everywhere,
                                                  mask_fill=o.mask_fill, masked_quality=o.masked_quality)
                    self.written += written
                paper.pages[i] = replace(page, masked=masked, doubt="\n".join(filter(None, (page.doubt, why))),
                                         doubt_codes=page.doubt_codes + ("page_count",))

    def result(self, source: str, sha: str, fmt: str) -> ImportResult:
        self._doubt_page_counts()
        counts = {i: len(p.pages) for i, p in enumerate(self.papers)}
        warnings = self.splitter.finish(counts, self.options.expected_pages) + self.warnings
        warnings.sort(key=lambda w: (w.source_page or 0))
        return ImportResult(source, sha, fmt, self.options.campaign, self.total, self.papers,
                            self.unidentified, self.blanks, warnings, self.written)
