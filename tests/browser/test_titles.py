"""The organiser uploads a school's stack scanned without covers, naming the school, and works
through the queue of title pages with the keyboard: a candidate by its number, a typed code
with Enter."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from crosscheck.models import IdentifiedBy, Paper, PendingStatus, PendingTitle
from tests.browser.conftest import screenshot, sign_in
from tests.scans.titles import identity_campaign, ids, uncovered, write

pytestmark = pytest.mark.browser


@pytest.fixture
def viewport():
    return {"width": 1366, "height": 768}


def test_the_title_page_queue_by_keyboard(page, live_server, factory, db, tmp_path):
    factory.user("org", role="organiser")
    campaign = identity_campaign(factory)
    school = factory.school("730101")
    codes = ids.roster(41, n=6)
    papers = {c: factory.paper(campaign, school, code=c) for c in codes}
    factory.commit()
    # two papers whose written codes are not on the roster: both wait for a person
    scan, starts = write(tmp_path / "stack-730101.pdf", [uncovered("99017", 7, backs=False), uncovered("98123", 8)])

    sign_in(page, live_server, "org")
    page.goto(f"{live_server}/organiser/campaigns/{campaign.slug}/")
    page.set_input_files("#scan", str(scan))
    page.select_option("#scan-school", "730101")
    page.click("#scans button[type=submit]")
    page.locator("#batches tbody tr").first.wait_for(timeout=120_000)
    assert "очереди титульных листов (2)" in " ".join(page.locator("#scans").inner_text().split())
    page.click("#titles-link")

    card = page.locator("#title-card")
    assert "1 из 2" in card.inner_text()
    img = page.locator("#title-crop")
    img.evaluate("el => el.complete || new Promise(r => el.onload = r)")
    assert img.evaluate("el => el.naturalWidth") > 100
    screenshot(page, "title-page-queue")
    first = card.get_attribute("data-item")
    pick = page.locator('button.candidate[data-key="1"]').get_attribute("value")
    page.keyboard.press("1")  # the first candidate
    page.wait_for_url(f"**/titles?after={first}")
    assert "1 из 1" in page.locator("#title-card").inner_text()

    typed = next(c for c in codes if c != pick)
    page.locator("#typed-code").fill(typed)
    page.keyboard.press("Enter")
    page.locator("#titles-empty").wait_for()

    db.expire_all()
    assert all(i.status == PendingStatus.CONFIRMED for i in db.scalars(select(PendingTitle)))
    assert db.get(Paper, papers[pick].id).identified_by == IdentifiedBy.PERSON
    assert db.get(Paper, papers[typed].id).identified_by == IdentifiedBy.PERSON
