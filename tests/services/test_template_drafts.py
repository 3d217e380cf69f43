"""services/campaigns/drafts.py and scales.py: a template drafted from a results form's bytes
(the upload's, no file on disk) and the administrator's conversion scales in the data
directory — the logic `template from-form` and `scales import` share with the «Шаблоны» page."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from crosscheck.domain.scales import ScaleImportError, shipped_scales
from crosscheck.domain.template import TemplateError
from crosscheck.models import AuditEvent
from crosscheck.services.audit.trail import Actor
from crosscheck.services.campaigns.drafts import (FormDraftError, draft_from_form, draft_from_tasks, edited_document,
                                                  form_tasks_from_file, match_scale, template_yaml)
from crosscheck.services.campaigns.scales import (ScalesFileError, import_scales, imported_scales_text, listed_scales,
                                                  lookup_scales, scales_path)
from crosscheck.services.campaigns.store import save_template
from tests.test_scales_cli import HEADER, HISTORY_8, MATH_5
from tests.test_template_from_form import RUSSIAN_4, results_form


@pytest.fixture
def rus4(tmp_path) -> bytes:
    return open(results_form(tmp_path / "rus4.xlsx", *RUSSIAN_4), "rb").read()


def test_a_form_uploaded_as_bytes_gives_the_tasks_and_the_known_scale(rus4):
    draft = draft_from_form("Протокол.xlsx", rus4, subject="Русский язык", grade=4, year=2026, grades=None,
                            scales=shipped_scales())
    assert [t["label"] for t in draft.doc["tasks"]] == [str(n) for n in range(1, 13)]
    assert draft.spec.max_total == 24 and draft.grades == {"3": 10, "4": 16, "5": 21}
    assert draft.scale.year == "2026" and "vpr-ege.ru" in draft.scale.source
    assert draft.doc["name"] == "vpr-russian-4-2026"


def test_a_csv_form_is_read_from_bytes_too():
    data = "Код;Вариант;1 (1б);2 (2б);5.1 (1б);10К1 (2б);Итого баллов\n40001;1;1;2;1;2;6\n".encode("utf-8-sig")
    assert form_tasks_from_file("form.csv", data) == [("1", 1), ("2", 2), ("5.1", 1), ("10К1", 2)]


@pytest.mark.parametrize("name, data, words", [
    ("form.xlsx", "Код;1 (1б)\n40001;1\n".encode(), "form.xlsx: это не файл XLSX"),
    ("list.csv", b"name,score\nIvan,5\n", "list.csv: не найдена строка заголовков"),
    ("notasks.csv", "Код;Задание 1\n40001;1\n".encode(), "notasks.csv: в строке заголовков нет столбцов заданий"),
    ("twice.csv", "Код;1 (1б);1 (2б)\n".encode(), "twice.csv: задание «1» встречается в заголовке дважды"),
    ("empty.csv", b"  \n", "empty.csv: файл пуст"),
])
def test_a_file_that_is_not_a_results_form_gives_one_russian_line(name, data, words):
    with pytest.raises(FormDraftError) as caught:
        form_tasks_from_file(name, data)
    assert str(caught.value).startswith(words)


def test_the_scale_is_matched_exactly_or_not_at_all():
    tasks = [("1", 12), ("2", 12)]  # 24 points, as the Russian grade 4 paper of 2026
    assert match_scale("русский язык", 4, 2026, tasks, shipped_scales()).grades == {"3": 10, "4": 16, "5": 21}
    assert match_scale("Русский язык", 4, 2025, tasks, shipped_scales()).scale is None  # no neighbour's year
    assert match_scale("Русский язык", 4, None, tasks, shipped_scales()).scale is None
    other = match_scale("Русский язык", 4, 2026, [("1", 1)], shipped_scales())
    assert other.scale is not None and other.grades is None and "рассчитана на 24" in other.problem


def test_without_grades_and_a_scale_the_draft_says_what_to_give():
    with pytest.raises(FormDraftError, match="--grades"):
        draft_from_tasks([("1", 5)], subject="Математика", grade=5, year=None, grades=None, scales=[])
    draft = draft_from_tasks([("1", 5)], subject="Математика", grade=5, year=None,
                             grades={"3": 2, "4": 3, "5": 4}, scales=[])
    assert draft.scale is None and draft.spec.grades == {"3": 2, "4": 3, "5": 4}
    with pytest.raises(TemplateError, match="grades.5"):
        draft_from_tasks([("1", 5)], subject="Математика", grade=5, year=None, grades={"3": 2, "4": 3, "5": 9},
                         scales=[])


def test_an_edited_document_leaves_a_missing_threshold_for_the_validation_to_name():
    doc = edited_document(name="vpr-x", title="T", subject="Математика", grade_level=5, pages=None,
                          tasks=[("1", 2, "критерии")], grades={"3": 1, "4": None, "5": 2})
    assert doc["grades"] == {"3": 1, "5": 2} and doc["pages"] == 4 and doc["masks"]
    text = template_yaml(doc, form_name="f.xlsx", grades_source="указаны организатором", made_by="страница")
    assert text.startswith("# Шаблон составлен по форме сбора результатов f.xlsx (страница).\n")


# --- the administrator's scales ----------------------------------------------------------

def test_imported_scales_are_merged_written_atomically_and_win_the_lookup(data_dir):
    assert imported_scales_text(data_dir) is None
    merge = import_scales(data_dir, HEADER + MATH_5 + HISTORY_8)
    assert (len(merge.added), len(merge.replaced), len(merge.unchanged)) == (2, 0, 0)
    assert scales_path(data_dir).exists() and not list(data_dir.glob("*.tmp"))
    again = import_scales(data_dir, HEADER + MATH_5)
    assert not again.changed and len(again.unchanged) == 1
    russian = "russian,4,2026,24,0-8,9-14,15-19,20-24,found,региональная шкала\n"
    replaced = import_scales(data_dir, HEADER + russian)
    assert not replaced.replaced and len(replaced.added) == 1  # the shipped row stays; the imported one wins
    found = match_scale("Русский язык", 4, 2026, [("1", 24)], lookup_scales(data_dir))
    assert found.grades == {"3": 9, "4": 15, "5": 20} and found.scale.source == "региональная шкала"
    listed = {(s.subject, s.grade, s.year): imported for s, imported in listed_scales(data_dir)}
    assert listed[("russian", 4, "2026")] is True and listed[("math", 5, "2027")] is True
    assert listed[("russian", 8, "pre-2025 (year not stated)")] is False


def test_a_bad_file_changes_nothing(data_dir):
    import_scales(data_dir, HEADER + MATH_5)
    before = scales_path(data_dir).read_bytes()
    with pytest.raises(ScaleImportError) as caught:
        import_scales(data_dir, HEADER + HISTORY_8 + "math,7,2027,20,0-5,6-10,11-15,16-20,found,\n")
    assert caught.value.errors == ['row 3, column "source": не указан источник шкалы (ссылка или документ)']
    assert scales_path(data_dir).read_bytes() == before


def test_an_unreadable_scales_file_is_named(data_dir):
    scales_path(data_dir).write_bytes(b"\xff\xfe\x00bad")
    with pytest.raises(ScalesFileError, match="не удаётся прочитать импортированные шкалы"):
        lookup_scales(data_dir)


def test_a_saved_template_is_audited_once(db, rus4):
    draft = draft_from_form("rus4.xlsx", rus4, subject="Русский язык", grade=4, year=2026, grades=None,
                            scales=shipped_scales())
    template, created = save_template(db, draft.spec, actor=Actor(label="test"))
    assert created and template.name == "vpr-russian-4-2026"
    again, created_again = save_template(db, draft.spec, actor=Actor(label="test"))
    assert again.id == template.id and not created_again
    assert db.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "template.create")) == 1
