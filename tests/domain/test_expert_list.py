"""One page of the experts' list (issue 18): what each order puts first, what each filter keeps,
and the pages — on hand-made statistics."""
from __future__ import annotations

from crosscheck.domain.expert_list import ExpertQuery, expert_page, pages_to_show
from crosscheck.domain.expert_stats import BIAS, Agreement, Alert, ExpertStats, Interval


def expert(login: str, mean: float | None = None, n: int = 0, low: float | None = None, high: float | None = None,
           rechecks: int = 0, kappa: float | None = None, pairs: int = 0, alert: bool = False) -> ExpertStats:
    return ExpertStats(login=login, full_name=f"Эксперт {login}", rechecks=rechecks, delta=Interval(mean, low, high, n),
                       overturned=0, overturned_share=Interval(None, None, None, 0), reviewed=0, median_seconds=None,
                       timed=0, tasks=(), agreement=Agreement(pairs, kappa, (), pairs >= 10),
                       alerts=(Alert(BIAS, "…", ()),) if alert else (), enough=n >= 10)


STATS = [
    expert("a-fair", 0.1, 30, -0.3, 0.5, rechecks=30, kappa=0.9, pairs=30),
    expert("b-harsh", -2.5, 40, -3.0, -2.0, rechecks=40, kappa=0.8, pairs=40, alert=True),
    expert("c-mild", 0.8, 20, 0.2, 1.4, rechecks=20, kappa=0.45, pairs=20),  # lenient, under the alert threshold
    expert("d-new", -1.0, 3, -4.0, 2.0, rechecks=3, kappa=0.2, pairs=3),  # too few to judge
    expert("e-idle"),
    expert("f-soft", 1.5, 25, 1.0, 2.0, rechecks=25, kappa=0.7, pairs=25, alert=True),
]


def order(query: ExpertQuery, per_page: int = 50) -> list[str]:
    return [s.login for s in expert_page(STATS, query, per_page=per_page).rows]


def test_each_order_puts_first_what_it_says():
    assert order(ExpertQuery()) == ["b-harsh", "f-soft", "c-mild", "a-fair", "d-new", "e-idle"]
    assert order(ExpertQuery(sort="rechecks")) == ["b-harsh", "a-fair", "f-soft", "c-mild", "d-new", "e-idle"]
    # the lowest judged kappa first; «мало данных» (3 shared papers) after the judged ones; no partner last
    assert order(ExpertQuery(sort="kappa")) == ["c-mild", "f-soft", "b-harsh", "a-fair", "d-new", "e-idle"]
    assert order(ExpertQuery(sort="login")) == sorted(s.login for s in STATS)


def test_each_filter_keeps_what_it_says():
    assert order(ExpertQuery(alert="yes")) == ["b-harsh", "f-soft"]
    assert order(ExpertQuery(alert="no")) == ["c-mild", "a-fair", "d-new", "e-idle"]
    assert order(ExpertQuery(direction="stricter")) == ["b-harsh"]  # d-new: its interval holds 0, and too few
    assert order(ExpertQuery(direction="lenient")) == ["f-soft", "c-mild"]
    assert order(ExpertQuery(search="ЭКСПЕРТ C")) == ["c-mild"]
    schools = {"a-fair": "500101", "c-mild": "500101", "b-harsh": "500102"}
    assert order(ExpertQuery(school="500101"), ) == []  # without the schools' map nobody matches
    assert [s.login for s in expert_page(STATS, ExpertQuery(school="500101"), schools).rows] == ["c-mild", "a-fair"]


def test_pages_and_the_alerted_on_top_of_each():
    first = expert_page(STATS, ExpertQuery(), per_page=4)
    assert (first.found, first.total, first.pages, first.first, first.last) == (6, 6, 2, 1, 4)
    last = expert_page(STATS, ExpertQuery(page=7), per_page=4)
    assert last.page == 2 and [s.login for s in last.rows] == ["d-new", "e-idle"] and (last.first, last.last) == (5, 6)
    assert [s.login for s in last.alerted] == ["b-harsh", "f-soft"]
    none = expert_page(STATS, ExpertQuery(search="никто"))
    assert none.rows == () and none.pages == 1 and (none.first, none.last) == (0, 0) and len(none.alerted) == 2
    assert pages_to_show(1, 20) == [1, 2, 3, None, 20]
    assert pages_to_show(10, 20) == [1, None, 8, 9, 10, 11, 12, None, 20]
