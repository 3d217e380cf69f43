"""Personal data: pupils' names are never stored; experts never see who wrote a paper."""
from __future__ import annotations

import pytest
from openpyxl import Workbook
from sqlalchemy import inspect, text

from crosscheck.imports.tabular import ImportRejected
from crosscheck.services.people.accounts import issue_token
from crosscheck.services.marks.importer import import_marks

LABELS = ["1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12.1", "12.2", "13", "14"]
PUPIL = "Сидоренко Анастасия"


def test_a_form_with_pupils_names_imports_without_storing_them(db, factory, tmp_path, database_url):
    campaign = factory.campaign()
    factory.school("500101")
    wb = Workbook()
    ws = wb.active
    ws.append(["Код участника", "ФИО", *LABELS, "Код ОО"])
    ws.append(["10001", PUPIL, *([1] * 15), "500101"])
    path = tmp_path / "form.xlsx"
    wb.save(path)
    assert import_marks(db, campaign, path).created == 1
    db.commit()
    engine = db.get_bind()
    for table in inspect(engine).get_table_names():
        for row in db.execute(text(f"SELECT * FROM {table}")):
            assert "Сидоренко" not in repr(tuple(row)), table


def test_formulas_in_xlsx_are_never_evaluated(db, factory, tmp_path):
    campaign = factory.campaign()
    factory.school("500101")
    wb = Workbook()
    ws = wb.active
    ws.append(["Код участника", *LABELS, "Код ОО"])
    ws.append(["10001", "=1+0", *([1] * 14), "500101"])  # no cached value: nothing to read
    ws.append(["10002", "='http://example.invalid/[x.xlsx]Лист1'!A1", *([1] * 14), "500101"])
    path = tmp_path / "formula.xlsx"
    wb.save(path)
    with pytest.raises(ImportRejected) as info:
        import_marks(db, campaign, path)
    assert {e.row for e in info.value.errors} == {2, 3}


def test_nothing_an_expert_can_open_names_the_school_or_pupil(client, factory, db, data_dir):
    campaign = factory.campaign()
    school = factory.school("500101")
    school.name = "МБОУ «Секретная школа № 9»"
    expert = factory.user("exp01", school=factory.school("500102"))
    paper = factory.paper(campaign, school, code="77001")
    assignment = factory.assignment(paper, expert)
    factory.page(paper, 1, data_dir)
    token = issue_token(db, expert)
    factory.commit()
    headers = {"Authorization": f"Bearer {token}"}
    urls = ["/expert/", "/marking/next", f"/marking/{assignment.id}", "/api/v1/assignments",
            f"/api/v1/assignments/{assignment.id}"]
    for url in urls:
        response = client.get(url, headers=headers, follow_redirects=True)
        body = response.get_data(as_text=True)
        assert response.status_code == 200, url
        for secret in ("77001", "500101", "Секретная школа", "original"):
            assert secret not in body, (url, secret)
