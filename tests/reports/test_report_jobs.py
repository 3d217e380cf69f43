"""Report files are background work: built by an RQ worker when Redis is configured (the
reader follows the run on a page that downloads the file when it is ready), at once
without it; a failed build or an unreachable queue says so, and asking again joins a run
that is still waiting instead of building the same file twice."""
from __future__ import annotations

import io
import re
from datetime import timedelta

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from crosscheck import create_app
from crosscheck.config import Config
from crosscheck.db import utcnow
from crosscheck.jobs import queue
from crosscheck.models import ReportRun, ReportStatus
from crosscheck.services.reports.runs import ABANDONED, QUEUE_DOWN
from tests.conftest import _free_port, _url_env, login, run_worker
from tests.reports.conftest import press_report


def runs(db) -> list[ReportRun]:
    db.expire_all()
    return list(db.scalars(select(ReportRun).order_by(ReportRun.id)))


def test_without_a_queue_the_button_answers_with_the_file(marked, login_as, db):
    client = login_as("organiser")
    response = press_report(client, "xlsx")
    [run] = runs(db)
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/analytics/e2e/reports/{run.id}/file")
    assert (run.status, run.file_name, run.kind) == (ReportStatus.DONE, "report.xlsx", "xlsx")
    file = client.get(response.headers["Location"])
    assert file.headers["Content-Disposition"].startswith("attachment")
    assert load_workbook(io.BytesIO(file.data)).sheetnames[0] == "Работы"
    page = client.get(f"/analytics/e2e/reports/{run.id}").get_data(as_text=True)
    assert "<h1>Отчёт XLSX</h1>" in page and "Готово" in page and "Скачать" in page and 'http-equiv="refresh"' not in page


def test_a_failed_build_is_shown_with_its_reason_and_can_be_asked_again(marked, login_as, db, monkeypatch):
    from crosscheck.services.reports import runs as report_runs

    def broken(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(report_runs, "report_file", broken)
    client = login_as("reviewer")
    response = press_report(client, "summary")
    [run] = runs(db)
    assert response.headers["Location"].endswith(f"/analytics/e2e/reports/{run.id}")
    assert run.status == ReportStatus.FAILED and "недостаточно места на диске" in run.error
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Отчёт не сформирован: недостаточно места на диске" in page and "Сформировать ещё раз" in page
    assert client.get(f"/analytics/e2e/reports/{run.id}/file").status_code == 404

    monkeypatch.undo()
    again = press_report(client, "summary")
    assert again.headers["Location"].endswith("/file") and [r.status for r in runs(db)] == [
        ReportStatus.FAILED, ReportStatus.DONE]


def test_a_run_of_another_campaign_is_not_found(marked, login_as, db, factory):
    factory.campaign("other")
    factory.commit()
    client = login_as("organiser")
    press_report(client, "json")
    [run] = runs(db)
    assert client.get(f"/analytics/e2e/reports/{run.id}").status_code == 200
    assert client.get(f"/analytics/other/reports/{run.id}").status_code == 404
    assert client.get(f"/analytics/other/reports/{run.id}/file").status_code == 404


@pytest.mark.redis
def test_with_a_queue_the_page_follows_the_job_and_downloads_the_file(marked, queued_app, cli_env, redis_url, db):
    client = queued_app.test_client()
    assert login(client, "reviewer").status_code == 302
    first = press_report(client, "xlsx")
    [run] = runs(db)
    page_url = f"/analytics/e2e/reports/{run.id}"
    assert first.headers["Location"].endswith(page_url)
    assert run.status == ReportStatus.QUEUED and run.job_id

    waiting = client.get(page_url).get_data(as_text=True)
    assert "Отчёт в очереди" in waiting and f'content="2;url={page_url}?wait=1"' in waiting
    assert client.get(f"{page_url}/file").status_code == 404
    # Pressing again while it waits joins the same run: one job, not two.
    assert press_report(client, "xlsx").headers["Location"].endswith(page_url)
    assert len(runs(db)) == 1 and queue(redis_url).count == 1

    result = run_worker(cli_env | {"REDIS_URL": redis_url})
    assert result.returncode == 0, result.stderr

    [run] = runs(db)
    assert run.status == ReportStatus.DONE and run.finished_at is not None
    done = client.get(f"{page_url}?wait=1").get_data(as_text=True)
    assert "Готово" in done and re.search(rf'content="0;url={page_url}/file"', done)
    file = client.get(f"{page_url}/file")
    assert load_workbook(io.BytesIO(file.data)).sheetnames[0] == "Работы"


def test_an_unreachable_queue_fails_the_run_clearly(marked, database_url, data_dir, db):
    env = _url_env(database_url, data_dir) | {"REDIS_URL": f"redis://127.0.0.1:{_free_port()}/0"}
    app = create_app(Config.from_env(env, testing=True))
    try:
        client = app.test_client()
        assert login(client, "organiser").status_code == 302
        response = press_report(client, "json")
        [run] = runs(db)
        assert run.status == ReportStatus.FAILED and run.error == QUEUE_DOWN
        assert QUEUE_DOWN in client.get(response.headers["Location"]).get_data(as_text=True)
    finally:
        app.extensions["crosscheck.db"].dispose()


def test_a_run_whose_worker_died_is_given_up_and_asked_afresh(marked, login_as, db):
    campaign, _ = marked
    stuck = ReportRun(campaign_id=campaign.id, kind="json", status=ReportStatus.RUNNING,
                      created_at=utcnow() - timedelta(hours=2))
    db.add(stuck)
    db.commit()
    response = press_report(login_as("organiser"), "json")
    old, new = runs(db)
    assert (old.id, old.status, old.error) == (stuck.id, ReportStatus.FAILED, ABANDONED)
    assert new.status == ReportStatus.DONE and response.headers["Location"].endswith(f"/reports/{new.id}/file")
