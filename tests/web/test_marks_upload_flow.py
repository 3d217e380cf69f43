"""The organiser uploads a results form in the browser: the file is checked first, the
preview says what would happen (schools, participants, absent, new/changed/unchanged) or
lists every error by row and column, and nothing is written until the organiser confirms.
Inline without REDIS_URL; with a real Redis both steps wait for a real worker."""
from __future__ import annotations

import io

import pytest
from sqlalchemy import func, select

from crosscheck.models import AuditEvent, MarksUpload, Paper, UploadStatus
from tests.conftest import csrf_from, login, run_worker
from tests.services.test_municipal_export import ROWS, absent, export, pupil
from tests.services.test_real_forms import FULL1, FULL2, form
from tests.services.test_real_forms import pupil as school_pupil

CAMPAIGN = "/organiser/campaigns/vpr-math-5-2026/"


@pytest.fixture
def world(factory):
    factory.user("org", role="organiser")
    factory.user("exp01")
    for code in ("730101", "730102", "sch730103", "500101"):
        factory.school(code)
    factory.campaign("vpr-math-5-2026", name="Весна 2026")
    factory.campaign("other")
    factory.commit()


def papers(db) -> int:
    db.expire_all()
    return db.scalar(select(func.count()).select_from(Paper))


def post_file(client, data: bytes, name: str, school: str = ""):
    page = client.get(CAMPAIGN).get_data(as_text=True)
    return client.post(f"{CAMPAIGN}marks", data={"csrf_token": csrf_from(page), "school": school,
                                                  "file": (io.BytesIO(data), name)},
                       content_type="multipart/form-data")


def press(client, upload_url: str, action: str):
    page = client.get(upload_url).get_data(as_text=True)
    return client.post(f"{upload_url}/{action}", data={"csrf_token": csrf_from(page)})


def test_the_organiser_sees_the_preview_then_confirms_and_a_second_upload_changes_nothing(client, world, db,
                                                                                        tmp_path):
    assert login(client, "org").status_code == 302
    data = export(tmp_path, ROWS).read_bytes()
    response = post_file(client, data, "Индивидуальные результаты.xlsx")
    assert response.status_code == 302 and "/marks/" in response.headers["Location"]
    url = response.headers["Location"]
    html = client.get(url).get_data(as_text=True)
    assert "Что будет загружено" in html
    assert "Школ: <strong>3</strong>, участников: <strong>6</strong>" in html
    assert "отсутствовавших (будут пропущены): <strong>1</strong>" in html
    assert "Новых работ: <strong>6</strong>" in html and 'id="confirm-upload"' in html
    assert papers(db) == 0  # nothing written before the organiser's word

    done = press(client, url, "confirm")
    assert done.status_code == 302
    html = client.get(url).get_data(as_text=True)
    assert "Файл загружен: работ создано: 6" in html
    assert papers(db) == 6
    assert press(client, url, "confirm").status_code == 302  # a second click imports nothing twice
    assert "нельзя загрузить" in client.get(url).get_data(as_text=True)

    again = post_file(client, data, "Индивидуальные результаты.xlsx").headers["Location"]
    html = client.get(again).get_data(as_text=True)
    assert "Эти баллы уже загружены: повторная загрузка ничего не изменит" in html
    events = db.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.action.like("paper.%")))
    press(client, again, "confirm")
    assert "без изменений: 6" in client.get(again).get_data(as_text=True)
    assert db.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.action.like("paper.%"))) == events
    campaign_page = client.get(CAMPAIGN).get_data(as_text=True)
    assert 'id="marks-uploads"' in campaign_page and "Загружен" in campaign_page


def test_a_bad_file_lists_every_error_by_row_and_column_and_cannot_be_confirmed(client, world, db, tmp_path):
    login(client, "org")
    wrong = pupil("sch730101", 40001)
    wrong[-3] = 17  # the total disagrees with the tasks
    data = export(tmp_path, [wrong, pupil("sch999999", 40002), absent("sch730101", 40003)]).read_bytes()
    url = post_file(client, data, "export.xlsx").headers["Location"]
    html = client.get(url).get_data(as_text=True)
    assert "Найдено ошибок: 2" in html and "Ничего не записано" in html
    assert "указано 17, а сумма баллов по заданиям — 18" in html and "неизвестный код ОО «sch999999»" in html
    assert 'id="confirm-upload"' not in html
    assert press(client, url, "confirm").status_code == 302 and papers(db) == 0
    assert db.scalar(select(MarksUpload)).status == UploadStatus.REJECTED


def test_a_school_s_own_form_asks_for_the_school_in_the_web_s_words(client, world, db, tmp_path):
    login(client, "org")
    data = form(tmp_path, [school_pupil(40001, FULL1, FULL2)]).read_bytes()
    html = client.get(post_file(client, data, "Протокол.xlsx").headers["Location"]).get_data(as_text=True)
    assert "нет столбца «Код ОО»: выберите школу в поле «Школа» и загрузите файл снова" in html
    assert "--school" not in html
    url = post_file(client, data, "Протокол.xlsx", school="500101").headers["Location"]
    press(client, url, "confirm")
    assert papers(db) == 1


def test_cancelling_a_checked_file_removes_it_and_imports_nothing(client, world, db, data_dir, tmp_path):
    login(client, "org")
    url = post_file(client, export(tmp_path, ROWS).read_bytes(), "export.xlsx").headers["Location"]
    upload = db.scalar(select(MarksUpload))
    stored = data_dir / upload.stored_path
    assert stored.exists()
    assert press(client, url, "cancel").status_code == 302
    db.expire_all()
    assert db.scalar(select(MarksUpload)).status == UploadStatus.CANCELLED and not stored.exists()
    press(client, url, "confirm")
    assert papers(db) == 0


def test_uploads_are_the_organiser_s_and_the_campaign_s_own(app, client, world, db, tmp_path):
    login(client, "org")
    url = post_file(client, export(tmp_path, ROWS).read_bytes(), "export.xlsx").headers["Location"]
    upload_id = url.rstrip("/").rsplit("/", 1)[1]
    assert client.get(f"/organiser/campaigns/other/marks/{upload_id}").status_code == 404
    page = client.get(url).get_data(as_text=True)
    token = csrf_from(page)
    assert client.post(f"/organiser/campaigns/other/marks/{upload_id}/confirm",
                       data={"csrf_token": token}).status_code == 404
    assert client.post(f"{url}/confirm").status_code in (400, 403)  # no CSRF token
    expert = app.test_client()
    login(expert, "exp01")
    assert expert.get(url).status_code == 403
    assert papers(db) == 0


@pytest.mark.redis
def test_with_a_queue_both_steps_wait_for_a_real_worker(queued_app, world, db, cli_env, redis_url, tmp_path):
    client = queued_app.test_client()
    assert login(client, "org").status_code == 302
    url = post_file(client, export(tmp_path, ROWS).read_bytes(), "export.xlsx").headers["Location"]
    html = client.get(url).get_data(as_text=True)
    assert "Файл проверяется" in html and 'http-equiv="refresh"' in html
    assert db.scalar(select(MarksUpload)).job_id

    env = cli_env | {"REDIS_URL": redis_url}
    result = run_worker(env)
    assert result.returncode == 0, result.stderr
    html = client.get(url).get_data(as_text=True)
    assert "Новых работ: <strong>6</strong>" in html and 'http-equiv="refresh"' not in html

    press(client, url, "confirm")
    assert "Баллы загружаются" in client.get(url).get_data(as_text=True) and papers(db) == 0
    result = run_worker(env)
    assert result.returncode == 0, result.stderr
    assert "Файл загружен: работ создано: 6" in client.get(url).get_data(as_text=True)
    assert papers(db) == 6
