"""Issue 17 as a reader sees it: the screen before and the re-check after on a school's page,
«недостаточно данных» in the school table, and the organiser's teacher-views switch."""
from __future__ import annotations

import pytest

from tests.browser.conftest import screenshot, sign_in
from tests.reports.test_followup import FEW, PEAK, rechecked  # noqa: F401 (fixture)

pytestmark = pytest.mark.browser


def test_before_and_after_and_too_few_papers(page, live_server, rechecked):  # noqa: F811
    sign_in(page, live_server, "organiser", home="/organiser/")
    page.goto(f"{live_server}/analytics/e2e/school?code={PEAK}")
    line = page.inner_text("#before-after-line")
    assert "пик на границе отметки 4" in line and "завышение подтверждено, 6 из 6 работ" in line
    screenshot(page, "flags-before-after")
    page.goto(f"{live_server}/analytics/e2e/?sort=flagged&dir=desc")
    row = page.locator("tr", has=page.locator(f"a:text-is('{FEW}')"))
    assert row.locator(".evidence-insufficient").inner_text() == "недостаточно данных"
    screenshot(page, "flags-school-table")


def test_the_organiser_switches_teacher_views_off(page, live_server, rechecked):  # noqa: F811
    sign_in(page, live_server, "organiser", home="/organiser/")
    page.goto(f"{live_server}/organiser/campaigns/e2e/")
    box = page.locator("input[name=teacher_views]")
    assert box.is_checked()
    box.uncheck()
    page.locator("#settings button[type=submit]").click()
    page.wait_for_load_state()
    assert not page.locator("input[name=teacher_views]").is_checked()
    page.goto(f"{live_server}/analytics/e2e/school?code={PEAK}")
    assert page.locator("#teacher-views-off").is_visible()
    screenshot(page, "flags-teacher-views-off")
