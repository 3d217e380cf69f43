"""A reader presses a report button: the file arrives at once without a queue; with one,
the report's page waits for the worker by itself and then starts the download."""
from __future__ import annotations

import pytest
from openpyxl import load_workbook

from tests.browser.conftest import screenshot, serve, sign_in
from tests.conftest import run_worker

pytestmark = pytest.mark.browser
ANALYTICS = "/analytics/vpr-math-5-2026/"


def test_without_a_queue_the_report_downloads_at_once(page, live_server, organiser_campaign, tmp_path):
    sign_in(page, live_server, "org", home="/organiser/")
    page.goto(f"{live_server}{ANALYTICS}")
    screenshot(page, "analytics-campaign")
    with page.expect_download() as download:
        page.click("button:has-text('отчёт XLSX')")
    assert download.value.suggested_filename == "Отчёт перепроверки — vpr-math-5-2026.xlsx"
    saved = tmp_path / "report.xlsx"
    download.value.save_as(saved)
    assert load_workbook(saved).sheetnames[0] == "Работы"
    assert page.url == f"{live_server}{ANALYTICS}"  # the reader stays where they were


@pytest.mark.redis
def test_with_a_queue_the_page_waits_for_the_worker_then_downloads(page, queued_app, organiser_campaign,
                                                                  cli_env, redis_url, tmp_path):
    with serve(queued_app) as server:
        sign_in(page, server, "org", home="/organiser/")
        page.goto(f"{server}{ANALYTICS}")
        page.click("button:has-text('отчёт XLSX')")
        page.wait_for_selector("text=Отчёт в очереди")
        screenshot(page, "report-queued")

        with page.expect_download(timeout=60_000) as download:
            result = run_worker(cli_env | {"REDIS_URL": redis_url})
            assert result.returncode == 0, result.stderr
        assert download.value.suggested_filename == "Отчёт перепроверки — vpr-math-5-2026.xlsx"
        saved = tmp_path / "report.xlsx"
        download.value.save_as(saved)
        assert load_workbook(saved).sheetnames[0] == "Работы"
        page.wait_for_selector("text=Готово")
