"""The organiser's upload when things go wrong: an import failing after validation (inline,
as without Redis), and a batch whose worker died (issue 19, findings 11 and 18)."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, update

from crosscheck.db import utcnow
from crosscheck.models import BatchStatus, Page, PageStatus, ScanBatch
from crosscheck.services.scans.batches import ABANDONED, JOB_TIMEOUT
from scanner_import import ScanInputError
from tests.scans.conftest import build_scan, upload_scan

NAME = "Школа 500101, 5А класс.pdf"


@pytest.fixture
def uploader(organiser, tmp_path):
    """The signed-in organiser, the campaign, and a scan of two papers."""
    client, campaign, school, papers = organiser
    return client, campaign, build_scan(tmp_path / "s.pdf", campaign, school, papers).read_bytes()


def the_batch(db) -> ScanBatch:
    db.expire_all()
    return db.scalar(select(ScanBatch))


@pytest.mark.parametrize("failure", ["scan_input", "internal"])
def test_a_failure_after_validation_is_a_message_naming_the_users_file_not_a_500(uploader, app, db, monkeypatch,
                                                                                 failure):
    """As in production (not testing: the inline job's session handling is the real one)."""
    import crosscheck.jobs.scans as job

    client, campaign, data = uploader
    app.testing = False

    def broken(campaign, source, *args, **kwargs):
        if failure == "scan_input":  # a page found bad only while decoding
            raise ScanInputError("image_too_large", source, "изображение страницы слишком большое", page=3)
        raise RuntimeError(f"cannot read {source}")

    monkeypatch.setattr(job, "run_pipeline", broken)
    response = upload_scan(client, campaign.slug, data, NAME, follow=False)
    assert response.status_code == 302
    page = client.get(response.headers["Location"])
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and f"Файл «{NAME}»" in html
    batch = the_batch(db)
    assert batch.status == BatchStatus.FAILED and batch.error.startswith(f"Файл «{NAME}»")
    assert batch.sha256 not in batch.error and "uploads" not in batch.error
    assert batch.sha256 not in html
    if failure == "scan_input":
        assert f"Файл «{NAME}», страница 3: изображение страницы слишком большое" in html

    monkeypatch.undo()  # the same file again goes through
    app.testing = False
    again = client.get(upload_scan(client, campaign.slug, data, NAME, follow=False).headers["Location"])
    assert f"Файл «{NAME}» обработан" in again.get_data(as_text=True)
    assert the_batch(db).status == BatchStatus.DONE


def test_a_batch_abandoned_by_its_worker_is_shown_failed_and_runs_again_on_upload(uploader, db):
    client, campaign, data = uploader
    upload_scan(client, campaign.slug, data, NAME)
    batch = the_batch(db)
    # A worker that died mid-file: still «running», pages half done, and long past the job timeout.
    long_ago = utcnow() - timedelta(seconds=JOB_TIMEOUT + 60)
    db.execute(update(ScanBatch).values(status=BatchStatus.RUNNING, pages_done=3, pages_total=9,
                                        created_at=long_ago, finished_at=None, report=None))
    db.execute(Page.__table__.delete())
    db.commit()

    progress = client.get(f"/organiser/campaigns/{campaign.slug}/scans/{batch.id}.json").get_json()
    assert progress["status"] == "failed" and progress["error"] == ABANDONED
    html = client.get(f"/organiser/campaigns/{campaign.slug}/").get_data(as_text=True)
    assert f"Ошибка: <span class=\"field-error\">{ABANDONED}</span>" in html
    assert "Обрабатывается" not in html

    response = upload_scan(client, campaign.slug, data, NAME)
    assert f"Файл «{NAME}» обработан" in response.get_data(as_text=True)
    batch = the_batch(db)
    assert batch.status == BatchStatus.DONE and batch.created_at > long_ago
    assert db.scalar(select(ScanBatch.id).where(ScanBatch.id != batch.id)) is None  # still one batch
    assert len(db.scalars(select(Page).where(Page.status == PageStatus.PLACED)).all()) == 4


def test_a_batch_within_the_job_timeout_is_still_shown_running(uploader, db):
    client, campaign, data = uploader
    upload_scan(client, campaign.slug, data, NAME)
    batch = the_batch(db)
    db.execute(update(ScanBatch).values(status=BatchStatus.RUNNING,
                                        created_at=utcnow() - timedelta(seconds=JOB_TIMEOUT - 600)))
    db.commit()
    progress = client.get(f"/organiser/campaigns/{campaign.slug}/scans/{batch.id}.json").get_json()
    assert progress["status"] == "running" and progress["error"] == ""


def test_a_far_too_long_file_name_is_kept_short_and_readable(uploader, db):
    client, campaign, data = uploader
    long_name = "очень длинное имя " * 35 + ".pdf"  # 634 characters
    response = upload_scan(client, campaign.slug, data, long_name)
    assert response.status_code == 200 and "обработан" in response.get_data(as_text=True)
    name = the_batch(db).filename
    assert len(name) == 100 and name.startswith("очень длинное имя") and name.endswith("….pdf")
    assert f"Файл «{name}» обработан" in response.get_data(as_text=True)


@pytest.mark.parametrize("sent, kept", [
    ("C:\\Users\\Учитель\\скан 5А.pdf", "скан 5А.pdf"),   # an old browser's full Windows path
    ("../../etc/скан.pdf", "скан.pdf"),
    ("скан\r\nSet-Cookie: x.pdf", "скан Set-Cookie: x.pdf"),
    ("", "scan.pdf"),
])
def test_the_kept_file_name_is_the_last_path_part_without_control_characters(sent, kept):
    from crosscheck.filenames import shown_name

    assert shown_name(sent, "scan.pdf") == kept
