"""Issue 19 findings 14 and 10 (login and password forms): throttling per address and per
(login, address), no lockout of a victim by a stranger, case-insensitive logins, the
password change throttled, old records purged, overlong input answered in Russian.

Client addresses are documentation addresses (203.0.113.0/24) set on the test client;
no traffic leaves the process."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from crosscheck.db import utcnow
from crosscheck.models import LoginAttempt, User
from tests.conftest import csrf_from, login

VICTIM, ATTACKER = "203.0.113.10", "203.0.113.66"


def browser(app, address: str):
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


def age_attempts(db, seconds: float) -> None:
    """Move every recorded failure ``seconds`` into the past (instead of waiting)."""
    for attempt in db.scalars(select(LoginAttempt)):
        attempt.at -= timedelta(seconds=seconds)
    db.commit()


def attempts(db) -> int:
    db.expire_all()
    return db.scalar(select(func.count()).select_from(LoginAttempt))


def test_spraying_many_accounts_from_one_address_is_stopped(app, factory):
    for n in range(12):
        factory.user(f"exp{n:02d}")
    factory.commit()
    sprayer = browser(app, ATTACKER)
    statuses = [login(sprayer, f"exp{n:02d}", guess).status_code
                for guess in ("Qwerty2026", "Zima2026!") for n in range(12)]
    assert statuses[:20] == [401] * 20 and set(statuses[20:]) == {429}  # 20 failures per address
    assert login(sprayer, "exp00").status_code == 429  # even the right password, from there
    assert login(browser(app, VICTIM), "exp00").status_code == 302  # everyone else is unaffected


def test_a_stranger_cannot_lock_the_owner_out(app, db, factory):
    factory.user("exp01")
    factory.commit()
    stranger = browser(app, ATTACKER)
    for _ in range(5):
        assert login(stranger, "exp01", "Guess2026x").status_code == 401
    assert login(stranger, "exp01").status_code == 429  # the guesser's address is locked for 15 minutes

    owner = browser(app, VICTIM)
    slowed = login(owner, "exp01")
    assert slowed.status_code == 429 and int(slowed.headers["Retry-After"]) <= 2  # slowed, not locked
    assert "Повторите через" in slowed.get_data(as_text=True)
    age_attempts(db, 3)
    assert login(owner, "exp01").status_code == 302
    assert login(browser(app, ATTACKER), "exp01").status_code == 429  # the owner's login freed nobody else


def test_many_addresses_against_one_login_slow_it_to_a_minute_at_most(app, db, factory):
    factory.user("exp01")
    db.add_all([LoginAttempt(login="exp01", remote_addr=f"198.51.100.{n // 5}") for n in range(50)])
    factory.commit()
    owner = browser(app, VICTIM)
    slowed = login(owner, "exp01")
    assert slowed.status_code == 429 and 55 <= int(slowed.headers["Retry-After"]) <= 60
    age_attempts(db, 61)
    assert login(owner, "exp01").status_code == 302


def test_a_lock_lifts_when_the_window_has_passed(app, db, factory):
    factory.user("exp01")
    factory.commit()
    client = browser(app, VICTIM)
    for _ in range(5):
        login(client, "exp01", "Guess2026x")
    locked = login(client, "exp01")
    assert locked.status_code == 429 and 14 * 60 < int(locked.headers["Retry-After"]) <= 15 * 60
    assert "Повторите через 15 мин." in locked.get_data(as_text=True)
    age_attempts(db, 15 * 60 + 1)
    assert login(client, "exp01").status_code == 302


def test_logins_are_case_insensitive_and_share_one_counter(app, db, factory):
    user = factory.user("exp01")
    factory.commit()
    client = browser(app, ATTACKER)
    for variant in ("EXP01", "Exp01", "eXp01", " exp01 ", "EXP01"):
        assert login(client, variant, "Guess2026x").status_code == 401
    assert login(client, "exp01").status_code == 429  # one account, one counter
    assert set(db.scalars(select(LoginAttempt.login))) == {"exp01"}

    other = browser(app, VICTIM)
    age_attempts(db, 60)
    assert login(other, "EXP01").status_code == 302
    assert other.get("/api/v1/me").get_json()["login"] == user.login == "exp01"


def test_an_account_stored_with_capitals_logs_in_in_any_case(app, factory):
    factory.user("Ivanova")  # imported before logins were normalised
    factory.commit()
    assert login(browser(app, VICTIM), "ivanova").status_code == 302
    assert login(browser(app, VICTIM), "IVANOVA").status_code == 302


def test_the_import_stores_lower_case_and_refuses_case_variant_duplicates(db, factory, tmp_path):
    from crosscheck.imports.tabular import ImportRejected
    from crosscheck.services.people.imports import import_users

    factory.school("500101")
    factory.commit()
    header = "login;full_name;role;school_code;subjects;password\n"
    path = tmp_path / "users.csv"
    path.write_text(header + "Exp01;Петрова;expert;500101;Математика;\nEXP01;Петрова;expert;500101;Математика;\n",
                    encoding="utf-8")
    with pytest.raises(ImportRejected) as info:
        import_users(db, path)
    assert [str(e) for e in info.value.errors] == ['row 3, column "login": «EXP01» уже встречается в строке 2']
    path.write_text(header + "Exp01;Петрова;expert;500101;Математика;\n", encoding="utf-8")
    assert import_users(db, path).created == 1
    path.write_text(header + "EXP01;Петрова;expert;500101;Математика;\n", encoding="utf-8")
    assert import_users(db, path).unchanged == 1  # the same account, whatever the case
    assert db.scalars(select(User.login)).all() == ["exp01"]


def test_the_password_change_is_throttled_too(app, db, factory):
    factory.user("exp01")
    factory.commit()
    client = browser(app, ATTACKER)
    assert login(client, "exp01").status_code == 302
    token = csrf_from(client.get("/account/password").get_data(as_text=True))

    def change(current: str):
        return client.post("/account/password", data={"csrf_token": token, "current": current,
                                                      "new": "Zarechny2026", "repeat": "Zarechny2026"})

    for _ in range(5):
        assert change("Guess2026x").status_code == 400
    refused = change("pass1234")  # the right one, too late
    assert refused.status_code == 429 and "Слишком много неудачных попыток" in refused.get_data(as_text=True)
    db.expire_all()
    from werkzeug.security import check_password_hash

    assert check_password_hash(db.scalar(select(User.password_hash)), "pass1234")  # unchanged


def test_old_attempts_are_purged_by_logins(app, db, factory):
    factory.user("exp01")
    db.add_all([LoginAttempt(login="someone", remote_addr="198.51.100.1", at=utcnow() - timedelta(hours=2)),
                LoginAttempt(login="someone", remote_addr="198.51.100.1", at=utcnow() - timedelta(minutes=5))])
    factory.commit()
    assert login(browser(app, VICTIM), "exp01", "Guess2026x").status_code == 401
    assert attempts(db) == 2  # the recent one and the new failure; the old one is gone
    assert login(browser(app, VICTIM), "exp01").status_code == 302
    assert attempts(db) == 1  # the owner's own failure went with the success


@pytest.mark.parametrize("username", ["x" * 101, "я" * 300, "a" * 5000])
def test_an_overlong_login_is_a_russian_form_error_not_a_500(app, db, username):
    client = browser(app, ATTACKER)
    response = login(client, username, "whatever1")
    assert response.status_code == 400
    assert "Логин не длиннее 100 символов" in response.get_data(as_text=True)
    assert attempts(db) == 0


def test_an_overlong_password_is_a_form_error(app, db, factory):
    factory.user("exp01")
    factory.commit()
    response = login(browser(app, ATTACKER), "exp01", "p1" * 100)
    assert response.status_code == 400 and "Пароль не длиннее 128 символов" in response.get_data(as_text=True)


def test_the_service_survives_an_overlong_login_on_every_database(db):
    """Whatever reaches authenticate: no login_attempts value over its column (PostgreSQL refuses)."""
    from crosscheck.services.people.accounts import authenticate

    assert authenticate(db, "Я" * 500, "x" * 1000, remote_addr="a" * 200) is None
    db.commit()
    assert db.scalar(select(func.max(func.length(LoginAttempt.login)))) == 100


def test_the_password_change_form_refuses_overlong_values(client, factory, login_as):
    factory.user("exp01")
    factory.commit()
    login_as("exp01")
    token = csrf_from(client.get("/account/password").get_data(as_text=True))
    long_new = client.post("/account/password", data={"csrf_token": token, "current": "pass1234",
                                                      "new": "a1" * 100, "repeat": "a1" * 100})
    assert long_new.status_code == 400 and "пароль длиннее 128 символов" in long_new.get_data(as_text=True)
    long_current = client.post("/account/password", data={"csrf_token": token, "current": "x" * 100_000,
                                                          "new": "Zarechny2026", "repeat": "Zarechny2026"})
    assert long_current.status_code == 400 and "текущий пароль указан неверно" in long_current.get_data(as_text=True)


@pytest.mark.parametrize("proxy_hops", [0, 1])
def test_behind_nginx_the_forwarded_address_counts_and_directly_it_cannot_be_forged(database_url, data_dir, db,
                                                                                   factory, proxy_hops):
    from crosscheck import create_app
    from crosscheck.config import Config
    from tests.conftest import _url_env

    factory.user("exp01")
    factory.commit()
    app = create_app(Config.from_env(_url_env(database_url, data_dir), testing=True, proxy_hops=proxy_hops))
    client = browser(app, "127.0.0.1")  # nginx, or a client claiming to be forwarded
    try:
        for n in range(5):
            token = csrf_from(client.get("/login").get_data(as_text=True))
            client.post("/login", headers={"X-Forwarded-For": f"198.51.100.{n}"},
                        data={"username": "exp01", "password": "Guess2026x", "csrf_token": token})
        db.expire_all()
        seen = set(db.scalars(select(LoginAttempt.remote_addr)))
        if proxy_hops:
            assert seen == {f"198.51.100.{n}" for n in range(5)}  # each client its own address
        else:
            assert seen == {"127.0.0.1"}  # the header is ignored: it could be forged
            assert login(client, "exp01").status_code == 429
    finally:
        app.extensions["crosscheck.db"].dispose()


def test_production_trusts_one_proxy_by_default(tmp_path):
    from crosscheck.config import Config

    base = {"SECRET_KEY": "k9" * 20, "CROSSCHECK_DATA_DIR": str(tmp_path)}
    assert Config.from_env(base).proxy_hops == 0
    assert Config.from_env(base | {"CROSSCHECK_ENV": "production"}).proxy_hops == 1
    assert Config.from_env(base | {"CROSSCHECK_ENV": "production", "CROSSCHECK_PROXY_HOPS": "0"}).proxy_hops == 0
