"""An organiser previews the distribution, commits it, and moves a paper by hand: the drop-down offers only
the experts the conflict-of-interest rules allow (issue 16 item 5), so a refused move cannot be chosen."""
from __future__ import annotations

import pytest

from tests.browser.conftest import screenshot, sign_in

pytestmark = pytest.mark.browser


@pytest.fixture
def campaign(factory):
    schools = [factory.school(f"50010{i}") for i in (1, 2, 3)]
    experts = [factory.user(f"exp{i}", school=s, full_name=f"Эксперт {i}") for i, s in enumerate(schools)]
    factory.user("org", role="organiser")
    c = factory.campaign("vpr-math-5-2026", name="Весна 2026")
    papers = [factory.paper(c, schools[i % 3], code=f"{i:05d}") for i in range(6)]
    factory.conflict(experts[2], schools[1], "ребёнок учится в этой школе")
    factory.commit()
    return c, papers


def test_preview_commit_and_a_move_offers_only_allowed_experts(page, live_server, campaign):
    c, papers = campaign
    sign_in(page, live_server, "org")
    page.click("text=Весна 2026")
    page.click("nav.tabs >> text=Распределение")
    page.wait_for_url("**/assign")
    assert page.locator("#new-count").inner_text() == "6"
    assert page.locator("#loads tbody tr").count() == 3
    screenshot(page, "assign-preview")
    page.click("#confirm-assign")
    assert "Распределено перепроверок: 6" in page.locator(".flash").inner_text()

    page.click("nav.tabs >> text=Работы")
    page.wait_for_url("**/papers")
    paper = papers[1]  # school 500102: exp2 declared a conflict with it
    row = page.locator(f"tr[data-cipher='{paper.cipher}']")
    row.locator("select[name=expert]").wait_for()  # all_inner_texts does not wait: the page must be there
    offered = row.locator("select[name=expert] option").all_inner_texts()
    assert not any(t.startswith("exp2 ") for t in offered), offered  # exp2's conflict: not offered
    assert any(t.startswith("exp0 ") and "работ:" in t for t in offered), offered  # with the load
    other = page.locator(f"tr[data-cipher='{papers[0].cipher}']")  # school 500101: exp2 may take it
    assert any(t.startswith("exp2 ") for t in other.locator("select[name=expert] option").all_inner_texts())
    value = row.locator("select[name=expert] option", has_text="exp0 ").get_attribute("value")
    row.locator("select[name=expert]").select_option(value)
    row.locator("button").click()
    assert "назначена" in page.locator(".flash").first.inner_text()
    screenshot(page, "allowed-move")
