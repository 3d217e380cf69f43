"""Importing schools, users and declared conflicts (SPEC §2): all or nothing, idempotent.

Each file is read and checked in one step (``_read_*``: the sheet plus every row error), then
either previewed (``preview``: per row what would be created, changed or left as it is, and
the refused rows with their reasons — nothing written) or written (``import_*``: refused as a
whole when any row is bad). The preview and the write compare rows with the database the same
way (``_school_changes``, ``_user_changes``), so what the preview promises is what is written.
"""
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


KINDS = ("schools", "users", "conflicts")


@dataclass
class RowPlan:
    """What one row of a file would do: ``action`` is create, update or unchanged;
    ``changes`` names the fields that would change (a password only as "password")."""

    row: int
    key: str
    name: str
    action: str
    changes: list[str] = field(default_factory=list)
    note: str = ""


@dataclass
class PeoplePreview:
    kind: str
    rows: list[RowPlan] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)

    def count(self, action: str) -> int:
        return sum(1 for r in self.rows if r.action == action)

    @property
    def changes_nothing(self) -> bool:
        return not self.errors and all(r.action == "unchanged" for r in self.rows)


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

def _read_schools(path: str | Path, data: bytes | None) -> tuple[Sheet, list[RowError]]:
    sheet = load_sheet(path, ["code", "name", "municipality"], data)
    errors: list[RowError] = []
    for rownum, row in sheet.body:
        for column in ("code", "name"):
            if not sheet.text(row, column):
                errors.append(RowError(rownum, column, "пустое значение"))
        for column, limit in SCHOOL_LIMITS.items():
            sheet.check_length(errors, rownum, row, column, limit)
    _duplicates(sheet, "code", errors)
    return sheet, errors


def _school_values(sheet: Sheet, row: list) -> dict:
    return {"code": sheet.text(row, "code"), "name": sheet.text(row, "name"),
            "municipality": sheet.text(row, "municipality")}


def _school_changes(school: School, values: dict) -> list[str]:
    return [k for k in ("name", "municipality") if getattr(school, k) != values[k]]


def _preview_schools(session: Session, path, data) -> PeoplePreview:
    sheet, errors = _read_schools(path, data)
    preview = PeoplePreview("schools", errors=sorted(errors, key=lambda e: (e.row, e.column)))
    bad = {e.row for e in errors}
    existing = {s.code: s for s in session.scalars(select(School))}
    for rownum, row in sheet.body:
        if rownum in bad:
            continue
        values = _school_values(sheet, row)
        school = existing.get(values["code"])
        changes = _school_changes(school, values) if school else []
        action = "create" if school is None else ("update" if changes else "unchanged")
        preview.rows.append(RowPlan(rownum, values["code"], values["name"], action, changes))
    return preview


def import_schools(session: Session, path: str | Path, actor: Actor | None = None,
                   data: bytes | None = None) -> ImportResult:
    sheet, errors = _read_schools(path, data)
    _reject_if(errors, sheet)

    result = ImportResult()
    existing = {s.code: s for s in session.scalars(select(School))}
    for _, row in sheet.body:
        values = _school_values(sheet, row)
        school = existing.get(values["code"])
        if school is None:
            school = School(**values)
            session.add(school)
            session.flush()
            record(session, actor, "school.create", "school", school.id, after=values)
            result.created += 1
        elif _school_changes(school, values):
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


def _read_users(session: Session, path, data) -> tuple[Sheet, list[RowError], dict[str, School]]:
    sheet = load_sheet(path, ["login", "full_name", "role", "school_code", "subjects", "password"], data)
    schools = {s.code: s for s in session.scalars(select(School))}
    errors: list[RowError] = []
    for rownum, row in sheet.body:
        _validate_user_row(sheet, rownum, row, schools, errors)
    _duplicates(sheet, "login", errors, lower=True)  # logins are case-insensitive
    return sheet, errors, schools


def _user_values(sheet: Sheet, row: list, schools: dict[str, School]) -> tuple[dict, list[str], str]:
    code = sheet.text(row, "school_code")
    values = {"login": normalise_login(sheet.text(row, "login")),  # stored in lower case
              "full_name": sheet.text(row, "full_name"), "role": Role(sheet.text(row, "role").lower()),
              "school_id": schools[code].id if code else None}
    return values, _split_subjects(sheet.text(row, "subjects")), sheet.text(row, "password")


def _user_changes(user: User, values: dict, subject_names: list[str], password: str) -> list[str]:
    changes = [k for k, v in values.items() if getattr(user, k) != v]
    if user.subject_names != subject_names:
        changes.append("subjects")
    # Re-importing the same password must not count as a change.
    if password and not check_password_hash(user.password_hash, password):
        changes.append("password")
    return changes


def _preview_users(session: Session, path, data) -> PeoplePreview:
    sheet, errors, schools = _read_users(session, path, data)
    preview = PeoplePreview("users", errors=sorted(errors, key=lambda e: (e.row, e.column)))
    bad = {e.row for e in errors}
    existing = {normalise_login(u.login): u for u in session.scalars(select(User))}
    for rownum, row in sheet.body:
        if rownum in bad:
            continue
        values, subject_names, password = _user_values(sheet, row, schools)
        user = existing.get(values["login"])
        if user is None:
            preview.rows.append(RowPlan(rownum, values["login"], values["full_name"], "create",
                                        note="" if password else "пароль будет создан"))
            continue
        changes = _user_changes(user, values, subject_names, password)
        preview.rows.append(RowPlan(rownum, values["login"], values["full_name"],
                                    "update" if changes else "unchanged", changes))
    return preview


def import_users(session: Session, path: str | Path, actor: Actor | None = None,
                 data: bytes | None = None) -> ImportResult:
    sheet, errors, schools = _read_users(session, path, data)
    _reject_if(errors, sheet)

    result = ImportResult()
    existing = {normalise_login(u.login): u for u in session.scalars(select(User))}
    for _, row in sheet.body:
        _upsert_user(session, sheet, row, existing, schools, result, actor)
    session.flush()
    # A changed role, school or subjects re-runs the gate over the user's live work (SPEC §5).
    imported = {normalise_login(sheet.text(row, "login")) for _, row in sheet.body}
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
    values, subject_names, password = _user_values(sheet, row, schools)
    login = values["login"]
    user = existing.get(login)
    if user is None:
        must_change = not password
        if not password:  # a generated password is the organiser's: changed at first login
            password = generate_password()
            result.generated_passwords[login] = password
        user = User(password_hash=hash_password(password), must_change_password=must_change, **values)
        user.subjects = _subjects(session, subject_names)
        session.add(user)
        session.flush()
        record(session, actor, "user.create", "user", user.id, after=_user_view(user))
        result.created += 1
        return
    before = _user_view(user)
    changes = _user_changes(user, values, subject_names, password)
    for key, value in values.items():
        setattr(user, key, value)
    if "subjects" in changes:
        user.subjects = _subjects(session, subject_names)
    password_changed = "password" in changes
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

def _read_conflicts(session: Session, path, data):
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
    return sheet, errors, users, schools


def _preview_conflicts(session: Session, path, data) -> PeoplePreview:
    sheet, errors, users, schools = _read_conflicts(session, path, data)
    preview = PeoplePreview("conflicts", errors=sorted(errors, key=lambda e: (e.row, e.column)))
    bad = {e.row for e in errors}
    existing = {(c.user_id, c.school_id): c for c in session.scalars(select(Conflict))}
    for rownum, row in sheet.body:
        if rownum in bad:
            continue
        user, school = users[normalise_login(sheet.text(row, "login"))], schools[sheet.text(row, "school_code")]
        conflict = existing.get((user.id, school.id))
        reason = sheet.text(row, "reason")
        action = "create" if conflict is None else ("update" if conflict.reason != reason else "unchanged")
        preview.rows.append(RowPlan(rownum, f"{user.login} → {school.code}", user.full_name, action,
                                    ["reason"] if action == "update" else []))
    return preview


def import_conflicts(session: Session, path: str | Path, actor: Actor | None = None,
                     data: bytes | None = None) -> ImportResult:
    sheet, errors, users, schools = _read_conflicts(session, path, data)
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
    declared = {users[normalise_login(sheet.text(row, "login"))].id for _, row in sheet.body}  # re-run the gate (SPEC §5)
    result.withdrawn = recheck_live_assignments(session, declared, actor)
    return result


# --- one entry for the browser: preview, then import ------------------------------------

def preview(session: Session, kind: str, path: str | Path, data: bytes | None = None) -> PeoplePreview:
    """What importing the file would do, row by row, writing nothing (``ImportRejected`` or
    ``TableReadError`` only when the file as a whole cannot be read)."""
    reader = {"schools": lambda: _preview_schools(session, path, data),
              "users": lambda: _preview_users(session, path, data),
              "conflicts": lambda: _preview_conflicts(session, path, data)}[kind]
    return reader()


def import_kind(session: Session, kind: str, path: str | Path, actor: Actor | None = None,
                data: bytes | None = None) -> ImportResult:
    importer = {"schools": import_schools, "users": import_users, "conflicts": import_conflicts}[kind]
    return importer(session, path, actor, data)
