"""Issue 19 finding 6: a session cookie has a server-side identity (users.session_version).

The attacks: a copied session cookie must stop working after the victim logs out, after
the password was changed elsewhere and after the account was deactivated; a cookie never
lives longer than CROSSCHECK_SESSION_HOURS; logins and logouts are in the audit trail."""
from __future__ import annotations

import time

from sqlalchemy import select

from crosscheck.models import AuditEvent, User
from tests.conftest import csrf_from, login

COOKIE = "session"


def copy_session(app, source):
    """A second browser holding a copy of ``source``'s session cookie (the attacker)."""
    thief = app.test_client()
    thief.set_cookie(COOKIE, source.get_cookie(COOKIE).value)
    return thief


def signed_in(client) -> bool:
    return client.get("/expert/").status_code == 200


def csrf(client) -> str:
    return csrf_from(client.get("/account/password").get_data(as_text=True))


def test_a_copied_cookie_dies_when_the_victim_logs_out(app, client, factory, login_as):
    factory.user("exp01")
    factory.commit()
    login_as("exp01")
    thief = copy_session(app, client)
    assert signed_in(thief)  # the copy works as long as the session lives

    assert client.post("/logout", data={"csrf_token": csrf(client)}).status_code == 302
    assert not signed_in(client)
    assert not signed_in(thief)
    assert thief.get("/api/v1/me").status_code == 401


def test_logout_ends_the_users_sessions_on_every_device(app, factory):
    factory.user("exp01")
    factory.commit()
    laptop, tablet = app.test_client(), app.test_client()
    assert login(laptop, "exp01").status_code == 302 and login(tablet, "exp01").status_code == 302
    laptop.post("/logout", data={"csrf_token": csrf(laptop)})
    assert not signed_in(tablet)  # documented: «Выйти» ends the sessions everywhere
    assert login(tablet, "exp01").status_code == 302 and signed_in(tablet)


def test_a_password_change_ends_every_other_session_but_keeps_this_one(app, client, factory, login_as):
    factory.user("exp01")
    factory.commit()
    login_as("exp01")
    thief = copy_session(app, client)
    elsewhere = app.test_client()
    assert login(elsewhere, "exp01").status_code == 302

    changed = client.post("/account/password", data={"csrf_token": csrf(client), "current": "pass1234",
                                                      "new": "Zarechny2026", "repeat": "Zarechny2026"})
    assert changed.status_code == 302
    assert signed_in(client)  # the browser that changed it stays signed in
    assert not signed_in(thief) and not signed_in(elsewhere)


def test_a_password_reset_by_import_ends_the_sessions(app, client, db, factory, login_as, tmp_path):
    from crosscheck.services.people.imports import import_users

    factory.user("exp01", school=factory.school("500101"))
    factory.commit()
    login_as("exp01")
    path = tmp_path / "users.csv"
    path.write_text("login;full_name;role;school_code;subjects;password\n"
                    "exp01;Пользователь exp01;expert;500101;Математика;Zarechny2026\n", encoding="utf-8")
    import_users(db, path)
    db.commit()
    assert not signed_in(client)


def test_deactivation_refuses_the_session_at_once(client, db, factory, login_as):
    from crosscheck.services.people.accounts import set_active

    user = factory.user("exp01")
    factory.commit()
    login_as("exp01")
    assert signed_in(client)
    set_active(db, user, False)
    db.commit()
    assert not signed_in(client)
    assert login(client, "exp01").status_code == 401


def test_a_cookie_without_a_session_version_is_refused(client, factory):
    """A cookie in the old format (or one forged without the version) is no session."""
    user = factory.user("exp01")
    factory.commit()
    with client.session_transaction() as cookie:
        cookie["_user_id"] = str(user.id)
        cookie["_fresh"] = True
    assert not signed_in(client)


def test_a_session_cookie_expires_even_when_copied(app, client, factory, login_as):
    from datetime import timedelta

    factory.user("exp01")
    factory.commit()
    login_as("exp01")
    thief = copy_session(app, client)
    assert app.permanent_session_lifetime == timedelta(hours=24)  # CROSSCHECK_SESSION_HOURS
    app.permanent_session_lifetime = timedelta(seconds=1)
    time.sleep(2.1)
    assert not signed_in(thief)


def test_logins_and_logouts_are_audited_failures_are_not(client, db, factory, login_as):
    user = factory.user("exp01")
    factory.commit()
    assert login(client, "exp01", "wrong-pass1").status_code == 401
    client.environ_base["REMOTE_ADDR"] = "203.0.113.7"
    login_as("exp01")
    client.post("/logout", data={"csrf_token": csrf(client)})
    db.expire_all()
    events = db.scalars(select(AuditEvent).where(AuditEvent.entity_type == "user").order_by(AuditEvent.id)).all()
    assert [(e.action, e.actor_id, e.entity_id) for e in events] == [("user.login", user.id, user.id),
                                                                     ("user.logout", user.id, user.id)]
    assert events[0].after == {"address": "203.0.113.7"}
    assert db.scalar(select(User.session_version).where(User.id == user.id)) == 1
