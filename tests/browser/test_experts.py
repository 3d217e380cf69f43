"""The experts page (issue 18) in a real browser: a harsh expert highlighted with the papers
behind it, a cipher opening the paper viewer, and the page fitting a 1366 px laptop and a
768 px tablet (wide tables scroll inside their own box)."""
from __future__ import annotations

import pytest

from tests.browser.conftest import screenshot
from tests.reports.experts_world import build_crowd, build_world

pytestmark = pytest.mark.browser

SIZES = ({"width": 1366, "height": 900}, {"width": 768, "height": 1024})


@pytest.fixture
def world(db, factory):
    return build_world(db, factory)


def signed_in(browser, server: str, login: str, viewport: dict):
    context = browser.new_context(locale="ru-RU", viewport=viewport)
    page = context.new_page()
    page.goto(f"{server}/login")
    page.fill("#username", login)
    page.fill("#password", "pass1234")
    page.click("button[type=submit]")
    page.wait_for_load_state()
    assert "/login" not in page.url
    return context, page


def fits(page) -> dict:
    return page.evaluate("""() => ({scroll: document.documentElement.scrollWidth, window: window.innerWidth,
        boxes: [...document.querySelectorAll('#expert-stats table.grid')].map(t => {
            const box = t.closest('.table-wrap');
            return !!box && box.getBoundingClientRect().right <= window.innerWidth; })})""")


@pytest.mark.parametrize("size", SIZES, ids=lambda s: str(s["width"]))
def test_the_experts_page_highlights_a_harsh_expert_and_fits_the_screen(browser, live_server, world, size):
    _, harsh_papers = world
    context, page = signed_in(browser, live_server, "organiser", size)
    try:
        page.goto(f"{live_server}/analytics/ex/")
        page.click("text=Эксперты перепроверки")
        page.wait_for_url(f"{live_server}/analytics/ex/experts")
        alert = page.locator(".expert-alert").first
        assert "Строгова Анна" in alert.inner_text() and "строже итоговых баллов" in alert.inner_text()
        row = page.locator("#expert-stats-table tr", has_text="Новиков Иван")
        assert "нет завершённых работ" in row.inner_text()
        assert page.locator("#no-double-marking").is_visible()
        found = fits(page)
        assert found["scroll"] <= found["window"], found
        assert found["boxes"] and all(found["boxes"]), found
        screenshot(page, f"experts-{size['width']}")
        alert.locator("a.cipher").first.click()
        page.wait_for_load_state()
        assert "/campaigns/ex/papers/" in page.url and page.url.rsplit("/", 1)[1] in harsh_papers
    finally:
        context.close()


@pytest.fixture
def crowd(db, factory):
    return build_crowd(db, factory)


def test_a_reviewer_pages_filters_and_opens_an_expert_on_a_laptop(browser, live_server, crowd):
    """59 experts: the two who need attention on top, 50 in the table, the second page through the
    pager, a search through the filter form, and the per-task table on the expert's own page."""
    _, harsh_papers, _ = crowd
    context, page = signed_in(browser, live_server, "rev2", SIZES[0])
    try:
        page.goto(f"{live_server}/analytics/ex/experts")
        assert page.locator(".expert-alert").count() == 2
        assert page.locator("#expert-stats-table tbody tr").count() == 50
        assert page.locator("#expert-stats-table tbody tr").first.get_attribute("data-login") == "harsh"
        found = fits(page)
        assert found["scroll"] <= found["window"], found
        screenshot(page, "experts-list-1366")
        page.click("nav.pager >> text=Вперёд →")
        page.wait_for_url("**/experts?page=2")
        page.locator("#expert-stats-table tbody tr").first.wait_for()
        assert page.locator("#expert-stats-table tbody tr").count() == 9
        page.fill("#f-q", "Строгова")
        page.select_option("#f-direction", "stricter")
        page.click("#expert-filters button[type=submit]")
        page.wait_for_url("**/experts?q=*")
        assert page.locator("#experts-found").inner_text().startswith("Найдено экспертов: 1 из 59")
        page.click("#expert-stats-table a.expert-link")
        page.wait_for_url("**/experts/harsh")
        differing = page.locator("#expert-task-bias tr.attention td:first-child").all_inner_texts()
        assert differing == ["9", "14"]
        found = fits(page)
        assert found["scroll"] <= found["window"], found
        screenshot(page, "expert-detail-1366")
        assert page.locator("a.cipher").count() == 6  # rev2's own six third checks are not listed
    finally:
        context.close()
