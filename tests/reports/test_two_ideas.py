"""Issue 16, item 7: «ушла на третью проверку» and «расхождение подтверждено» are two
ideas; every page and report names them apart and counts each where it belongs.

A school card said «0 значимых расхождений» (confirmed by the final marks) while its rows
said «Значимое: да» (the recheck differed and sent the paper to a third check)."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from openpyxl import load_workbook

from tests.reports.conftest import MIXED, live_assignment, mark, scores

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def overturned(db, marked):
    """Besides ``marked``: 10003's recheck differs significantly, but the reviewer keeps the
    school's marks: sent to a third check, discrepancy not confirmed."""
    campaign, papers = marked
    mark(db, live_assignment(db, papers["10003"]), {label: 0 for label in scores(MIXED)})
    db.commit()
    mark(db, live_assignment(db, papers["10003"], "review"), scores(MIXED), comment="Школа оценила верно")
    db.commit()
    return campaign, papers


def _cells(html: str, css: str) -> list[str]:
    return re.findall(rf'<td class="{css}">([^<]*)</td>', html)


def test_the_school_card_counts_what_its_rows_say(overturned, login_as):
    html = login_as("organiser").get("/analytics/e2e/school?code=500101").get_data(as_text=True)
    sent, confirmed = _cells(html, "sent-to-review"), _cells(html, "confirmed")
    assert sorted(sent) == ["да", "да", "нет"] and sorted(confirmed) == ["да", "нет", "нет"]
    card = dict(re.findall(r'id="stat-([a-z-]+)"[^>]*><span class="n">(\d+)</span>', html))
    assert card == {"sent-to-review": "2", "confirmed": "1"}
    assert "Ушла на третью проверку" in html and "Расхождение подтверждено" in html


def test_the_xlsx_names_and_counts_the_two_apart(overturned, run, tmp_path):
    out = tmp_path / "report.xlsx"
    assert run("report", "e2e", "--format", "xlsx", "-o", str(out)).exit_code == 0
    wb = load_workbook(out)
    papers = list(wb["Работы"].values)
    rows = {r[2]: dict(zip(papers[0], r)) for r in papers[1:]}
    assert [(rows[c]["Ушла на третью проверку"], rows[c]["Расхождение подтверждено"])
            for c in ("10001", "10002", "10003")] == [("нет", "нет"), ("да", "да"), ("да", "нет")]
    schools = list(wb["Школы"].values)
    school = dict(zip(schools[0], schools[1]))
    assert (school["Ушли на третью проверку"], school["Расхождение подтверждено"]) == (2, 1)


def test_the_json_report_keeps_the_spec_field_names(overturned, run, tmp_path):
    import json

    out = tmp_path / "report.json"
    assert run("report", "e2e", "--format", "json", "-o", str(out)).exit_code == 0
    paper = next(p for p in json.loads(out.read_text())["papers"] if p["participant"] == "10003")
    assert paper["significant"] is True and paper["final_significant"] is False  # SPEC §7, unchanged


def test_no_page_or_report_says_significant_on_its_own():
    """«Значимое»/«значимых расхождений» meant one idea on a card and another in a row."""
    sources = [*(ROOT / "templates").rglob("*.html"), *(ROOT / "crosscheck" / "services" / "reports").glob("*.py")]
    offenders = [f"{p.relative_to(ROOT)}: {m}" for p in sources
                 for m in re.findall(r"[Зз]начим(?:ое|ая|ых|ые|ый)\b[^\n]{0,30}", p.read_text())]
    assert offenders == []
