"""The experts' statistics page of a region-sized campaign (issue 18): the experts who need
attention first with their papers, then 50 experts a page with filters and orders, and each
expert's per-task tables on their own page. The world: «harsh» (4 points under the final marks on
12 papers), «soft» (2 points over on 12), «fair», «idle» (nothing handed in) and 55 experts with
one confirmed paper each — 59 experts, two pages."""
from __future__ import annotations

import re

import pytest

from crosscheck.domain.expert_list import ExpertQuery
from crosscheck.services.reports import expert_pages

from tests.reports.experts_world import build_crowd, submitted

LIST = "/analytics/ex/experts"


@pytest.fixture
def crowd(db, factory):
    return build_crowd(db, factory)


def logins(html: str) -> list[str]:
    """The experts of the table, in its order."""
    table = html.split('id="expert-stats-table"', 1)[1].split("</table>", 1)[0] if "expert-stats-table" in html else ""
    return re.findall(r'data-login="([^"]+)"', table)


def alerts(html: str) -> str:
    return html.split('id="expert-alerts"', 1)[1].split("</ul>", 1)[0]


def test_the_experts_who_need_attention_come_first_then_fifty_a_page(crowd, login_as):
    _, harsh_papers, soft_papers = crowd
    client = login_as("organiser")
    html = client.get(LIST).get_data(as_text=True)
    assert "Требуют внимания (2)" in html
    listed = alerts(html)
    assert listed.index("Строгова Анна") < listed.index("Мягкова Вера")  # the larger difference first
    assert all(c in listed for c in harsh_papers + soft_papers)  # with the papers behind them
    first = logins(html)
    assert len(first) == 50 and first[:3] == ["harsh", "soft", "fair"]
    assert "Найдено экспертов: 59 из 59 · показаны 1–50" in html
    assert 'href="/analytics/ex/experts?page=2"' in html
    assert 'id="expert-task-bias"' not in html  # per task: on each expert's own page, not 59 tables here
    second = client.get(LIST + "?page=2").get_data(as_text=True)
    rest = logins(second)
    assert len(rest) == 9 and rest[-1] == "idle" and not set(rest) & set(first)
    assert "Строгова Анна" in alerts(second)  # the alerts stay on top of every page
    assert "показаны 51–59" in second
    beyond = logins(client.get(LIST + "?page=99").get_data(as_text=True))
    assert beyond == rest  # past the end: the last page


@pytest.mark.parametrize("query, expected", [
    ("alert=yes", ["harsh", "soft"]),
    ("direction=stricter", ["harsh"]),
    ("direction=lenient", ["soft"]),
    ("q=мягкова", ["soft"]),
    ("q=C05", [f"c{i:03d}" for i in range(50, 56)]),
    ("q=c05&school=500104", ["c050", "c052", "c054"]),
])
def test_the_filters_keep_the_experts_asked_for(crowd, login_as, query, expected):
    html = login_as("organiser").get(f"{LIST}?{query}").get_data(as_text=True)
    assert sorted(logins(html)) == sorted(expected)
    assert f"Найдено экспертов: {len(expected)} из 59" in html
    assert "Сбросить" in html


def test_nothing_found_says_so_and_offers_everyone(crowd, login_as):
    html = login_as("organiser").get(f"{LIST}?alert=no&direction=stricter").get_data(as_text=True)
    assert logins(html) == []
    assert "Под выбранные условия не подходит ни один эксперт" in html
    assert "Строгова Анна" in alerts(html)  # the alerts are not filtered away


@pytest.mark.parametrize("sort, first", [("rechecks", ["fair", "harsh", "soft"]), ("login", ["c001", "c002", "c003"])])
def test_the_orders(crowd, login_as, sort, first):
    html = login_as("organiser").get(f"{LIST}?sort={sort}").get_data(as_text=True)
    assert logins(html)[:3] == first
    assert f'href="/analytics/ex/experts?sort={sort}&amp;page=2"' in html  # the pager keeps the order


def test_a_reviewer_gets_no_school_filter_and_no_school(crowd, login_as):
    html = login_as("rev1").get(f"{LIST}?school=500104&q=c05").get_data(as_text=True)
    assert 'name="school"' not in html and "500104" not in html and "500103" not in html
    assert len(logins(html)) == 6  # the school of the query string is ignored for them


def test_an_experts_own_page_has_the_per_task_tables(crowd, login_as):
    _, harsh_papers, _ = crowd
    client = login_as("organiser")
    html = client.get(LIST + "/harsh").get_data(as_text=True)
    assert "Строгова Анна" in html and "строже итоговых баллов" in html
    bias = html.split('id="expert-task-bias"', 1)[1].split("</table>", 1)[0]
    differing = re.findall(r'<tr class="attention"><td>([^<]+)</td>', bias)
    assert differing == ["9", "14"]
    assert all(f'href="/campaigns/ex/papers/{c}"' in html for c in harsh_papers)
    assert "согласованность двух экспертов не считается" in html
    few = client.get(LIST + "/c001").get_data(as_text=True)
    assert "Мало данных: работ с итоговыми баллами 1" in few and 'id="expert-task-bias"' not in few
    idle = client.get(LIST + "/idle").get_data(as_text=True)
    assert "нет завершённых работ" in idle
    assert client.get(LIST + "/nobody").status_code == 404
    assert "плох" not in html.lower()


def test_a_reviewer_on_an_experts_page_sees_only_papers_they_may_open(crowd, login_as):
    _, harsh_papers, _ = crowd
    html = login_as("rev1").get(LIST + "/harsh").get_data(as_text=True)
    assert all(c not in html for c in harsh_papers[:6])  # their own third checks: never listed
    assert all(f'href="/campaigns/ex/papers/{c}"' in html for c in harsh_papers[6:])


def test_the_statistics_are_computed_again_only_when_their_inputs_change(db, factory, crowd, login_as,
                                                                         monkeypatch):
    computed = []
    real = expert_pages.full_view
    monkeypatch.setattr(expert_pages, "full_view", lambda *a, **k: computed.append(1) or real(*a, **k))
    monkeypatch.setattr(expert_pages, "FRESH_SECONDS", 0.0)  # the fingerprint checked on every request
    client = login_as("organiser")
    client.get(LIST)
    client.get(LIST + "?page=2")
    client.get(LIST + "?alert=yes")
    client.get(LIST + "/harsh")
    assert len(computed) == 1  # paging, filtering and an expert's page reuse the statistics
    campaign = crowd[0]
    from sqlalchemy import select

    from crosscheck.models import PaperStatus, User
    fair = db.scalar(select(User).where(User.login == "fair"))
    paper = factory.paper(campaign, factory.school())
    submitted(db, paper, fair, {t.label: 0 for t in campaign.template.tasks})  # a new recheck handed in
    factory.commit()
    html = client.get(LIST + "/fair").get_data(as_text=True)
    assert len(computed) == 1  # an expert's page with nothing current kept: that expert alone
    summary = html.split('id="expert-summary"', 1)[1]
    assert re.search(r"Перепроверок сдано</th><td class=\"num\">13<", summary)
    client.get(LIST)
    assert len(computed) == 2  # the list: everyone, computed again
    paper.status = PaperStatus.DONE  # … and its paper done: final marks, a difference
    factory.commit()
    html = client.get(LIST + "/fair").get_data(as_text=True)
    assert "Работ с итоговыми баллами</th><td class=\"num\">13<" in html
    client.get(LIST)
    assert len(computed) == 3
    fair.full_name = "Ровнова Пелагея"  # renamed by the organiser
    factory.commit()
    assert "Ровнова Пелагея" in client.get(LIST).get_data(as_text=True) and len(computed) == 4
    client.get(LIST + "?page=2")
    assert len(computed) == 4


def test_the_query_string_is_read_defensively():
    q = ExpertQuery.from_args({"q": "  Иван  ", "alert": "maybe", "direction": "up", "sort": "drop table",
                               "page": "-3", "school": "500101"})
    assert q == ExpertQuery(search="Иван")  # unknown values: all / the default order; school not offered
    assert ExpertQuery.from_args({"page": "x"}).page == 1
    q = ExpertQuery.from_args({"school": "500101", "sort": "kappa", "page": "3"}, schools=True)
    assert q.args() == {"school": "500101", "sort": "kappa", "page": 3}
    assert q.args(page=1) == {"school": "500101", "sort": "kappa"}


def test_the_organisers_tab_pages_the_statistics_and_the_load_of_the_same_experts(crowd, login_as):
    client = login_as("organiser")
    tab = "/organiser/campaigns/ex/experts"
    html = client.get(tab).get_data(as_text=True)
    first = logins(html)
    load = html.split('id="experts"', 1)[1].split("</table>", 1)[0]
    assert len(first) == 50 and all(f'<span class="muted">{login}</span>' in load for login in first)
    assert load.count("<tr") == 1 + 50  # the header and this page's experts
    assert 'href="/organiser/campaigns/ex/experts?page=2"' in html  # the pager stays on the tab
    second = client.get(tab + "?page=2").get_data(as_text=True)
    rest = second.split('id="experts"', 1)[1].split("</table>", 1)[0]
    assert "idle" in rest and "harsh" not in rest
    narrowed = client.get(tab + "?school=500103&q=c00").get_data(as_text=True)
    assert logins(narrowed) == ["c001", "c003", "c005", "c007", "c009"]  # odd numbers work at 500103
    assert 'value="500103"' in narrowed


def test_within_a_minute_the_kept_statistics_are_served_and_refresh_checks_at_once(db, factory, crowd, login_as,
                                                                                 monkeypatch):
    """A live region hands in a recheck every second: the statistics are computed at most once a
    minute (FRESH_SECONDS), the page says when, and «Обновить сейчас» checks at once."""
    from sqlalchemy import select

    from crosscheck.models import User

    computed, checked = [], []
    real_view, real_fingerprint = expert_pages.full_view, expert_pages.fingerprint
    monkeypatch.setattr(expert_pages, "full_view", lambda *a, **k: computed.append(1) or real_view(*a, **k))
    monkeypatch.setattr(expert_pages, "fingerprint", lambda *a, **k: checked.append(1) or real_fingerprint(*a, **k))
    client = login_as("organiser")
    html = client.get(LIST).get_data(as_text=True)
    assert "Посчитано " in html and "не позже чем через 1 мин" in html
    assert 'href="/analytics/ex/experts?refresh=1"' in html
    campaign = crowd[0]
    fair = db.scalar(select(User).where(User.login == "fair"))
    submitted(db, factory.paper(campaign, factory.school()), fair, {t.label: 0 for t in campaign.template.tasks})
    factory.commit()
    again = client.get(LIST + "?sort=rechecks").get_data(as_text=True)
    assert (len(computed), len(checked)) == (1, 1)  # young: served as kept, not even checked
    assert logins(again)[:3] == ["fair", "harsh", "soft"]  # 12 rechecks each, the login decides
    detail = client.get(LIST + "/fair").get_data(as_text=True)
    assert re.search(r"Перепроверок сдано</th><td class=\"num\">12<", detail)  # the same kept figures
    fresh = client.get(LIST + "/fair?refresh=1").get_data(as_text=True)
    assert re.search(r"Перепроверок сдано</th><td class=\"num\">13<", fresh) and len(computed) == 1
    refreshed = client.get(LIST + "?sort=rechecks&refresh=1").get_data(as_text=True)
    assert len(computed) == 2 and logins(refreshed)[0] == "fair"  # 13 now
    assert 'href="/analytics/ex/experts?sort=rechecks&amp;page=2"' in refreshed  # the pager drops refresh
