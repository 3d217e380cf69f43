"""Issue 16, item 7 as a reader sees it: a school card's two counts agree with its rows."""
from __future__ import annotations

import pytest

from tests.browser.conftest import screenshot, sign_in
from tests.reports.conftest import district, marked  # noqa: F401 (fixtures)
from tests.reports.test_two_ideas import overturned  # noqa: F401 (fixture)

pytestmark = pytest.mark.browser


def test_school_card_counts_match_its_rows(page, live_server, overturned):  # noqa: F811
    sign_in(page, live_server, "organiser", home="/organiser/")
    page.goto(f"{live_server}/analytics/e2e/school?code=500101")
    sent = page.locator("td.sent-to-review").all_inner_texts()
    confirmed = page.locator("td.confirmed").all_inner_texts()
    assert page.inner_text("#stat-sent-to-review .n") == str(sent.count("да")) == "2"
    assert page.inner_text("#stat-confirmed .n") == str(confirmed.count("да")) == "1"
    assert "ушли на третью проверку" in page.inner_text("#stat-sent-to-review")
    assert "расхождение подтверждено" in page.inner_text("#stat-confirmed")
    assert page.locator("text=Значимое").count() == 0
    screenshot(page, "school-card-two-ideas")
