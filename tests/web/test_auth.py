"""Logging in and out, throttling, CSRF and bearer tokens."""
from __future__ import annotations

from sqlalchemy import select

from tests.conftest import csrf_from, login


def test_login_page_is_russian_with_the_contract_fields(client):
    html = client.get("/login").get_data(as_text=True)
    assert 'lang="ru"' in html and "Вход в систему" in html
    assert 'name="username"' in html and 'name="password"' in html and 'name="csrf_token"' in html


def test_expert_logs_in_and_lands_on_their_queue(client, factory):
    factory.user("exp01")
    factory.commit()
    response = login(client, "exp01")
    assert response.status_code == 302 and response.headers["Location"].endswith("/")
    page = client.get("/", follow_redirects=True).get_data(as_text=True)
    assert "Мои работы" in page and "Пока вам не назначено ни одной работы" in page


def test_wrong_password_and_unknown_login_get_the_same_generic_answer(client, factory):
    factory.user("exp01")
    factory.commit()
    wrong = login(client, "exp01", "wrong-pass1")
    ghost = login(client, "nobody", "wrong-pass1")
    assert wrong.status_code == ghost.status_code == 401
    for response in (wrong, ghost):
        html = response.get_data(as_text=True)
        assert "Неверный логин или пароль." in html
        assert "не найден" not in html and "не существует" not in html


def test_login_without_csrf_token_is_refused(client, factory):
    factory.user("exp01")
    factory.commit()
    response = client.post("/login", data={"username": "exp01", "password": "pass1234"})
    assert response.status_code == 400
    assert "Форма устарела" in response.get_data(as_text=True)


def test_failed_logins_are_throttled_even_with_the_right_password(client, factory):
    factory.user("exp01")
    factory.commit()
    for _ in range(5):
        assert login(client, "exp01", "bad-pass99").status_code == 401
    blocked = login(client, "exp01", "pass1234")
    assert blocked.status_code == 429
    assert "Слишком много неудачных попыток" in blocked.get_data(as_text=True)


def test_successful_login_resets_the_failure_count(client, factory):
    factory.user("exp01")
    factory.commit()
    for _ in range(4):
        login(client, "exp01", "bad-pass99")
    assert login(client, "exp01").status_code == 302
    client.post("/logout", data={"csrf_token": csrf_from(client.get("/expert/").get_data(as_text=True))})
    for _ in range(4):
        assert login(client, "exp01", "bad-pass99").status_code == 401
    assert login(client, "exp01").status_code == 302


def test_inactive_user_cannot_log_in(client, factory):
    user = factory.user("exp01")
    user.active = False
    factory.commit()
    assert login(client, "exp01").status_code == 401


def test_logout_needs_post_with_csrf_and_ends_the_session(client, factory, login_as):
    factory.user("exp01")
    factory.commit()
    login_as("exp01")
    page = client.get("/expert/").get_data(as_text=True)
    assert client.get("/logout").status_code == 405
    assert client.post("/logout").status_code == 400  # no CSRF token
    response = client.post("/logout", data={"csrf_token": csrf_from(page)})
    assert response.status_code == 302
    assert client.get("/expert/").status_code == 302  # back to the login page


def test_open_redirect_after_login_is_ignored(client, factory):
    factory.user("exp01")
    factory.commit()
    token = csrf_from(client.get("/login").get_data(as_text=True))
    response = client.post("/login?next=https://evil.example/", data={
        "username": "exp01", "password": "pass1234", "csrf_token": token})
    assert response.headers["Location"] == "/"


def test_next_parameter_brings_the_user_back(client, factory):
    factory.user("org", role="organiser")
    factory.commit()
    first = client.get("/organiser/")
    assert first.status_code == 302 and "next=" in first.headers["Location"]
    token = csrf_from(client.get(first.headers["Location"]).get_data(as_text=True))
    response = client.post("/login?next=/organiser/", data={
        "username": "org", "password": "pass1234", "csrf_token": token})
    assert response.headers["Location"] == "/organiser/"


def test_passwords_are_stored_hashed(db, factory):
    user = factory.user("exp01")
    assert "pass1234" not in user.password_hash and user.password_hash.startswith(("scrypt:", "pbkdf2:"))


def test_a_user_changes_their_own_password_under_the_policy(client, factory, login_as, db):
    from crosscheck.models import AuditEvent, User

    factory.user("exp01")
    factory.commit()
    login_as("exp01")
    page = client.get("/account/password")
    assert page.status_code == 200 and "Смена пароля" in page.text
    token = csrf_from(page.text)

    def change(current, new, repeat=None):
        return client.post("/account/password", data={"csrf_token": token, "current": current, "new": new,
                                                      "repeat": new if repeat is None else repeat})

    wrong = change("not-mine-1", "Newpass2026")
    assert wrong.status_code == 400 and "текущий пароль указан неверно" in wrong.text
    weak = change("pass1234", "short1")
    assert weak.status_code == 400 and "пароль короче 8 символов" in weak.text
    letters = change("pass1234", "onlyletters")
    assert letters.status_code == 400 and "и буквы, и цифры" in letters.text
    mismatch = change("pass1234", "Newpass2026", "Newpass2027")
    assert mismatch.status_code == 400 and "не совпадают" in mismatch.text
    assert change("pass1234", "Newpass2026").status_code == 302

    db.expire_all()
    user = db.scalar(select(User).where(User.login == "exp01"))
    assert "Newpass2026" not in user.password_hash
    events = db.scalars(select(AuditEvent).where(AuditEvent.action == "user.password")).all()
    assert len(events) == 1 and "Newpass2026" not in str(events[0].after)
    client.post("/logout", data={"csrf_token": token})
    assert login(client, "exp01", "pass1234").status_code != 302  # the old password is gone
    assert login(client, "exp01", "Newpass2026").status_code == 302


def test_changing_a_password_needs_a_session_and_a_csrf_token(client, factory, login_as):
    assert client.get("/account/password").status_code == 302  # to the login page
    factory.user("exp01")
    factory.commit()
    login_as("exp01")
    refused = client.post("/account/password", data={"current": "pass1234", "new": "Newpass2026",
                                                      "repeat": "Newpass2026"})
    assert refused.status_code == 400
