"""Issue 16, item 1 as an organiser sees it: the audit trail in Russian, papers by cipher,
people by login, what changed as «Задание 5: 1 → 0»."""
from __future__ import annotations

import re

import pytest

from tests.browser.conftest import screenshot, sign_in
from tests.reports.conftest import district, marked  # noqa: F401 (fixtures)
from tests.web.test_audit_readable import recorded_action_codes, resaved  # noqa: F401 (fixture)

pytestmark = pytest.mark.browser


def test_the_audit_trail_reads_as_russian(page, live_server, resaved):  # noqa: F811
    campaign, papers, expert = resaved
    sign_in(page, live_server, "organiser", home="/organiser/")
    page.click("text=Журнал")
    page.select_option("#a-action", label="Баллы сохранены (черновик)")
    page.click("button:has-text('Показать')")
    page.wait_for_url(re.compile(r".*action=marks\.save.*"))
    table = page.inner_text("#audit")
    assert "Задание 5: 1 → 0" in table and "Комментарий: — → «Задание 5 не решено»" in table
    assert f"работа {papers['10003'].cipher}: перепроверка 1, {expert.login}" in table
    assert "\\u04" not in table and "{" not in table
    assert not re.search(r"\b(assignment|paper|user) \d+", table)
    screenshot(page, "audit-marks-saved")

    page.goto(f"{live_server}/audit/?campaign={campaign.id}")
    table = page.inner_text("#audit")
    assert [code for code in recorded_action_codes() if code in table] == []  # Russian names only
    assert "Статус: На перепроверке → Третья проверка" in table
    screenshot(page, "audit-campaign")
