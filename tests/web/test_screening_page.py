"""The «Скрининг» pages (issue 17) as organisers, reviewers and observers read them.

Story: before ordering any re-check, the organiser opens the campaign's screening. The school
that pushed its papers onto the «4» minimum comes first with its reasons in plain Russian; a
school of three pupils says «недостаточно данных» instead of looking clean; the page says what
the screening may not be used for. The school's page shows the histogram with the grade
minimums, the task profile and the VPR-vs-journal table.
"""
from __future__ import annotations

import re

import pytest
from sqlalchemy import event

from crosscheck.web import screening as screening_view
from tests.web import screening_world as world

LIST = "/analytics/vpr-math-5-2026/screening"
SCHOOL = f"{LIST}/{world.PEAK_SCHOOL}"


def school_rows(html: str) -> list[str]:
    return re.findall(r'<tr class="school-row[^"]*" data-school="(\d+)"', html)


@pytest.fixture
def campaign(factory):
    factory.user("org", role="organiser")
    factory.user("obs", role="observer")
    factory.user("rev", role="reviewer")
    factory.user("rev-ru", role="reviewer", subjects=("Русский язык",))
    factory.user("exp", role="expert")
    return world.build(factory)


def test_the_flagged_school_comes_first_with_its_reasons_in_russian(client, login_as, campaign):
    login_as("org")
    html = client.get(LIST).get_data(as_text=True)
    rows = school_rows(html)
    assert len(rows) == 12 and rows[0] == world.PEAK_SCHOOL
    first = html[html.index(f'data-school="{world.PEAK_SCHOOL}"'):]
    first = first[:first.index("</tr>")]
    assert 'class="school-row flagged"' in html
    assert "Пик на границе отметки 4: 12 работ ровно на минимуме (10 баллов) против 1 на балл ниже." in first
    assert re.search(r'<span class="risk-value">0,\d\d</span>', first)  # a Russian decimal comma
    assert 'class="risk-bar"' in first
    assert "Вся кампания" in html and "«5»" in html  # grade shares against the campaign's
    assert "02-86" in html and "нельзя использовать для оценки деятельности учителей и школ" in html
    assert f'href="/analytics/vpr-math-5-2026/screening/{world.PEAK_SCHOOL}"' in first


def test_only_flagged_and_pages(client, login_as, campaign, monkeypatch):
    login_as("org")
    flagged = school_rows(client.get(f"{LIST}?flagged=1").get_data(as_text=True))
    everything = school_rows(client.get(LIST).get_data(as_text=True))
    assert flagged and flagged[0] == world.PEAK_SCHOOL and len(flagged) < len(everything)
    assert flagged == everything[:len(flagged)]
    monkeypatch.setattr(screening_view, "PER_PAGE", 5)
    page2 = client.get(f"{LIST}?page=2").get_data(as_text=True)
    assert school_rows(page2) == everything[5:10]
    assert "страница 2 из 3" in page2 and 'aria-current="page">2<' in page2 and 'rel="next"' in page2
    assert school_rows(client.get(f"{LIST}?page=99").get_data(as_text=True)) == everything[10:]  # the last page
    assert school_rows(client.get(f"{LIST}?page=x").get_data(as_text=True)) == everything[:5]
    only = client.get(f"{LIST}?flagged=1&page=1").get_data(as_text=True)
    assert "только с признаками" in only and "checked" in only


def test_a_campaign_without_original_marks_shows_an_empty_state(client, login_as, factory):
    factory.user("org", role="organiser")
    factory.campaign("vpr-math-5-2026")
    factory.commit()
    login_as("org")
    html = client.get(LIST).get_data(as_text=True)
    assert 'id="screening-empty"' in html and "Первичные баллы школ ещё не загружены" in html
    assert "school-row" not in html and "02-86" in html


def test_a_campaign_of_one_school_says_there_is_nothing_to_compare_with(client, login_as, factory):
    factory.user("org", role="organiser")
    world.build(factory, data=[r for r in world.rows() if r[0] == world.PEAK_SCHOOL])
    login_as("org")
    html = client.get(LIST).get_data(as_text=True)
    assert 'id="screening-single"' in html and "В кампании одна школа: сравнивать её не с чем" in html
    assert school_rows(html) == [world.PEAK_SCHOOL] and "school-row flagged" not in html
    school = client.get(SCHOOL).get_data(as_text=True)
    assert 'id="screening-single"' in school and "недостаточно данных" in school


def test_a_small_school_says_insufficient_data_not_no_problem(client, login_as, factory):
    factory.user("org", role="organiser")
    small = world.SCHOOLS[0]
    data = [r for r in world.rows() if r[0] != small] + [(small, f"99{k:03d}", world.MAXES, 2) for k in range(3)]
    world.build(factory, data=data)
    login_as("org")
    html = client.get(LIST).get_data(as_text=True)
    assert school_rows(html)[-1] == small  # nothing computed: last
    row = html[html.index(f'data-school="{small}"'):]
    row = row[:row.index("</tr>")]
    assert "недостаточно данных" in row and "4 из 4 показателей не рассчитаны" in row
    assert "Недостаточно данных (доля высоких отметок): 3 участников, нужно не меньше 10." in row
    assert "признаков не найдено" not in row and "flagged" not in row.split(">")[0]
    page = client.get(f"{LIST}/{small}").get_data(as_text=True)
    assert "Ни один показатель не рассчитан — это не значит, что признаков нет" in page
    assert page.count('class="verdict-insufficient"') == 4


def test_the_school_page_draws_the_histogram_profile_and_journal(client, login_as, campaign):
    login_as("org")
    html = client.get(SCHOOL).get_data(as_text=True)
    hist = html[html.index('id="histogram"'):html.index('id="profile"')]
    assert hist.count('class="boundary"') == 3 and all(f"«{g}»</text>" in hist for g in (3, 4, 5))
    assert 'class="bar bar-on"' in hist and 'class="bar bar-below"' in hist  # the peak fires
    assert "Первичный балл" in hist and "Число работ" in hist
    assert "<details" in hist and 'id="histogram-table"' in hist and "минимум «4»" in hist
    assert "40,0\u202f%" in hist  # 12 of 30 on the «4» minimum, in Russian
    profile = html[html.index('id="profile"'):html.index('id="journal"')]
    assert "самые лёгкие" in profile and "самые трудные" in profile and 'id="profile-table"' in profile
    journal = html[html.index('id="journal"'):html.index('id="grades"')]
    for word in ("Понизили", "Подтвердили", "Повысили", "|разница| ≥ 2"):
        assert word in journal
    assert "8 (27\u202f%)" in journal  # raised: 8 of 30
    assert "Пик на границах отметок:</strong>" in html
    assert "Отметки ВПР выше журнальных" in html
    assert 'class="verdict-reason"' in html and "02-86" in html
    assert "style=" not in html  # the CSP: no inline styles


def test_an_ordinary_school_is_shown_without_peak_highlights(client, login_as, campaign):
    login_as("org")
    ordinary = school_rows(client.get(LIST).get_data(as_text=True))[-1]
    html = client.get(f"{LIST}/{ordinary}").get_data(as_text=True)
    assert "bar-on" not in html and html.count('class="boundary"') == 3


@pytest.mark.parametrize("login,status", [("org", 200), ("obs", 200), ("rev", 200), ("rev-ru", 404), ("exp", 403)])
def test_who_may_read_the_screening(client, login_as, campaign, login, status):
    login_as(login)
    assert client.get(LIST).status_code == status
    assert client.get(SCHOOL).status_code == status


def test_anonymous_is_sent_to_log_in_and_an_unknown_school_is_404(client, login_as, campaign):
    assert client.get(LIST).status_code in (302, 401)
    login_as("obs")
    assert client.get(f"{LIST}/999999").status_code == 404
    assert client.get("/analytics/nope/screening").status_code == 404


def test_the_pages_link_to_each_other(client, login_as, campaign):
    login_as("org")
    assert f'href="{LIST}"' in client.get("/analytics/vpr-math-5-2026/").get_data(as_text=True)
    assert f'href="{LIST}"' in client.get("/organiser/campaigns/vpr-math-5-2026/").get_data(as_text=True)
    school = client.get(SCHOOL).get_data(as_text=True)
    assert f'href="{LIST}"' in school
    assert f'href="/analytics/vpr-math-5-2026/school?code={world.PEAK_SCHOOL}"' in school


def test_the_school_page_reads_the_marks_in_one_statement(client, login_as, campaign, db):
    login_as("org")
    seen = []
    engine = db.get_bind()

    def listener(_conn, _cursor, statement, *_args):
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", listener)
    try:
        assert client.get(SCHOOL).status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    assert sum("original_scores" in s for s in seen) == 1


def test_teacher_level_views_say_they_are_for_methodological_support(client, login_as, factory):
    factory.user("org", role="organiser")
    teacher = factory.user("teacher", role="expert")
    campaign = factory.campaign("vpr-math-5-2026")
    factory.paper(campaign, factory.school("500101"), marker=teacher)
    factory.commit()
    login_as("org")
    school = client.get("/analytics/vpr-math-5-2026/school?code=500101").get_data(as_text=True)
    assert 'class="teacher-note"' in school and "только для методической поддержки" in school
    history = client.get("/analytics/history?marker=teacher").get_data(as_text=True)
    assert 'class="teacher-note"' in history and "нельзя оценивать работу учителя" in history
    assert 'class="teacher-note"' not in client.get("/analytics/history?school=500101").get_data(as_text=True)
