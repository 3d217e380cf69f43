"""`crosscheck scales import|list` and `crosscheck templates list` (issue 13): conversion scales an
administrator extends without code (a file in the data directory), found by `template from-form`."""
from __future__ import annotations

import yaml

from crosscheck.domain.template import parse_template
from tests.test_template_from_form import results_form

HEADER = "subject,grade,year,max_primary,mark2,mark3,mark4,mark5,status,source\n"
MATH_5 = "Математика,5,2027,7,0-2,3-4,5-5,6-7,found,https://example.org/vpr-2027-math-5\n"
HISTORY_8 = "history,8,2027,17,0-4,5-9,10-13,14-17,,приказ Рособрнадзора №1\n"
MATH_5_FORM = ["1 (1б)", "2 (2б)", "3 (1б)"], ["4 (3б)"]  # 7 primary points


def write(tmp_path, name, *rows):
    path = tmp_path / name
    path.write_text(HEADER + "".join(rows), encoding="utf-8")
    return str(path)


def test_imported_scale_is_listed_and_used_by_template_from_form(tmp_path, run, data_dir):
    result = run("scales", "import", write(tmp_path, "scales.csv", MATH_5, HISTORY_8))
    assert result.exit_code == 0, result.output
    assert "добавлено 2, заменено 0" in result.output
    assert (data_dir / "scales.csv").exists()
    listed = run("scales", "list").output
    assert "math, 5 класс, 2027: 3 от 3, 4 от 5, 5 от 6 (из 7); импортирована" in listed
    assert "history, 8 класс, 2027" in listed
    assert "russian, 4 класс, 2026" in listed and "встроена" in listed  # the shipped ones stay
    form = results_form(tmp_path / "math5.xlsx", *MATH_5_FORM)
    out = tmp_path / "math5.yaml"
    made = run("template", "from-form", form, "--subject", "Математика", "--grade", "5", "--year", "2027",
               "-o", str(out))
    assert made.exit_code == 0, made.output
    assert "example.org/vpr-2027-math-5" in made.output
    spec = parse_template(yaml.safe_load(out.read_text(encoding="utf-8")))
    assert spec.grades == {"3": 3, "4": 5, "5": 6}
    # a year nobody imported is still not guessed
    other = run("template", "from-form", form, "--subject", "Математика", "--grade", "5", "--year", "2028",
                "-o", str(tmp_path / "x.yaml"))
    assert other.exit_code == 1 and "нет шкалы перевода" in other.output


def test_bad_rows_are_all_listed_and_nothing_is_stored(tmp_path, run, data_dir):
    bad = write(tmp_path, "bad.csv", MATH_5,
                "астрономия,12,pre-2025,x,0-5,6-10,5-15,16-20,maybe,\n",
                "math,6,2027,20,0-5,6-10,11-15,16-25,found,src\n",
                "math,7,2027,20,0-5,6-10,11-15,16-20,found,\n")
    result = run("scales", "import", bad)
    assert result.exit_code == 1
    out = result.output
    for line in ('row 3, column "subject"', 'row 3, column "grade"', 'row 3, column "year"',
                 'row 3, column "max_primary"', 'row 3, column "status"', 'row 3, column "source"',
                 'row 4, column "mark5"', 'row 5, column "source"', "bad.csv: 9 ошибок, ничего не записано"):
        assert line in out, out
    assert 'row 2' not in out
    assert not (data_dir / "scales.csv").exists()
    assert "2027" not in run("scales", "list").output
    not_increasing = write(tmp_path, "order.csv", "math,5,2027,7,0-2,3-4,3-5,6-7,found,s\n")
    result = run("scales", "import", not_increasing)
    assert result.exit_code == 1 and 'row 2, column "mark3": наименьшие баллы' in result.output


def test_reimport_changes_nothing_and_a_new_row_for_the_same_scale_replaces_it(tmp_path, run, data_dir):
    first = write(tmp_path, "a.csv", MATH_5, HISTORY_8)
    assert run("scales", "import", first).exit_code == 0
    stored = (data_dir / "scales.csv").read_text(encoding="utf-8")
    again = run("scales", "import", first)
    assert again.exit_code == 0
    assert "добавлено 0, заменено 0, без изменений 2; ничего не изменилось" in again.output
    assert (data_dir / "scales.csv").read_text(encoding="utf-8") == stored
    fixed = write(tmp_path, "b.csv", "math,5,2027,7,0-1,2-4,5-5,6-7,found,https://example.org/corrected\n")
    result = run("scales", "import", fixed)
    assert result.exit_code == 0, result.output
    assert "заменена шкала math, 5 класс, 2027 год: 3/4/5 3/5/6 из 7" in result.output
    assert "→ 2/5/6 из 7 (https://example.org/corrected)" in result.output
    assert "добавлено 0, заменено 1" in result.output
    listed = run("scales", "list").output
    assert "math, 5 класс, 2027: 3 от 2" in listed and "history, 8 класс, 2027" in listed
    assert "vpr-2027-math-5" not in listed


def test_imported_row_wins_over_the_shipped_one(tmp_path, run):
    shipped_rus4 = "russian,4,2026,24,0-8,9-15,16-20,21-24,found,https://example.org/own\n"
    assert run("scales", "import", write(tmp_path, "r.csv", shipped_rus4)).exit_code == 0
    listed = run("scales", "list").output
    assert "russian, 4 класс, 2026: 3 от 9" in listed and "3 от 10, 4 от 16, 5 от 21 (из 24)" not in listed


def test_templates_list_after_campaign_create(tmp_path, run, db):
    assert "шаблонов в базе данных нет" in run("templates", "list").output
    created = run("campaign", "create", "vpr-math-5-2026", "--template", "crosscheck/demo/vpr-math-5.yaml",
                  "--name", "ВПР математика 5")
    assert created.exit_code == 0, created.output
    listed = run("templates", "list").output
    assert "шаблонов: 1" in listed
    assert "кампании: vpr-math-5-2026" in listed and "5 класс" in listed and "заданий" in listed
