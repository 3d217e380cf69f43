"""An organiser previews the distribution, commits it, and is told why a manual move is refused."""
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


def test_preview_commit_and_refused_move(page, live_server, campaign):
    c, papers = campaign
    sign_in(page, live_server, "org")
    page.click("text=Весна 2026")
    page.click("nav.tabs >> text=Распределение")
    assert page.locator("#new-count").inner_text() == "6"
    assert page.locator("#loads tbody tr").count() == 3
    screenshot(page, "assign-preview")
    page.click("#confirm-assign")
    assert "Распределено перепроверок: 6" in page.locator(".flash").inner_text()

    page.click("nav.tabs >> text=Работы")
    paper = papers[1]  # school 500102: exp2 declared a conflict with it
    row = page.locator(f"tr[data-cipher='{paper.cipher}']")
    row.locator("select[name=expert]").select_option("exp2")
    row.locator("button").click()
    flash = page.locator(".flash-error").inner_text()
    assert "Нельзя назначить работу" in flash and "конфликт интересов" in flash
    screenshot(page, "refused-move")
