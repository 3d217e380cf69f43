"""Original marks in the VPR results-form layout (SPEC §2, issue: papers in)."""
from __future__ import annotations

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from crosscheck.imports.tabular import ImportRejected
from crosscheck.models import AuditEvent, OriginalScore, Paper
from crosscheck.services.marks.importer import import_marks

LABELS = ["1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12.1", "12.2", "13", "14"]
HEADER = ["№", "Код участника", "Класс", "Вариант", *LABELS, "Сумма баллов", "Отметка",
          "Отметка по журналу", "Эксперт", "Код ОО"]


def marks_row(code, scores, *, total=None, grade=None, journal=None, marker="", school="500101", n=1):
    return [n, code, "5А", "1", *scores, total, grade, journal, marker, school]


FULL = [1] * 8 + [2, 2, 1, 1, 1, 1, 2]   # 18 points → grade 5
SOME = [1, 0, 1, "Х", 1, 0, 1, 1, 1, "1", 1.0, 0, 0, 0, 0]  # 8 → grade 3


def xlsx(tmp_path, rows, name="marks.xlsx", title=True):
    wb = Workbook()
    ws = wb.active
    if title:  # real forms carry title rows above the header
        ws.append(["Форма сбора результатов ВПР. Математика, 5 класс"])
        ws.append(["ОО: 500101"])
        ws.append([])
    ws.append(HEADER)
    for row in rows:
        ws.append(row)
    path = tmp_path / name
    wb.save(path)
    return path


@pytest.fixture
def campaign(factory):
    factory.school("500101")
    factory.school("500102")
    return factory.campaign()


def papers(db):
    return db.scalars(select(Paper).order_by(Paper.participant_code)).all()


def test_a_results_form_becomes_papers_with_original_marks(db, factory, campaign, tmp_path):
    marker = factory.user("petrova", full_name="Петрова Ольга Ивановна")
    path = xlsx(tmp_path, [
        marks_row("10001", FULL, total=18, grade=5, journal=5, marker="Петрова Ольга Ивановна"),
        marks_row("10002", SOME, total=8, grade=3, journal=4, marker="petrova"),
        marks_row("10003", [None] * 15),  # absent: skipped
    ])
    result = import_marks(db, campaign, path)
    assert (result.created, result.absent, result.linked_markers) == (2, 1, 2)
    first, second = papers(db)
    assert (first.participant_code, first.class_name, first.variant, first.journal_mark) == ("10001", "5А", "1", 5)
    assert first.original_marker_id == second.original_marker_id == marker.id
    scores = {s.task.label: (s.score, s.attempted) for s in second.original_scores}
    assert scores["4"] == (0, False)  # Х: not attempted, scored 0
    assert scores["10"] == (1, True) and scores["11"] == (1, True)  # "1" and 1.0 accepted
    assert sum(s for s, _ in scores.values()) == 8


def test_ciphers_are_random_unique_and_reveal_nothing(db, campaign, tmp_path):
    rows = [marks_row(f"1{i:04d}", FULL) for i in range(30)]
    import_marks(db, campaign, xlsx(tmp_path, rows))
    ciphers = [p.cipher for p in papers(db)]
    assert len(set(ciphers)) == 30 and all(len(c) >= 8 and c.isalnum() for c in ciphers)
    assert not any(p.participant_code in p.cipher or "500101" in p.cipher for p in papers(db))


def test_reimport_changes_nothing_and_a_correction_is_audited(db, campaign, tmp_path):
    path = xlsx(tmp_path, [marks_row("10001", FULL, total=18, grade=5)])
    import_marks(db, campaign, path)
    db.commit()
    cipher, events = papers(db)[0].cipher, db.scalar(select(func.count()).select_from(AuditEvent))
    again = import_marks(db, campaign, path)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 1)
    assert db.scalar(select(func.count()).select_from(AuditEvent)) == events
    corrected = FULL[:-1] + [1]
    fixed = import_marks(db, campaign, xlsx(tmp_path, [marks_row("10001", corrected)], name="fixed.xlsx"))
    assert fixed.updated == 1 and papers(db)[0].cipher == cipher
    event = db.scalars(select(AuditEvent).where(AuditEvent.action == "paper.marks_update")).one()
    assert event.before["scores"]["14"] == 2 and event.after["scores"]["14"] == 1


def test_every_bad_row_is_listed_and_nothing_is_written(db, campaign, tmp_path):
    bad_max = list(FULL)
    bad_max[8] = 3  # task 9 has max 2
    path = xlsx(tmp_path, [
        marks_row("10001", bad_max),
        marks_row("10002", FULL, total=17),
        marks_row("10003", SOME, grade=4),
        marks_row("10004", FULL, school="999999"),
        marks_row("10005", FULL),
        marks_row("10005", FULL),
        marks_row("10006", FULL[:-1] + [None]),
        marks_row("10007", FULL, journal=6),
        marks_row("10008", ["abc"] + FULL[1:]),
    ])
    with pytest.raises(ImportRejected) as info:
        import_marks(db, campaign, path)
    errors = [str(e) for e in info.value.errors]
    assert errors == [
        'row 5, column "9": «3» — недопустимый балл: нужно целое от 0 до 2 или Х',
        'row 6, column "Сумма баллов": указано 17, а сумма баллов по заданиям — 18',
        'row 7, column "Отметка": указана отметка 4, а за 8 первичных баллов по шкале шаблона полагается 3',
        'row 8, column "Код ОО": неизвестный код ОО «999999»',
        'row 10, column "Код участника": участник «10005» уже есть в строке 9',
        'row 11, column "14": нет балла (для невыполненного задания ставится Х)',
        'row 12, column "Отметка по журналу": «6» — отметка по журналу должна быть от 2 до 5',
        'row 13, column "1": «abc» — недопустимый балл: нужно целое от 0 до 1 или Х',
    ]
    assert papers(db) == [] and db.scalar(select(func.count()).select_from(OriginalScore)) == 0


def test_unknown_task_column_is_refused(db, campaign, tmp_path):
    wb = Workbook()
    ws = wb.active
    ws.append(["Код участника", *LABELS, "15", "Код ОО"])
    ws.append(["10001", *FULL, 1, "500101"])
    path = tmp_path / "m.xlsx"
    wb.save(path)
    with pytest.raises(ImportRejected) as info:
        import_marks(db, campaign, path)
    assert [str(e) for e in info.value.errors] == ['row 1, column "15": в шаблоне кампании нет такого задания']


def test_missing_task_column_is_refused(db, campaign, tmp_path):
    path = tmp_path / "m.csv"
    path.write_text("Код участника;1;2\n10001;1;1\n", encoding="utf-8")
    with pytest.raises(ImportRejected) as info:
        import_marks(db, campaign, path, school_code="500101")
    assert 'row 1, column "14": нет столбца этого задания' in [str(e) for e in info.value.errors]


def test_csv_with_school_from_the_command_and_latin_x(db, campaign, tmp_path):
    header = ";".join(["Код участника", *LABELS])
    row = ";".join(["20001", "X", *["0"] * 14])
    path = tmp_path / "m.csv"
    path.write_text(f"{header}\n{row}\n", encoding="utf-8-sig")
    result = import_marks(db, campaign, path, school_code="500102")
    assert result.created == 1
    paper = papers(db)[0]
    assert paper.school.code == "500102"
    assert {s.task.label: s.attempted for s in paper.original_scores}["1"] is False


def test_no_school_anywhere_is_an_error(db, campaign, tmp_path):
    path = tmp_path / "m.csv"
    path.write_text(";".join(["Код участника", *LABELS]) + "\n1;" + ";".join(["0"] * 15) + "\n", encoding="utf-8")
    with pytest.raises(ImportRejected) as info:
        import_marks(db, campaign, path)
    assert str(info.value.errors[0]).startswith('row 1, column "Код ОО"')


def test_the_same_participant_code_in_two_schools_is_two_papers(db, campaign, tmp_path):
    path = xlsx(tmp_path, [marks_row("10001", FULL), marks_row("10001", FULL, school="500102")])
    assert import_marks(db, campaign, path).created == 2


def test_unknown_marker_is_kept_as_text(db, campaign, tmp_path):
    result = import_marks(db, campaign, xlsx(tmp_path, [marks_row("10001", FULL, marker="Сидорова А.А.")]))
    assert result.unlinked_markers == {"Сидорова А.А."}
    assert papers(db)[0].original_marker_name == "Сидорова А.А." and papers(db)[0].original_marker_id is None


def test_a_file_without_the_header_cell(db, campaign, tmp_path):
    path = tmp_path / "m.csv"
    path.write_text("a;b\n1;2\n", encoding="utf-8")
    with pytest.raises(ImportRejected) as info:
        import_marks(db, campaign, path)
    assert "Код участника" in str(info.value.errors[0])
