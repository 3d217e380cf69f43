"""The analytics pages' charts as a reader sees them: a visible title above each chart,
labels large enough to read, decimal commas, and the chart's numbers in a table under it."""
from __future__ import annotations

import re

import pytest

from tests.browser.conftest import screenshot, sign_in
from tests.reports.conftest import district, marked  # noqa: F401 - fixtures: a marked district

pytestmark = pytest.mark.browser


def check_charts(page, ids: list[str]) -> None:
    for chart_id in ids:
        title = page.locator(f"#{chart_id}-title")
        assert title.is_visible() and title.inner_text().strip(), chart_id
        svg = page.locator(f"svg#{chart_id}")
        assert svg.get_attribute("aria-describedby") == f"{chart_id}-caption"
        # the smallest font size as drawn on the screen, in CSS pixels (the SVG's own scale included)
        smallest = svg.evaluate(
            "s => Math.min(...[...s.querySelectorAll('text')].map(t => parseFloat(getComputedStyle(t).fontSize)))"
            " * s.getBoundingClientRect().width / s.viewBox.baseVal.width")
        assert smallest >= 11, (chart_id, smallest)
        table = page.locator(f"#{chart_id}-table")
        assert not table.is_visible()  # folded under «Данные графика в таблице» …
        page.locator(f"#{chart_id}-title ~ details summary").click()
        assert table.is_visible()  # … and there when asked for (a screen reader finds the same table)
        assert table.locator("caption").inner_text() == title.inner_text()
        assert table.locator("tbody tr").count() >= 1


def test_campaign_and_school_charts_have_titles_and_tables(page, live_server, marked):  # noqa: F811
    sign_in(page, live_server, "organiser")
    page.goto(f"{live_server}/analytics/e2e/")
    check_charts(page, ["chart-scatter", "chart-tasks", "chart-strips"])
    assert page.locator("#chart-tasks-title").inner_text() == "Среднее изменение балла по заданиям"
    tasks = page.locator("#chart-tasks-table").inner_text()
    assert "-1,00" in tasks and not re.search(r"[+-]\d\.\d\d", tasks)
    assert "-3,00" in page.locator("section.stats").inner_text()  # the mean change: a decimal comma
    screenshot(page, "analytics-charts")

    page.goto(f"{live_server}/analytics/e2e/school?code=500101")
    check_charts(page, ["chart-tasks", "chart-strips"])
    screenshot(page, "analytics-school-charts")
