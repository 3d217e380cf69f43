"""`crosscheck template from-form` (SPEC §1, §4): a template drafted from a results form,
grades from --grades or from the conversion scales shipped with crosscheck."""
from __future__ import annotations

import pytest
import yaml
from click.testing import CliRunner
from openpyxl import Workbook

from crosscheck.cli import main
from crosscheck.domain.scales import find_scale, parse_scales, shipped_scales, subject_code
from crosscheck.domain.template import parse_template
from crosscheck.domain.template_draft import DraftError, form_tasks, parse_grades_option, template_name

# The school's results form as FIS OKO hands it out (shared vpr/form_columns.yaml):
# Russian, grade 4 (2026): 12 tasks, 24 primary points.
RUSSIAN_4 = ["1 (2б)", "2 (1б)", "3 (2б)", "4 (3б)", "5 (2б)", "6 (2б)"], \
            ["7 (2б)", "8 (2б)", "9 (2б)", "10 (2б)", "11 (2б)", "12 (2б)"]


def results_form(path, part1, part2=(), *, code_header="Код"):
    wb = Workbook()
    ws = wb.active
    ws.title = "Протокол"
    header = [code_header, "Вариант (часть 1)", *part1]
    if part2:
        header += ["Вариант (часть 2)", *part2]
    header += ['Класс № (список формируется из листа "Классы")', "Пол",
               "Отметка за предыдущий триместр/ четверть/полугодие", "Итого баллов"]
    ws.append(header)
    ws.append([40001, *([1] * (len(header) - 2)), "=SUM(C2:H2)"])
    classes = wb.create_sheet("Классы")
    classes.append(["4а"])
    wb.save(path)
    return str(path)


def invoke(*args):
    return CliRunner().invoke(main, list(args))


def test_form_with_grades_option_writes_a_template_campaign_create_accepts(tmp_path, run, db):
    form = results_form(tmp_path / "protocol.xlsx", ["1 (1б)", "2 (2б)", "5.1 (1б)", "5.2 (2б)", "10К1 (2б)"],
                        ["8(1) (1б)", "12 (3б)"])
    out = tmp_path / "tpl.yaml"
    result = invoke("template", "from-form", form, "--subject", "Математика", "--grade", "5",
                    "--grades", "3:4,4:7,5:10", "-o", str(out))
    assert result.exit_code == 0, result.output + result.stderr
    doc = yaml.safe_load(out.read_text(encoding="utf-8"))
    spec = parse_template(doc)
    assert spec.name == "vpr-math-5"
    assert spec.subject == "Математика" and spec.grade_level == 5 and spec.pages == 4
    assert [(t.label, t.max) for t in spec.tasks] == [("1", 1), ("2", 2), ("5.1", 1), ("5.2", 2), ("10К1", 2),
                                                      ("8(1)", 1), ("12", 3)]
    assert all(t.criteria for t in spec.tasks)
    assert spec.grades == {"3": 4, "4": 7, "5": 10}
    assert {m.page for m in spec.masks} == {None, 1}
    assert spec.identity is not None and spec.identity.page == 1 and spec.identity.digits == 5  # VPR code boxes
    created = run("campaign", "create", "vpr5", "--template", str(out), "--name", "ВПР 5 класс")
    assert created.exit_code == 0, created.output
    assert "7 заданий" in created.output


def test_known_scale_gives_the_grades_and_names_its_source(tmp_path, run):
    form = results_form(tmp_path / "rus4.xlsx", *RUSSIAN_4)
    out = tmp_path / "rus4.yaml"
    result = invoke("template", "from-form", form, "--subject", "русский ЯЗЫК", "--grade", "4",
                    "--year", "2026", "-o", str(out))
    assert result.exit_code == 0, result.output + result.stderr
    assert "vpr-ege.ru" in result.output
    text = out.read_text(encoding="utf-8")
    assert "шкала перевода 2026 года" in text
    spec = parse_template(yaml.safe_load(text))
    assert spec.name == "vpr-russian-4-2026" and spec.max_total == 24
    assert spec.grades == {"3": 10, "4": 16, "5": 21}
    assert run("campaign", "create", "rus4", "--template", str(out), "--name", "ВПР 4").exit_code == 0


def test_grades_option_wins_over_the_scale(tmp_path):
    form = results_form(tmp_path / "rus4.xlsx", *RUSSIAN_4)
    out = tmp_path / "t.yaml"
    result = invoke("template", "from-form", form, "--subject", "Русский язык", "--grade", "4", "--year", "2026",
                    "--grades", "3:9,4:15,5:20", "-o", str(out))
    assert result.exit_code == 0, result.stderr
    assert parse_template(yaml.safe_load(out.read_text(encoding="utf-8"))).grades == {"3": 9, "4": 15, "5": 20}


@pytest.mark.parametrize("extra, words", [
    ([], ["--grades", "--year"]),
    (["--year", "2025"], ["нет шкалы", "2025", "--grades"]),  # 2025 is not shipped: never guessed from 2026
])
def test_neither_grades_nor_a_known_scale_exits_1_with_one_line(tmp_path, extra, words):
    form = results_form(tmp_path / "rus4.xlsx", *RUSSIAN_4)
    out = tmp_path / "t.yaml"
    result = invoke("template", "from-form", form, "--subject", "Русский язык", "--grade", "4", *extra,
                    "-o", str(out))
    assert result.exit_code == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and all(w in lines[0] for w in words)
    assert not out.exists()


def test_scale_for_another_total_is_refused(tmp_path):
    form = results_form(tmp_path / "rus4.xlsx", ["1 (1б)", "2 (1б)"])
    result = invoke("template", "from-form", form, "--subject", "Русский язык", "--grade", "4", "--year", "2026",
                    "-o", str(tmp_path / "t.yaml"))
    assert result.exit_code == 1
    assert "24" in result.stderr and "--grades" in result.stderr


def test_grades_above_the_forms_total_are_refused(tmp_path):
    form = results_form(tmp_path / "small.xlsx", ["1 (1б)", "2 (2б)"])
    result = invoke("template", "from-form", form, "--subject", "Математика", "--grade", "5",
                    "--grades", "3:2,4:3,5:9", "-o", str(tmp_path / "t.yaml"))
    assert result.exit_code == 1
    assert "grades.5" in result.stderr


def test_form_without_task_headers_names_the_file(tmp_path):
    form = results_form(tmp_path / "notasks.xlsx", ["Задание 1", "Задание 2"])
    result = invoke("template", "from-form", form, "--subject", "Математика", "--grade", "5",
                    "--grades", "3:1,4:2,5:3", "-o", str(tmp_path / "t.yaml"))
    assert result.exit_code == 1
    assert "notasks.xlsx" in result.stderr and "1 (1б)" in result.stderr


def test_file_without_a_header_row_names_the_file(tmp_path):
    path = tmp_path / "list.csv"
    path.write_text("ФИО;Балл\nИванов;3\n", encoding="utf-8")
    result = invoke("template", "from-form", str(path), "--subject", "Математика", "--grade", "5",
                    "--grades", "3:1,4:2,5:3", "-o", str(tmp_path / "t.yaml"))
    assert result.exit_code == 1
    assert "list.csv" in result.stderr and "Код" in result.stderr


# --- the pure parts -----------------------------------------------------------------------

def test_shipped_scales_are_the_found_rows_with_year_and_source():
    scales = shipped_scales()
    assert scales and all(s.source.startswith("http") and s.year for s in scales)
    rus4 = find_scale("Русский язык", 4, 2026)
    assert rus4 and rus4.minimums == {"3": 10, "4": 16, "5": 21} and rus4.max_primary == 24


@pytest.mark.parametrize("subject, grade, year", [
    ("Русский язык", 4, 2025), ("Русский язык", 5, 2026), ("Астрономия", 4, 2026), ("Математика", 8, 2024),
    ("Русский язык", 4, None),
])
def test_unknown_scale_is_none(subject, grade, year):
    assert find_scale(subject, grade, year) is None


def test_subject_names_match_the_scale_codes_case_insensitively():
    assert subject_code("  РУССКИЙ   язык ") == "russian"
    assert subject_code("Математика") == subject_code("math") == "math"
    assert subject_code("Окружающий мир") == "world"
    assert subject_code("Астрономия") is None


def test_incomplete_or_unfound_rows_are_not_loaded():
    text = ("subject,grade,year,max_primary,mark2,mark3,mark4,mark5,status,source\n"
            "math,4,2023,20,,,,,found(max only),x\n"
            "math,5,2021,20,0-6,7-10,11-14,15+,secondary,y\n"
            "math,6,2026,20,0-5,6-9,10-13,14-20,found,z\n")
    assert [(s.subject, s.grade, s.minimums) for s in parse_scales(text)] == [("math", 6, {"3": 6, "4": 10, "5": 14})]


def test_form_tasks_reads_label_and_max_in_order():
    header = ["Код", "Вариант", "1 (1б)", "5.1 (2 б)", "7.3(1) (1б)", "Итого баллов", None]
    assert form_tasks(header) == [("1", 1), ("5.1", 2), ("7.3(1)", 1)]
    with pytest.raises(DraftError):
        form_tasks(["1 (1б)", "1 (2б)"])


@pytest.mark.parametrize("bad", ["3:1,4:2", "3:1;4:2;5:3", "3:a,4:2,5:3", "3:1,3:2,5:3", ""])
def test_grades_option_is_parsed_strictly(bad):
    assert parse_grades_option("3:10, 4:16 ,5:21") == {"3": 10, "4": 16, "5": 21}
    with pytest.raises(DraftError):
        parse_grades_option(bad)


def test_template_names_are_valid_slugs():
    assert template_name("Русский язык", 4, 2026) == "vpr-russian-4-2026"
    assert template_name("Астрономия", 11, None) == "vpr-astronomiya-11"
    assert template_name("Ёлочка" * 40, 7, 2026).endswith("-7-2026")
    assert len(template_name("Ёлочка" * 40, 7, 2026)) <= 100
