"""The municipal export of individual results from FIS OKO (SPEC §2, issue 13 step 2).

The fixture follows the layout in the shared ``vpr/form_columns.yaml``
(fisoko_analytics_F1_individual_results): a sheet «Индивидуальные результаты» with title and
meta rows («Предмет», «Максимальный первичный балл», «Дата», a school line with its login), a
row of `Б`/`П` just above the header, then ``ОО, Муниципалитет, Название ОО, Код участника,
Класс, Вариант, <tasks "N (Mб)">, Первичный балл, Отметка, Отметка по журналу``; many schools,
each row's school by its FIS OKO login (``sch730101`` / ``edu730102``). Run with
TEST_DATABASE_URL too.
"""
from __future__ import annotations

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from crosscheck.domain import forms
from crosscheck.imports.tabular import ImportRejected
from crosscheck.models import AuditEvent, OriginalScore, Paper
from crosscheck.services.marks.importer import import_marks
from tests.services.test_real_forms import FULL1, FULL2, PART1, PART2
from tests.web.test_organiser_campaign import organiser, upload  # noqa: F401 (a fixture)

TASKS = [*PART1, *PART2]
FULL = [*FULL1, *FULL2]  # 18 points, grade 5
PARTIAL = [1, "Х", "X", "х", "x", 0, 1, 1, 2, 0, "Х", 1, 0, 1, 1]  # 8 points, grade 3
HEADER = ["ОО", "Муниципалитет", "Название ОО", "Код участника", "Класс", "Вариант",
          *(f"{label} ({m}б)" for label, m in TASKS), "Первичный балл", "Отметка", "Отметка по журналу"]
HEADER_ROW = 7  # the spreadsheet's own row of the header; pupils start in row 8
MUNICIPALITY = "Заречный городской округ"


def pupil(login, code, scores=FULL, *, klass="5А", variant=1, journal=5):
    total = sum(s for s in scores if isinstance(s, int))
    grade = 5 if total >= 14 else 4 if total >= 10 else 3 if total >= 5 else 2
    return [login, MUNICIPALITY, f"Школа {login}", code, klass, variant, *scores, total, grade, journal]


def absent(login, code):
    return [login, MUNICIPALITY, f"Школа {login}", code, "5А", None, *[None] * len(TASKS), None, None, None]


def export(tmp_path, rows, name="individual.xlsx"):
    wb = Workbook()
    sheet = wb.active
    sheet.title = "Индивидуальные результаты"
    sheet.append(["ВПР 2025 Математика 5 класс"])
    sheet.append(["Предмет", "Математика"])
    sheet.append(["Максимальный первичный балл", 18])
    sheet.append(["Дата", "15.04.2025"])
    sheet.append([f"{MUNICIPALITY} (mun730100)", None, None, None, None, None, "Кол-во участников: 7"])
    sheet.append([None] * 6 + ["П" if m > 1 else "Б" for _, m in TASKS] + [None] * 3)
    sheet.append(HEADER)
    for row in rows:
        sheet.append(row)
    path = tmp_path / name
    wb.save(path)
    return path


ROWS = [
    pupil("sch730101", 40001),
    pupil("sch730101", 40002, PARTIAL, klass="5Б", variant=2, journal=4),
    absent("sch730101", 40003),
    pupil("edu730102", 40001, journal="нет отметки"),  # the same code in another school
    pupil("EDU730102", 40011, PARTIAL, journal=3),
    pupil("sch730103", 40001, journal="-"),
    pupil(730103, 40021),  # the login's digits alone name the school too
]


@pytest.fixture
def campaign(factory):
    factory.school("730101")
    factory.school("730102")
    factory.school("sch730103")  # a school loaded under its login
    return factory.campaign()


def papers(db):
    return {(p.school.code, p.participant_code): p for p in db.scalars(select(Paper))}


def count(db, model):
    return db.scalar(select(func.count()).select_from(model))


# --- through import_marks -------------------------------------------------------------

def test_the_municipal_export_is_read_with_every_school_from_its_login(db, campaign, tmp_path):
    result = import_marks(db, campaign, export(tmp_path, ROWS))
    assert (result.created, result.updated, result.absent) == (6, 0, 1)
    found = papers(db)
    assert sorted(found) == [("730101", "40001"), ("730101", "40002"), ("730102", "40001"), ("730102", "40011"),
                             ("sch730103", "40001"), ("sch730103", "40021")]
    second = found[("730101", "40002")]
    assert (second.class_name, second.variant, second.journal_mark) == ("5Б", "2", 4)
    scores = {s.task.label: (s.score, s.attempted) for s in second.original_scores}
    assert [scores[label] for label in ("2", "3", "4", "5")] == [(0, False)] * 4
    assert sum(s for s, _ in scores.values()) == 8
    assert found[("730102", "40001")].journal_mark is None and found[("sch730103", "40001")].journal_mark is None
    assert found[("730102", "40011")].journal_mark == 3


def test_reimporting_the_municipal_export_changes_nothing(db, campaign, tmp_path):
    path = export(tmp_path, ROWS)
    import_marks(db, campaign, path)
    db.commit()
    events = count(db, AuditEvent)
    stored = sorted((s.paper_id, s.task_id, s.score, s.attempted) for s in db.scalars(select(OriginalScore)))
    again = import_marks(db, campaign, path)
    db.commit()
    assert (again.created, again.updated, again.unchanged, again.absent) == (0, 0, 6, 1)
    assert count(db, AuditEvent) == events and count(db, Paper) == 6
    assert sorted((s.paper_id, s.task_id, s.score, s.attempted) for s in db.scalars(select(OriginalScore))) == stored


def test_a_school_that_is_not_loaded_names_the_row_the_column_and_the_code(db, campaign, tmp_path):
    rows = [*ROWS, pupil("sch999999", 40031), pupil(None, 40032), pupil("sch730101", 40001), absent("sch730199", 1)]
    with pytest.raises(ImportRejected) as caught:
        import_marks(db, campaign, export(tmp_path, rows))
    assert [str(e) for e in caught.value.errors] == [
        'row 15, column "ОО": неизвестный код ОО «sch999999»',
        'row 16, column "ОО": пустой код ОО',
        'row 17, column "Код участника": участник «40001» уже есть в строке 8',  # same school, same code
        'row 18, column "ОО": неизвестный код ОО «sch730199»',  # an absent pupil's school is checked too
    ]
    assert count(db, Paper) == 0 and count(db, OriginalScore) == 0  # all or nothing


def test_a_login_matching_two_loaded_schools_is_not_guessed(db, factory, campaign, tmp_path):
    factory.school("sch730101")  # beside "730101": the login edu730101 could be either
    with pytest.raises(ImportRejected) as caught:
        import_marks(db, campaign, export(tmp_path, [pupil("edu730101", 40001)]))
    assert [str(e) for e in caught.value.errors] == ['row 8, column "ОО": неизвестный код ОО «edu730101»']
    import_marks(db, campaign, export(tmp_path, [pupil("sch730101", 40001)], name="exact.xlsx"))
    assert list(papers(db)) == [("sch730101", "40001")]  # the exact code wins


def test_the_export_s_totals_and_grades_are_checked(db, campaign, tmp_path):
    wrong = pupil("sch730101", 40001)
    wrong[-3] = 17
    with pytest.raises(ImportRejected) as caught:
        import_marks(db, campaign, export(tmp_path, [wrong]))
    assert [str(e) for e in caught.value.errors] == [
        'row 8, column "Первичный балл": указано 17, а сумма баллов по заданиям — 18',
    ]
    wrong[-3:-1] = [18, 4]
    with pytest.raises(ImportRejected) as caught:
        import_marks(db, campaign, export(tmp_path, [wrong], name="grade.xlsx"))
    assert [str(e) for e in caught.value.errors] == [
        'row 8, column "Отметка": указана отметка 4, а за 18 первичных баллов по шкале шаблона полагается 5',
    ]


# --- through the command line ---------------------------------------------------------

def test_one_command_imports_every_school_of_the_export(db, factory, campaign, tmp_path, run):
    factory.commit()
    path = export(tmp_path, ROWS)
    first = run("marks", "import", campaign.slug, str(path))
    assert first.exit_code == 0, first.output
    assert "работ создано: 6" in first.output and "отсутствовавших участников пропущено: 1" in first.output
    again = run("marks", "import", campaign.slug, str(path))
    assert again.exit_code == 0 and "работ создано: 0" in again.output and "без изменений: 6" in again.output
    bad = export(tmp_path, [pupil("sch730101", 40041), pupil("sch999999", 40042)], name="bad.xlsx")
    failed = run("marks", "import", campaign.slug, str(bad))
    assert failed.exit_code == 1
    assert 'row 9, column "ОО": неизвестный код ОО «sch999999»' in failed.stderr
    db.expire_all()
    assert count(db, Paper) == 6 and ("730101", "40041") not in papers(db)


# --- through the organiser's upload ----------------------------------------------------

def test_the_organiser_uploads_the_municipal_export_with_no_school_chosen(organiser, factory, db, tmp_path):
    for code in ("730101", "730102", "sch730103"):
        factory.school(code)
    factory.commit()
    path = export(tmp_path, ROWS)
    response = upload(organiser, path.read_bytes(), name="Индивидуальные результаты.xlsx")
    assert response.status_code == 302
    html = organiser.get(response.headers["Location"]).get_data(as_text=True)
    assert "работ создано: 6" in html and "отсутствовавших участников пропущено: 1" in html
    assert len(papers(db)) == 6


# --- the pure reading (domain/forms.py) -------------------------------------------------

def test_the_export_s_header_difficulty_row_and_logins_are_recognised():
    specs = [forms.TaskSpec(label, m) for label, m in TASKS]
    layout, problems = forms.read_layout(HEADER, specs)
    assert problems == []
    assert (layout.school.title, layout.code.title, layout.total.title, layout.grade.title, layout.journal.title) == (
        "ОО", "Код участника", "Первичный балл", "Отметка", "Отметка по журналу")
    for header in ("Логин ОО", "Пользователь", "Код ОО"):
        assert forms.read_layout([header, "Код", *(f"{lb} ({m}б)" for lb, m in TASKS)], specs)[0].school.index == 0
    assert forms.is_difficulty_row([None, "Б", "б ", "П"]) and not forms.is_difficulty_row([None, None])
    assert not forms.is_difficulty_row(["Б", 40001])
    assert forms.school_key("sch730101") == forms.school_key("EDU730101") == forms.school_key(730101) == "730101"
    assert forms.resolve_school("sch730101", ["730101", "730102"]) == "730101"
    assert forms.resolve_school("730101", ["sch730101"]) == "sch730101"
    assert forms.resolve_school("sch730109", ["730101"]) is None


# --- a big export, written in bulk -------------------------------------------------------

def test_a_2000_row_export_gets_one_event_per_paper_and_reimports_unchanged(db, factory, tmp_path):
    """The bulk write path (issue 13, performance): every created paper has its scores, a
    unique cipher and one `paper.create` event; the same file again changes nothing; a
    corrected file updates exactly the changed papers, one `paper.marks_update` each."""
    for n in range(20):
        factory.school(f"7302{n:02d}")
    campaign = factory.campaign()
    rows = [absent(f"sch7302{i // 100:02d}", 50000 + i % 100) if i % 50 == 7 else
            pupil(f"sch7302{i // 100:02d}", 50000 + i % 100, PARTIAL if i % 3 else FULL,
                  journal=[5, 4, "-", 3][i % 4]) for i in range(2000)]
    path = export(tmp_path, rows, name="big.xlsx")
    result = import_marks(db, campaign, path)
    db.commit()
    assert (result.created, result.updated, result.unchanged, result.absent) == (1960, 0, 0, 40)
    found = papers(db)
    assert len(found) == 1960 and len({p.cipher for p in found.values()}) == 1960
    assert count(db, OriginalScore) == 1960 * len(TASKS)
    created = {e.entity_id: e for e in db.scalars(select(AuditEvent).where(AuditEvent.action == "paper.create"))}
    assert sorted(created) == sorted(p.id for p in found.values())
    third = found[("730200", "50002")]  # row i = 2: PARTIAL, journal "-"
    event = created[third.id]
    assert (event.entity_type, event.campaign_id, event.before) == ("paper", campaign.id, None)
    assert event.after == {"school_id": third.school_id, "participant": "50002", "class": "5А", "variant": "1",
                           "journal_mark": None, "original_marker": "",
                           "scores": {label: ("Х" if score in ("Х", "X", "х", "x") else score)
                                      for (label, _), score in zip(TASKS, PARTIAL)}}
    events = count(db, AuditEvent)

    again = import_marks(db, campaign, path)
    db.commit()
    assert (again.created, again.updated, again.unchanged, again.absent) == (0, 0, 1960, 40)
    assert count(db, AuditEvent) == events and count(db, Paper) == 1960

    held = found[("730200", "50000")]  # held by the session across the import: refreshed
    assert held.journal_mark == 5
    corrected = list(rows)
    corrected[0] = pupil("sch730200", 50000, FULL, journal=4)  # the journal mark only
    corrected[4] = pupil("sch730200", 50004, [*PARTIAL[:-1], 0], journal=5)  # one score: 1 → 0
    fixed = import_marks(db, campaign, export(tmp_path, corrected, name="fixed.xlsx"))
    db.commit()
    assert (fixed.created, fixed.updated, fixed.unchanged) == (0, 2, 1958)
    updates = db.scalars(select(AuditEvent).where(AuditEvent.action == "paper.marks_update")
                         .order_by(AuditEvent.entity_id)).all()
    assert [e.entity_id for e in updates] == sorted([held.id, found[("730200", "50004")].id])
    assert updates[0].before["journal_mark"] == 5 and updates[0].after["journal_mark"] == 4
    last = TASKS[-1][0]
    assert updates[1].before["scores"][last] == 1 and updates[1].after["scores"][last] == 0
    assert held.journal_mark == 4
    scores = {s.task.label: s.score for s in found[("730200", "50004")].original_scores}
    assert scores[last] == 0 and count(db, OriginalScore) == 1960 * len(TASKS)
