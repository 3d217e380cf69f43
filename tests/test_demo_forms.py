"""The demo's marks come in the real layouts (issue 13, «The demo»): one FIS OKO municipal
export «Индивидуальные результаты» and two schools' own forms «Протокол», kept in the data
directory for a visitor to upload again (which changes nothing)."""
from __future__ import annotations

import io
from pathlib import Path

from openpyxl import load_workbook
from sqlalchemy import func, select

from crosscheck.demo import forms, load_demo
from crosscheck.demo.papers import (EXPORT_FILE, OVER_MARKING_SCHOOL, SCHOOL_FORMS, demo_form_paths, export_path,
                                    school_form_path)
from crosscheck.models import AuditEvent, Campaign, OriginalScore, Page, PageStatus, Paper, School
from crosscheck.services.marks.importer import import_marks
from crosscheck.services.reports.analytics import overview

ROOT = Path(__file__).resolve().parents[1]
TASKS = [forms.Task("1", 1), forms.Task("2", 1), forms.Task("9", 2)]


def pupil(code, scores, **kw):
    return forms.Pupil(code, class_no=kw.pop("class_no", 1), variant=kw.pop("variant", 1), scores=scores, **kw)


# --- the builders, on their own -----------------------------------------------------------------

def test_the_school_form_is_the_protocol_with_its_total_formula_classes_and_absentees():
    data = forms.school_form(TASKS, ["5А", "5Б"], [
        pupil("40001", {"1": 1, "2": "Х", "9": 2}, journal=4),
        forms.Pupil("40002", class_no=2, absent="не присутствовал"),
    ], stored_totals=True)
    book = load_workbook(io.BytesIO(data))
    assert book.sheetnames == ["Протокол", "Классы"]
    rows = [list(r) for r in book["Протокол"].iter_rows(values_only=True)]
    assert rows[0] == ["Код", "Вариант (часть 1)", "1 (1б)", "2 (1б)", "Вариант (часть 2)", "9 (2б)",
                       forms.CLASS_COLUMN, "Пол", forms.JOURNAL_COLUMN, "Итого баллов"]
    assert rows[1][:9] == [40001, 1, 1, "Х", 1, 2, 1, "м", 4]
    assert rows[1][9] == '=IF(LEN(C2)>0, SUM(C2:D2, F2:F2), "")'
    assert rows[2][:2] == [40002, "не присутствовал"] and rows[2][2:6] == [None] * 4
    assert [list(r) for r in book["Классы"].iter_rows(values_only=True)] == [[1, "5А"], [2, "5Б"]]
    stored = [r[9] for r in load_workbook(io.BytesIO(data), data_only=True)["Протокол"].iter_rows(
        min_row=2, values_only=True)]
    assert stored == [3, None]  # Excel's stored results ("" reads back as empty)
    plain = load_workbook(io.BytesIO(forms.school_form(TASKS, ["5А"], [pupil("40001", {"1": 1, "2": 0, "9": 0})],
                                                       marker="Петрова Ольга Ивановна")), data_only=True)
    assert [list(r) for r in plain["Протокол"].iter_rows(min_row=2, values_only=True)][0][-2:] == [
        None, "Петрова Ольга Ивановна"]  # a formula saved by a tool: no stored result


def test_the_municipal_export_has_its_meta_rows_the_difficulty_row_and_logins():
    data = forms.municipal_export(TASKS, [
        forms.ExportSchool("sch500101", "МБОУ «СОШ № 1»", ["5А", "5Б"],
                           [pupil("10101", {"1": 1, "2": "X", "9": 2}, journal=None),
                            forms.Pupil("10102", class_no=2, absent="отсутствовал")]),
    ], grade=lambda total: 5 if total >= 3 else 2, municipality="Заречный городской округ",
        municipal_login="mun500100", subject="Математика", grade_level=5, year=2026, date="16.04.2026")
    sheet = load_workbook(io.BytesIO(data))["Индивидуальные результаты"]
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert rows[0][0] == "ВПР 2026 Математика 5 класс" and rows[2][:2] == ["Максимальный первичный балл", 4]
    assert rows[5][6:9] == ["Б", "Б", "П"]
    assert rows[6] == ["ОО", "Муниципалитет", "Название ОО", "Код участника", "Класс", "Вариант", "1 (1б)", "2 (1б)",
                       "9 (2б)", "Первичный балл", "Отметка", "Отметка по журналу"]
    assert rows[7] == ["sch500101", "Заречный городской округ", "МБОУ «СОШ № 1»", 10101, "5А", 1, 1, "X", 2, 3, 5, "-"]
    assert rows[8][3:] == [10102, "5Б", *[None] * 7]


# --- the demo as a visitor gets it --------------------------------------------------------------

def _count(db, model, *where):
    return db.scalar(select(func.count()).select_from(model).where(*where))


def test_the_demo_s_marks_come_through_the_real_layouts_and_upload_again_unchanged(db, data_dir):
    load_demo(db, data_dir)
    db.commit()
    campaign = db.scalar(select(Campaign))
    per_school = dict(db.execute(select(School.code, func.count(Paper.id)).join(Paper, Paper.school_id == School.id)
                                 .group_by(School.code)).all())
    assert per_school == {"500101": 6, "500102": 6, "500103": 6, "500105": 14, "500107": 6, "500211": 6}
    papers = sum(per_school.values())
    codes = db.scalars(select(Paper.participant_code).join(School, Paper.school_id == School.id)
                       .where(School.code.in_(["500102", "500211"])).order_by(Paper.participant_code)).all()
    assert codes == [f"{n}{i:02d}" for n in (102, 211) for i in range(1, 7)]  # the same participants as before
    # every paper scanned and placed, but for the two whose handwritten codes wait for a person
    assert _count(db, Page, Page.status == PageStatus.PLACED) == 4 * (papers - 2)

    # the files are there for the visitor: the export and two schools' forms
    paths = demo_form_paths(data_dir)
    assert [p.name for p in paths] == [EXPORT_FILE, *(f"protocol-{c}.xlsx" for c in SCHOOL_FORMS)]
    assert all(p.is_file() and p.parent == data_dir / forms.FORMS_DIR for p in paths)
    export = load_workbook(export_path(data_dir))["Индивидуальные результаты"]
    rows = [list(r) for r in export.iter_rows(values_only=True)]
    header = rows.index(next(r for r in rows if r[:4] == ["ОО", "Муниципалитет", "Название ОО", "Код участника"]))
    assert set(filter(None, rows[header - 1])) == {"Б", "П"}
    body = rows[header + 1:]
    assert {r[0] for r in body} == {"sch500101", "sch500102", "sch500103", "sch500107"}
    assert {r[2] for r in body} >= {"МАОУ «Гимназия № 2»", "МАОУ «Лицей № 3»"}
    for code in SCHOOL_FORMS:
        book = load_workbook(school_form_path(data_dir, code))
        assert book.sheetnames[:2] == ["Протокол", "Классы"]
        protocol = [list(r) for r in book["Протокол"].iter_rows(values_only=True)]
        total = protocol[0].index("Итого баллов")
        assert all(str(r[total]).startswith("=IF(LEN(C") for r in protocol[1:])
    messy = [list(r) for r in load_workbook(school_form_path(data_dir, "500211"), data_only=True)["Протокол"]
             .iter_rows(values_only=True)]
    assert {r[1] for r in messy[1:] if isinstance(r[1], str)} == {"отсутствовал", "не присутствовал"}
    assert all(isinstance(r[messy[0].index("Итого баллов")], int) for r in messy[1:] if isinstance(r[1], int))
    assert any(c in ("Х", "X") for r in body + messy for c in r)  # tasks not attempted
    assert _count(db, OriginalScore, OriginalScore.attempted.is_(False)) > 0

    # what the demo had before stays: journal marks, the over-marking school flagged, linked markers
    assert _count(db, Paper, Paper.journal_mark.is_(None)) == 0
    flagged = {row.code for row in overview(db, campaign).schools if row.stats.flagged}
    assert OVER_MARKING_SCHOOL in flagged
    assert _count(db, Paper, Paper.original_marker_id.is_not(None)) == per_school[OVER_MARKING_SCHOOL]

    # uploading the files again changes nothing
    events = _count(db, AuditEvent)
    stored = sorted((s.paper_id, s.task_id, s.score, s.attempted) for s in db.scalars(select(OriginalScore)))
    again = import_marks(db, campaign, export_path(data_dir))
    assert (again.created, again.updated, again.unchanged, again.absent) == (0, 0, 24, 1)
    for code, absentees in (("500211", 2), ("500105", 1)):
        again = import_marks(db, campaign, school_form_path(data_dir, code), school_code=code)
        assert (again.created, again.updated, again.unchanged, again.absent) == (0, 0, per_school[code], absentees)
    db.commit()
    assert _count(db, AuditEvent) == events and _count(db, Paper) == papers
    assert sorted((s.paper_id, s.task_id, s.score, s.attempted) for s in db.scalars(select(OriginalScore))) == stored


def test_the_quick_start_prints_where_the_demo_s_forms_are():
    script = (ROOT / "scripts" / "demo.sh").read_text(encoding="utf-8")
    assert f"/{forms.FORMS_DIR}/" in script
