"""The reviewer's calibration page (issue 18) in Chromium: from the experts page to the
deviations, an expert's copy beside the key, the key changed in the form (everything
recomputed), and pausing an expert — fitting a 1366 px laptop."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from crosscheck.models import CalibrationPaper
from crosscheck.services.audit.trail import Actor
from crosscheck.services.distribution.assignment import run_assignment
from crosscheck.services.marking.scoring import save_scores, submit
from tests.browser.conftest import screenshot
from tests.services.calibration_world import build, copies

pytestmark = pytest.mark.browser


@pytest.fixture
def world(db, factory):
    w = build(db, factory)
    run_assignment(db, w.campaign, Actor(w.org))
    db.commit()
    copy = copies(db, w.eb1)[0]
    key = db.scalar(select(CalibrationPaper).where(CalibrationPaper.paper_id == copy.paper_id)).key_scores
    w.given = dict(key) | {"9": 0, "14": 0}
    save_scores(db, w.eb1, copy.id, w.given, "", copy.version)
    submit(db, w.eb1, copy.id)
    db.commit()
    w.cipher = copy.paper.cipher
    return w


def test_a_reviewer_reads_the_deviation_changes_the_key_and_pauses_an_expert(browser, live_server, world):
    context = browser.new_context(locale="ru-RU", viewport={"width": 1366, "height": 900})
    page = context.new_page()
    try:
        page.goto(f"{live_server}/login")
        page.fill("#username", "mo")
        page.fill("#password", "pass1234")
        page.click("button[type=submit]")
        page.wait_for_load_state()
        page.goto(f"{live_server}/analytics/cal/experts")
        page.click("#calibration-link")
        page.wait_for_url(f"{live_server}/analytics/cal/calibration")
        row = page.locator('#calibration-table tr[data-login="eb1"]')
        assert "строже эталона" in row.inner_text() and "1 из 1" in row.inner_text()
        assert "нет проверенных работ" in page.locator('#calibration-table tr[data-login="ec"]').inner_text()
        width = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
        assert width[0] <= width[1], width
        screenshot(page, "calibration-1366")

        row.locator("a").first.click()
        page.wait_for_url(f"{live_server}/analytics/cal/calibration/experts/eb1")
        copy = page.locator(f"#copy-{world.cipher}")
        assert "сверх допуска" in copy.inner_text()
        screenshot(page, "calibration-expert-1366")

        # the reviewer agrees with the expert on task 9 and 14 after all: the key changes
        page.goto(f"{live_server}/analytics/cal/calibration/key/{world.cipher}")
        page.fill("#task-9", "0")
        page.fill("#task-14", "0")
        page.fill("#key-note", "решения неполные: 0 баллов")
        page.click("#key-form button[type=submit]")
        page.wait_for_url(f"{live_server}/analytics/cal/calibration")
        row = page.locator('#calibration-table tr[data-login="eb1"]')
        assert "в среднем совпадает с эталоном" in row.inner_text() and "0 из 1" in row.inner_text()

        # pausing is offered for an expert beyond the tolerance: put the key back and pause
        page.goto(f"{live_server}/analytics/cal/calibration/key/{world.cipher}")
        page.fill("#task-9", "2")
        page.click("#key-form button[type=submit]")
        page.wait_for_url(f"{live_server}/analytics/cal/calibration")
        row = page.locator('#calibration-table tr[data-login="eb1"]')
        row.locator("input[name=note]").fill("поговорить о критериях задания 9")
        row.locator("button", has_text="Приостановить до беседы").click()
        page.wait_for_url(f"{live_server}/analytics/cal/calibration")
        row = page.locator('#calibration-table tr[data-login="eb1"]')
        assert "приостановлен до беседы с руководителем МО" in row.inner_text()
        screenshot(page, "calibration-paused-1366")
    finally:
        context.close()
    # the paused expert sees a polite notice instead of the campaign's papers
    context = browser.new_context(locale="ru-RU", viewport={"width": 1366, "height": 900})
    page = context.new_page()
    try:
        page.goto(f"{live_server}/login")
        page.fill("#username", "eb1")
        page.fill("#password", "pass1234")
        page.click("button[type=submit]")
        page.wait_for_load_state()
        page.goto(f"{live_server}/expert/")
        assert "приостановлена до беседы с руководителем" in page.locator(".paused-notice").inner_text()
        assert page.locator("ul.queue li").count() == 0
        screenshot(page, "calibration-expert-paused-1366")
    finally:
        context.close()
