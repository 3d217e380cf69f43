"""The organiser finds a paper held back (its marks page was fed sideways), turns the page in
the paper viewer and releases the paper."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from crosscheck.models import Page, PageStatus, held_back
from tests.browser.conftest import screenshot, sign_in
from tests.scans.irregular import CODES, build_scan

pytestmark = pytest.mark.browser


@pytest.fixture
def viewport():
    return {"width": 1366, "height": 768}  # a school laptop's screen


def test_the_organiser_turns_a_sideways_page_and_releases_the_paper(page, live_server, factory, db, data_dir,
                                                                      tmp_path):
    factory.user("org", role="organiser")
    campaign = factory.campaign("vpr-math-5-2026", name="Весна 2026")
    school = factory.school("500101")
    papers = {code: factory.paper(campaign, school, code=code) for code in CODES}
    factory.commit()
    scan = tmp_path / "school-500101.pdf"
    build_scan(scan, campaign, school, papers)

    sign_in(page, live_server, "org")
    page.goto(f"{live_server}/organiser/campaigns/{campaign.slug}/")
    page.set_input_files("#scan", str(scan))
    page.click("#scans button[type=submit]")
    row = page.locator("#batches tbody tr").first
    row.wait_for(timeout=120_000)  # the import runs inside the request (no queue in tests)
    assert "задержано работ 3" in row.inner_text()

    page.click("#held-back-link")
    page.locator("#held-back tbody tr").first.wait_for()  # the click navigates: wait for the new page
    assert page.locator("#held-back tbody tr").count() == 3
    row = page.locator(f"#held-back tr[data-cipher='{papers['77703'].cipher}']")
    assert "90° или на 270°" in row.inner_text()
    screenshot(page, "held-back-papers")
    row.locator("a").click()

    cards = page.locator(".doubt-card")
    cards.first.wait_for()
    assert cards.count() == 4
    sideways = page.locator(".doubt-card.in-doubt")
    assert sideways.count() == 1 and "90° или на 270°" in sideways.inner_text()
    img = sideways.locator("img.turn-preview")
    img.evaluate("el => el.complete || new Promise(r => el.onload = r)")
    assert img.evaluate("el => el.naturalWidth > el.naturalHeight")  # as scanned: sideways
    sideways.get_by_label("повернуть на 90° по часовой стрелке").check()
    assert "turn-270" in img.get_attribute("class")  # the thumbnail turns with the choice
    page.wait_for_timeout(300)  # the turn's transition
    assert page.evaluate("document.documentElement.scrollWidth") <= 1366  # no sideways scrolling
    screenshot(page, "paper-viewer")

    page.click("#confirm-pages")
    assert "подтверждены" in page.locator(".flash").first.inner_text()
    assert page.locator("#held-back tbody tr").count() == 2
    db.expire_all()
    assert not db.scalar(select(held_back(papers["77703"].id)))
    turned = db.scalar(select(Page).where(Page.paper_id == papers["77703"].id, Page.position == 4,
                                          Page.status == PageStatus.PLACED))
    assert turned.rotation == 270 and turned.height > turned.width and turned.doubt == ""
