"""Issue 16 item 3: an expert reports «страница не читается»; the organiser opens the
campaign's «Сообщения экспертов», resolves the report with a note; the expert sees
«Проблема решена» with that note, and the paper is back in their queue."""
from __future__ import annotations

import pytest

from crosscheck.models import ProblemReport, ProblemStatus
from tests.browser.conftest import screenshot, sign_in

pytestmark = pytest.mark.browser


@pytest.fixture
def assigned(factory, data_dir):
    factory.user("org", role="organiser")
    campaign = factory.campaign("vpr-math-5-2026", name="Весна 2026")
    expert = factory.user("exp01", school=factory.school("500102"), full_name="Петрова Ольга Ивановна")
    paper = factory.paper(campaign, factory.school("500101"), code="10001")
    assignment = factory.assignment(paper, expert)
    for position in (1, 2, 3):
        factory.page(paper, position, data_dir, colour=150 + position * 20)
    factory.commit()
    return assignment, paper


def test_expert_reports_organiser_resolves_expert_sees_it(browser, live_server, assigned, db):
    assignment, paper = assigned
    expert_ctx = browser.new_context(locale="ru-RU", viewport={"width": 1280, "height": 800})
    organiser_ctx = browser.new_context(locale="ru-RU", viewport={"width": 1280, "height": 800})
    try:
        expert = expert_ctx.new_page()
        sign_in(expert, live_server, "exp01", home="/expert/")
        expert.click("#next-paper")
        expert.wait_for_url(f"{live_server}/marking/{assignment.id}")
        expert.click("#problem-btn")
        expert.select_option("#problem-kind", "unreadable")
        expert.fill("#problem-note", "Страница 2 размыта, не видно задания 5")
        expert.click("#problem-send")
        expert.wait_for_selector("#save-state.saved")
        assert "отправлено организатору" in expert.locator("#save-state").inner_text()
        expert.goto(f"{live_server}/expert/")
        assert paper.cipher in expert.locator("#queue-problem").inner_text()
        screenshot(expert, "problems-expert-waiting")

        organiser = organiser_ctx.new_page()
        sign_in(organiser, live_server, "org")
        organiser.goto(f"{live_server}/organiser/campaigns/vpr-math-5-2026/")
        assert organiser.locator("#open-problems").inner_text() == "1"
        organiser.click("#problems-link")
        organiser.wait_for_url(f"{live_server}/organiser/campaigns/vpr-math-5-2026/problems")
        row = organiser.locator(f"#problems tr[data-cipher='{paper.cipher}']")
        assert "страница не читается" in row.inner_text()
        assert "Страница 2 размыта" in row.inner_text()
        assert "Эксперт прочитает это пояснение" in row.inner_text()
        screenshot(organiser, "problems-organiser-open")
        row.locator("textarea[name=note]").fill("Страница 2 отсканирована заново и заменена")
        row.locator("button[type=submit]").click()
        organiser.wait_for_selector(".flash")
        assert "решена" in organiser.locator(".flash").first.inner_text()
        assert organiser.locator("#problems tr").count() == 0  # nothing open left
        organiser.click("#problem-filters a:has-text('Решённые')")
        assert "Страница 2 отсканирована заново" in organiser.locator("#problems").inner_text()
        screenshot(organiser, "problems-organiser-resolved")

        expert.goto(f"{live_server}/expert/")
        item = expert.locator(f"#queue-todo li[data-assignment='{assignment.id}']")
        assert "Проблема решена: Страница 2 отсканирована заново и заменена" in item.inner_text()
        assert expert.locator("#queue-problem").count() == 0
        assert "10001" not in expert.content() and "500101" not in expert.content()
        screenshot(expert, "problems-expert-resolved")
    finally:
        expert_ctx.close()
        organiser_ctx.close()
    db.expire_all()
    assert db.get(ProblemReport, assignment.id).status == ProblemStatus.RESOLVED
