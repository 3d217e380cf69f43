"""Issue 19, finding 3: formula injection in exports.

A value that arrived through an import (a participant, class, marker or school «=…») was
written to the XLSX report as a live formula and to the audit CSV as it was. Every export
now writes such text as text, prefixed with ``'``; numbers stay numbers.
"""
from __future__ import annotations

import csv
import io
import re
import zipfile

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

from crosscheck.cli import main
from crosscheck.imports.formulas import FORMULA_STARTS, safe_cell, safe_row
from crosscheck.services.audit.search import AuditFilter, export_csv
from crosscheck.services.audit.trail import Actor, record
from crosscheck.services.reports.xlsx import write_xlsx

HOSTILE = {
    "participant": "=2+3",
    "class": '=HYPERLINK("http://e.invalid")',  # a class fits in 32 characters
    "marker": "=cmd|' /C calc'!A0",
    "school_code": "+1+1",
    "school_name": "-2+3",
    "municipality": "@SUM(1+1)*cmd|' /C calc'!A0",
}


def test_the_helper_prefixes_formula_text_and_leaves_the_rest():
    for start in FORMULA_STARTS:
        assert safe_cell(f"{start}1+1") == f"'{start}1+1"
    assert safe_cell("Школа № 1") == "Школа № 1"
    assert safe_cell("500101") == "500101"
    assert safe_cell(-3) == -3 and safe_cell(2.5) == 2.5 and safe_cell(None) is None and safe_cell(True) is True
    assert safe_row(["=1", 1, "a"]) == ["'=1", 1, "a"]


@pytest.fixture
def hostile_campaign(db, factory):
    campaign = factory.campaign()
    school = factory.school(HOSTILE["school_code"], municipality=HOSTILE["municipality"])
    school.name = HOSTILE["school_name"]
    paper = factory.paper(campaign, school, code=HOSTILE["participant"])
    paper.class_name, paper.original_marker_name = HOSTILE["class"], HOSTILE["marker"]
    factory.paper(campaign, factory.school("500101"), code="10001")
    db.flush()
    return campaign


def sheet_xml(path) -> dict[str, str]:
    with zipfile.ZipFile(path) as zf:
        return {n: zf.read(n).decode() for n in zf.namelist() if n.startswith("xl/worksheets/")}


def test_the_xlsx_report_writes_hostile_values_as_text_not_formulas(db, hostile_campaign, tmp_path):
    path = write_xlsx(db, hostile_campaign, tmp_path / "report.xlsx")
    sheets = sheet_xml(path)
    assert len(sheets) == 6  # papers, schools, markers, the municipal summary (issue 17), protocol, experts
    for name, xml in sheets.items():
        assert not re.search(r"<(\w+:)?f[ >]", xml), name  # no formula element anywhere
    wb = load_workbook(path)  # not data_only: a formula would come back as its text "=…"
    cells = [c for ws in wb.worksheets for row in ws.iter_rows() for c in row if c.value is not None]
    assert all(c.data_type != "f" for c in cells)
    texts = {c.value for c in cells if isinstance(c.value, str)}
    for value in HOSTILE.values():
        assert "'" + value in texts, value
        assert value not in texts
    papers = list(wb["Работы"].values)
    ours = next(r for r in papers if r[2] == "'=2+3")
    assert ours[1] == "'+1+1" and ours[3] == "'" + HOSTILE["class"] and ours[4] == "'" + HOSTILE["marker"]
    assert isinstance(ours[6], int)  # numbers stay numbers
    assert next(r for r in papers if r[2] == "10001")[1] == "500101"  # ordinary text is untouched


def test_the_audit_csv_writes_hostile_values_as_text(db, factory, hostile_campaign):
    user = factory.user('=HYPERLINK("http://evil.invalid","x")', role="organiser")
    record(db, Actor(user), "school.update", "school", 1, after={"name": "=1+1"})
    for label in ("+cmd|' /C calc'!A0", "-2+3", "@SUM(1)", "\t=1+1", "\r=1+1"):
        record(db, Actor(label=label), "paper.create", "paper", 7)
    db.flush()
    rows = list(csv.reader(io.StringIO(export_csv(db, AuditFilter()).lstrip("\ufeff")), delimiter=";"))
    assert rows[0][0] == "id"
    actors = [r[2] for r in rows[1:]]
    assert "'" + user.login in actors
    for label in ("+cmd|' /C calc'!A0", "-2+3", "@SUM(1)", "\t=1+1", "\r=1+1"):
        assert "'" + label in actors
    for row in rows[1:]:
        for field in row:
            assert not field.startswith(FORMULA_STARTS), row
        assert row[0].isdigit()  # the id stays a number


def test_the_audit_csv_download_is_neutralised_too(db, factory, login_as):
    factory.user("org", role="organiser")
    record(db, Actor(label="=1+1"), "school.create", "school", 1)
    factory.commit()
    client = login_as("org")
    # the event recorded above (logging in is audited too)
    body = client.get("/audit/export.csv?action=school.create").get_data(as_text=True).lstrip("\ufeff")
    lines = body.splitlines()[1:]
    assert lines and all(line.split(";")[2] == "'=1+1" for line in lines)


def test_the_generated_passwords_file_neutralises_a_formula_login(cli_env, tmp_path):
    runner = CliRunner()
    users = tmp_path / "users.csv"
    users.write_text("login;full_name;role;school_code;subjects;password\n=1+1;Организатор;organiser;;;\n",
                     encoding="utf-8")
    out = tmp_path / "passwords.csv"
    result = runner.invoke(main, ["users", "import", str(users), "--passwords-out", str(out)], env=cli_env)
    assert result.exit_code == 0, result.output
    lines = out.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "login;password" and lines[1].startswith("'=1+1;")
