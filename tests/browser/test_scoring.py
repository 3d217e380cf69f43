"""An expert marks a paper with the keyboard only, survives a reload, and submits it."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from crosscheck.models import AssignmentStatus, TaskScore
from tests.browser.conftest import screenshot, sign_in

pytestmark = pytest.mark.browser
# Scores for the demo template's 15 tasks (maxima 1,1,1,1,1,1,1,1,2,2,1,1,1,1,2).
KEYS = "101110112110101"


@pytest.fixture
def assigned(factory, data_dir):
    campaign = factory.campaign()
    expert = factory.user("exp01", school=factory.school("500102"), full_name="Петрова Ольга Ивановна")
    paper = factory.paper(campaign, factory.school("500101"), code="10001")
    assignment = factory.assignment(paper, expert)
    for position in (1, 2, 3):
        factory.page(paper, position, data_dir, colour=150 + position * 20)
    factory.commit()
    return assignment


def log_in(page, live_server):
    sign_in(page, live_server, "exp01", home="/expert/")


def test_keyboard_only_marking_with_reload_and_submit(page, live_server, assigned, db):
    log_in(page, live_server)
    page.click("#next-paper")
    page.wait_for_url(f"{live_server}/marking/{assigned.id}")
    assert page.locator("#page-img").is_visible()
    assert "10001" not in page.content() and "500101" not in page.content()

    page.keyboard.type(KEYS[:8])  # tasks 1..8, the cursor advances by itself
    page.wait_for_selector("#save-state.saved")
    assert page.locator("#total").inner_text() == "6"
    screenshot(page, "scoring-screen")

    page.reload()
    page.wait_for_selector("#total")
    assert page.locator("#total").inner_text() == "6"          # the draft came back
    assert page.locator("#filled").inner_text() == "8"
    assert page.evaluate("document.activeElement.name") == "9"  # straight on to the first empty task

    page.keyboard.type(KEYS[8:])
    page.wait_for_selector("#save-state.saved")
    page.keyboard.press("Control+Enter")
    assert page.locator("#confirm-dialog").is_visible()
    assert page.locator("#confirm-total").inner_text() == str(sum(int(k) for k in KEYS))
    page.keyboard.press("Enter")  # the focused "Сдать" button
    page.wait_for_url(f"{live_server}/expert/")

    db.expire_all()
    db.refresh(assigned)
    assert assigned.status == AssignmentStatus.SUBMITTED
    stored = db.scalars(select(TaskScore.score).where(TaskScore.assignment_id == assigned.id)).all()
    assert sorted(stored) == sorted(int(k) for k in KEYS)


def test_a_score_above_the_maximum_is_not_accepted(page, live_server, assigned):
    log_in(page, live_server)
    page.goto(f"{live_server}/marking/{assigned.id}")
    page.keyboard.type("5")
    assert page.locator("input.score").first.input_value() == ""
    # next to its field (issue 16, item 12), not in the autosave status
    assert "от 0 до 1" in page.locator("#e-1").inner_text()
    assert page.locator("#s-1").get_attribute("aria-invalid") == "true"


def test_a_stale_second_tab_gets_the_conflict_message(browser, live_server, assigned):
    context = browser.new_context(locale="ru-RU")
    first = context.new_page()
    log_in(first, live_server)
    second = context.new_page()
    first.goto(f"{live_server}/marking/{assigned.id}")
    second.goto(f"{live_server}/marking/{assigned.id}")

    first.keyboard.type("1")
    first.wait_for_selector("#save-state.saved")
    second.keyboard.type("0")
    second.wait_for_selector("#save-state.error")
    assert "другой вкладке" in second.locator("#save-state").inner_text()
    assert second.locator("input.score").first.is_disabled()
    context.close()


def test_lost_connection_keeps_the_draft_and_resyncs(page, live_server, assigned, db):
    log_in(page, live_server)
    page.goto(f"{live_server}/marking/{assigned.id}")
    page.context.set_offline(True)
    page.keyboard.type("11")
    page.wait_for_selector("#save-state.offline")
    page.context.set_offline(False)
    page.evaluate("window.dispatchEvent(new Event('online'))")
    page.wait_for_selector("#save-state.saved")
    db.expire_all()
    assert len(db.scalars(select(TaskScore).where(TaskScore.assignment_id == assigned.id)).all()) == 2


def test_a_criterion_and_a_label_reading_script_markup_leave_the_screen_working(page, live_server, factory, db,
                                                                                 data_dir):
    """Issue 19, finding 16: the assignment's JSON is embedded escaped (|tojson)."""
    from tests.security.test_embedded_json import ATTACK, LABEL, assign_evil_paper

    assignment = assign_evil_paper(db, factory, data_dir)
    dialogs = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    log_in(page, live_server)
    page.goto(f"{live_server}/marking/{assignment.id}")
    assert ATTACK in page.locator("#c-1").inner_text()  # shown as text, where criteria go
    assert page.locator("img[src=x]").count() == 0
    page.keyboard.type("11")
    page.wait_for_selector("#save-state.saved")
    assert page.locator("#total").inner_text() == "2" and not dialogs
    db.expire_all()
    labels = {s.task.label for s in db.scalars(select(TaskScore).where(TaskScore.assignment_id == assignment.id))}
    assert labels == {"1", LABEL}
