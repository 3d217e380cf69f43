"""The experts page (issue 18) in a real browser: a harsh expert highlighted with the papers
behind it, a cipher opening the paper viewer, and the page fitting a 1366 px laptop and a
768 px tablet (wide tables scroll inside their own box)."""
from __future__ import annotations

import pytest

from tests.browser.conftest import screenshot
from tests.reports.experts_world import build_world

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
