"""Importing schools, users and declared conflicts (SPEC §2): all or nothing, idempotent."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash

from ...imports.limits import MAX_CELL_CHARS
from ...imports.tabular import ImportRejected, RowError, Sheet, load_sheet, quote, too_long
from ...models import Conflict, Role, School, Subject, User
from .accounts import generate_password, hash_password, normalise_login, password_problem
from ..audit.trail import Actor, record
from ..distribution.regate import GateWithdrawal, recheck_live_assignments

ROLE_VALUES = {r.value for r in Role}


def _length(column) -> int:
    """The length of a String column: what PostgreSQL refuses beyond (SQLite would store it)."""
    return column.property.columns[0].type.length


# What a row may hold in each text column: the database column's length; Text columns
# (a conflict's reason) are held to the reader's cell limit.
SCHOOL_LIMITS = {"code": _length(School.code), "name": _length(School.name),
                 "municipality": _length(School.municipality)}
USER_LIMITS = {"login": _length(User.login), "full_name": _length(User.full_name)}
SUBJECT_LENGTH = _length(Subject.name)
REASON_LENGTH = MAX_CELL_CHARS


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    generated_passwords: dict[str, str] = field(default_factory=dict)
    withdrawn: list[GateWithdrawal] = field(default_factory=list)  # live work the gate no longer allows

    def summary(self) -> str:
        return f"создано: {self.created}, обновлено: {self.updated}, без изменений: {self.unchanged}"


def _duplicates(sheet: Sheet, column: str, errors: list[RowError], *, lower: bool = False) -> None:
    seen: dict[str, int] = {}
    for rownum, row in sheet.body:
        value = sheet.text(row, column)
        key = value.lower() if lower else value
        if value and key in seen:
            errors.append(RowError(rownum, column, f"«{quote(value)}» уже встречается в строке {seen[key]}"))
        seen.setdefault(key, rownum)


def _reject_if(errors: list[RowError], sheet: Sheet) -> None:
    if errors:
        raise ImportRejected(sorted(errors, key=lambda e: (e.row, e.column)), sheet.name)


# --- schools -------------------------------------------------------------------------

def import_schools(session: Session, path: str | Path, actor: Actor | None = None,
                   data: bytes | None = None) -> ImportResult:
    sheet = load_sheet(path, ["code", "name", "municipality"], data)
    errors: list[RowError] = []
    for rownum, row in sheet.body:
        for column in ("code", "name"):
            if not sheet.text(row, column):
                errors.append(RowError(rownum, column, "пустое значение"))
        for column, limit in SCHOOL_LIMITS.items():
            sheet.check_length(errors, rownum, row, column, limit)
    _duplicates(sheet, "code", errors)
    _reject_if(errors, sheet)

    result = ImportResult()
    existing = {s.code: s for s in session.scalars(select(School))}
    for _, row in sheet.body:
        values = {"code": sheet.text(row, "code"), "name": sheet.text(row, "name"),
                  "municipality": sheet.text(row, "municipality")}
        school = existing.get(values["code"])
        if school is None:
            school = School(**values)
            session.add(school)
            session.flush()
            record(session, actor, "school.create", "school", school.id, after=values)
            result.created += 1
        elif (school.name, school.municipality) != (values["name"], values["municipality"]):
            before = {"name": school.name, "municipality": school.municipality}
            school.name, school.municipality = values["name"], values["municipality"]
            record(session, actor, "school.update", "school", school.id, before=before, after=values)
            result.updated += 1
        else:
            result.unchanged += 1
    session.flush()
    if result.updated:  # a municipality may have changed: re-run the gate (SPEC §5)
        result.withdrawn = recheck_live_assignments(session, None, actor)
    return result


# --- users ---------------------------------------------------------------------------

def _split_subjects(text: str) -> list[str]:
    return sorted({s.strip() for s in text.replace(",", ";").split(";") if s.strip()})


def _validate_user_row(sheet: Sheet, rownum: int, row: list, schools: dict[str, School],
                       errors: list[RowError]) -> None:
    login = sheet.text(row, "login")
    if not login:
        errors.append(RowError(rownum, "login", "пустое значение"))
    elif any(ch.isspace() for ch in login):
        errors.append(RowError(rownum, "login", "логин без пробелов"))
    if not sheet.text(row, "full_name"):
        errors.append(RowError(rownum, "full_name", "пустое значение"))
    for column, limit in USER_LIMITS.items():
        sheet.check_length(errors, rownum, row, column, limit)
    role = sheet.text(row, "role").lower()
    if role not in ROLE_VALUES:
        errors.append(RowError(rownum, "role", f"неизвестная роль «{quote(sheet.text(row, 'role'))}» "
                                               f"(допустимо: {', '.join(sorted(ROLE_VALUES))})"))
    code = sheet.text(row, "school_code")
    if code and code not in schools:
        errors.append(RowError(rownum, "school_code", f"неизвестный код ОО «{quote(code)}»"))
    if not code and role in (Role.EXPERT.value, Role.REVIEWER.value):
        errors.append(RowError(rownum, "school_code", "для эксперта и руководителя МО нужно место работы"))
    subjects = _split_subjects(sheet.text(row, "subjects"))
    if role in (Role.EXPERT.value, Role.REVIEWER.value) and not subjects:
        errors.append(RowError(rownum, "subjects", "для эксперта и руководителя МО нужен хотя бы один предмет"))
    for subject in subjects:
        if problem := too_long(subject, SUBJECT_LENGTH):
            errors.append(RowError(rownum, "subjects", f"предмет «{quote(subject)}» {problem}"))
    password = sheet.text(row, "password")
    if password and (problem := password_problem(password)):
        errors.append(RowError(rownum, "password", problem))


def import_users(session: Session, path: str | Path, actor: Actor | None = None,
                 data: bytes | None = None) -> ImportResult:
    sheet = load_sheet(path, ["login", "full_name", "role", "school_code", "subjects", "password"], data)
    schools = {s.code: s for s in session.scalars(select(School))}
    errors: list[RowError] = []
    for rownum, row in sheet.body:
        _validate_user_row(sheet, rownum, row, schools, errors)
    _duplicates(sheet, "login", errors, lower=True)  # logins are case-insensitive
    _reject_if(errors, sheet)

    result = ImportResult()
    existing = {normalise_login(u.login): u for u in session.scalars(select(User))}
    for _, row in sheet.body:
        _upsert_user(session, sheet, row, existing, schools, result, actor)
    session.flush()
    # A changed role, school or subjects re-runs the gate over the user's live work (SPEC §5).
    imported = {sheet.text(row, "login") for _, row in sheet.body}
    result.withdrawn = recheck_live_assignments(
        session, [u.id for login, u in existing.items() if login in imported], actor)
    return result


def _subjects(session: Session, names: list[str]) -> list[Subject]:
    found = {s.name: s for s in session.scalars(select(Subject).where(Subject.name.in_(names)))}
    for name in names:
        if name not in found:
            found[name] = Subject(name=name)
            session.add(found[name])
    return [found[n] for n in names]


def _upsert_user(session: Session, sheet: Sheet, row: list, existing: dict[str, User],
                 schools: dict[str, School], result: ImportResult, actor: Actor | None) -> None:
    login = normalise_login(sheet.text(row, "login"))  # stored in lower case
    code = sheet.text(row, "school_code")
    values = {"login": login, "full_name": sheet.text(row, "full_name"),
              "role": Role(sheet.text(row, "role").lower()), "school_id": schools[code].id if code else None}
    subject_names = _split_subjects(sheet.text(row, "subjects"))
    password = sheet.text(row, "password")
    user = existing.get(login)
    if user is None:
        if not password:
            password = generate_password()
            result.generated_passwords[login] = password
        user = User(password_hash=hash_password(password), **values)
        user.subjects = _subjects(session, subject_names)
        session.add(user)
        session.flush()
        record(session, actor, "user.create", "user", user.id, after=_user_view(user))
        result.created += 1
        return
    before = _user_view(user)
    for key, value in values.items():
        setattr(user, key, value)
    if user.subject_names != subject_names:
        user.subjects = _subjects(session, subject_names)
    # Re-importing the same password must not count as a change.
    password_changed = bool(password) and not check_password_hash(user.password_hash, password)
    if password_changed:
        user.password_hash = hash_password(password)
        user.session_version += 1  # a new password ends the user's sessions
    after = _user_view(user)
    if before != after or password_changed:
        record(session, actor, "user.update", "user", user.id, before=before,
               after=after | ({"password": "changed"} if password_changed else {}))
        result.updated += 1
    else:
        result.unchanged += 1


def _user_view(user: User) -> dict:
    return {"login": user.login, "full_name": user.full_name, "role": user.role.value,
            "school_id": user.school_id, "subjects": user.subject_names, "active": user.active}


# --- conflicts -----------------------------------------------------------------------

def import_conflicts(session: Session, path: str | Path, actor: Actor | None = None,
                     data: bytes | None = None) -> ImportResult:
    sheet = load_sheet(path, ["login", "school_code", "reason"], data)
    users = {normalise_login(u.login): u for u in session.scalars(select(User))}
    schools = {s.code: s for s in session.scalars(select(School))}
    errors: list[RowError] = []
    seen: dict[tuple[str, str], int] = {}
    for rownum, row in sheet.body:
        login, code = normalise_login(sheet.text(row, "login")), sheet.text(row, "school_code")
        if login not in users:
            errors.append(RowError(rownum, "login",
                                   f"неизвестный логин «{quote(login)}»" if login else "пустое значение"))
        if code not in schools:
            errors.append(RowError(rownum, "school_code",
                                   f"неизвестный код ОО «{quote(code)}»" if code else "пустое значение"))
        sheet.check_length(errors, rownum, row, "reason", REASON_LENGTH)
        if (login, code) in seen:
            errors.append(RowError(rownum, "school_code", f"этот конфликт уже указан в строке {seen[(login, code)]}"))
        seen.setdefault((login, code), rownum)
    _reject_if(errors, sheet)

    result = ImportResult()
    existing = {(c.user_id, c.school_id): c for c in session.scalars(select(Conflict))}
    for _, row in sheet.body:
        user, school = users[normalise_login(sheet.text(row, "login"))], schools[sheet.text(row, "school_code")]
        reason = sheet.text(row, "reason")
        conflict = existing.get((user.id, school.id))
        if conflict is None:
            conflict = Conflict(user_id=user.id, school_id=school.id, reason=reason)
            session.add(conflict)
            session.flush()
            existing[(user.id, school.id)] = conflict
            record(session, actor, "conflict.create", "conflict", conflict.id,
                   after={"login": user.login, "school": school.code, "reason": reason})
            result.created += 1
        elif conflict.reason != reason:
            record(session, actor, "conflict.update", "conflict", conflict.id,
                   before={"reason": conflict.reason}, after={"reason": reason})
            conflict.reason = reason
            result.updated += 1
        else:
            result.unchanged += 1
    session.flush()
    declared = {users[sheet.text(row, "login")].id for _, row in sheet.body}  # re-run the gate (SPEC §5)
    result.withdrawn = recheck_live_assignments(session, declared, actor)
    return result
