"""The organiser opens a campaign and uploads a school's original marks from the browser."""
from __future__ import annotations

import io

import pytest
from sqlalchemy import func, select

from crosscheck.models import Paper
from tests.conftest import csrf_from

LABELS = ["1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12.1", "12.2", "13", "14"]


def marks_csv(*rows: str) -> bytes:
    return ("\n".join([";".join(["Код участника", *LABELS, "Код ОО"]), *rows]) + "\n").encode("utf-8")


@pytest.fixture
def organiser(factory, login_as):
    factory.user("org", role="organiser")
    factory.school("500101")
    factory.campaign("vpr-math-5-2026", name="Весна 2026")
    factory.commit()
    return login_as("org")


def upload(client, data: bytes, name="marks.csv", school="", confirm=True):
    """Upload a file as the organiser does; with ``confirm``, confirm its preview too (when
    the check found it importable). Returns the last response (a redirect to the upload)."""
    page = client.get("/organiser/campaigns/vpr-math-5-2026/").get_data(as_text=True)
    response = client.post("/organiser/campaigns/vpr-math-5-2026/marks", data={
        "csrf_token": csrf_from(page), "school": school, "file": (io.BytesIO(data), name)},
        content_type="multipart/form-data")
    if not confirm or response.status_code != 302 or "/marks/" not in response.headers["Location"]:
        return response
    preview = client.get(response.headers["Location"]).get_data(as_text=True)
    if 'id="confirm-upload"' not in preview:
        return response
    return client.post(response.headers["Location"] + "/confirm", data={"csrf_token": csrf_from(preview)})


def test_campaign_page_shows_the_empty_state_and_the_upload_form(organiser):
    html = organiser.get("/organiser/campaigns/vpr-math-5-2026/").get_data(as_text=True)
    assert "Весна 2026" in html and "Работ пока нет" in html and 'id="marks-upload"' in html


def test_uploaded_marks_create_papers_and_show_per_school(organiser, db):
    response = upload(organiser, marks_csv("10001;" + ";".join(["1"] * 15) + ";500101",
                                           "10002;" + ";".join(["0"] * 15) + ";500101"))
    assert response.status_code == 302
    html = organiser.get(response.headers["Location"]).get_data(as_text=True)
    assert "работ создано: 2" in html
    assert "500101" in organiser.get("/organiser/campaigns/vpr-math-5-2026/").get_data(as_text=True)
    assert db.scalar(select(func.count()).select_from(Paper)) == 2


def test_bad_file_lists_every_error_in_russian_and_writes_nothing(organiser, db):
    response = upload(organiser, marks_csv("10001;5;" + ";".join(["1"] * 14) + ";500101",
                                           "10002;" + ";".join(["1"] * 15) + ";999"))
    assert response.status_code == 302
    html = organiser.get(response.headers["Location"]).get_data(as_text=True)
    assert "Найдено ошибок: 2" in html and "Ничего не записано" in html
    assert "«5» — недопустимый балл" in html and "неизвестный код ОО «999»" in html
    assert db.scalar(select(func.count()).select_from(Paper)) == 0


def test_upload_without_a_file_is_explained(organiser):
    page = organiser.get("/organiser/campaigns/vpr-math-5-2026/").get_data(as_text=True)
    response = organiser.post("/organiser/campaigns/vpr-math-5-2026/marks",
                              data={"csrf_token": csrf_from(page)}, follow_redirects=True)
    assert "Выберите файл" in response.get_data(as_text=True)


def test_unknown_campaign_is_404(organiser):
    assert organiser.get("/organiser/campaigns/nope/").status_code == 404


def test_only_organisers_reach_campaign_pages(client, factory, login_as):
    factory.user("exp01")
    factory.campaign("vpr-math-5-2026")
    factory.commit()
    login_as("exp01")
    assert client.get("/organiser/campaigns/vpr-math-5-2026/").status_code == 403
    assert client.post("/organiser/campaigns/vpr-math-5-2026/marks").status_code in (400, 403)
