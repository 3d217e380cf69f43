"""Passwords, logins, sessions, API tokens and login throttling."""
from __future__ import annotations

import gzip
import hashlib
import math
import secrets
from dataclasses import dataclass
from datetime import timedelta
from functools import lru_cache
from pathlib import Path

from sqlalchemy import and_, delete, func, or_, select
from sqlalchemy.orm import Session, joinedload
from werkzeug.security import check_password_hash, generate_password_hash

from ...db import utcnow
from ...models import ApiToken, LoginAttempt, User
from ..audit.trail import Actor, record

MIN_PASSWORD_LENGTH = 8
MAX_PASSWORD_LENGTH = 128  # ASVS 2.1.2: at least 64 allowed, at most 128
MAX_LOGIN_LENGTH = User.__table__.c.login.type.length  # and login_attempts.login: 100
MAX_ADDRESS_LENGTH = LoginAttempt.__table__.c.remote_addr.type.length
TOKEN_DAYS = 30  # config.Config.token_days
# A fixed hash to compare against when the login does not exist, so a wrong login
# costs as much time as a wrong password and reveals nothing.
_DUMMY_HASH = generate_password_hash("not-a-real-password")
_PASSWORD_ALPHABET = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKMNPQRSTUVWXYZ23456789"
# The most common passwords of 8+ characters, lowercased (scripts/common-passwords.py says where from).
COMMON_PASSWORDS_FILE = Path(__file__).with_name("common-passwords.txt.gz")


# --- logins and passwords ---------------------------------------------------------------

def normalise_login(login: str | None) -> str:
    """Logins are case-insensitive: stored, looked up and throttled in lower case."""
    return (login or "").strip().lower()


def find_user(session: Session, login: str) -> User | None:
    """The user with this login in any letter case (accounts imported before logins were
    normalised may still be stored with capitals)."""
    key = normalise_login(login)
    if not key or len(key) > MAX_LOGIN_LENGTH:
        return None
    return session.scalars(select(User).where(func.lower(User.login) == key).order_by(User.id)).first()


def hash_password(password: str) -> str:
    return generate_password_hash(password)


@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    with gzip.open(COMMON_PASSWORDS_FILE, "rt", encoding="utf-8") as fh:
        return frozenset(line.strip() for line in fh if line.strip())


def password_problem(password: str) -> str | None:
    if len(password) < MIN_PASSWORD_LENGTH:
        return f"пароль короче {MIN_PASSWORD_LENGTH} символов"
    if len(password) > MAX_PASSWORD_LENGTH:
        return f"пароль длиннее {MAX_PASSWORD_LENGTH} символов"
    if password.isdigit() or password.isalpha():
        return "пароль должен содержать и буквы, и цифры"
    if password.strip().lower() in common_passwords():
        return "это один из самых распространённых паролей, его подбирают первым: придумайте другой"
    return None


def generate_password(length: int = 12) -> str:
    """A random password easy to copy from paper: no look-alike characters (0/O, 1/l/I),
    letters and digits, never a common one; 12 characters ≈ 69 bits."""
    while True:
        candidate = "".join(secrets.choice(_PASSWORD_ALPHABET) for _ in range(length))
        if password_problem(candidate) is None and any(ch.isdigit() for ch in candidate):
            return candidate


def reset_password(session: Session, user: User, actor: Actor) -> str:
    """A new generated password for the user (returned once, stored only hashed); their
    sessions and API tokens end and the next login asks them to choose their own."""
    password = generate_password()
    user.password_hash = hash_password(password)
    user.must_change_password = True
    user.session_version += 1
    revoke_tokens(session, user, actor)
    record(session, actor, "user.password_reset", "user", user.id, after={"must_change_password": True})
    return password


def require_password_change(session: Session, user: User, actor: Actor) -> bool:
    """Send the user to the password page at their next login; False if already so."""
    if user.must_change_password:
        return False
    user.must_change_password = True
    record(session, actor, "user.must_change_password", "user", user.id,
           before={"must_change_password": False}, after={"must_change_password": True})
    return True


# --- throttling ------------------------------------------------------------------------

@dataclass(frozen=True)
class ThrottlePolicy:
    """Failed attempts (a wrong password at login, a wrong current password at a change)
    inside ``window_seconds`` decide, before any password is checked:

    - one login from one address: locked after ``max_failures`` (the guesser's own address
      only; the account's owner elsewhere is not locked out);
    - one address, any logins: locked after ``max_per_address`` (password spraying);
    - one login from any addresses: from ``max_failures`` on, slowed, never locked: after
      each failure the next attempt waits 2, 4, 8 … up to ``max_delay_seconds`` seconds.
    """

    max_failures: int = 5
    max_per_address: int = 20
    window_seconds: int = 900
    max_delay_seconds: int = 60

    @classmethod
    def of(cls, cfg) -> "ThrottlePolicy":
        return cls(max_failures=cfg.login_max_failures, max_per_address=cfg.login_max_failures_per_address,
                   window_seconds=cfg.login_window_seconds)


class LoginThrottled(Exception):
    def __init__(self, retry_after: int):
        self.retry_after = retry_after
        super().__init__(retry_after)

    @property
    def message(self) -> str:
        wait = (f"{self.retry_after} с" if self.retry_after < 60
                else f"{math.ceil(self.retry_after / 60)} мин.")
        return f"Слишком много неудачных попыток входа. Повторите через {wait}"


def _key(login: str, remote_addr: str) -> tuple[str, str]:
    return normalise_login(login)[:MAX_LOGIN_LENGTH], (remote_addr or "")[:MAX_ADDRESS_LENGTH]


def check_throttle(session: Session, login: str, remote_addr: str, policy: ThrottlePolicy) -> None:
    """Raise LoginThrottled if this attempt must not be tried now (one read)."""
    login, remote_addr = _key(login, remote_addr)
    now = utcnow()
    window = timedelta(seconds=policy.window_seconds)
    rows = session.execute(select(LoginAttempt.login, LoginAttempt.remote_addr, LoginAttempt.at)
                           .where(LoginAttempt.at >= now - window,
                                  or_(LoginAttempt.login == login, LoginAttempt.remote_addr == remote_addr))).all()
    pair = sorted(at for who, where, at in rows if who == login and where == remote_addr)
    address = sorted(at for _, where, at in rows if where == remote_addr)
    account = sorted(at for who, _, at in rows if who == login)
    waits = []
    # a lock lifts when the oldest failure that keeps the count at the limit leaves the window
    if len(pair) >= policy.max_failures:
        waits.append(pair[-policy.max_failures] + window - now)
    if len(address) >= policy.max_per_address:
        waits.append(address[-policy.max_per_address] + window - now)
    if len(account) >= policy.max_failures:
        delay = min(policy.max_delay_seconds, 2 ** (len(account) - policy.max_failures + 1))
        waits.append(account[-1] + timedelta(seconds=delay) - now)
    longest = max(waits, default=timedelta(0))
    if longest > timedelta(0):
        raise LoginThrottled(max(1, math.ceil(longest.total_seconds())))


def record_failure(session: Session, login: str, remote_addr: str) -> None:
    login, remote_addr = _key(login, remote_addr)
    session.add(LoginAttempt(login=login, remote_addr=remote_addr))


def _forget_failures(session: Session, login: str, remote_addr: str) -> None:
    """After a success this address's failures for this login go. Failures from other
    addresses stay: a guesser's lock does not end because the owner logged in."""
    login, remote_addr = _key(login, remote_addr)
    session.execute(delete(LoginAttempt).where(LoginAttempt.login == login, LoginAttempt.remote_addr == remote_addr))


def purge_login_attempts(session: Session, older_than: timedelta) -> int:
    return session.execute(delete(LoginAttempt).where(LoginAttempt.at < utcnow() - older_than)).rowcount


def authenticate(session: Session, login: str, password: str, *, remote_addr: str = "",
                 policy: ThrottlePolicy = ThrottlePolicy()) -> User | None:
    """The user if the password is right; None otherwise (never saying which part was wrong).
    Raises LoginThrottled before any password is checked when the policy says so."""
    check_throttle(session, login, remote_addr, policy)
    user = find_user(session, login)
    ok = check_password_hash(user.password_hash if user else _DUMMY_HASH, password or "")
    if user is None or not ok or not user.active:
        record_failure(session, login, remote_addr)
        user = None
    else:
        _forget_failures(session, login, remote_addr)
    # records older than the window count for nothing: every login clears them (no scheduler)
    purge_login_attempts(session, timedelta(seconds=policy.window_seconds))
    return user


# --- sessions --------------------------------------------------------------------------
# A browser session carries the user's session_version from its login; bumping the version
# ends every session of the user at once, copies of the cookie included.

def record_login(session: Session, user: User, remote_addr: str) -> None:
    record(session, Actor(user), "user.login", "user", user.id, after={"address": remote_addr[:MAX_ADDRESS_LENGTH]})


def end_sessions(session: Session, user: User, actor: Actor) -> None:
    """Log the user out everywhere (every browser, every copy of the cookie)."""
    user.session_version += 1
    record(session, actor, "user.logout", "user", user.id)


def set_active(session: Session, user: User, active: bool, actor: Actor | None = None) -> bool:
    """Deactivate (sessions end at once, tokens are revoked) or reactivate; False if nothing changed."""
    if user.active == active:
        return False
    user.active = active
    actor = actor or Actor.cli()
    if not active:
        user.session_version += 1
        revoke_tokens(session, user, actor)
    record(session, actor, "user.activate" if active else "user.deactivate", "user", user.id,
           before={"active": not active}, after={"active": active})
    if not active:  # SPEC §5, by any path: a deactivated person's live work goes back, audited
        from ..distribution.regate import recheck_live_assignments

        recheck_live_assignments(session, [user.id], actor)
    return True


# --- API tokens ------------------------------------------------------------------------

def _token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_token(session: Session, user: User, actor: Actor | None = None, *, days: int = TOKEN_DAYS) -> str:
    """A new bearer token valid for ``days``; only its hash is stored, so it is shown exactly once."""
    token = secrets.token_urlsafe(32)
    row = ApiToken(user_id=user.id, token_hash=_token_digest(token), expires_at=utcnow() + timedelta(days=days))
    session.add(row)
    session.flush()
    record(session, actor or Actor.cli(), "token.issue", "user", user.id,
           after={"token_id": row.id, "expires_at": row.expires_at.isoformat(timespec="seconds")})
    return token


def revoke_tokens(session: Session, user: User, actor: Actor | None = None) -> int:
    """Revoke every live token of the user; how many there were."""
    rows = session.scalars(select(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))).all()
    now = utcnow()
    for row in rows:
        row.revoked_at = now
    if rows:
        record(session, actor or Actor.cli(), "token.revoke", "user", user.id,
               after={"token_ids": [row.id for row in rows]})
    return len(rows)


def user_for_token(session: Session, token: str, *, days: int = TOKEN_DAYS) -> User | None:
    """The active user of a live token (one read). Tokens issued before tokens had an expiry
    live ``days`` from their creation."""
    if not token:
        return None
    now = utcnow()
    live = or_(ApiToken.expires_at > now,
               and_(ApiToken.expires_at.is_(None), ApiToken.created_at > now - timedelta(days=days)))
    row = session.scalar(select(ApiToken).where(ApiToken.token_hash == _token_digest(token),
                                                ApiToken.revoked_at.is_(None), live)
                         .options(joinedload(ApiToken.user)))
    if row is None or not row.user.active:
        return None
    # Note the use at most once a minute: a write on every API call would cost more than the call.
    if row.last_used_at is None or now - row.last_used_at > timedelta(minutes=1):
        row.last_used_at = now
    return row.user


# --- changing one's own password ----------------------------------------------------------

class PasswordChangeRefused(Exception):
    def __init__(self, field: str, message: str):
        self.field = field
        self.message = message
        super().__init__(message)


def change_password(session: Session, user: User, current: str, new: str, repeat: str, *,
                    remote_addr: str = "", policy: ThrottlePolicy = ThrottlePolicy()) -> None:
    """A user replaces their own password: the current one must be right (tries throttled
    like logins: a wrong one counts as a failed login), the new one must follow the policy
    and differ from it. Every other session of the user ends. Audited (never the password).
    On refusal only the failure record is left in the session: the caller commits it."""
    check_throttle(session, user.login, remote_addr, policy)
    current = current or ""
    if len(current) > MAX_PASSWORD_LENGTH or not check_password_hash(user.password_hash, current):
        record_failure(session, user.login, remote_addr)
        raise PasswordChangeRefused("current", "текущий пароль указан неверно")
    problem = password_problem(new or "")
    if problem:
        raise PasswordChangeRefused("new", problem)
    if new != repeat:
        raise PasswordChangeRefused("repeat", "новый пароль и повтор не совпадают")
    if check_password_hash(user.password_hash, new):
        raise PasswordChangeRefused("new", "новый пароль совпадает с текущим")
    user.password_hash = hash_password(new)
    user.session_version += 1
    user.must_change_password = False
    record(session, Actor(user), "user.password", "user", user.id, after={"changed": True})
