"""Issue 14 «Status» and «The confirmation queue» in Chromium: the organiser uploads a school's
stack scanned without covers, reads on the campaign page how its papers were identified, follows
the pending count into the queue and works it with the keyboard only — moving back and forth,
typing a code, leaving the field — while a candidate whose paper already has pages cannot be
picked; afterwards the status counts the confirmed papers."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from crosscheck.models import IdentifiedBy, Page, PageStatus, Paper, PendingStatus, PendingTitle
from tests.browser.conftest import screenshot, sign_in
from tests.scans.titles import identity_campaign, ids, uncovered, write

pytestmark = pytest.mark.browser


@pytest.fixture
def viewport():
    return {"width": 1366, "height": 900}


def words(locator) -> str:
    return " ".join(locator.inner_text().split())


def test_status_then_the_queue_by_keyboard(page, live_server, factory, db, tmp_path):
    factory.user("org", role="organiser")
    campaign = identity_campaign(factory)
    school = factory.school("730101")
    codes = ids.roster(41, n=6)
    papers = {c: factory.paper(campaign, school, code=c) for c in codes}
    factory.commit()
    # three pupils' codes on the roster, two pupils whose written codes are not: those wait
    scan, _ = write(tmp_path / "stack-730101.pdf", [uncovered(codes[0], 11), uncovered(codes[1], 12),
                                                    uncovered(codes[2], 13), uncovered("99017", 7, backs=False),
                                                    uncovered("98123", 8)])

    sign_in(page, live_server, "org")
    page.goto(f"{live_server}/organiser/campaigns/{campaign.slug}/")
    assert "Сканов пока нет" in words(page.locator("#scan-status"))
    page.set_input_files("#scan", str(scan))
    page.select_option("#scan-school", "730101")
    page.click("#scans button[type=submit]")
    page.locator("#scan-status-batches").wait_for(timeout=120_000)

    db.expire_all()
    automatic = len(db.scalars(select(Paper).where(Paper.identified_by == IdentifiedBy.CODE)).all())
    assert automatic >= 2
    status = page.locator("#scan-status")
    assert f"Работ со сканами: {automatic} из 6" in words(status)
    row = page.locator("#scan-status-batches tbody tr").first
    assert words(row.locator("td.by-code")) == str(automatic) and words(row.locator("td.by-qr")) == "0"
    pending = 5 - automatic
    assert f"Ждут подтверждения кода участника: {pending}" in words(status)
    page.locator("#scan-status").scroll_into_view_if_needed()
    screenshot(page, "campaign-scan-status")

    page.click("#status-pending-link")
    card = page.locator("#title-card")
    card.wait_for()
    assert page.locator("#shortcut-hint").is_visible()
    assert f"1 из {pending}" in card.inner_text()
    # J / → forward, K / ← back (with wrap-around), all from the keyboard
    first = card.get_attribute("data-item")
    page.keyboard.press("j")
    page.wait_for_url(re.compile(r"titles\?after="))
    assert f"2 из {pending}" in page.locator("#title-card").inner_text()
    page.keyboard.press("k")
    page.wait_for_url(re.compile(r"titles\?before="))
    assert f"1 из {pending}" in page.locator("#title-card").inner_text()
    assert page.locator("#title-card").get_attribute("data-item") == first
    page.keyboard.press("ArrowLeft")  # before the first: the last one
    page.wait_for_url(re.compile(r"titles\?before=" + first))
    assert f"{pending} из {pending}" in page.locator("#title-card").inner_text()
    page.keyboard.press("ArrowRight")  # past the last: the first again
    page.wait_for_url(re.compile(r"titles\?after="))
    assert page.locator("#title-card").get_attribute("data-item") == first

    # a candidate whose paper already has pages is shown but cannot be picked
    db.expire_all()
    placed = {p.participant_code for p in db.scalars(select(Paper).join(Page, Page.paper_id == Paper.id)
                                                     .where(Page.status == PageStatus.PLACED))}
    for button in page.locator("button.candidate").all():
        code = button.get_attribute("value")
        assert button.is_disabled() == (code in placed)
        if code in placed:
            assert "уже размещена" in button.inner_text()
    assert "С титульным листом в работу уйдут страниц: 4" in words(page.locator("#title-pages"))
    reason = words(page.locator("#title-reason"))  # why it waits, in Russian (the matcher's reason is English)
    assert "не размещено автоматически:" in reason and not re.search(r"[A-Za-z]", reason)
    screenshot(page, "title-queue-keyboard")

    # "/" starts typing, Esc leaves the field, then a typed code + Enter confirms
    free = [c for c in codes if c not in placed]
    page.keyboard.press("/")
    assert page.evaluate("document.activeElement.id") == "typed-code"
    page.keyboard.press("Escape")
    assert page.evaluate("document.activeElement.id") != "typed-code"
    page.keyboard.press("/")
    page.keyboard.type(free[0])
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"titles\?after=" + first))
    db.expire_all()
    assert db.get(PendingTitle, int(first)).status == PendingStatus.CONFIRMED
    assert db.get(Paper, papers[free[0]].id).identified_by == IdentifiedBy.PERSON

    for _ in range(pending - 1):  # the rest: typed, each a free code
        current = page.locator("#title-card").get_attribute("data-item")
        db.expire_all()
        taken = {p.participant_code for p in db.scalars(select(Paper).where(Paper.identified_by.is_not(None)))}
        code = next(c for c in free if c not in taken)
        page.keyboard.press("/")
        page.keyboard.type(code)
        page.keyboard.press("Enter")
        page.wait_for_url(re.compile(r"titles\?after=" + current + "$"))
    page.locator("#titles-empty").wait_for()
    assert page.locator("#titles-empty").is_visible()

    page.goto(f"{live_server}/organiser/campaigns/{campaign.slug}/")
    status = page.locator("#scan-status")
    assert f"подтверждено вручную — {pending}" in words(status)
    assert "Титульных листов, ждущих подтверждения кода, нет." in words(status)
    assert f"Работ со сканами: {automatic + pending} из 6" in words(status)
    row = page.locator("#scan-status-batches tbody tr").first
    assert words(row.locator("td.by-person")) == str(pending)
