"""Issue 15: people files previewed then written, the people page's service, accounts."""
from __future__ import annotations

import shutil
import subprocess

import pytest
from sqlalchemy import func, select
from werkzeug.security import check_password_hash

from crosscheck.models import Assignment, AssignmentStatus, AuditEvent, Conflict, User
from crosscheck.services.audit.trail import Actor
from crosscheck.services.distribution.regate import ACTION as WITHDRAWN
from crosscheck.services.people import directory, uploads
from crosscheck.services.people.accounts import (_PASSWORD_ALPHABET, common_passwords, generate_password,
                                                 password_problem, require_password_change, reset_password)
from crosscheck.services.people.directory import PersonForm, PersonRefused
from crosscheck.services.people.imports import import_users, preview
from crosscheck.services.reports.credentials import Slip, credentials_pdf

TEST = Actor(label="test")
HEADER = "login;full_name;role;school_code;subjects;password\n"


def count(db, model) -> int:
    return db.scalar(select(func.count()).select_from(model))


def users_csv(*rows: str) -> bytes:
    return (HEADER + "".join(r + "\n" for r in rows)).encode()


def test_preview_says_per_row_what_happens_and_writes_nothing(db, factory):
    factory.school("500101")
    factory.user("old", school=factory.school("500102"), full_name="Старое Имя")
    factory.commit()
    data = users_csv("new1;Новый Эксперт;expert;500101;Математика;",
                     "OLD;Новое Имя;expert;500102;Математика;",
                     "bad;;boss;999;;123")
    before = (count(db, User), count(db, AuditEvent))
    plan = preview(db, "users", "users.csv", data)
    assert (count(db, User), count(db, AuditEvent)) == before
    assert [(r.row, r.key, r.action, r.changes) for r in plan.rows] == [
        (2, "new1", "create", []), (3, "old", "update", ["full_name"])]
    assert plan.rows[0].note == "пароль будет создан"
    refused = {(e.row, e.column) for e in plan.errors}
    assert {(4, "full_name"), (4, "role"), (4, "school_code"), (4, "password")} <= refused
    assert all("123" not in e.message for e in plan.errors)  # a password is never shown back
    assert not plan.changes_nothing


def test_commit_then_the_same_file_changes_nothing(db, factory, data_dir):
    factory.school("500101")
    user = factory.user("org", role="organiser")
    factory.commit()
    data = users_csv("e1;Эксперт Один;expert;500101;Математика;", "e2;Эксперт Два;expert;500101;Математика;Xy7pass-word")
    staged = uploads.stage(data_dir, user.id, "users", "users.csv", data)
    assert uploads.load(data_dir, user.id + 1, staged.token) is None  # another organiser's file is not theirs
    assert uploads.load(data_dir, user.id, "../" + staged.token) is None
    result = uploads.commit(db, uploads.load(data_dir, user.id, staged.token), TEST)
    db.commit()
    assert (result.created, set(result.generated_passwords)) == (2, {"e1"})
    e1, e2 = (db.scalar(select(User).where(User.login == login)) for login in ("e1", "e2"))
    assert e1.must_change_password and not e2.must_change_password  # a generated password is the organiser's
    again = preview(db, "users", "users.csv", data)
    assert [r.action for r in again.rows] == ["unchanged", "unchanged"] and again.changes_nothing
    event = db.scalar(select(AuditEvent).where(AuditEvent.action == "people_upload.import"))
    assert event.after["people_created"] == 2 and "Xy7pass-word" not in str(event.after)


def test_conflicts_and_schools_previews(db, factory):
    school = factory.school("500101")
    expert = factory.user("e1", school=factory.school("500102"))
    factory.conflict(expert, school, "сын")
    factory.commit()
    plan = preview(db, "conflicts", "c.csv", "login;school_code;reason\nE1;500101;дочь\ne1;500102;\nnobody;500101;\n".encode())
    assert [(r.key, r.action) for r in plan.rows] == [("e1 → 500101", "update"), ("e1 → 500102", "create")]
    assert [(e.row, e.column) for e in plan.errors] == [(4, "login")]
    schools = preview(db, "schools", "s.csv", "code;name;municipality\n500101;Школа 500101;Заречный городской округ\n".encode())
    assert [(r.key, r.action) for r in schools.rows] == [("500101", "unchanged")]


def _live_assignment(factory):
    school_a, school_b = factory.school("500101"), factory.school("500102")
    expert = factory.user("e1", school=school_b)
    campaign = factory.campaign("c1")
    paper = factory.paper(campaign, school_a)
    assignment = factory.assignment(paper, expert)
    factory.commit()
    return expert, assignment


def test_a_conflict_added_by_hand_withdraws_live_work_at_once(db, factory):
    expert, assignment = _live_assignment(factory)
    conflict, withdrawn = directory.add_conflict(db, expert, "500101", "жена работает", TEST)
    db.commit()
    assert len(withdrawn) == 1
    db.expire_all()
    assert db.get(Assignment, assignment.id).status == AssignmentStatus.SUPERSEDED
    assert db.scalar(select(AuditEvent).where(AuditEvent.action == WITHDRAWN, AuditEvent.entity_id == assignment.id))
    with pytest.raises(PersonRefused):
        directory.add_conflict(db, expert, "500101", "", TEST)  # declared already
    with pytest.raises(PersonRefused):
        directory.add_conflict(db, expert, "nope", "", TEST)


def test_an_expert_declares_their_own_conflict(db, factory):
    expert, assignment = _live_assignment(factory)
    conflict, _ = directory.add_conflict(db, expert, "500101", "вторая работа", Actor(expert), self_declared=True)
    db.commit()
    assert conflict.self_declared
    event = db.scalar(select(AuditEvent).where(AuditEvent.action == "conflict.create"))
    assert event.actor_id == expert.id and event.after["self_declared"] is True
    directory.remove_conflict(db, conflict, TEST)
    db.commit()
    assert count(db, Conflict) == 0
    assert db.scalar(select(AuditEvent).where(AuditEvent.action == "conflict.delete")).before["school"] == "500101"


def test_a_changed_school_reruns_the_gate(db, factory):
    expert, assignment = _live_assignment(factory)
    withdrawn = directory.update_person(db, expert, PersonForm(full_name=expert.full_name, role="expert",
                                                               school_code="500101", subjects="Математика"), TEST)
    db.commit()
    assert len(withdrawn) == 1  # now works at the paper's school
    assert directory.update_person(db, expert, PersonForm.of(expert), TEST) is None  # nothing changed


def test_create_person_validates_and_forces_a_change(db, factory):
    factory.school("500101")
    factory.user("taken", role="observer")
    factory.commit()
    with pytest.raises(PersonRefused) as info:
        directory.create_person(db, PersonForm(login="Taken", full_name="", role="expert", subjects=""), TEST)
    assert set(info.value.problems) == {"login", "full_name", "school_code", "subjects"}
    user, password = directory.create_person(db, PersonForm(login=" New.Expert ", full_name="Иванова И. И.",
                                                            role="expert", school_code="500101",
                                                            subjects="Математика; Русский язык"), TEST)
    db.commit()
    assert user.login == "new.expert" and user.must_change_password
    assert user.subject_names == ["Математика", "Русский язык"]
    assert check_password_hash(user.password_hash, password) and password not in user.password_hash
    event = db.scalar(select(AuditEvent).where(AuditEvent.action == "user.create", AuditEvent.entity_id == user.id))
    assert password not in str(event.after)


def test_search_filters_and_pages(db, factory):
    school = factory.school("500777")
    school.name = "Лицей Звезда"
    for i in range(7):
        factory.user(f"exp{i}", school=school)
    off = factory.user("observer1", role="observer")
    off.active = False
    factory.commit()
    assert directory.search(db, q="звезда").total == 7
    assert directory.search(db, q="EXP3").items[0].login == "exp3"
    assert directory.search(db, q="exp_").total == 0 and directory.search(db, q="%").total == 0
    assert [u.login for u in directory.search(db, role="observer").items] == ["observer1"]
    assert [u.login for u in directory.search(db, active="0").items] == ["observer1"]
    page = directory.search(db, role="expert", page=2, per_page=5)
    assert (page.total, page.pages, page.page, len(page.items)) == (7, 2, 2, 2)
    assert directory.search(db, page=99, per_page=5).page == 2


def test_generated_passwords_are_strong_and_readable():
    seen = {generate_password() for _ in range(200)}
    assert len(seen) == 200
    for password in seen:
        assert len(password) == 12 and set(password) <= set(_PASSWORD_ALPHABET)
        assert not set(password) & set("0O1lI")
        assert any(c.isdigit() for c in password) and password_problem(password) is None
        assert password.lower() not in common_passwords()


def test_reset_password_ends_sessions_and_forces_a_change(db, factory):
    user = factory.user("e1")
    factory.commit()
    version, old_hash = user.session_version, user.password_hash
    password = reset_password(db, user, TEST)
    db.commit()
    assert user.password_hash != old_hash and check_password_hash(user.password_hash, password)
    assert user.must_change_password and user.session_version == version + 1
    event = db.scalar(select(AuditEvent).where(AuditEvent.action == "user.password_reset"))
    assert password not in str(event.after) and event.after == {"must_change_password": True}
    assert require_password_change(db, user, TEST) is False  # already so


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils not installed")
def test_credentials_sheet_has_one_slip_per_person(tmp_path):
    pdf = credentials_pdf([Slip("Иванова Ирина", "ivanova", "Ab3dEf7hJk9m"), Slip("Петров Пётр", "petrov", "Zx8cVb6nMq2w")],
                          "https://vpr.example.ru/login")
    path = tmp_path / "c.pdf"
    path.write_bytes(pdf)
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
    for piece in ("ivanova", "Ab3dEf7hJk9m", "petrov", "Петров Пётр", "https://vpr.example.ru/login",
                  "Смените пароль при первом входе"):
        assert piece in text
