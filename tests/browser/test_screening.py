"""The «Скрининг» pages in Debian's chromium on a school laptop (1366 px) and a tablet (768 px).

Story: the methodist opens the screening of a campaign in which one school pushed 12 of its 30
papers onto the «4» minimum. That school is first, its reasons read in Russian, and its page's
histogram marks the grade minimums «3», «4», «5» with the bars on and one below highlighted.
Nothing scrolls the page sideways; the charts' text is at least 12 px on screen.
"""
from __future__ import annotations

import pytest

from tests.browser.conftest import screenshot, sign_in
from tests.web import screening_world as world

pytestmark = pytest.mark.browser

SIZES = {"laptop": {"width": 1366, "height": 900}, "tablet": {"width": 768, "height": 1024}}


@pytest.fixture(params=list(SIZES))
def size(request):
    return request.param


@pytest.fixture
def viewport(size):
    return SIZES[size]


@pytest.fixture
def planted(factory):
    factory.user("org", role="organiser")
    return world.build(factory)


def no_sideways_scroll(page) -> None:
    width, scroll = page.evaluate("[window.innerWidth, document.documentElement.scrollWidth]")
    assert scroll <= width, f"the page scrolls sideways: {scroll} > {width}"


def smallest_chart_text(page) -> float:
    """The smallest on-screen font size (px) of any text in the page's charts."""
    return page.evaluate("""() => Math.min(...[...document.querySelectorAll('svg.chart text')].map(t => {
        const svg = t.ownerSVGElement;
        const scale = svg.getBoundingClientRect().width / svg.viewBox.baseVal.width;
        return parseFloat(t.getAttribute('font-size')) * scale;
    }))""")


def test_the_flagged_school_comes_first_and_its_histogram_marks_the_minimums(page, live_server, planted, size):
    sign_in(page, live_server, "org", home="/organiser/")
    page.goto(f"{live_server}/analytics/vpr-math-5-2026/")
    page.click("text=Скрининг первичных баллов")
    page.wait_for_url("**/screening")
    rows = page.locator("tr.school-row")
    assert rows.count() == 12
    first = rows.first
    assert first.get_attribute("data-school") == world.PEAK_SCHOOL
    assert "flagged" in first.get_attribute("class")
    text = page.locator(f"[data-reasons-for='{world.PEAK_SCHOOL}']:visible").inner_text()  # beside or below
    assert "Пик на границе отметки 4: 12 работ ровно на минимуме (10 баллов) против 1 на балл ниже." in text
    assert first.locator(".risk-value").inner_text().startswith("0,")
    assert page.locator("#screening-legal").is_visible()
    no_sideways_scroll(page)
    screenshot(page, f"screening-list-{size}")

    page.check("input[name=flagged]")
    page.click("button:has-text('Показать')")
    page.wait_for_url("**flagged=1**")
    assert page.locator("tr.school-row").first.get_attribute("data-school") == world.PEAK_SCHOOL
    assert page.locator("tr.school-row").count() < 12

    first_link = page.locator("tr.school-row").first.locator("a").first
    first_link.click()
    page.wait_for_url(f"**/screening/{world.PEAK_SCHOOL}")
    histogram = page.locator("#histogram svg.chart")
    assert histogram.is_visible()
    labels = histogram.locator("text.boundary-label").all_text_contents()
    assert labels == ["«3»", "«4»", "«5»"]
    assert histogram.locator("line.boundary").count() == 3
    assert histogram.locator("rect.bar-on").count() >= 1 and histogram.locator("rect.bar-below").count() >= 1
    assert "Пик на границе отметки 4" in page.inner_text("#reasons")
    assert page.locator("#profile svg.chart").is_visible()
    assert "Повысили" in page.inner_text("#journal-table")
    assert smallest_chart_text(page) >= 12
    no_sideways_scroll(page)
    page.click("text=Таблица данных: распределение баллов")
    assert page.locator("#histogram-table").is_visible()
    no_sideways_scroll(page)
    screenshot(page, f"screening-school-{size}")


@pytest.mark.parametrize("size", ["laptop"])
def test_a_long_list_is_paged_and_keeps_the_risk_order(page, live_server, planted, size, monkeypatch):
    from crosscheck.web import screening as screening_view

    monkeypatch.setattr(screening_view, "PER_PAGE", 5)  # 12 schools stand in for 300
    sign_in(page, live_server, "org", home="/organiser/")
    page.goto(f"{live_server}/organiser/campaigns/vpr-math-5-2026/")
    page.click("nav.tabs >> text=Скрининг")
    page.wait_for_url("**/screening")
    first_page = page.locator("tr.school-row td:first-child").all_inner_texts()
    assert first_page == ["1", "2", "3", "4", "5"]
    page.click("nav.pager >> text=дальше →")
    page.wait_for_url("**page=2**")
    assert page.locator("tr.school-row td:first-child").all_inner_texts() == ["6", "7", "8", "9", "10"]
    assert page.locator(".pager .current").inner_text() == "2"
    no_sideways_scroll(page)
    screenshot(page, "screening-list-page-2")
