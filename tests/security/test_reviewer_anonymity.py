"""A reviewer must not de-anonymise the papers they re-mark (docs/security.md, «Что может знать
руководитель МО»).

The attack: a reviewer holds a third check of paper X (and did one of paper Y). The third-check
screen shows X's cipher and hides its school, participant code and the school's marker; the
reviewer then reads every analytics page and builds every report they can (JSON, XLSX, the
summary and every school's protocol, PDF) hoping to find X's cipher beside those. None of it
may name X or Y (nor any participant), while the organiser's full report does — which is what
makes the check meaningful.
"""
from __future__ import annotations

import io
import json

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader
from sqlalchemy import select

from crosscheck.extensions import get_db
from crosscheck.models import ReportRun, ReportStatus, User
from crosscheck.services.reports import runs as report_runs
from tests.conftest import csrf_from, login
from tests.reports.conftest import FULL, district, live_assignment, mark, scores  # noqa: F401 - fixture

SCHOOLS = ("500101", "500102", "500103")
PARTICIPANTS = ("10001", "10002", "10003")
KINDS = [("json", ""), ("xlsx", ""), ("summary", "")] + [("protocol", code) for code in SCHOOLS]


@pytest.fixture
def held(db, factory, district):  # noqa: F811 - the imported fixture
    """10001 done (not the reviewer's); 10002 third-checked by the reviewer (Y, done);
    10003 waiting for the reviewer's third check (X, live). A second reviewer for isolation."""
    campaign, papers = district
    mark(db, live_assignment(db, papers["10001"]), scores(FULL))
    mark(db, live_assignment(db, papers["10002"]), scores(FULL) | {"9": 0, "14": 1})
    db.commit()
    y = live_assignment(db, papers["10002"], "review")
    mark(db, y, scores(FULL) | {"9": 0, "10": 0, "14": 0}, comment="Задания 9, 10, 14 решены неверно")
    mark(db, live_assignment(db, papers["10003"]), {label: 0 for label in scores(FULL)})
    db.commit()
    x = live_assignment(db, papers["10003"], "review")
    reviewer = db.scalar(select(User).where(User.login == "reviewer"))
    assert x is not None and x.expert_id == y.expert_id == reviewer.id
    factory.user("reviewer2", role="reviewer", school=factory.school("500109"))
    factory.commit()
    return {"x": x, "y": y, "papers": papers}


def build(client, kind: str, code: str):
    """Press the report button as the logged-in reader; the file and its readable text."""
    token = csrf_from(client.get("/account/password").get_data(as_text=True))
    pressed = client.post("/analytics/e2e/reports", data={"kind": kind, "code": code, "csrf_token": token})
    assert pressed.status_code == 302 and pressed.headers["Location"].endswith("/file"), pressed.status_code
    file = client.get(pressed.headers["Location"])
    assert file.status_code == 200
    if kind == "json":
        return file, file.get_data(as_text=True)
    if kind == "xlsx":
        wb = load_workbook(io.BytesIO(file.data))
        cells = [str(c) for ws in wb.worksheets for row in ws.iter_rows(values_only=True) for c in row
                 if c is not None]
        return file, "\n".join(cells)
    return file, "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(file.data)).pages)  # text PDFs


def reader_pages(client) -> dict[str, str]:
    urls = ["/analytics/", "/analytics/e2e/", "/analytics/e2e/?sort=flagged&dir=desc",
            *(f"/analytics/e2e/school?code={code}" for code in SCHOOLS),
            "/analytics/history?school=500101", "/analytics/history?school=500101&marker=Сидоров",
            "/analytics/history?school=500101&marker=Петрова Ольга Ивановна"]
    pages = {}
    for url in urls:
        response = client.get(url)
        assert response.status_code in (200, 404), url
        pages[url] = response.get_data(as_text=True)
    return pages


def test_the_organisers_report_does_tie_the_ciphers_to_school_participant_and_marker(held, client):
    """The secret is in the data: the full report names X's and Y's school, participant, marker."""
    assert login(client, "organiser").status_code == 302
    report = json.loads(build(client, "json", "")[1])
    rows = {p["cipher"]: p for p in report["papers"]}
    x, y = held["papers"]["10003"], held["papers"]["10002"]
    assert (rows[x.cipher]["school"], rows[x.cipher]["participant"], rows[x.cipher]["original_marker"]) == (
        "500101", "10003", "Сидоров")
    assert rows[y.cipher]["participant"] == "10002" and rows[y.cipher]["original_marker"] == "Петрова Ольга Ивановна"


def test_the_third_check_screen_hides_school_participant_and_marker(held, client):
    assert login(client, "reviewer").status_code == 302
    x = held["x"]
    html = client.get(f"/marking/{x.id}").get_data(as_text=True)
    assert held["papers"]["10003"].cipher in html
    for secret in ("500101", "10003", "Сидоров", "Петрова"):
        assert secret not in html
    api = client.get(f"/api/v1/assignments/{x.id}").get_json()
    assert not {"school", "participant", "original_marker"} & set(api)
    assert not any(s in json.dumps(api, ensure_ascii=False) for s in ("500101", "10003", "Сидоров"))


def test_no_analytics_page_or_report_of_the_reviewer_names_their_papers(held, client):
    assert login(client, "reviewer").status_code == 302
    mine = (held["papers"]["10003"].cipher, held["papers"]["10002"].cipher)
    outputs = {f"page {url}": text for url, text in reader_pages(client).items()}
    for kind, code in KINDS:
        outputs[f"report {kind} {code}"] = build(client, kind, code)[1]
    for where, text in outputs.items():
        for cipher in mine:
            assert cipher not in text, f"{where} names the reviewer's paper {cipher}"
        for participant in PARTICIPANTS:
            assert participant not in text, f"{where} shows participant code {participant}"
    # Still useful: the schools' figures, the markers' aggregates and the done papers of others.
    other = held["papers"]["10001"].cipher
    report = json.loads(outputs["report json "])
    assert [(p["cipher"], p["school"], p["participant"], p["original_marker"]) for p in report["papers"]] == [
        (other, "500101", None, None)]
    [school] = report["schools"]
    assert (school["school"], school["papers"], school["checked"]) == ("500101", 3, 2)
    assert {m["marker"] for m in report["original_markers"]} == {"Петрова Ольга Ивановна", "Сидоров"}
    assert other in outputs["report xlsx "] and other in outputs["page /analytics/e2e/school?code=500101"]
    assert other in outputs["report protocol 500101"]
    assert "Петрова Ольга Ивановна" in outputs["page /analytics/e2e/school?code=500101"]


def test_report_files_and_runs_stay_with_their_audience(held, client, db, data_dir):
    def reader(login_name: str):
        """The one test client, now as ``login_name`` (one client: the CSRF token stays valid)."""
        account = client.get("/account/password")
        if account.status_code == 200:  # logged in: log out first
            client.post("/logout", data={"csrf_token": csrf_from(account.get_data(as_text=True))})
        assert login(client, login_name).status_code == 302
        return client

    organiser = reader("organiser")
    full, _ = build(organiser, "json", "")
    organisers = _last_run(db)
    assert organisers.file_name == "report.json"
    assert (data_dir / "reports" / "e2e" / "report.json").read_bytes() == full.data

    reviewer = reader("reviewer")
    for url in (f"/analytics/e2e/reports/{organisers.id}", f"/analytics/e2e/reports/{organisers.id}/file"):
        assert reviewer.get(url).status_code == 404, url  # the organiser's run is not theirs to open
    build(reviewer, "json", "")
    reviewers = _last_run(db)
    reviewer_id = db.scalar(select(User.id).where(User.login == "reviewer"))
    assert reviewers.id != organisers.id and reviewers.file_name == f"report-r{reviewer_id}.json"
    assert (data_dir / "reports" / "e2e" / "report.json").read_bytes() == full.data  # not overwritten

    for other in ("reviewer2", "organiser", "observer"):
        client = reader(other)
        assert client.get(f"/analytics/e2e/reports/{reviewers.id}").status_code == 404, other
        assert client.get(f"/analytics/e2e/reports/{reviewers.id}/file").status_code == 404, other
    assert reader("observer").get(f"/analytics/e2e/reports/{organisers.id}/file").data == full.data


def _last_run(db) -> ReportRun:
    db.expire_all()
    return db.scalars(select(ReportRun).order_by(ReportRun.id.desc())).first()


def test_the_job_builds_with_the_requesters_role_when_it_runs(held, db, app, data_dir):
    """A queued run is built for whoever asked, as they are when the job runs: a reviewer's
    run never becomes a full report, and a full file is not served after a demotion."""
    reviewer = db.scalar(select(User).where(User.login == "reviewer"))
    run = ReportRun(campaign_id=held["x"].paper.campaign_id, kind="json", requested_by_id=reviewer.id)
    db.add(run)
    db.commit()
    name = report_runs.build(db, get_db().session_factory, run.id, data_dir)
    db.commit()
    report = json.loads((data_dir / "reports" / "e2e" / name).read_text(encoding="utf-8"))
    assert name == f"report-r{reviewer.id}.json" and report["papers_listed"]
    assert all(p["participant"] is None for p in report["papers"])
    assert held["papers"]["10003"].cipher not in json.dumps(report)

    organiser = db.scalar(select(User).where(User.login == "organiser"))
    full = ReportRun(campaign_id=run.campaign_id, kind="json", requested_by_id=organiser.id)
    db.add(full)
    db.commit()
    report_runs.build(db, get_db().session_factory, full.id, data_dir)
    db.commit()
    assert db.get(ReportRun, full.id).status == ReportStatus.DONE
    assert report_runs.run_file(data_dir, full, organiser) is not None
    assert not report_runs.may_open(db, run, organiser)  # the reviewer's run is theirs alone
    organiser.role = reviewer.role  # made a reviewer after the build: the full file is no longer theirs
    assert report_runs.run_file(data_dir, full, organiser) is None
    db.rollback()
