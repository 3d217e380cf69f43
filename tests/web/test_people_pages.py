"""«Люди» in the browser (issue 15): organisers only, CSRF, upload → preview → one commit,
passwords shown once, a forced change at the next login, experts' own conflicts."""
from __future__ import annotations

import io
import re

import pytest
from sqlalchemy import select

from crosscheck.models import Assignment, AssignmentStatus, AuditEvent, Conflict, User
from tests.conftest import csrf_from, login

PEOPLE = "/organiser/people/"
USERS = ("login;full_name;role;school_code;subjects;password\n"
         "ivanova;Иванова Ирина;expert;500101;Математика;\n"
         "petrov;Петров Пётр;expert;500101;Математика;Secret-42x\n")


@pytest.fixture
def world(factory):
    factory.user("org", role="organiser")
    factory.user("org2", role="organiser")
    school_a, school_b = factory.school("500101"), factory.school("500102")
    expert = factory.user("exp01", school=school_b)
    campaign = factory.campaign("c1")
    assignment = factory.assignment(factory.paper(campaign, school_a), expert)
    factory.commit()
    return {"expert": expert.id, "assignment": assignment.id}


def token(client, url: str = PEOPLE) -> str:
    return csrf_from(client.get(url).get_data(as_text=True))


def upload(client, text: str, kind: str = "users", name: str = "users.csv"):
    return client.post(f"{PEOPLE}upload", data={"csrf_token": token(client), "kind": kind,
                                                "file": (io.BytesIO(text.encode()), name)},
                       content_type="multipart/form-data")


def commit_url(html: str) -> str:
    return re.search(r'action="(/organiser/people/upload/[^/"]+/commit)"', html).group(1)


def test_only_organisers_see_and_change_people(client, world):
    assert login(client, "exp01").status_code == 302
    for url in (PEOPLE, f"{PEOPLE}new", f"{PEOPLE}{world['expert']}"):
        assert client.get(url).status_code == 403
    csrf = token(client, "/account/conflicts")
    assert client.post(f"{PEOPLE}{world['expert']}/password", data={"csrf_token": csrf}).status_code == 403
    assert client.post(f"{PEOPLE}upload", data={"csrf_token": csrf, "kind": "users"}).status_code == 403


def test_no_csrf_no_change(client, db, world):
    login(client, "org")
    response = client.post(f"{PEOPLE}{world['expert']}/active", data={"active": "0"})
    assert response.status_code == 400
    db.expire_all()
    assert db.get(User, world["expert"]).active


def test_upload_preview_commit_credentials_then_nothing_changes(client, db, world):
    login(client, "org")
    response = upload(client, USERS)
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "будет создан" in html and "пароль будет создан" in html
    assert "Secret-42x" not in html  # a password from the file is never shown back
    assert db.scalar(select(User).where(User.login == "ivanova")) is None  # nothing written yet
    done = client.post(commit_url(html), data={"csrf_token": csrf_from(html)})
    page = done.get_data(as_text=True)
    assert done.status_code == 200 and "ivanova" in page and 'download="credentials.pdf"' in page
    assert "Secret-42x" not in page and "petrov" not in page.split('id="credentials"')[1]  # only generated ones
    assert done.headers["Cache-Control"].startswith("no-store")
    password = re.search(r'<code class="password">([^<]+)</code>', page).group(1)
    db.expire_all()
    assert db.scalar(select(User).where(User.login == "ivanova")).must_change_password
    # the confirmation cannot be replayed (the staged file is gone)
    again = client.post(commit_url(html), data={"csrf_token": csrf_from(html)})
    assert again.status_code == 302 and password not in again.get_data(as_text=True)
    # the same file once more: «без изменений», no passwords
    html2 = upload(client, USERS).get_data(as_text=True)
    assert 'id="nothing-changes"' in html2 and "без изменений" in html2
    final = client.post(commit_url(html2), data={"csrf_token": csrf_from(html2)})
    assert final.status_code == 302
    audit = [e.after for e in db.scalars(select(AuditEvent))]
    assert not any(password in str(a) or "Secret-42x" in str(a) for a in audit)


def test_a_bad_file_lists_rows_and_offers_no_commit(client, world):
    login(client, "org")
    response = upload(client, "login;full_name;role;school_code;subjects;password\nx;;king;999;;\n")
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and 'id="import-errors"' in html and "commit" not in html
    assert "неизвестная роль" in html and "неизвестный код ОО" in html
    missing = upload(client, "login;name\nx;y\n")
    assert missing.status_code == 400


def test_another_organisers_staged_file_is_not_theirs(app, world):
    first, second = app.test_client(), app.test_client()
    login(first, "org")
    html = upload(first, USERS).get_data(as_text=True)
    login(second, "org2")
    response = second.post(commit_url(html), data={"csrf_token": token(second)})
    assert response.status_code == 302
    assert "ivanova" not in second.get(PEOPLE).get_data(as_text=True)


def test_reset_shows_the_password_once_and_forces_a_change(app, client, db, world):
    login(client, "org")
    url = f"{PEOPLE}{world['expert']}"
    page = client.post(f"{url}/password", data={"csrf_token": token(client, url)}).get_data(as_text=True)
    password = re.search(r'<code class="password">([^<]+)</code>', page).group(1)
    assert password not in client.get(url).get_data(as_text=True)  # never shown again
    assert password not in client.get(PEOPLE).get_data(as_text=True)
    expert = app.test_client()
    assert login(expert, "exp01", password).status_code == 302
    assert expert.get("/").headers["Location"].endswith("/account/password")  # made to change it first
    assert expert.get("/marking/next").headers["Location"].endswith("/account/password")
    csrf = token(expert, "/account/password")
    changed = expert.post("/account/password", data={"csrf_token": csrf, "current": password,
                                                     "new": "Fresh-pass-2026", "repeat": "Fresh-pass-2026"})
    assert changed.headers["Location"].endswith("/account/conflicts?first=1")
    assert expert.get("/").status_code in (200, 302)
    db.expire_all()
    assert not db.get(User, world["expert"]).must_change_password


def test_add_person_edit_deactivate_and_conflicts(client, db, world):
    login(client, "org")
    csrf = token(client, f"{PEOPLE}new")
    created = client.post(f"{PEOPLE}new", data={"csrf_token": csrf, "login": "Sidorov", "full_name": "Сидоров С.",
                                                "role": "expert", "school_code": "500102", "subjects": "Математика"})
    assert created.status_code == 200 and "sidorov" in created.get_data(as_text=True)
    refused = client.post(f"{PEOPLE}new", data={"csrf_token": csrf, "login": "sidorov", "full_name": "",
                                                "role": "expert", "school_code": "", "subjects": ""})
    assert refused.status_code == 400 and "уже занят" in refused.get_data(as_text=True)
    url = f"{PEOPLE}{world['expert']}"
    added = client.post(f"{url}/conflicts", data={"csrf_token": csrf, "school_code": "500101", "reason": "сестра"})
    assert added.status_code == 302
    db.expire_all()
    assert db.get(Assignment, world["assignment"]).status == AssignmentStatus.SUPERSEDED  # the gate at once
    conflict = db.scalar(select(Conflict))
    assert "сестра" in client.get(url).get_data(as_text=True)
    other = db.scalar(select(User).where(User.login == "sidorov"))
    assert client.post(f"{PEOPLE}{other.id}/conflicts/{conflict.id}/delete",
                       data={"csrf_token": csrf}).status_code == 404  # another person's conflict
    assert client.post(f"{url}/conflicts/{conflict.id}/delete", data={"csrf_token": csrf}).status_code == 302
    edited = client.post(url, data={"csrf_token": csrf, "full_name": "Эксперт Новый", "role": "expert",
                                    "school_code": "500102", "subjects": "Математика; Физика"})
    assert edited.status_code == 302
    assert client.post(f"{url}/active", data={"csrf_token": csrf, "active": "0"}).status_code == 302
    db.expire_all()
    expert = db.get(User, world["expert"])
    assert (expert.full_name, expert.subject_names, expert.active) == ("Эксперт Новый", ["Математика", "Физика"], False)
    listed = client.get(f"{PEOPLE}?active=0").get_data(as_text=True)
    assert "exp01" in listed and "sidorov" not in listed


def test_an_expert_declares_a_conflict_and_the_gate_applies(client, db, world):
    login(client, "exp01")
    csrf = token(client, "/account/conflicts")
    response = client.post("/account/conflicts", data={"csrf_token": csrf, "school_code": "500101",
                                                       "reason": "работаю по совместительству"})
    assert response.status_code == 302
    db.expire_all()
    assert db.scalar(select(Conflict)).self_declared
    assert db.get(Assignment, world["assignment"]).status == AssignmentStatus.SUPERSEDED
    again = client.post("/account/conflicts", data={"csrf_token": csrf, "school_code": "500101", "reason": ""})
    assert again.status_code == 400
    client2 = client.application.test_client()
    login(client2, "org")
    assert "сам эксперт" in client2.get(f"{PEOPLE}{world['expert']}").get_data(as_text=True)


def test_deactivation_ends_the_persons_sessions_and_bad_edits_are_refused(app, client, db, world):
    expert = app.test_client()
    assert login(expert, "exp01").status_code == 302
    assert expert.get("/").status_code in (200, 302) and "/login" not in expert.get("/").headers.get("Location", "")
    login(client, "org")
    url = f"{PEOPLE}{world['expert']}"
    csrf = token(client, url)
    refused = client.post(url, data={"csrf_token": csrf, "full_name": "", "role": "expert", "school_code": "",
                                     "subjects": ""})
    assert refused.status_code == 400 and "нужно место работы" in refused.get_data(as_text=True)
    assert client.post(f"{url}/active", data={"csrf_token": csrf, "active": "0"}).status_code == 302
    assert "/login" in expert.get("/").headers["Location"]  # signed out at once
    me = db.scalar(select(User).where(User.login == "org"))
    assert client.post(f"{PEOPLE}{me.id}/active", data={"csrf_token": csrf, "active": "0"}).status_code == 302
    db.expire_all()
    assert db.get(User, me.id).active  # an organiser cannot lock themself out
    assert client.post(f"{url}/active", data={"csrf_token": csrf, "active": "1"}).status_code == 302
    db.expire_all()
    assert db.get(User, world["expert"]).active
    actions = [e.action for e in db.scalars(select(AuditEvent).where(AuditEvent.entity_id == world["expert"]))]
    assert "user.deactivate" in actions and "user.activate" in actions


def test_an_xlsx_schools_file_is_previewed_and_committed(client, db, world):
    from openpyxl import Workbook

    from crosscheck.models import School

    wb = Workbook()
    ws = wb.active
    ws.append(["code", "name", "municipality"])
    ws.append([500103, "Лицей № 3", "Заречный"])
    ws.append(["500101", "Школа 500101", "Заречный городской округ"])
    buffer = io.BytesIO()
    wb.save(buffer)
    login(client, "org")
    response = client.post(f"{PEOPLE}upload", data={"csrf_token": token(client), "kind": "schools",
                                                    "file": (io.BytesIO(buffer.getvalue()), "schools.xlsx")},
                           content_type="multipart/form-data")
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "будет создан" in html and "без изменений" in html
    assert client.post(commit_url(html), data={"csrf_token": csrf_from(html)}).status_code == 302
    assert db.scalar(select(School.name).where(School.code == "500103")) == "Лицей № 3"
