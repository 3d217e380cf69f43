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
from dataclasses import dataclass, field
from pathlib import Path

from .masks import MaskBox
from .pagesrc import SourcePage
from .pagework import Analysis, Stored, StoreSettings, analyse, store_page
from .qrpayload import CAMPAIGN_RE
from .reader import DEFAULT_DPI, DEFAULT_MAX_PAGES, open_scan
from .reasons import WARNINGS_RU, text_ru
from .result import (BlankPage, ContentPage, ImportResult, Paper, ScanWarning, UnidentifiedPage)
from .splitter import Placement, Splitter
from .store import ContentStore

ProgressCallback = Callable[[int, int], None]


@dataclass(frozen=True)
class ImportOptions:
    """How to import; only ``campaign`` is required.

    ``known_ciphers``: when given, a cover whose cipher is not in it is
    unidentified (reason ``unknown_cipher``). ``expected_pages``: the template's
    page count, a warning when a paper differs. ``workers`` 0 = one per core (≤ 4).
    """

    campaign: str
    masks: Sequence[MaskBox] = ()
    expected_pages: int | None = None
    known_ciphers: Collection[str] | None = None
    dpi: int = DEFAULT_DPI
    max_pages: int = DEFAULT_MAX_PAGES
    workers: int = 0
    masked_quality: int = 85
    original_quality: int = 92
    mask_fill: int = 0
    keep_blank_originals: bool = False
    fsync: bool = False


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
    written: int = 0
    done: int = 0

    def __post_init__(self) -> None:
        o = self.options
        self.splitter = Splitter(o.campaign, o.known_ciphers)
        self.settings = StoreSettings(tuple(o.masks), o.mask_fill, o.masked_quality,
                                      o.original_quality, o.keep_blank_originals)

    def execute(self, pool: ThreadPoolExecutor, pages: Iterable[SourcePage], window: int) -> None:
        analyses: deque[Future[Analysis]] = deque()
        stores: deque[tuple[Placement, Analysis, Future[Stored]]] = deque()
        for source in pages:
            analyses.append(pool.submit(analyse, source, self.options.campaign))
            while len(analyses) >= window:
                self._dispatch(pool, analyses.popleft().result(), stores)
                self._collect(stores, window)
        while analyses:
            self._dispatch(pool, analyses.popleft().result(), stores)
            self._collect(stores, window)
        self._collect(stores, 0)

    def _dispatch(self, pool: ThreadPoolExecutor, analysis: Analysis,
                  stores: deque[tuple[Placement, Analysis, Future[Stored]]]) -> None:
        placement = self.splitter.place(analysis.page)
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
            rotation = (p.rotation + 180) % 360 if stored.turned else p.rotation
            self.papers[p.paper or 0].pages.append(
                ContentPage(p.number, p.position, rotation, stored.original, stored.masked))
            if stored.turned:
                self.warnings.append(ScanWarning("page_turned", text_ru(
                    WARNINGS_RU, "page_turned", page=p.number, cipher=p.cipher), p.number, p.cipher))
            if stored.original.width > stored.original.height:
                self.warnings.append(ScanWarning("landscape_page", text_ru(
                    WARNINGS_RU, "landscape_page", page=p.number), p.number, p.cipher))
        elif p.role == "unidentified":
            self.unidentified.append(UnidentifiedPage(p.number, p.reason or "", p.reason_ru or "",
                                                      p.rotation, stored.original, p.cipher,
                                                      p.campaign))
        else:
            self.blanks.append(BlankPage(p.number, analysis.page.inked_tiles, stored.original))

    def result(self, source: str, sha: str, fmt: str) -> ImportResult:
        counts = {i: len(p.pages) for i, p in enumerate(self.papers)}
        warnings = self.splitter.finish(counts, self.options.expected_pages) + self.warnings
        warnings.sort(key=lambda w: (w.source_page or 0))
        return ImportResult(source, sha, fmt, self.options.campaign, self.total, self.papers,
                            self.unidentified, self.blanks, warnings, self.written)
