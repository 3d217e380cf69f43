"""One page of the experts' statistics (issue 18, docs/experts.md «The page»): which experts a
reader's filters keep, in which order, and which 50 of them this page shows.

Pure: the statistics come in as :class:`~crosscheck.domain.expert_stats.ExpertStats` (every
expert of the campaign: the alerts and the order need them all), the query as the request's
arguments; nothing here reads the database. A region has 1,000 experts, so the list is cut into
pages and the per-task tables live on each expert's own page.
"""
from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from .expert_stats import ExpertStats

PER_PAGE = 50

#: ?sort= values and their Russian names (the first is the default).
SORTS = {
    "difference": "по расхождению с итоговыми баллами",
    "rechecks": "по числу перепроверок",
    "kappa": "по согласованности со вторым экспертом",
    "login": "по логину",
}
#: ?alert= values.
ALERT_FILTERS = {"yes": "требуют внимания", "no": "без замечаний"}
#: ?direction= values: the sign of a difference whose interval excludes 0 (``ExpertStats.direction``).
DIRECTIONS = {"stricter": "строже итоговых баллов", "lenient": "мягче итоговых баллов"}
SEARCH_MAX = 100


@dataclass(frozen=True)
class ExpertQuery:
    """The reader's filters, order and page, as normalised from the query string: unknown values
    fall back to «all» / the default order, so a hand-edited link never fails."""

    search: str = ""  # part of the login or of the full name, any case
    alert: str = ""  # "" | "yes" | "no"
    direction: str = ""  # "" | "stricter" | "lenient"
    school: str = ""  # the expert's school code (offered to organisers only)
    sort: str = "difference"
    page: int = 1

    @classmethod
    def from_args(cls, args: Mapping[str, str], *, schools: bool = False) -> ExpertQuery:
        """From request arguments; ``schools``: whether the reader may filter by school."""
        def arg(name: str) -> str:
            return (args.get(name) or "").strip()[:SEARCH_MAX]

        try:
            page = max(1, min(int(arg("page") or 1), 10**6))
        except ValueError:
            page = 1
        return cls(search=arg("q"), alert=arg("alert") if arg("alert") in ALERT_FILTERS else "",
                   direction=arg("direction") if arg("direction") in DIRECTIONS else "",
                   school=arg("school") if schools else "",
                   sort=arg("sort") if arg("sort") in SORTS else "difference", page=page)

    def args(self, **changed) -> dict[str, str | int]:
        """The query string of this query (only what differs from the defaults), with ``changed``."""
        values = {"q": self.search, "alert": self.alert, "direction": self.direction, "school": self.school,
                  "sort": "" if self.sort == "difference" else self.sort, "page": "" if self.page == 1 else self.page}
        values.update(changed)
        return {k: v for k, v in values.items() if v not in ("", None) and not (k == "page" and v == 1)}

    @property
    def filtered(self) -> bool:
        return bool(self.search or self.alert or self.direction or self.school)


@dataclass(frozen=True)
class ExpertPage:
    """``alerted``: every expert with an alert (never paged: they come first, with their papers);
    ``rows``: this page of the experts the filters keep; ``found``: how many they keep."""

    alerted: tuple[ExpertStats, ...]
    rows: tuple[ExpertStats, ...]
    found: int
    total: int
    page: int
    pages: int
    per_page: int = PER_PAGE

    @property
    def first(self) -> int:
        return (self.page - 1) * self.per_page + 1 if self.rows else 0

    @property
    def last(self) -> int:
        return self.first + len(self.rows) - 1 if self.rows else 0


def _difference_key(s: ExpertStats):
    """Alerts first, then the largest |difference| among experts with enough data, then the rest."""
    value = s.delta.value
    return (not s.alerts, not s.enough, -abs(value) if value is not None else math.inf, s.login)


def _kappa_key(s: ExpertStats):
    """The lowest agreement first (judged ones before «мало данных»); without a partner last."""
    a = s.agreement
    if a is None or a.kappa is None:
        return (2, 0.0, s.login)
    return (0 if a.enough else 1, a.kappa, s.login)


ORDER = {
    "difference": _difference_key,
    "rechecks": lambda s: (-s.rechecks, s.login),
    "kappa": _kappa_key,
    "login": lambda s: (s.login,),
}


def keeps(s: ExpertStats, query: ExpertQuery, schools: Mapping[str, str] | None = None) -> bool:
    """Whether the filters of ``query`` keep the expert (``schools``: login → school code)."""
    if query.search:
        needle = query.search.casefold()
        if needle not in s.login.casefold() and needle not in s.full_name.casefold():
            return False
    if query.alert and bool(s.alerts) != (query.alert == "yes"):
        return False
    if query.direction and s.direction != DIRECTIONS[query.direction]:
        return False
    if query.school and (schools or {}).get(s.login) != query.school:
        return False
    return True


def expert_page(stats: Sequence[ExpertStats], query: ExpertQuery, schools: Mapping[str, str] | None = None,
                per_page: int = PER_PAGE) -> ExpertPage:
    """The alerted experts and one page of those the filters keep, in the query's order. A page
    past the end shows the last one."""
    kept = sorted((s for s in stats if keeps(s, query, schools)), key=ORDER[query.sort])
    pages = max(1, -(-len(kept) // per_page))
    page = min(query.page, pages)
    start = (page - 1) * per_page
    alerted = tuple(sorted((s for s in stats if s.alerts), key=_difference_key))
    return ExpertPage(alerted, tuple(kept[start:start + per_page]), len(kept), len(stats), page, pages, per_page)


def pages_to_show(page: int, pages: int) -> list[int | None]:
    """Page numbers for a pager (this list and «Работы»): the first, the last and two around the
    current; None is a gap."""
    wanted = sorted({1, pages, *range(max(1, page - 2), min(pages, page + 2) + 1)})
    shown: list[int | None] = []
    for n in wanted:
        if shown and n - shown[-1] > 1:
            shown.append(None)
        shown.append(n)
    return shown
