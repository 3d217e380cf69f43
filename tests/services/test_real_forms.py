"""The school's results form as FIS OKO gives it (SPEC §2, issue 13): read with no editing.

The fixtures follow the layout in the shared ``vpr/form_columns.yaml`` (school_upload_form):
sheet «Протокол» with the header in row 1, ``Код``, ``Вариант (часть 1)``, tasks ``LABEL (Nб)``,
``Вариант (часть 2)``, more tasks, ``Класс № (…)``, ``Пол``, the journal mark and ``Итого баллов``
as a formula; a sheet «Классы» lists the classes. openpyxl writes formulas with no stored
result (as tools do); :func:`cache` stores one, as Excel does. Run with TEST_DATABASE_URL too.
"""
from __future__ import annotations

import re
import zipfile
from pathlib import Path

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from crosscheck.domain import forms
from crosscheck.domain.grading import GradeScale, TaskSpec
from crosscheck.imports.tabular import ImportRejected
from crosscheck.models import AuditEvent, OriginalScore, Paper
from crosscheck.services.marks.importer import import_marks
from tests.web.test_organiser_campaign import organiser, upload  # noqa: F401 (a fixture)

PART1 = [("1", 1), ("2", 1), ("3", 1), ("4", 1), ("5", 1), ("6", 1), ("7", 1), ("8", 1)]
PART2 = [("9", 2), ("10", 2), ("11", 1), ("12.1", 1), ("12.2", 1), ("13", 1), ("14", 2)]
CLASS_COLUMN = 'Класс № (список формируется из листа "Классы")'
JOURNAL_COLUMN = "Отметка за предыдущий триместр/ четверть/полугодие"


def header(part1=PART1, part2=PART2):
    return ["Код", "Вариант (часть 1)", *(f"{label} ({m}б)" for label, m in part1),
            "Вариант (часть 2)", *(f"{label} ({m}б)" for label, m in part2),
            CLASS_COLUMN, "Пол", JOURNAL_COLUMN, "Итого баллов"]


FULL1, FULL2 = [1] * 8, [2, 2, 1, 1, 1, 1, 2]  # 18 points


def pupil(code, part1, part2, *, variant=1, variant2=None, klass=1, sex="м", journal=5):
    return [code, variant, *part1, variant if variant2 is None else variant2, *part2, klass, sex, journal]


def absent(code, marker="отсутствовал"):
    return [code, marker, *[None] * len(PART1), None, *[None] * len(PART2), 1, "ж", None]


def form(tmp_path, rows, *, head=None, classes=(("4А",), ("4Б",)), classes_first=False, name="protocol.xlsx"):
    """A results form; each row gets the real total formula in its last column."""
    wb = Workbook()
    protocol = wb.active
    protocol.title = "Протокол"
    head = head or header()
    protocol.append(head)
    second = head.index("Вариант (часть 2)")
    first_tasks = f"C{{n}}:{letter(second - 1)}{{n}}"
    second_tasks = f"{letter(second + 1)}{{n}}:{letter(len(head) - 5)}{{n}}"  # up to the column before «Класс №»
    for n, row in enumerate(rows, start=2):
        tasks = f"{first_tasks.format(n=n)}, {second_tasks.format(n=n)}"
        protocol.append([*row, f'=IF(LEN(C{n})>0, SUM({tasks}), "")'])
    if classes is not None:
        sheet = wb.create_sheet("Классы", 0 if classes_first else None)
        for row in classes:
            sheet.append(list(row))
    path = tmp_path / name
    wb.save(path)
    return path


def letter(index: int) -> str:
    from crosscheck.imports.xlsx import column_letter
    return column_letter(index)


def cache(path: Path, values: dict[str, object]) -> Path:
    """Store a result for the formula in each named cell ({"V2": 18, "V4": ""}), as Excel would."""
    with zipfile.ZipFile(path) as zf:
        parts = {n: zf.read(n) for n in zf.namelist()}
    xml = parts["xl/worksheets/sheet1.xml"].decode()
    for ref, value in values.items():
        pattern = re.compile(rf'<c r="{ref}"( [^>]*)?><f>(.*?)</f><v ?/>(</c>)')
        kind = ' t="str"' if isinstance(value, str) else ""
        xml, count = pattern.subn(lambda m: f'<c r="{ref}"{kind}><f>{m[2]}</f><v>{value}</v></c>', xml)
        assert count == 1, ref
    parts["xl/worksheets/sheet1.xml"] = xml.encode()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for n, data in parts.items():
            zf.writestr(n, data)
    return path


@pytest.fixture
def campaign(factory):
    factory.school("500101")
    return factory.campaign()


def papers(db):
    return db.scalars(select(Paper).order_by(Paper.participant_code)).all()


def scores_of(paper):
    return {s.task.label: (s.score, s.attempted) for s in paper.original_scores}


def rejected(db, campaign, path) -> list[str]:
    with pytest.raises(ImportRejected) as caught:
        import_marks(db, campaign, path, school_code="500101")
    assert db.scalar(select(func.count()).select_from(Paper)) == 0  # all or nothing
    return [str(e) for e in caught.value.errors]


# --- through import_marks -------------------------------------------------------------

def test_the_school_form_is_read_as_fis_oko_gives_it(db, campaign, tmp_path):
    path = form(tmp_path, [
        pupil(40001, FULL1, FULL2, klass=1, journal=5),
        pupil(40002, [1, "Х", "X", "х", "x", 0, 1, 1], [2, 0, "Х", 1, 0, 1, 1], variant=2, klass=2, journal=3),
        absent(40003),
        absent(40004, "Не присутствовал"),
        absent(40005, "ОТСУТСВОВАЛ"),
        absent(40006, " отсутствует "),
        pupil(40007, FULL1, FULL2, variant=1, variant2=2, klass=2, journal=None),
    ])
    cache(path, {"V2": 18, "V4": "", "V8": 18.0})  # row 3: a formula with no stored result
    result = import_marks(db, campaign, path, school_code="500101")
    assert (result.created, result.absent) == (3, 4)
    first, second, third = papers(db)
    assert (first.participant_code, first.class_name, first.variant, first.journal_mark) == ("40001", "4А", "1", 5)
    assert (second.class_name, second.variant, second.journal_mark) == ("4Б", "2", 3)
    assert (third.variant, third.journal_mark) == ("1/2", None)  # the parts sat in different variants
    scores = scores_of(second)
    assert [scores[label] for label in ("2", "3", "4", "5")] == [(0, False)] * 4  # Х X х x: not attempted
    assert scores["11"] == (0, False) and scores["1"] == (1, True) and scores["6"] == (0, True)
    assert sum(s for s, _ in scores.values()) == 8
    assert all(sum(s for s, _ in scores_of(p).values()) == 18 for p in (first, third))


def test_reimporting_the_school_form_changes_nothing(db, campaign, tmp_path):
    path = cache(form(tmp_path, [pupil(40001, FULL1, FULL2), absent(40002)]), {"V2": 18})
    import_marks(db, campaign, path, school_code="500101")
    db.commit()
    events = db.scalar(select(func.count()).select_from(AuditEvent))
    stored = [(s.paper_id, s.task_id, s.score, s.attempted) for s in db.scalars(select(OriginalScore))]
    again = import_marks(db, campaign, path, school_code="500101")
    db.commit()
    assert (again.created, again.updated, again.unchanged, again.absent) == (0, 0, 1, 1)
    assert db.scalar(select(func.count()).select_from(AuditEvent)) == events
    assert [(s.paper_id, s.task_id, s.score, s.attempted) for s in db.scalars(select(OriginalScore))] == stored


def test_a_header_declaring_another_maximum_is_refused_by_name(db, campaign, tmp_path):
    part1 = [("3", 2) if label == "3" else (label, m) for label, m in PART1]
    path = form(tmp_path, [pupil(40001, FULL1, FULL2)], head=header(part1=part1))
    errors = rejected(db, campaign, path)
    assert errors == ['row 1, column "3 (2б)": в заголовке максимальный балл 2, а в шаблоне кампании '
                      'у задания «3» — 1']


def test_a_stored_total_that_disagrees_with_the_tasks_is_an_error(db, campaign, tmp_path):
    path = cache(form(tmp_path, [pupil(40001, FULL1, FULL2), pupil(40002, FULL1, FULL2)]), {"V2": 18, "V3": 17})
    errors = rejected(db, campaign, path)
    assert errors == ['row 3, column "Итого баллов": указано 17, а сумма баллов по заданиям — 18']


def test_the_same_participant_twice_is_an_error(db, campaign, tmp_path):
    path = form(tmp_path, [pupil(40001, FULL1, FULL2), pupil(40002, FULL1, FULL2), pupil(40001, FULL1, FULL2)])
    assert rejected(db, campaign, path) == ['row 4, column "Код": участник «40001» уже есть в строке 2']


def test_bad_cells_are_named_by_the_form_s_own_headers(db, campaign, tmp_path):
    path = form(tmp_path, [
        pupil(40001, [None, *FULL1[1:]], FULL2),          # a blank task in a present pupil's row
        pupil(40002, FULL1, [3, *FULL2[1:]], journal=7),  # 3 on a 2-point task, journal 7
        pupil(40003, FULL1, FULL2, klass=5),              # no class 5 in «Классы»
        [40004, "отсутствовал", 1, *[None] * 7, None, *[None] * 7, 1, "ж", None],
    ])
    errors = rejected(db, campaign, path)
    assert errors == [
        'row 2, column "1 (1б)": нет балла (для невыполненного задания ставится Х)',
        'row 3, column "9 (2б)": «3» — недопустимый балл: нужно целое от 0 до 2 или Х',
        f'row 3, column "{JOURNAL_COLUMN}": «7» — отметка по журналу должна быть от 2 до 5',
        f'row 4, column "{CLASS_COLUMN}": класса № 5 нет на листе «Классы» (там 2)',
        'row 5, column "1 (1б)": участник отмечен как отсутствовавший («отсутствовал»), но баллы проставлены',
    ]


def test_the_class_list_sheet_may_come_first_and_may_be_missing(db, campaign, tmp_path):
    path = form(tmp_path, [pupil(40001, FULL1, FULL2, klass=2)], classes=(("№", "Класс"), (1, "4В"), (2, "4Г")),
                classes_first=True)
    import_marks(db, campaign, path, school_code="500101")
    assert papers(db)[0].class_name == "4Г"
    other = form(tmp_path, [pupil(40002, FULL1, FULL2, klass=3)], classes=None, name="no-classes.xlsx")
    import_marks(db, campaign, other, school_code="500101")
    assert papers(db)[1].class_name == "3"  # no sheet «Классы»: the ordinal as written


def test_the_class_list_sheet_counts_towards_the_file_s_limits(db, campaign, tmp_path, monkeypatch):
    from crosscheck.imports import xlsx
    from crosscheck.imports.tabular import TableReadError

    path = form(tmp_path, [pupil(40001, FULL1, FULL2)], classes=(("4А",), ("4Б",)))
    # «Протокол» (the header and a row whose total formula has no stored result) fits, with «Классы» it does not
    monkeypatch.setattr(xlsx, "MAX_CELLS", 2 * len(header()) - 1)
    with pytest.raises(TableReadError, match="ячеек"):
        import_marks(db, campaign, path, school_code="500101")


def test_rows_the_school_never_filled_in_are_not_participants(db, campaign, tmp_path):
    path = form(tmp_path, [pupil(40001, FULL1, FULL2), [None] * 21, [None] * 21])
    cache(path, {"V2": 18, "V3": 0, "V4": ""})  # a total formula copied down the sheet
    result = import_marks(db, campaign, path, school_code="500101")
    assert (result.created, result.absent) == (1, 0)


# --- through the command line ---------------------------------------------------------

def test_the_command_imports_the_school_form_once(db, factory, campaign, tmp_path, run):
    factory.commit()
    path = cache(form(tmp_path, [pupil(40001, FULL1, FULL2), absent(40002)]), {"V2": 18})
    first = run("marks", "import", campaign.slug, str(path), "--school", "500101")
    assert first.exit_code == 0, first.output
    assert "работ создано: 1" in first.output and "отсутствовавших участников пропущено: 1" in first.output
    again = run("marks", "import", campaign.slug, str(path), "--school", "500101")
    assert again.exit_code == 0 and "работ создано: 0" in again.output and "без изменений: 1" in again.output
    part2 = [("14", 1) if label == "14" else (label, m) for label, m in PART2]
    bad = form(tmp_path, [pupil(40003, FULL1, FULL2)], head=header(part2=part2), name="bad.xlsx")
    failed = run("marks", "import", campaign.slug, str(bad), "--school", "500101")
    assert failed.exit_code == 1 and 'row 1, column "14 (1б)"' in failed.stderr
    db.expire_all()
    assert [p.participant_code for p in papers(db)] == ["40001"]


# --- through the organiser's upload ----------------------------------------------------

def test_the_organiser_uploads_the_school_form_as_it_is(organiser, db, tmp_path):
    path = cache(form(tmp_path, [pupil(40001, FULL1, FULL2, klass=2), absent(40002)]), {"V2": 18})
    response = upload(organiser, path.read_bytes(), name="Протокол ВПР 4 класс.xlsx", school="500101")
    assert response.status_code == 302
    html = organiser.get(response.headers["Location"]).get_data(as_text=True)
    assert "работ создано: 1" in html and "отсутствовавших участников пропущено: 1" in html
    assert [(p.participant_code, p.class_name) for p in papers(db)] == [("40001", "4Б")]


# --- the pure reading (domain/forms.py) -------------------------------------------------

TASKS = [TaskSpec("1", 1), TaskSpec("8(1)", 1), TaskSpec("10К1", 2), TaskSpec("3.1", 1)]


def test_task_headers_carry_free_form_labels_and_both_layouts_are_recognised():
    real, problems = forms.read_layout(["Код", "Вариант", "1 (1б)", "8(1) (1б)", "10к1 (2б)", "3.1(1б)",
                                        "Наименование класса", "Отметка по журналу", "Первичный балл"], TASKS)
    assert problems == []
    assert [c.index for c in real.tasks.values()] == [2, 3, 4, 5]
    assert (real.class_name.index, real.journal.index, real.total.index) == (6, 7, 8)
    ours, problems = forms.read_layout(["Код участника", "Класс", "1", "8(1)", "10К1", "3.1", "Сумма баллов"],
                                       TASKS)
    assert problems == [] and ours.code.index == 0 and ours.total.title == "Сумма баллов"


def test_header_problems_name_their_columns():
    _, problems = forms.read_layout(["Участник", "1 (1б)", "1", "15 (2б)", "10К1 (1б)"], TASKS)
    assert problems == [
        forms.Problem("1", "второй столбец задания «1» (первый — «1 (1б)»)"),
        forms.Problem("15 (2б)", "в шаблоне кампании нет такого задания"),
        forms.Problem("10К1 (1б)", "в заголовке максимальный балл 1, а в шаблоне кампании у задания «10К1» — 2"),
        forms.Problem("8(1)", "нет столбца этого задания"),
        forms.Problem("3.1", "нет столбца этого задания"),
        forms.Problem("Код участника", "обязательный столбец отсутствует"),
    ]


def test_a_row_is_read_with_both_alphabets_of_x_and_a_total_check():
    layout, _ = forms.read_layout(["Код", "1 (1б)", "8(1) (1б)", "10К1 (2б)", "3.1 (1б)", "Итого баллов"], TASKS)
    scale = GradeScale({"3": 1, "4": 2, "5": 3})
    row, problems = forms.read_row(layout, [40001, "х", "X", 2.0, 1, 3.0], TASKS, scale)
    assert problems == [] and row.scores == {"1": (0, False), "8(1)": (0, False), "10К1": (2, True),
                                             "3.1": (1, True)}
    _, problems = forms.read_row(layout, [40001, 1, 1, 2, 1, 4], TASKS, scale)
    assert problems == [forms.Problem("Итого баллов", "указано 4, а сумма баллов по заданиям — 5")]


def test_the_class_list_reads_numbered_rows_or_names_in_order():
    assert forms.class_list([["Классы"], ["5А"], [None], ["5Б"]]) == {1: "5А", 2: "5Б"}
    assert forms.class_list([["№", "Класс"], [2, "5Б"], [1, "5А"]]) == {1: "5А", 2: "5Б"}
