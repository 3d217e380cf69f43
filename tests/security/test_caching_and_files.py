"""Issue 19 findings 21 and 22 (part): nothing with identity or marks may be stored by a
browser (Cache-Control: no-store); the database file and the data folder are the app
user's alone; a backup carries no secret key; observers change nothing."""
from __future__ import annotations

import os
import stat
import tarfile

import pytest
from click.testing import CliRunner

from crosscheck.cli import main
from crosscheck.services.people.accounts import issue_token
from tests.conftest import csrf_from, login
from tests.web.test_authorization_sweep import world  # noqa: F401  (the same small world)


def mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def test_downloads_images_and_exports_are_never_stored(app, client, db, factory, login_as, data_dir):
    factory.user("org", role="organiser")
    expert = factory.user("exp01", school=factory.school("500102"))
    campaign = factory.campaign("c1")
    paper = factory.paper(campaign, factory.school("500101"))
    assignment = factory.assignment(paper, expert)
    page = factory.page(paper, 1, data_dir)
    token = issue_token(db, expert)
    factory.commit()
    login_as("org")
    csrf = csrf_from(client.get("/account/password").get_data(as_text=True))
    report = client.post("/analytics/c1/reports", data={"kind": "json", "csrf_token": csrf}, follow_redirects=True)
    responses = {
        "report": report,
        "covers": client.get("/organiser/campaigns/c1/covers/500101.pdf"),
        "original page": client.get(f"/organiser/campaigns/pages/{page.id}/original"),
        "original render": client.get(f"/organiser/campaigns/pages/{page.id}/original?w=1200"),
        "audit export": client.get("/audit/export.csv"),
        "page": client.get("/organiser/campaigns/c1/"),
        "masked page": app.test_client().get(f"/api/v1/assignments/{assignment.id}/pages/1",
                                             headers={"Authorization": f"Bearer {token}"}),
        "not found": client.get("/nowhere"),
    }
    for name, response in responses.items():
        assert response.status_code in (200, 404), (name, response.status_code)
        assert response.headers["Cache-Control"] == "no-store", name
        assert "Expires" not in response.headers, name
    assert responses["report"].mimetype == "application/json"
    assert responses["covers"].mimetype == "application/pdf"
    # static files carry nobody's data and may be cached
    assert client.get("/static/app.css").headers.get("Cache-Control") != "no-store"


def test_the_database_file_and_the_data_folder_are_private(tmp_path):
    data = tmp_path / "fresh"
    env = {"CROSSCHECK_DATA_DIR": str(data), "DATABASE_URL": "", "SECRET_KEY": ""}
    result = CliRunner().invoke(main, ["db", "upgrade"], env=env)
    assert result.exit_code == 0, result.output
    assert mode(data) == 0o700
    assert mode(data / "crosscheck.sqlite3") == 0o600
    assert mode(data / "secret_key") == 0o600
    for extra in data.glob("crosscheck.sqlite3-*"):  # -wal, -shm, the writers' lock
        assert mode(extra) & 0o077 == 0, extra


def test_an_existing_data_folder_keeps_the_mode_its_administrator_gave_it(tmp_path):
    from crosscheck.config import make_data_dir

    shared = tmp_path / "opened-to-nginx"
    shared.mkdir(mode=0o750)
    shared.chmod(0o750)
    make_data_dir(shared)
    assert mode(shared) == 0o750


def test_a_backup_carries_no_secret_key_and_restore_keeps_the_machines_key(tmp_path, database_url):
    data = tmp_path / "data"
    env = {"CROSSCHECK_DATA_DIR": str(data), "DATABASE_URL": database_url, "SECRET_KEY": "", "REDIS_URL": ""}
    runner = CliRunner()
    assert runner.invoke(main, ["db", "upgrade"], env=env).exit_code == 0
    key = (data / "secret_key").read_text()
    archive = tmp_path / "backup.tar.gz"
    result = runner.invoke(main, ["backup", "-o", str(archive)], env=env)
    assert result.exit_code == 0, result.output
    assert mode(archive) == 0o600  # it holds every mark and password hash
    with tarfile.open(archive) as tar:
        names = tar.getnames()
    assert "data/secret_key" not in names and not any(n.endswith("secret_key") for n in names)

    # an archive made before the key was left out does not replace the machine's key either
    old = tmp_path / "old.tar.gz"
    stolen = tmp_path / "secret_key"
    stolen.write_text("k" * 64)
    with tarfile.open(archive) as src, tarfile.open(old, "w:gz") as dst:
        for member in src.getmembers():
            dst.addfile(member, src.extractfile(member) if member.isfile() else None)
        dst.add(stolen, arcname="data/secret_key")
    result = runner.invoke(main, ["restore", str(old), "--yes"], env=env)
    assert result.exit_code == 0, result.output
    assert (data / "secret_key").read_text() == key


STATE_CHANGING = {"POST", "PUT", "PATCH", "DELETE"}
OWN_ACCOUNT = {"auth.login", "auth.logout", "auth.password"}  # an observer's own session and password


def test_observers_change_nothing(app, world, factory):  # noqa: F811
    client = app.test_client()
    assert login(client, "observer").status_code == 302
    token = csrf_from(client.get("/account/password").get_data(as_text=True))
    checked = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint in OWN_ACCOUNT:
            continue
        for method in sorted(rule.methods & STATE_CHANGING):
            url = rule.build({k: world[k] for k in rule.arguments})[1]
            response = client.open(url, method=method, data={"csrf_token": token, "kind": "json"},
                                   headers={"X-CSRFToken": token})
            assert response.status_code == 403, (method, url, response.status_code)
            checked.append(rule.endpoint)
    assert "analytics.request_report" in checked and len(checked) >= 12


def test_observers_see_no_report_buttons(client, factory, login_as):
    factory.user("observer", role="observer")
    factory.campaign("c1")
    factory.commit()
    login_as("observer")
    for url in ("/analytics/", "/analytics/c1/"):
        html = client.get(url).get_data(as_text=True)
        assert "/analytics/c1/reports" not in html, url


@pytest.mark.parametrize("role", ["organiser", "reviewer"])
def test_organisers_and_reviewers_still_build_reports(client, factory, login_as, role):
    factory.user(role, role=role, school=factory.school("500109") if role == "reviewer" else None)
    factory.campaign("c1")
    factory.commit()
    login_as(role)
    assert "/analytics/c1/reports" in client.get("/analytics/c1/").get_data(as_text=True)
