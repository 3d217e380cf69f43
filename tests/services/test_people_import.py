"""SPEC §2 for people: CSV (BOM or not, ; or ,) and XLSX; all-or-nothing; idempotent."""
from __future__ import annotations

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from crosscheck.imports.tabular import ImportRejected
from crosscheck.models import AuditEvent, Conflict, Role, School, User
from crosscheck.services.people.imports import import_conflicts, import_schools, import_users

SCHOOLS_CSV = "code;name;municipality\n500101;СОШ № 1;Заречный\n500102;Гимназия № 2;Заречный\n"
USERS_HEADER = "login;full_name;role;school_code;subjects;password\n"


def write(tmp_path, name: str, text: str, bom: bool = False):
    path = tmp_path / name
    path.write_bytes((("\ufeff" if bom else "") + text).encode("utf-8"))
    return path


def count(db, model) -> int:
    return db.scalar(select(func.count()).select_from(model))


def test_schools_import_with_bom_and_reimport_changes_nothing(db, tmp_path):
    path = write(tmp_path, "schools.csv", SCHOOLS_CSV, bom=True)
    first = import_schools(db, path)
    db.commit()
    events = count(db, AuditEvent)
    second = import_schools(db, path)
    db.commit()
    assert (first.created, second.created, second.unchanged) == (2, 0, 2)
    assert count(db, School) == 2
    assert count(db, AuditEvent) == events  # nothing changed, nothing audited


def test_comma_separated_and_header_case_and_spaces(db, tmp_path):
    path = write(tmp_path, "s.csv", " Code , NAME,Municipality\n500101,\"СОШ № 1, корпус 2\",Заречный\n")
    import_schools(db, path)
    assert db.scalar(select(School.name)) == "СОШ № 1, корпус 2"


def test_xlsx_import(db, tmp_path):
    wb = Workbook()
    ws = wb.active
    ws.append(["code", "name", "municipality"])
    ws.append([500101, "СОШ № 1", "Заречный"])  # a code typed as a number in Excel
    path = tmp_path / "schools.xlsx"
    wb.save(path)
    import_schools(db, path)
    assert db.scalar(select(School.code)) == "500101"


def test_schools_duplicate_code_refuses_everything(db, tmp_path):
    path = write(tmp_path, "s.csv", SCHOOLS_CSV + "500101;Другая;Заречный\n;Без кода;Заречный\n")
    with pytest.raises(ImportRejected) as info:
        import_schools(db, path)
    assert [str(e) for e in info.value.errors] == [
        'row 4, column "code": «500101» уже встречается в строке 2',
        'row 5, column "code": пустое значение',
    ]
    assert count(db, School) == 0


def test_missing_column_is_named(db, tmp_path):
    with pytest.raises(ImportRejected) as info:
        import_schools(db, write(tmp_path, "s.csv", "code;name\n1;x\n"))
    assert str(info.value.errors[0]) == 'row 1, column "municipality": обязательный столбец отсутствует'


def _schools(db, tmp_path):
    import_schools(db, write(tmp_path, "schools.csv", SCHOOLS_CSV))


def test_users_import_generates_missing_passwords_and_links_school_and_subjects(db, tmp_path):
    _schools(db, tmp_path)
    path = write(tmp_path, "users.csv", USERS_HEADER +
                 'exp01;Петрова Ольга;expert;500101;"Математика;Физика";\n'
                 "org;Иванова Наталья;organiser;;;Zarechny2026\n")
    result = import_users(db, path)
    assert set(result.generated_passwords) == {"exp01"}
    expert = db.scalar(select(User).where(User.login == "exp01"))
    assert expert.school.code == "500101" and expert.subject_names == ["Математика", "Физика"]
    assert expert.role is Role.EXPERT
    assert expert.password_hash != result.generated_passwords["exp01"]  # stored hashed


def test_users_reimport_is_idempotent_and_keeps_generated_password(db, tmp_path):
    _schools(db, tmp_path)
    path = write(tmp_path, "users.csv", USERS_HEADER + "exp01;Петрова;expert;500101;Математика;\n"
                 "org;Иванова;organiser;;;Zarechny2026\n")
    import_users(db, path)
    hashes = dict(db.execute(select(User.login, User.password_hash)).all())
    again = import_users(db, path)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)
    assert again.generated_passwords == {}
    assert dict(db.execute(select(User.login, User.password_hash)).all()) == hashes


def test_users_bad_rows_all_listed_nothing_written(db, tmp_path):
    _schools(db, tmp_path)
    path = write(tmp_path, "users.csv", USERS_HEADER +
                 "exp01;Петрова;teacher;500101;Математика;\n"      # unknown role
                 "exp02;Смирнов;expert;999999;Математика;\n"       # unknown school
                 "exp01;Ещё раз;expert;500101;Математика;\n"       # duplicate login
                 "exp03;Без школы;expert;;Математика;\n"           # expert needs a school
                 "exp04;Короткий;expert;500101;Математика;abc\n"   # weak password
                 "ok01;Нормальный;expert;500102;Математика;\n")
    with pytest.raises(ImportRejected) as info:
        import_users(db, path)
    messages = [str(e) for e in info.value.errors]
    assert any(m.startswith('row 2, column "role": неизвестная роль «teacher»') for m in messages)
    assert 'row 3, column "school_code": неизвестный код ОО «999999»' in messages
    assert 'row 4, column "login": «exp01» уже встречается в строке 2' in messages
    assert any(m.startswith('row 5, column "school_code"') for m in messages)
    assert any(m.startswith('row 6, column "password"') for m in messages)
    assert count(db, User) == 0


def test_conflicts_import_and_unknown_login(db, tmp_path, factory):
    _schools(db, tmp_path)
    factory.user("exp01")
    good = write(tmp_path, "c.csv", "login;school_code;reason\nexp01;500101;ребёнок учится\n")
    assert import_conflicts(db, good).created == 1
    assert import_conflicts(db, good).unchanged == 1
    bad = write(tmp_path, "c2.csv", "login;school_code;reason\nghost;500101;x\nexp01;000;y\n")
    with pytest.raises(ImportRejected) as info:
        import_conflicts(db, bad)
    assert [str(e) for e in info.value.errors] == [
        'row 2, column "login": неизвестный логин «ghost»',
        'row 3, column "school_code": неизвестный код ОО «000»',
    ]
    assert count(db, Conflict) == 1


def test_blank_lines_are_skipped_and_row_numbers_stay_true(db, tmp_path):
    path = write(tmp_path, "s.csv", "code;name;municipality\n\n500101;СОШ;З\n;;\n500102;;З\n")
    with pytest.raises(ImportRejected) as info:
        import_schools(db, path)
    assert [str(e) for e in info.value.errors] == ['row 5, column "name": пустое значение']
