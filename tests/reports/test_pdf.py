"""The PDF protocol and summary are text documents: poppler reads their words back
(Russian headings, school codes, decimal commas), nothing is cut with «…», the document's
title is in its metadata, the charts are vector drawings, downloads have readable names."""
from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path
from urllib.parse import unquote

import pytest

from crosscheck.models import School
from crosscheck.services.reports import pdf as report_pdf
from crosscheck.services.reports.audience import FULL
from crosscheck.services.reports.files import report_file
from tests.reports.conftest import press_report

pytestmark = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils is not installed")

LONG_NAME = ("Муниципальное бюджетное общеобразовательное учреждение «Средняя общеобразовательная школа "
             "№ 17 с углублённым изучением отдельных предметов имени Героя Советского Союза "
             "Александра Ивановича Покрышкина»")
LONG_MUNICIPALITY = "Городской округ Заречный Свердловской области (муниципальное образование)"


def poppler(tool: str, path: Path, *args: str) -> str:
    result = subprocess.run([tool, *args, str(path), "-"] if tool == "pdftotext" else [tool, *args, str(path)],
                            capture_output=True, text=True, timeout=60, check=True)
    return result.stdout


def words(text: str) -> str:
    return " ".join(text.split())


def info(path: Path) -> dict[str, str]:
    pairs = (line.split(":", 1) for line in poppler("pdfinfo", path).splitlines() if ":" in line)
    return {k.strip(): v.strip() for k, v in pairs}


def build(db, campaign, kind: str, data_dir: Path, code: str | None = None) -> Path:
    path = report_file(db, campaign.id, kind, data_dir, school_code=code, audience=FULL)
    assert path is not None
    return path


def test_the_protocol_is_text_with_the_school_its_papers_and_russian_numbers(db, marked, data_dir):
    campaign, papers = marked
    path = build(db, campaign, "protocol", data_dir, "500101")
    text = words(poppler("pdftotext", path))
    for expected in ("Протокол перепроверки работ ВПР", "Перепроверка ВПР, математика 5 (e2e)",
                     "Образовательная организация: 500101", "Муниципалитет: Заречный ГО",
                     "Работ: 3; проверено: 2. Отметка понижена: 1, подтверждена: 1, повышена: 0.",
                     "Среднее изменение первичного балла (итог − школа): -3,00",
                     "Код участника", "Среднее изменение балла по заданиям", "Итог − школа",
                     "Председатель предметной комиссии", "Общественный наблюдатель", "лист 1 из"):
        assert expected in text, expected
    for code in ("10001", "10002", "10003"):
        assert code in text and papers[code].cipher in text
    assert "-6" in text and "Завершена" in text and "На перепроверке" in text
    assert "…" not in text
    assert re.search(r"[+-]\d+,\d\d", text) and not re.search(r"[+-]\d+\.\d\d", text)  # commas, never points
    meta = info(path)
    assert meta["Title"] == "Протокол перепроверки — ОО 500101"
    assert "Перепроверка ВПР, математика 5" in meta["Subject"]
    assert meta["Page size"].startswith("841.89 x 595.276")  # A4 landscape
    fonts = poppler("pdffonts", path)
    assert "DejaVuSans" in fonts
    assert all(line.split()[-5] == "yes" for line in fonts.splitlines()[2:]), fonts  # every font embedded
    assert poppler("pdfimages", path, "-list").count("\n") == 2  # no picture at all: text and vector chart


def test_the_summary_wraps_a_long_school_name_instead_of_cutting_it(db, marked, data_dir):
    campaign, _ = marked
    school = db.query(School).filter_by(code="500101").one()
    school.name, school.municipality = LONG_NAME, LONG_MUNICIPALITY
    db.commit()
    path = build(db, campaign, "summary", data_dir)
    text = words(poppler("pdftotext", path))
    assert "…" not in text
    assert "Аналитическая справка по результатам перепроверки" in text
    assert f"Муниципалитет: {LONG_MUNICIPALITY}" in text
    assert "500101" in text and "-3,00" in text
    for word in LONG_NAME.split():  # every word of the name is there, the last one too
        assert word in text, word
    assert "Балл школы и итоговый балл" in text and "Итоговый балл" in text and "совпало" in text
    meta = info(path)
    assert meta["Title"] == "Аналитическая справка — Перепроверка ВПР, математика 5"
    assert meta["Page size"].startswith("595.276 x 841.89")  # A4 portrait
    assert poppler("pdfimages", path, "-list").count("\n") == 2

    protocol = build(db, campaign, "protocol", data_dir, "500101")
    ptext = words(poppler("pdftotext", protocol))
    assert "…" not in ptext and "Покрышкина»" in ptext and f"Образовательная организация: 500101 · {LONG_NAME}" in ptext


def test_a_missing_font_is_a_clear_error(monkeypatch, tmp_path):
    report_pdf.register_fonts.cache_clear()
    monkeypatch.setattr(report_pdf, "font_path", lambda bold=False: None)
    try:
        with pytest.raises(report_pdf.FontMissing, match="fonts-dejavu-core"):
            report_pdf.Document("t", "s", "f")
    finally:
        report_pdf.register_fonts.cache_clear()


@pytest.mark.parametrize("kind, code, name", [
    ("protocol", "500101", "Протокол перепроверки — ОО 500101.pdf"),
    ("summary", "", "Аналитическая справка — e2e.pdf"),
    ("xlsx", "", "Отчёт перепроверки — e2e.xlsx"),
])
def test_downloads_are_named_for_people(marked, login_as, kind, code, name):
    response = press_report(login_as("organiser"), kind, code, follow=True)
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment")
    assert unquote(re.search(r"filename\*=UTF-8''([^;]+)", disposition).group(1)) == name
    assert "\n" not in disposition and "\r" not in disposition


def test_table_cells_wrap_long_flags_and_names(tmp_path):
    """The summary's school row with the longest texts it can carry: every word is printed."""
    flags = "много подтверждённых расхождений; систематическое завышение; систематическое занижение"
    doc = report_pdf.Document("Проверка", "s", "f")
    doc.table(report_pdf.SCHOOL_HEAD, [("500105", LONG_NAME, 1200, 1180, 310, 800, 70, "-1,25", 530, 402, flags)],
              (None, 16, None, None, None, None, None, None, None, None, 9), numeric=(2, 3, 4, 5, 6, 7, 8, 9), size=7.5)
    path = doc.save(tmp_path / "t.pdf")
    text = words(poppler("pdftotext", path))
    assert "…" not in text and "-1,25" in text and "1180" in text
    for word in (LONG_NAME + " " + flags).split():
        assert word in text, word
    assert info(path)["Title"] == "Проверка"
