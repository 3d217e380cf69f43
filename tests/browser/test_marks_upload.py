"""The organiser uploads the municipality's export in Chromium: sees it checked, reads the
preview, confirms, and finds the papers; a file with errors shows them by row and column."""
from __future__ import annotations

import pytest

from tests.browser.conftest import screenshot, serve, sign_in
from tests.conftest import run_worker
from tests.services.test_municipal_export import ROWS, export, pupil

pytestmark = pytest.mark.browser
CAMPAIGN = "/organiser/campaigns/vpr-math-5-2026/"


@pytest.fixture
def municipality(factory):
    factory.user("org", role="organiser")
    for code in ("730101", "730102", "sch730103"):
        factory.school(code)
    factory.campaign("vpr-math-5-2026", name="Весна 2026")
    factory.commit()


def test_upload_preview_confirm_in_the_browser(page, live_server, municipality, tmp_path):
    path = export(tmp_path, ROWS, name="Индивидуальные результаты.xlsx")
    sign_in(page, live_server, "org", home="/organiser/")
    page.goto(f"{live_server}{CAMPAIGN}")
    page.set_input_files("#file", str(path))
    page.click("#marks-upload button:has-text('Проверить файл')")
    page.wait_for_selector("#preview")
    summary = page.inner_text("#preview-summary")
    assert "Школ: 3" in summary and "участников: 6" in summary and "Новых работ: 6" in summary
    assert page.locator("#preview-schools tbody tr").count() == 3
    assert page.evaluate("document.documentElement.scrollWidth") <= page.viewport_size["width"]
    screenshot(page, "marks-upload-preview")

    page.click("#confirm-upload")
    page.wait_for_selector("#imported")
    assert "работ создано: 6" in page.inner_text("#imported")
    screenshot(page, "marks-upload-imported")

    page.goto(f"{live_server}{CAMPAIGN}")  # the same file again: the preview says nothing changes
    page.set_input_files("#file", str(path))
    page.click("#marks-upload button:has-text('Проверить файл')")
    page.wait_for_selector("#nothing-changes")
    assert "ничего не изменит" in page.inner_text("#nothing-changes")


def test_a_file_with_errors_shows_them_and_offers_no_import(page, live_server, municipality, tmp_path):
    wrong = pupil("sch730101", 40001)
    wrong[-3] = 17
    path = export(tmp_path, [wrong, pupil("sch999999", 40002)], name="export.xlsx")
    sign_in(page, live_server, "org", home="/organiser/")
    page.goto(f"{live_server}{CAMPAIGN}")
    page.set_input_files("#file", str(path))
    page.click("#marks-upload button:has-text('Проверить файл')")
    page.wait_for_selector("#rejected")
    rows = page.locator("#import-errors tbody tr")
    assert rows.count() == 2
    assert "сумма баллов по заданиям — 18" in rows.nth(0).inner_text()
    assert page.locator("#confirm-upload").count() == 0
    screenshot(page, "marks-upload-rejected")


@pytest.mark.redis
def test_with_a_queue_the_page_waits_for_the_worker(page, queued_app, municipality, cli_env, redis_url, tmp_path):
    path = export(tmp_path, ROWS, name="export.xlsx")
    env = cli_env | {"REDIS_URL": redis_url}
    with serve(queued_app) as server:
        sign_in(page, server, "org", home="/organiser/")
        page.goto(f"{server}{CAMPAIGN}")
        page.set_input_files("#file", str(path))
        page.click("#marks-upload button:has-text('Проверить файл')")
        page.wait_for_selector("#upload-wait")
        screenshot(page, "marks-upload-waiting")
        assert run_worker(env).returncode == 0
        page.wait_for_selector("#preview", timeout=20_000)  # the page refreshed itself
        page.click("#confirm-upload")
        page.wait_for_selector("#upload-wait")
        assert run_worker(env).returncode == 0
        page.wait_for_selector("#imported", timeout=20_000)
