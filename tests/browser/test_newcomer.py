"""Issue 16 as a newcomer sees it: the tab's title and icon, the campaign's stage."""
from __future__ import annotations

import pytest

from tests.browser.conftest import screenshot, sign_in

pytestmark = pytest.mark.browser


def test_campaign_page_title_icon_and_stage(page, live_server, organiser_campaign):
    sign_in(page, live_server, "org", home="/organiser/")
    page.goto(f"{live_server}/organiser/campaigns/vpr-math-5-2026/")
    assert page.title() == "Весна 2026 — crosscheck"  # no <script …> markup in the tab
    icon = page.get_attribute("link[rel=icon][type='image/svg+xml']", "href")
    assert page.request.get(f"{live_server}{icon}").status == 200
    assert page.request.get(f"{live_server}/favicon.ico").status == 200
    # two papers loaded, nothing given out yet
    assert page.inner_text("#campaign-stage") == "Загрузка"
    screenshot(page, "newcomer-campaign-page")
