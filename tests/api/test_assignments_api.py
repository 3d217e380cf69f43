"""SPEC §6 from the expert's side: my assignments, drafts, locking, submission, pages."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from crosscheck.models import AuditEvent, PaperStatus
from crosscheck.services.people.accounts import issue_token

LABELS = ["1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12.1", "12.2", "13", "14"]


@pytest.fixture
def world(db, factory, data_dir):
    campaign = factory.campaign()
    school_a, school_b = factory.school("500101"), factory.school("500102")
    expert = factory.user("exp01", school=school_b)
    other = factory.user("exp02", school=school_b)
    paper = factory.paper(campaign, school_a, code="10001")
    mine = factory.assignment(paper, expert)
    for position in (1, 2):
        factory.page(paper, position, data_dir)
    paper2 = factory.paper(campaign, school_a, code="10002")
    theirs = factory.assignment(paper2, other)
    factory.page(paper2, 1, data_dir)
    token = issue_token(db, expert)
    factory.commit()
    return {"campaign": campaign, "paper": paper, "mine": mine, "theirs": theirs, "token": token,
            "expert": expert, "other": other}


@pytest.fixture
def api(client, world):
    headers = {"Authorization": f"Bearer {world['token']}"}

    class Api:
        def get(self, url):
            return client.get(url, headers=headers)

        def put(self, url, body):
            return client.put(url, json=body, headers=headers)

        def post(self, url, body=None):
            return client.post(url, json=body or {}, headers=headers)

    return Api()


def full(value=1):
    return {label: value for label in LABELS}


def test_expert_lists_only_their_own_assignment_without_identity(api, world):
    response = api.get("/api/v1/assignments")
    assert response.status_code == 200
    [item] = response.get_json()
    assert item["id"] == world["mine"].id and item["cipher"] == world["paper"].cipher
    assert (item["round"], item["kind"], item["status"], item["version"]) == (1, "recheck", "assigned", 1)
    assert [t["label"] for t in item["tasks"]] == LABELS and item["tasks"][8]["max"] == 2
    assert item["tasks"][0]["criteria"]
    assert item["pages"] == [f"/api/v1/assignments/{item['id']}/pages/1", f"/api/v1/assignments/{item['id']}/pages/2"]
    assert item["scores"] == {}
    text = response.get_data(as_text=True)
    for secret in ("10001", "500101", "original", world["paper"].school.name):
        assert secret not in text


def test_draft_then_complete_then_submit(api, world, db):
    url = f"/api/v1/assignments/{world['mine'].id}"
    first = api.put(f"{url}/scores", {"scores": {"1": 1, "9": 2}, "comment": "", "version": 1})
    assert first.status_code == 200 and first.get_json() == {"version": 2}
    assert api.post(f"{url}/submit").status_code == 400  # incomplete: a draft
    second = api.put(f"{url}/scores", {"scores": full(0), "comment": "ок", "version": 2})
    assert second.get_json() == {"version": 3}
    assert api.get("/api/v1/assignments").get_json()[0]["scores"] == full(0)
    done = api.post(f"{url}/submit")
    assert done.status_code == 200 and done.get_json()["status"] == "submitted"
    late = api.put(f"{url}/scores", {"scores": {"1": 1}, "comment": "", "version": 4})
    assert late.status_code == 409
    assert api.post(f"{url}/submit").status_code == 409
    actions = [e.action for e in db.scalars(select(AuditEvent).where(AuditEvent.entity_type == "assignment"))]
    assert actions == ["marks.save", "marks.save", "marks.submit"]


def test_stale_version_is_409_and_nothing_changes(api, world):
    url = f"/api/v1/assignments/{world['mine'].id}/scores"
    api.put(url, {"scores": {"1": 1}, "comment": "", "version": 1})
    stale = api.put(url, {"scores": {"1": 0}, "comment": "", "version": 1})
    assert stale.status_code == 409 and "другой вкладке" in stale.get_json()["error"]
    assert api.get("/api/v1/assignments").get_json()[0]["scores"] == {"1": 1}


@pytest.mark.parametrize("scores, fragment", [
    ({"9": 3}, "от 0 до 2"), ({"1": -1}, "от 0 до 1"), ({"99": 1}, "такого задания нет"),
    ({"1": "1"}, "от 0 до 1"), ({"1": 1.5}, "от 0 до 1"), ({"1": True}, "от 0 до 1"), ([1], "объект"),
])
def test_bad_scores_are_400_and_nothing_is_stored(api, world, scores, fragment):
    url = f"/api/v1/assignments/{world['mine'].id}/scores"
    response = api.put(url, {"scores": {"2": 1, **scores} if isinstance(scores, dict) else scores,
                             "comment": "", "version": 1})
    assert response.status_code == 400 and fragment in response.get_json()["error"]
    item = api.get("/api/v1/assignments").get_json()[0]
    assert item["scores"] == {} and item["version"] == 1


def test_bad_body_and_version(api, world):
    url = f"/api/v1/assignments/{world['mine'].id}/scores"
    assert api.put(url, {"scores": {}, "version": "1"}).status_code == 400
    assert api.put(url, {"scores": {}}).status_code == 400


def test_someone_elses_assignment_and_pages_are_404_like_missing_ones(api, world):
    theirs, missing = world["theirs"].id, 999999
    for target in (theirs, missing):
        assert api.get(f"/api/v1/assignments/{target}").status_code == 404
        assert api.put(f"/api/v1/assignments/{target}/scores", {"scores": {}, "version": 1}).status_code == 404
        assert api.post(f"/api/v1/assignments/{target}/submit").status_code == 404
        assert api.get(f"/api/v1/assignments/{target}/pages/1").status_code == 404
    bodies = {api.get(f"/api/v1/assignments/{t}").get_data(as_text=True) for t in (theirs, missing)}
    assert len(bodies) == 1  # the same answer: existence is not revealed


def test_sweep_every_assignment_id_and_page(api, world, db):
    from crosscheck.models import Assignment

    ids = db.scalars(select(Assignment.id)).all()
    for assignment_id in range(1, max(ids) + 5):
        expected = 200 if assignment_id == world["mine"].id else 404
        assert api.get(f"/api/v1/assignments/{assignment_id}").status_code == expected
        for position in (1, 2, 3):
            want = 200 if assignment_id == world["mine"].id and position <= 2 else 404
            assert api.get(f"/api/v1/assignments/{assignment_id}/pages/{position}").status_code == want


def test_page_is_the_masked_render_and_never_stored(api, world, db):
    from crosscheck.models import Page

    response = api.get(f"/api/v1/assignments/{world['mine'].id}/pages/1")
    page = db.scalars(select(Page).where(Page.paper_id == world["paper"].id, Page.position == 1)).one()
    import hashlib

    assert response.status_code == 200 and response.mimetype == "image/jpeg"
    assert hashlib.sha256(response.data).hexdigest() == page.masked_sha256 != page.original_sha256
    assert response.headers["Cache-Control"] == "no-store"  # not even in this browser: shared computers


def test_organisers_and_observers_have_no_marking_api(client, factory, login_as, world):
    factory.user("org", role="organiser")
    factory.commit()
    login_as("org")
    assert client.get("/api/v1/assignments").status_code == 403


def test_session_api_writes_need_csrf(client, login_as, world):
    login_as("exp01")
    url = f"/api/v1/assignments/{world['mine'].id}/scores"
    assert client.put(url, json={"scores": {"1": 1}, "version": 1}).status_code == 400
    from tests.conftest import csrf_from

    token = csrf_from(client.get("/expert/").get_data(as_text=True))
    ok = client.put(url, json={"scores": {"1": 1}, "version": 1}, headers={"X-CSRFToken": token})
    assert ok.status_code == 200


def test_submitting_an_agreeing_recheck_finishes_the_paper(api, world, db):
    url = f"/api/v1/assignments/{world['mine'].id}"
    originals = {label: t.max_score for label, t in
                 ((t.label, t) for t in world["campaign"].template.tasks)}
    api.put(f"{url}/scores", {"scores": originals, "comment": "", "version": 1})
    api.post(f"{url}/submit")
    db.expire_all()
    assert world["paper"].status == PaperStatus.DONE


def test_a_significant_recheck_goes_to_a_reviewer_who_sees_both_mark_sets(api, world, db, factory, client):
    reviewer = factory.user("mo", role="reviewer", school=factory.school("500103"))
    factory.commit()
    url = f"/api/v1/assignments/{world['mine'].id}"
    api.put(f"{url}/scores", {"scores": full(0), "comment": "", "version": 1})
    api.post(f"{url}/submit")
    db.expire_all()
    assert world["paper"].status == PaperStatus.REVIEW
    token = issue_token(db, reviewer)
    factory.commit()
    [review] = client.get("/api/v1/assignments", headers={"Authorization": f"Bearer {token}"}).get_json()
    assert review["kind"] == "review" and review["original"]["9"] == 2 and review["rechecks"] == [full(0)]
    rurl = f"/api/v1/assignments/{review['id']}"
    h = {"Authorization": f"Bearer {token}"}
    client.put(f"{rurl}/scores", json={"scores": full(0), "comment": "", "version": 1}, headers=h)
    assert client.post(f"{rurl}/submit", headers=h).status_code == 400  # justification required
    client.put(f"{rurl}/scores", json={"scores": full(0), "comment": "Ответы не обоснованы", "version": 2},
               headers=h)
    assert client.post(f"{rurl}/submit", headers=h).status_code == 200
    db.expire_all()
    assert world["paper"].status == PaperStatus.DONE


def test_behind_nginx_the_page_is_sent_by_x_accel_redirect(api, world, app):
    app.config["CROSSCHECK"].accel_pages_prefix = "/_pages"
    response = api.get(f"/api/v1/assignments/{world['mine'].id}/pages/1")
    assert response.status_code == 200 and response.data == b""
    target = response.headers["X-Accel-Redirect"]
    assert target.startswith("/_pages/") and target.endswith(".jpg")


def test_every_response_carries_a_request_id(client):
    response = client.get("/healthz", headers={"X-Request-ID": "abc-123"})
    assert response.headers["X-Request-ID"] == "abc-123"
    assert len(client.get("/healthz").headers["X-Request-ID"]) == 32


def test_a_problem_with_the_paper_goes_to_the_organiser_instead_of_a_score(api, world, db):
    from crosscheck.models import Assignment, ProblemKind

    url = f"/api/v1/assignments/{world['mine'].id}/problem"
    unknown = api.post(url, {"kind": "boring"})
    assert unknown.status_code == 400 and "page_missing" in unknown.get_json()["error"]
    flagged = api.post(url, {"kind": "page_missing", "note": "нет страницы 3"})
    assert flagged.status_code == 200 and flagged.get_json() == {"problem": "page_missing"}
    db.expire_all()
    mine = db.get(Assignment, world["mine"].id)
    assert mine.problem == ProblemKind.PAGE_MISSING and mine.problem_note == "нет страницы 3"
    [event] = db.scalars(select(AuditEvent).where(AuditEvent.action == "marks.problem")).all()
    assert event.before == {"problem": None, "note": ""} and event.after["problem"] == "page_missing"
    # someone else's paper: as if it did not exist
    assert api.post(f"/api/v1/assignments/{world['theirs'].id}/problem", {"kind": "other"}).status_code == 404
    # a submitted paper can no longer be flagged
    base = f"/api/v1/assignments/{world['mine'].id}"
    assert api.put(f"{base}/scores", {"scores": full(0), "comment": "", "version": 1}).status_code == 200
    assert api.post(f"{base}/submit").status_code == 200
    assert api.post(url, {"kind": "unreadable"}).status_code == 409
