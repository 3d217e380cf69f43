"""«Выборка» in a real browser: the organiser previews 12 papers a school, fixes the sample and
the campaign page then waits for the sampled papers' scans («ждём 12 работ»)."""
from __future__ import annotations

import pytest

from tests.browser.conftest import screenshot, sign_in

pytestmark = pytest.mark.browser
SLUG = "vpr-math-5-2026"


@pytest.fixture
def campaign(factory):
    factory.user("org", role="organiser")
    campaign = factory.campaign(SLUG, name="Весна 2026")
    for code, classes in {"500105": {"5А": 20, "5Б": 10}, "500106": {"5А": 7}}.items():
        school = factory.school(code)
        for class_name, size in classes.items():
            for _ in range(size):
                factory.paper(campaign, school).class_name = class_name
    factory.commit()
    return campaign


def test_preview_fix_and_the_campaign_page_waits_for_the_sample(page, live_server, campaign):
    sign_in(page, live_server, "org", home="/organiser/")
    page.goto(f"{live_server}/organiser/campaigns/{SLUG}/")
    page.click("nav.tabs >> text=Выборка")
    assert page.input_value("#seed").isdigit()  # pre-filled at random
    page.fill("#per_school", "12")
    page.fill("#seed", "2026")
    page.click("#show-sample")
    page.wait_for_selector("#sample-preview")
    assert "В выборке 19 из 37 работ" in page.inner_text("#sample-summary")
    row = page.inner_text('#sample-schools tr[data-school="500105"]')
    assert "5А: 8 из 20; 5Б: 4 из 10" in row
    assert "ОО 500106: работ 7 — меньше 12, в выборку взяты все" in page.inner_text("#sample-preview")
    screenshot(page, "sampling-preview")
    page.check("#confirm-sample")
    page.click("#fix-sample")
    page.wait_for_url(f"{live_server}/organiser/campaigns/{SLUG}/")
    assert "Выборка зафиксирована: в выборке 19 из 37 работ" in page.inner_text("main")
    assert "ждём 12 работ" in page.inner_text('#schools tr[data-school="500105"] td.scan-wait')
    assert "ждём 7 работ" in page.inner_text('#schools tr[data-school="500106"] td.scan-wait')
    assert page.inner_text("#stat-excluded .n") == "18"
    screenshot(page, "sampling-campaign-page")
