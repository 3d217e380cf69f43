"""Issue 19, finding 9: a scan that costs hours to decode is refused at upload, in seconds,
and no long import ever runs inside a web request in production."""
from __future__ import annotations

import time

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from crosscheck.cli import main
from crosscheck.models import BatchStatus, ScanBatch
from tests.conftest import login
from tests.scanner_import.pdfbombs import write_pdf
from tests.scans.conftest import build_scan, organiser, school_papers, upload_scan  # noqa: F401 - fixtures


def batch_count(db) -> int:
    db.expire_all()
    return db.scalar(select(func.count()).select_from(ScanBatch))


def test_the_attack_upload_is_refused_in_seconds_naming_the_file_and_page(organiser, db, data_dir, tmp_path):
    client, campaign, *_ = organiser
    bomb = write_pdf(tmp_path / "bomb.pdf", 2000)  # each page: one shared 30000×30000 Flate image
    started = time.monotonic()
    response = upload_scan(client, campaign.slug, bomb.read_bytes(), "Школа 500101.pdf")
    assert time.monotonic() - started < 15
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Файл «Школа 500101.pdf», страница 1: изображения на странице — 902 Мпикс" in html
    assert batch_count(db) == 0
    assert not (data_dir / "uploads").exists() or not any((data_dir / "uploads").iterdir())


def test_in_production_without_a_queue_the_web_refuses_to_import(organiser, app, db, data_dir, tmp_path):
    client, campaign, school, papers = organiser
    app.config["CROSSCHECK"].production = True  # and no REDIS_URL (tests run without one)
    scan = build_scan(tmp_path / "s.pdf", campaign, school, papers)
    response = upload_scan(client, campaign.slug, scan.read_bytes(), "s.pdf")
    assert "очередью задач, а она не настроена" in response.get_data(as_text=True)
    assert "crosscheck scans import" in response.get_data(as_text=True)
    assert batch_count(db) == 0 and not (data_dir / "uploads").exists()


def test_in_development_the_web_still_imports_inline(organiser, db, tmp_path):
    client, campaign, school, papers = organiser
    scan = build_scan(tmp_path / "s.pdf", campaign, school, papers)
    assert "обработан" in upload_scan(client, campaign.slug, scan.read_bytes(), "s.pdf").get_data(as_text=True)
    assert db.scalar(select(ScanBatch.status)) == BatchStatus.DONE


def test_in_production_the_command_line_still_imports_without_a_queue(cli_env, db, school_papers, tmp_path):
    """Not a web request: the organiser's terminal waits, no web worker does."""
    campaign, school, papers = school_papers
    scan = build_scan(tmp_path / "s.pdf", campaign, school, papers)
    result = CliRunner().invoke(main, ["scans", "import", campaign.slug, str(scan)],
                                env=cli_env | {"CROSSCHECK_ENV": "production"})
    assert result.exit_code == 0, result.stderr
    assert db.scalar(select(ScanBatch.status)) == BatchStatus.DONE


@pytest.mark.redis
def test_in_production_with_a_queue_the_upload_is_queued(queued_app, factory, db, school_papers, tmp_path):
    campaign, school, papers = school_papers
    factory.user("org", role="organiser")
    factory.commit()
    queued_app.config["CROSSCHECK"].production = True
    client = queued_app.test_client()
    assert login(client, "org").status_code == 302
    scan = build_scan(tmp_path / "s.pdf", campaign, school, papers)
    assert "поставлен в очередь" in upload_scan(client, campaign.slug, scan.read_bytes(), "s.pdf").get_data(
        as_text=True)
    assert db.scalar(select(ScanBatch.status)) == BatchStatus.QUEUED
