"""The organiser's people page: find people, add one by hand, edit, (de)activate, and their
declared conflicts (added by the organiser or declared by the expert themself).

Every change that decides what a person may mark (role, school, subjects, active flag,
conflicts) re-runs the gate over their live work (``distribution.regate``) in the same
transaction; every change is audited (a password never is).
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, joinedload, selectinload

from ...imports.tabular import too_long
from ...models import Conflict, Role, School, User
from ..audit.trail import Actor, record
from ..distribution.regate import GateWithdrawal, recheck_live_assignments
from .accounts import MAX_LOGIN_LENGTH, generate_password, hash_password, normalise_login
from .imports import REASON_LENGTH, SUBJECT_LENGTH, USER_LIMITS, _split_subjects, _subjects, _user_view

PER_PAGE = 50
TEACHERS = (Role.EXPERT, Role.REVIEWER)


@dataclass
class PeoplePage:
    items: list[User]
    total: int
    page: int
    pages: int


def search(session: Session, q: str = "", role: str = "", active: str = "", page: int = 1,
           per_page: int = PER_PAGE) -> PeoplePage:
    """People by a piece of their login, name, or their school's code or name; by role; by
    active ("1"/"0"); ``per_page`` to a page, ordered by login."""
    query = select(User).outerjoin(School, User.school_id == School.id)
    q = (q or "").strip()[:200]
    if q:
        # SQLite's lower() and LIKE fold ASCII only: Cyrillic is matched in its usual spellings too
        q = q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")  # typed text, not a pattern
        variants = {q, q.lower(), q.upper(), q.capitalize(), q.title()}
        columns = (User.login, User.full_name, School.code, School.name)
        query = query.where(or_(*(func.lower(c).like(f"%{q.lower()}%", escape="\\") for c in columns),
                                *(c.like(f"%{v}%", escape="\\") for c in columns for v in variants)))
    if role in {r.value for r in Role}:
        query = query.where(User.role == Role(role))
    if active in ("1", "0"):
        query = query.where(User.active.is_(active == "1"))
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    pages = max(1, math.ceil(total / per_page))
    page = min(max(1, page), pages)
    items = list(session.scalars(query.options(joinedload(User.school), selectinload(User.subjects))
                                 .order_by(User.login).offset((page - 1) * per_page).limit(per_page)).unique())
    return PeoplePage(items, total, page, pages)


# --- one person ----------------------------------------------------------------------------

class PersonRefused(Exception):
    """The form's values cannot be saved: ``problems`` maps a field to what is wrong (Russian)."""

    def __init__(self, problems: dict[str, str]):
        self.problems = problems
        super().__init__("; ".join(problems.values()))


@dataclass
class PersonForm:
    full_name: str = ""
    role: str = ""
    school_code: str = ""
    subjects: str = ""
    login: str = ""

    @classmethod
    def of(cls, user: User) -> "PersonForm":
        return cls(full_name=user.full_name, role=user.role.value, school_code=user.school.code if user.school else "",
                   subjects="; ".join(user.subject_names), login=user.login)


@dataclass
class Checked:
    full_name: str
    role: Role
    school: School | None
    subjects: list[str] = field(default_factory=list)


def _check(session: Session, form: PersonForm) -> Checked:
    problems: dict[str, str] = {}
    full_name = (form.full_name or "").strip()
    if not full_name:
        problems["full_name"] = "укажите ФИО"
    elif problem := too_long(full_name, USER_LIMITS["full_name"]):
        problems["full_name"] = f"ФИО {problem}"
    role = Role(form.role) if form.role in {r.value for r in Role} else None
    if role is None:
        problems["role"] = "выберите роль"
    code = (form.school_code or "").strip()
    school = session.scalar(select(School).where(School.code == code)) if code else None
    if code and school is None:
        problems["school_code"] = f"нет ОО с кодом «{code[:40]}»"
    elif school is None and role in TEACHERS:
        problems["school_code"] = "для эксперта и руководителя МО нужно место работы"
    subjects = _split_subjects(form.subjects or "")
    if role in TEACHERS and not subjects:
        problems["subjects"] = "для эксперта и руководителя МО нужен хотя бы один предмет"
    for subject in subjects:
        if problem := too_long(subject, SUBJECT_LENGTH):
            problems["subjects"] = f"предмет «{subject[:40]}» {problem}"
    if problems:
        raise PersonRefused(problems)
    return Checked(full_name, role, school, subjects)


def create_person(session: Session, form: PersonForm, actor: Actor) -> tuple[User, str]:
    """A new account with a generated password (returned once, stored hashed) that must be
    changed at the first login."""
    problems: dict[str, str] = {}
    login = normalise_login(form.login)
    if not login:
        problems["login"] = "укажите логин"
    elif any(ch.isspace() for ch in login):
        problems["login"] = "логин без пробелов"
    elif len(login) > MAX_LOGIN_LENGTH:
        problems["login"] = f"логин не длиннее {MAX_LOGIN_LENGTH} символов"
    elif session.scalar(select(User.id).where(func.lower(User.login) == login)) is not None:
        problems["login"] = f"логин «{login}» уже занят"
    try:
        checked = _check(session, form)
    except PersonRefused as exc:
        problems.update(exc.problems)
    if problems:
        raise PersonRefused(problems)
    password = generate_password()
    user = User(login=login, full_name=checked.full_name, role=checked.role,
                school_id=checked.school.id if checked.school else None, password_hash=hash_password(password),
                must_change_password=True)
    user.subjects = _subjects(session, checked.subjects)
    session.add(user)
    session.flush()
    record(session, actor, "user.create", "user", user.id, after=_user_view(user) | {"must_change_password": True})
    return user, password


def update_person(session: Session, user: User, form: PersonForm, actor: Actor) -> list[GateWithdrawal] | None:
    """Save name, role, school and subjects; None if nothing changed, else the live work the
    gate withdrew because of the change."""
    checked = _check(session, form)
    before = _user_view(user)
    user.full_name, user.role = checked.full_name, checked.role
    user.school_id = checked.school.id if checked.school else None
    if user.subject_names != checked.subjects:
        user.subjects = _subjects(session, checked.subjects)
    session.flush()
    after = _user_view(user)
    if before == after:
        return None
    record(session, actor, "user.update", "user", user.id,
           before={k: v for k, v in before.items() if after[k] != v},
           after={k: v for k, v in after.items() if before[k] != v})
    return recheck_live_assignments(session, [user.id], actor)


# --- conflicts -----------------------------------------------------------------------------

def conflicts_of(session: Session, user: User) -> list[Conflict]:
    return list(session.scalars(select(Conflict).where(Conflict.user_id == user.id)
                                .options(joinedload(Conflict.school)).order_by(Conflict.created_at, Conflict.id)))


def add_conflict(session: Session, user: User, school_code: str, reason: str, actor: Actor, *,
                 self_declared: bool = False) -> tuple[Conflict, list[GateWithdrawal]]:
    """Declare that ``user`` must not mark ``school_code``'s papers; the gate applies at once
    (their live work of that school is withdrawn). Refused (PersonRefused) for an unknown
    school, an overlong reason or a conflict already declared."""
    reason = (reason or "").strip()
    school = session.scalar(select(School).where(School.code == (school_code or "").strip())) if school_code else None
    if school is None:
        raise PersonRefused({"school_code": "выберите ОО"})
    if problem := too_long(reason, REASON_LENGTH):
        raise PersonRefused({"reason": f"причина {problem}"})
    if session.scalar(select(Conflict.id).where(Conflict.user_id == user.id, Conflict.school_id == school.id)):
        raise PersonRefused({"school_code": f"конфликт с ОО {school.code} уже указан"})
    conflict = Conflict(user_id=user.id, school_id=school.id, reason=reason, self_declared=self_declared)
    session.add(conflict)
    session.flush()
    record(session, actor, "conflict.create", "conflict", conflict.id,
           after={"login": user.login, "school": school.code, "reason": reason, "self_declared": self_declared})
    return conflict, recheck_live_assignments(session, [user.id], actor)


def remove_conflict(session: Session, conflict: Conflict, actor: Actor) -> None:
    """Withdraw a declared conflict (audited with what it said). Nothing already withdrawn
    comes back; the gate is re-run all the same, as after any change of a person."""
    user_id = conflict.user_id
    record(session, actor, "conflict.delete", "conflict", conflict.id,
           before={"login": conflict.user.login, "school": conflict.school.code, "reason": conflict.reason,
                   "self_declared": conflict.self_declared})
    session.delete(conflict)
    session.flush()
    recheck_live_assignments(session, [user_id], actor)


def school_choices(session: Session) -> list[School]:
    return list(session.scalars(select(School).order_by(School.code)))


def record_credentials(session: Session, users: list[User], actor: Actor) -> None:
    """Note that a credentials sheet was handed out (the logins, never the passwords)."""
    if users:
        record(session, actor, "user.credentials", "user", users[0].id if len(users) == 1 else None,
               after={"logins": [u.login for u in users]})
