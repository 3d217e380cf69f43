"""Issue 19, finding 17: inputs that used to end in a 500.

* an id too large for the database's integer, in any path or query (OverflowError on
  SQLite, DataError on PostgreSQL);
* a 604-character upload file name (ENAMETOOLONG when the upload was saved under it);
* two identical scans uploaded at the same moment (IntegrityError on the batch's unique
  campaign + hash);
* a school code with CR/LF or quotes in a download name (Werkzeug refuses the header).
"""
from __future__ import annotations

import threading
from urllib.parse import quote

import pytest
from sqlalchemy import func, select
from werkzeug.routing import IntegerConverter

from crosscheck.models import BatchStatus, Role, ScanBatch
from crosscheck.services.people.accounts import issue_token
from tests.conftest import csrf_from, login
from tests.scans.conftest import build_scan, upload_scan
from tests.web.test_authorization_sweep import world  # noqa: F401 - the sweep's fixture

HUGE = "9" * 25
ENORMOUS = "9" * 5000  # beyond Python's int() digit limit, too
INT_QUERY = {"page": HUGE, "campaign": HUGE, "w": HUGE, "position": HUGE, "round": HUGE}


def is_int(converter) -> bool:
    return isinstance(converter, IntegerConverter)


def int_rules(app):
    return sorted((r for r in app.url_map.iter_rules() if any(map(is_int, r._converters.values()))),
                  key=lambda r: r.rule)


def build(rule, world, value):
    """The rule's path with ``value`` for every int argument and the world's values for the rest."""
    path = rule.rule
    for key, converter in rule._converters.items():
        path = path.replace(f"<{'int:' if is_int(converter) else ''}{key}>",
                            str(value if is_int(converter) else world.get(key, "x")))
    return path


def test_every_int_converter_is_the_bounded_one(app):
    plain = [r.rule for r in app.url_map.iter_rules()
             for c in r._converters.values() if type(c) is IntegerConverter]
    assert not plain and int_rules(app)


@pytest.mark.parametrize("role", ["organiser", "expert", "reviewer", "observer"])
@pytest.mark.parametrize("value", [HUGE, ENORMOUS])
def test_a_huge_id_in_any_path_is_a_404(app, world, db, role, value):  # noqa: F811
    client = app.test_client()
    assert login(client, role).status_code == 302
    token = csrf_from(client.get("/account/password").get_data(as_text=True))
    bearer = {"Authorization": f"Bearer {issue_token(db, db.scalar(select_user(role)))}"}
    db.commit()
    for rule in int_rules(app):
        url = build(rule, world, value)
        for method in sorted(rule.methods & {"GET", "POST", "PUT"}):
            headers = bearer if url.startswith("/api/") else {"X-CSRFToken": token}
            response = client.open(url, method=method, headers=headers, json={} if method == "PUT" else None)
            assert response.status_code == 404, (role, method, url[:120], response.status_code)


def select_user(login_name):
    from crosscheck.models import User

    return select(User).where(User.login == login_name)


@pytest.mark.parametrize("role", ["organiser", "expert", "observer"])
def test_a_huge_number_in_any_query_is_not_a_500(app, world, role):  # noqa: F811
    client = app.test_client()
    assert login(client, role).status_code == 302
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if "GET" not in rule.methods or rule.endpoint in ("static", "auth.login"):
            continue
        url = build(rule, world, world.get("assignment_id") if "assignment_id" in rule.arguments else 1)
        response = client.get(url, query_string=INT_QUERY)
        assert response.status_code < 500, (role, url, response.status_code)


def test_a_huge_number_in_a_form_is_not_a_500(app, world, db):  # noqa: F811
    client = app.test_client()
    assert login(client, "organiser").status_code == 302
    token = csrf_from(client.get("/account/password").get_data(as_text=True))
    page = world["page_id"]
    response = client.post(f"/organiser/campaigns/c1/unidentified/{page}/attach",
                           data={"csrf_token": token, "school": "500101", "participant": HUGE, "position": HUGE})
    assert response.status_code in (302, 400, 404)
    response = client.post("/organiser/campaigns/c1/papers/reassign",
                           data={"csrf_token": token, "cipher": HUGE, "expert": "expert", "round": HUGE})
    assert response.status_code < 500


@pytest.fixture
def scan_world(factory, tmp_path):
    factory.user("org", role=Role.ORGANISER)
    campaign = factory.campaign("vpr-math-5-2026", name="Весна 2026")
    school = factory.school("500101")
    papers = [factory.paper(campaign, school, code=f"1000{i}") for i in (1, 2)]
    factory.commit()
    return campaign, build_scan(tmp_path / "s.pdf", campaign, school, papers).read_bytes()


def test_a_604_character_file_name_is_accepted_shortened(client, scan_world, db):
    campaign, data = scan_world
    assert login(client, "org").status_code == 302
    name = "x" * 600 + ".pdf"
    response = upload_scan(client, campaign.slug, data, name)
    assert response.status_code == 200 and "обработан" in response.get_data(as_text=True)
    assert len(db.scalar(select(ScanBatch.filename))) <= 100


@pytest.mark.parametrize("name, answer", [("скан.p\x00df", "нужен PDF или многостраничный TIFF"),
                                          ("скан.pd\x00f.pdf", "обработан")])
def test_a_nul_in_the_file_name_is_not_a_500(client, scan_world, db, name, answer):
    campaign, data = scan_world
    assert login(client, "org").status_code == 302
    response = upload_scan(client, campaign.slug, data, name)
    assert response.status_code == 200 and answer in response.get_data(as_text=True)


def test_two_identical_scans_uploaded_at_the_same_moment_are_one_batch(app, scan_world, db, monkeypatch):
    """Both requests pass the "is this file new?" check before either inserts its batch."""
    import crosscheck.services.scans.batches as batches

    campaign, data = scan_world
    both_checked = threading.Barrier(2, timeout=30)
    insert = batches._insert_unless_there

    def racing_insert(*args, **kwargs):
        both_checked.wait()
        return insert(*args, **kwargs)

    monkeypatch.setattr(batches, "_insert_unless_there", racing_insert)
    answers: list = []

    def organiser_uploads():
        client = app.test_client()  # a thread of its own: no app context shared with the test
        login(client, "org")
        response = upload_scan(client, campaign.slug, data, "школа 500101.pdf")
        answers.append((response.status_code, response.get_data(as_text=True)))

    threads = [threading.Thread(target=organiser_uploads) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert [code for code, _ in answers] == [200, 200]
    texts = sorted(("обработан" in html, "уже загружен" in html) for _, html in answers)
    assert texts == [(False, True), (True, False)], [h[h.find("flash"):][:300] for _, h in answers]
    db.expire_all()
    assert db.scalar(select(func.count()).select_from(ScanBatch)) == 1
    assert db.scalar(select(ScanBatch.status)) == BatchStatus.DONE


@pytest.mark.parametrize("code", ["500\r\nSet-Cookie: evil=1", 'шк"ола;5', "500101\\..\\x"])
def test_a_school_code_with_line_breaks_or_quotes_makes_a_safe_download_name(client, factory, code):
    factory.user("org", role=Role.ORGANISER)
    campaign = factory.campaign("c1")
    school = factory.school(code)
    factory.paper(campaign, school)
    factory.commit()
    assert login(client, "org").status_code == 302
    response = client.get(f"/organiser/campaigns/c1/covers/{quote(code, safe='')}.pdf")
    assert response.status_code == 200 and response.data.startswith(b"%PDF")
    disposition = response.headers["Content-Disposition"]
    assert "\r" not in disposition and "\n" not in disposition and "Set-Cookie" not in response.headers
    assert disposition.startswith("attachment; filename=")
    assert disposition.count('"') in (0, 2) and "\\" not in disposition
    if not code.isascii():
        assert "filename*=UTF-8''" in disposition  # RFC 5987, beside an ASCII fallback
