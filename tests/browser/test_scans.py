"""An organiser uploads a school's scan, sees the result, and resolves a stray page."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from crosscheck.models import Page, PageStatus
from tests.browser.conftest import screenshot, sign_in
from tests.scans.conftest import build_scan

pytestmark = pytest.mark.browser


def test_upload_then_attach_a_stray_page(page, live_server, organiser_campaign, tmp_path, db):
    campaign, school, papers = organiser_campaign
    scan = build_scan(tmp_path / "school-500101.pdf", campaign, school, papers, stray_first=True)

    sign_in(page, live_server, "org")
    page.goto(f"{live_server}/organiser/campaigns/{campaign.slug}/")
    page.set_input_files("#scan", str(scan))
    page.click("#scans button[type=submit]")
    assert "обработан" in page.locator(".flash").first.inner_text()
    row = page.locator("#batches tbody tr").first
    assert "Готово" in row.inner_text() and "страниц 4" in row.inner_text()
    screenshot(page, "scan-uploaded")

    page.click("text=очередь нераспознанных")
    card = page.locator(".queue-card").first
    assert "до первого титульного листа" in card.inner_text()
    card.locator("input[name=school]").fill("500101")
    card.locator("input[name=participant]").fill("10001")
    card.locator("input[name=position]").fill("3")
    screenshot(page, "unidentified-queue")
    card.locator("button").click()
    assert "прикреплена" in page.locator(".flash-info").inner_text()
    # The paper has 2 pages of the template's 4 plus this one: held back until the organiser confirms them.
    assert "задержана" in page.locator(".flash-error").inner_text()
    assert "Очередь пуста" in page.content()

    db.expire_all()
    attached = db.scalar(select(Page).where(Page.source_index == 1))
    assert attached.status == PageStatus.PLACED and attached.position == 3 and attached.paper_id == papers[0].id
    assert attached.masked_sha256 and attached.masked_sha256 != attached.original_sha256
