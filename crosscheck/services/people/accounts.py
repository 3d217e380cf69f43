"""Passwords, API tokens and login throttling."""
from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session, joinedload
from werkzeug.security import check_password_hash, generate_password_hash

from ...db import utcnow
from ...models import ApiToken, LoginAttempt, User
from ..audit.trail import Actor, record

MIN_PASSWORD_LENGTH = 8
# A fixed hash to compare against when the login does not exist, so a wrong login
# costs as much time as a wrong password and reveals nothing.
_DUMMY_HASH = generate_password_hash("not-a-real-password")
_PASSWORD_ALPHABET = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKMNPQRSTUVWXYZ23456789"


def hash_password(password: str) -> str:
    return generate_password_hash(password)


def password_problem(password: str) -> str | None:
    if len(password) < MIN_PASSWORD_LENGTH:
        return f"пароль короче {MIN_PASSWORD_LENGTH} символов"
    if password.isdigit() or password.isalpha():
        return "пароль должен содержать и буквы, и цифры"
    return None


def generate_password(length: int = 12) -> str:
    while True:
        candidate = "".join(secrets.choice(_PASSWORD_ALPHABET) for _ in range(length))
        if password_problem(candidate) is None:
            return candidate


class LoginThrottled(Exception):
    def __init__(self, retry_after: int):
        self.retry_after = retry_after
        super().__init__(retry_after)


def check_throttle(session: Session, login: str, *, max_failures: int, window_seconds: int) -> None:
    since = utcnow() - timedelta(seconds=window_seconds)
    failures = session.scalar(
        select(func.count()).select_from(LoginAttempt)
        .where(LoginAttempt.login == login.lower(), LoginAttempt.at >= since)
    )
    if failures >= max_failures:
        raise LoginThrottled(window_seconds)


def authenticate(session: Session, login: str, password: str, *, remote_addr: str = "",
                 max_failures: int = 5, window_seconds: int = 900) -> User | None:
    """The user if the password is right; None otherwise (never saying which part was wrong)."""
    login = (login or "").strip()
    check_throttle(session, login, max_failures=max_failures, window_seconds=window_seconds)
    user = session.scalar(select(User).where(User.login == login))
    ok = check_password_hash(user.password_hash if user else _DUMMY_HASH, password or "")
    if user is None or not ok or not user.active:
        session.add(LoginAttempt(login=login.lower(), remote_addr=remote_addr[:64]))
        return None
    session.execute(delete(LoginAttempt).where(LoginAttempt.login == login.lower()))
    return user


def _token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_token(session: Session, user: User, actor: Actor | None = None) -> str:
    """A new bearer token; only its hash is stored, so it is shown exactly once."""
    token = secrets.token_urlsafe(32)
    row = ApiToken(user_id=user.id, token_hash=_token_digest(token))
    session.add(row)
    session.flush()
    record(session, actor or Actor.cli(), "token.issue", "user", user.id, after={"token_id": row.id})
    return token


def user_for_token(session: Session, token: str) -> User | None:
    if not token:
        return None
    row = session.scalar(select(ApiToken).where(ApiToken.token_hash == _token_digest(token),
                                                ApiToken.revoked_at.is_(None))
                         .options(joinedload(ApiToken.user)))
    if row is None or not row.user.active:
        return None
    now = utcnow()
    # Note the use at most once a minute: a write on every API call would cost more than the call.
    if row.last_used_at is None or now - row.last_used_at > timedelta(minutes=1):
        row.last_used_at = now
    return row.user


class PasswordChangeRefused(Exception):
    def __init__(self, field: str, message: str):
        self.field = field
        self.message = message
        super().__init__(message)


def change_password(session: Session, user: User, current: str, new: str, repeat: str) -> None:
    """A user replaces their own password: the current one must be right, the new one must
    follow the policy and differ from it. Audited (never the password itself)."""
    if not check_password_hash(user.password_hash, current or ""):
        raise PasswordChangeRefused("current", "текущий пароль указан неверно")
    problem = password_problem(new or "")
    if problem:
        raise PasswordChangeRefused("new", problem)
    if new != repeat:
        raise PasswordChangeRefused("repeat", "новый пароль и повтор не совпадают")
    if check_password_hash(user.password_hash, new):
        raise PasswordChangeRefused("new", "новый пароль совпадает с текущим")
    user.password_hash = hash_password(new)
    record(session, Actor(user), "user.password", "user", user.id, after={"changed": True})
