"""Issue 19 finding 15 (ASVS 2.1.7): common passwords are refused wherever a password is set."""
from __future__ import annotations

import pytest

from crosscheck.imports.tabular import ImportRejected
from crosscheck.services.people.accounts import (COMMON_PASSWORDS_FILE, common_passwords, generate_password,
                                                 password_problem)
from tests.conftest import csrf_from

COMMON = ["password1", "qwertyu1", "Password1", "QWERTY123", "1q2w3e4r", "zaq12wsx", "пароль123", "gfhjkm123"]


def test_the_shipped_list_is_a_few_thousand_lower_case_passwords_in_the_package():
    words = common_passwords()
    assert COMMON_PASSWORDS_FILE.parent.name == "people" and COMMON_PASSWORDS_FILE.suffix == ".gz"
    assert 5000 < len(words) < 20000
    assert all(w == w.lower() and len(w) >= 8 for w in words)


@pytest.mark.parametrize("password", COMMON)
def test_common_passwords_are_refused_in_any_letter_case(password):
    assert password_problem(password) == "это один из самых распространённых паролей, его подбирают первым: " \
                                         "придумайте другой"


@pytest.mark.parametrize("password", ["Zarechny2026", "demo2026", "кот-в-сапогах-7"])
def test_uncommon_passwords_that_follow_the_rules_pass(password):
    assert password_problem(password) is None


def test_generated_passwords_are_never_common():
    assert all(password_problem(generate_password()) is None for _ in range(50))


def test_the_password_change_refuses_a_common_password(client, factory, login_as):
    factory.user("exp01")
    factory.commit()
    login_as("exp01")
    token = csrf_from(client.get("/account/password").get_data(as_text=True))
    for weak in ("password1", "Qwertyu1"):
        response = client.post("/account/password", data={"csrf_token": token, "current": "pass1234",
                                                          "new": weak, "repeat": weak})
        assert response.status_code == 400 and "самых распространённых паролей" in response.get_data(as_text=True)
    ok = client.post("/account/password", data={"csrf_token": token, "current": "pass1234",
                                                "new": "Zarechny2026", "repeat": "Zarechny2026"})
    assert ok.status_code == 302


def test_the_import_refuses_common_passwords_with_a_row_error(db, factory, tmp_path):
    from crosscheck.services.people.imports import import_users

    factory.school("500101")
    factory.commit()
    path = tmp_path / "users.csv"
    path.write_text("login;full_name;role;school_code;subjects;password\n"
                    "exp01;Петрова;expert;500101;Математика;password1\n"
                    "exp02;Смирнов;expert;500101;Математика;Zarechny2026\n", encoding="utf-8")
    with pytest.raises(ImportRejected) as info:
        import_users(db, path)
    assert [str(e) for e in info.value.errors] == [
        'row 2, column "password": это один из самых распространённых паролей, его подбирают первым: '
        'придумайте другой']
