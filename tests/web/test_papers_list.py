"""«Работы» (issue 16, item 13): 50 papers a page, filters by school, status and expert that stay
in the query string across pages and after a manual move; the active tab is marked."""
from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import select

from crosscheck.models import Paper, PaperStatus
from tests.conftest import csrf_from

URL = "/organiser/campaigns/big/papers"


@pytest.fixture
def big(factory, db):
    schools = [factory.school(f"50010{i}") for i in (1, 2, 3)]
    experts = [factory.user(f"exp{i}", school=factory.school(f"60010{i}")) for i in (1, 2)]
    factory.user("org", role="organiser")
    campaign = factory.campaign("big", name="Большая кампания")
    papers = [factory.paper(campaign, schools[i % 3], code=f"{i:05d}") for i in range(130)]
    for n, paper in enumerate(papers[:60]):  # exp1 checks 60 papers, exp2 the next 10
        factory.assignment(paper, experts[0])
        paper.status = PaperStatus.MARKING
    for paper in papers[60:70]:
        factory.assignment(paper, experts[1])
        paper.status = PaperStatus.MARKING
    factory.commit()
    return campaign, papers


def rows(html: str) -> list[str]:
    return re.findall(r'<tr data-cipher="([^"]+)"', html)


def links(html: str) -> list[str]:
    pager = re.search(r'<nav class="pager"[^>]*>(.*?)</nav>', html, re.S)
    return [href.replace("&amp;", "&") for href in re.findall(r'href="([^"]+)"', pager.group(1))] if pager else []


def test_fifty_a_page_with_a_pager(client, login_as, big):
    login_as("org")
    first = client.get(URL).get_data(as_text=True)
    assert len(rows(first)) == 50 and "Найдено работ: 130" in first and "показаны 1–50" in first
    assert '<span aria-current="page">1</span>' in first
    third = client.get(f"{URL}?page=3").get_data(as_text=True)
    assert len(rows(third)) == 30 and "показаны 101–130" in third
    assert not set(rows(first)) & set(rows(third))
    assert client.get(f"{URL}?page=99").headers["Location"].endswith("page=3")


def test_filters_are_kept_across_pages(client, login_as, big, db):
    login_as("org")
    html = client.get(f"{URL}?expert=exp1&status=marking").get_data(as_text=True)
    assert "Найдено работ: 60" in html and len(rows(html)) == 50
    pager = links(html)
    assert pager, "two pages of exp1's papers"
    for href in pager:
        query = parse_qs(urlsplit(href).query)
        assert query["expert"] == ["exp1"] and query["status"] == ["marking"], href
    second = client.get(pager[-1]).get_data(as_text=True)
    assert len(rows(second)) == 10 and 'value="exp1" selected' in second and 'value="marking" selected' in second
    by_school = client.get(f"{URL}?school=500102&expert=exp2").get_data(as_text=True)
    ciphers = set(rows(by_school))
    expected = set(db.scalars(select(Paper.cipher).where(Paper.participant_code.in_(
        [f"{i:05d}" for i in range(60, 70) if i % 3 == 1]))))
    assert ciphers == expected and len(expected) == 3
    assert "Работ нет с такими условиями" in client.get(f"{URL}?status=done").get_data(as_text=True)


def test_a_manual_move_returns_to_the_same_filtered_page(client, login_as, big):
    campaign, papers = big
    login_as("org")
    page_url = f"{URL}?expert=exp1&page=2"
    html = client.get(page_url).get_data(as_text=True)
    cipher = rows(html)[0]
    action = re.search(rf'action="([^"]*/papers/{cipher}/assign[^"]*)"', html).group(1).replace("&amp;", "&")
    response = client.post(action, data={"csrf_token": csrf_from(html), "expert": "exp2", "round": "1"})
    query = parse_qs(urlsplit(response.headers["Location"]).query)
    assert query["expert"] == ["exp1"] and query["page"] == ["2"]


@pytest.mark.parametrize("path,title", [("/", "Обзор"), ("/assign", "Распределение"), ("/papers", "Работы"),
                                        ("/experts", "Эксперты")])
def test_the_active_tab_is_marked(client, login_as, big, path, title):
    login_as("org")
    html = client.get(f"/organiser/campaigns/big{path}").get_data(as_text=True)
    nav = re.search(r'<nav class="tabs"[^>]*>(.*?)</nav>', html, re.S).group(1)
    current = re.findall(r'<a [^>]*aria-current="page"[^>]*>([^<]+)</a>', nav)
    assert current == [title]
