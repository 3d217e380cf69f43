"""Split the classified page stream into papers: a pure, sequential state machine.

A cover opens a paper; content pages join the open paper until the next cover. With an
``identity`` box, a title page (a handwritten code in the box) that does not directly
follow a cover opens an uncovered paper as its page 1, closed by the next title page or
cover.
Pages that cannot be placed get a reason instead of a guess: before the first
cover, or after a cover that is foreign, invalid, duplicated or unknown (its
pages are *probably* one paper, but whose is for a person to decide).
Blank pages are dropped wherever they are and never count as positions.
"""
from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field

from .classify import PageClass, PageKind
from .reasons import UNIDENTIFIED_RU, WARNINGS_RU, text_ru
from .result import ScanWarning


@dataclass(frozen=True)
class Placement:
    """Where one page goes. ``role``: cover | content | unidentified | blank."""

    number: int
    role: str
    rotation: int = 0
    paper: int | None = None  # index into Splitter.papers
    position: int | None = None
    reason: str | None = None
    reason_ru: str | None = None
    cipher: str | None = None
    campaign: str | None = None
    title: bool = False  # this page starts an uncovered paper (a handwritten code, no cover)


@dataclass
class PaperDraft:
    cipher: str
    campaign: str
    cover_page: int
    rotation: int
    positions: int = 0

    @property
    def label(self) -> str:
        """How messages name the paper: its cipher, or (no cover) where its title page is."""
        return self.cipher or f"без обложки (титульный лист — стр. {self.cover_page})"


@dataclass
class _Blocked:
    """The state after an unusable cover: its pages go to the unidentified queue."""

    reason: str
    rotation: int
    cipher: str | None
    campaign: str | None


@dataclass
class Splitter:
    campaign: str
    known_ciphers: Collection[str] | None = None
    papers: list[PaperDraft] = field(default_factory=list)
    warnings: list[ScanWarning] = field(default_factory=list)
    _state: int | _Blocked | None = None  # open paper index, blocked, or before any cover

    def place(self, page: PageClass, title_rotation: int | None = None) -> Placement:
        """``title_rotation``: not None when the page's identity box holds a handwritten
        code (read with the page turned by that many degrees): a title page."""
        if page.kind is PageKind.BLANK:
            return Placement(page.number, "blank")
        if page.kind in (PageKind.COVER, PageKind.FOREIGN_COVER, PageKind.INVALID_COVER):
            return self._cover(page)
        if page.kind is PageKind.UNREADABLE:
            return self._unreadable(page)
        if page.foreign_qr:
            self._warn("foreign_qr_ignored", page.number)
        if title_rotation is not None and not self._cover_awaits_first_page():
            return self._title(page, title_rotation)
        return self._content(page)

    def _cover_awaits_first_page(self) -> bool:
        """A cover was just read: the title page after it is that paper's page 1 (the cover
        takes precedence over the handwriting)."""
        state = self._state
        return isinstance(state, int) and bool(self.papers[state].cipher) and self.papers[state].positions == 0

    def _title(self, page: PageClass, rotation: int) -> Placement:
        """A title page with no cover before it starts an uncovered paper as its page 1."""
        self.papers.append(PaperDraft("", self.campaign, page.number, rotation, positions=1))
        self._state = len(self.papers) - 1
        return Placement(page.number, "content", rotation, paper=self._state, position=1,
                         cipher="", campaign=self.campaign, title=True)

    def _cover(self, page: PageClass) -> Placement:
        reason = None
        if page.kind is PageKind.FOREIGN_COVER:
            reason = "foreign_campaign"
        elif page.kind is PageKind.INVALID_COVER:
            reason = "invalid_cover"
        elif any(p.cipher == page.cipher for p in self.papers):
            reason = "duplicate_cover"
        elif self.known_ciphers is not None and page.cipher not in self.known_ciphers:
            reason = "unknown_cipher"
        if reason is not None:
            after = {"foreign_campaign": "after_foreign_cover", "invalid_cover": "after_invalid_cover",
                     "duplicate_cover": "after_duplicate_cover",
                     "unknown_cipher": "after_unknown_cipher"}[reason]
            self._state = _Blocked(after, page.rotation, page.cipher, page.campaign)
            return self._unidentified(page.number, reason, page.rotation, page.cipher,
                                      page.campaign, status=page.status)
        assert page.cipher is not None
        self.papers.append(PaperDraft(page.cipher, self.campaign, page.number, page.rotation))
        self._state = len(self.papers) - 1
        return Placement(page.number, "cover", page.rotation, paper=self._state, cipher=page.cipher,
                         campaign=self.campaign)

    def _content(self, page: PageClass) -> Placement:
        state = self._state
        if state is None:
            return self._unidentified(page.number, "before_first_cover", 0)
        if isinstance(state, _Blocked):
            return self._unidentified(page.number, state.reason, state.rotation, state.cipher,
                                      state.campaign)
        paper = self.papers[state]
        paper.positions += 1
        return Placement(page.number, "content", paper.rotation, paper=state,
                         position=paper.positions, cipher=paper.cipher, campaign=paper.campaign)

    def _unreadable(self, page: PageClass) -> Placement:
        if isinstance(self._state, int):
            # Keep later pages on their template positions (masks!) despite the gap.
            paper = self.papers[self._state]
            paper.positions += 1
            self._warn("unreadable_in_paper", page.number, paper.cipher or None, label=paper.label)
        return self._unidentified(page.number, "unreadable_page", 0, error=page.error)

    def _unidentified(self, number: int, reason: str, rotation: int, cipher: str | None = None,
                      campaign: str | None = None, **extra: str | None) -> Placement:
        text = text_ru(UNIDENTIFIED_RU, reason, cipher=cipher, campaign=campaign, **extra)
        return Placement(number, "unidentified", rotation, reason=reason, reason_ru=text,
                         cipher=cipher, campaign=campaign)

    def _warn(self, code: str, page: int | None, cipher: str | None = None, *, label: str | None = None,
              **fields: object) -> None:
        text = text_ru(WARNINGS_RU, code, page=page, cipher=label or cipher, **fields)
        self.warnings.append(ScanWarning(code, text, page, cipher))

    def finish(self, content_counts: dict[int, int], expected_pages: int | None) -> list[ScanWarning]:
        """Warnings about whole papers, once every page is placed."""
        for index, paper in enumerate(self.papers):
            count = content_counts.get(index, 0)
            if count == 0:
                self._warn("paper_without_pages", paper.cover_page, paper.cipher or None, label=paper.label)
            elif expected_pages is not None and count != expected_pages:
                self._warn("page_count_mismatch", paper.cover_page, paper.cipher or None, label=paper.label, count=count,
                           expected=expected_pages)
        return self.warnings
