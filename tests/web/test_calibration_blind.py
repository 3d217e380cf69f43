"""A calibration copy is invisible as such to the expert (issue 18): the queue page, the
scoring screen, the JSON API, the page images, the order and timing of the queue and the
answer to a submission are the same as for live work — compared field by field and after
normalising only what differs between any two papers (id, cipher, place in the queue)."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from crosscheck.domain.assignment import NewAssignment
from crosscheck.models import Assignment, AssignmentKind
from crosscheck.services.audit.trail import Actor
from crosscheck.services.distribution.assignment import run_assignment
from crosscheck.services.distribution.calibration import interleave
from tests.conftest import login
from tests.services.calibration_world import build, copies


@pytest.fixture
def world(db, factory, data_dir):
    w = build(db, factory)
    for paper in w.refs + w.live_a + w.live_b:
        for position in range(1, 5):
            factory.page(paper, position, data_dir)  # the same shade everywhere: the same bytes
    factory.commit()
    run_assignment(db, w.campaign, Actor(w.org))
    db.commit()
    w.copy = copies(db, w.eb1)[0]
    w.live = db.scalars(select(Assignment).where(Assignment.expert_id == w.eb1.id,
                                                 Assignment.kind == AssignmentKind.RECHECK)
                        .order_by(Assignment.id)).all()
    return w


@pytest.fixture
def expert(app, world):
    client = app.test_client()
    assert login(client, "eb1").status_code == 302
    return client


def normalised(text: str, a: Assignment) -> str:
    return text.replace(a.copy_cipher or a.paper.cipher, "CIPHER").replace(f"/assignments/{a.id}/", "/assignments/ID/") \
        .replace(f'"id":{a.id},', '"id":ID,').replace(f'"id": {a.id},', '"id": ID,') \
        .replace(f'data-assignment="{a.id}"', 'data-assignment="ID"').replace(f"/marking/{a.id}", "/marking/ID")


def test_the_queue_lists_a_copy_exactly_like_live_work(world, expert):
    page = expert.get("/expert/").get_data(as_text=True)
    items = dict(re.findall(r'<li data-assignment="(\d+)">(.*?)</li>', page, re.S))
    assert str(world.copy.id) in items and all(str(a.id) in items for a in world.live)
    shapes = {normalised(f'<li data-assignment="{i}">{html}</li>', a)
              for a in [world.copy] + world.live for i, html in [(a.id, items[str(a.id)])]}
    assert len(shapes) == 1, shapes


def test_the_api_serves_a_copy_with_the_same_fields_and_values(world, expert):
    listed = {item["id"]: item for item in expert.get("/api/v1/assignments").get_json()}
    copy, live = listed[world.copy.id], listed[world.live[0].id]
    assert set(copy) == set(live)
    assert copy["kind"] == live["kind"] == "recheck"
    assert copy["round"] == live["round"] == 1
    for field in ("status", "version", "comment", "tasks", "scores"):
        assert copy[field] == live[field], field
    assert len(copy["pages"]) == len(live["pages"])
    assert [p.replace(f"/assignments/{world.copy.id}/", "/ID/") for p in copy["pages"]] == \
           [p.replace(f"/assignments/{world.live[0].id}/", "/ID/") for p in live["pages"]]
    one_copy = expert.get(f"/api/v1/assignments/{world.copy.id}").get_json()
    one_live = expert.get(f"/api/v1/assignments/{world.live[0].id}").get_json()
    assert set(one_copy) == set(one_live) and one_copy["kind"] == "recheck"


def test_the_scoring_screen_is_the_same_page(world, expert):
    def screen(a):
        html = expert.get(f"/marking/{a.id}").get_data(as_text=True)
        html = re.sub(r"работа \d+ из \d+", "работа N из M", html)
        html = re.sub(r'(name="csrf_token" value|data-csrf|content)="[^"]*\.[^"]*"', r'\1="TOKEN"', html)
        return normalised(html, a)
    assert screen(world.copy) == screen(world.live[0])


def test_page_images_come_with_the_same_headers_and_sizes(world, expert):
    def image(a):
        answer = expert.get(f"/api/v1/assignments/{a.id}/pages/1")
        assert answer.status_code == 200
        return answer.headers, answer.get_data()
    copy_headers, copy_bytes = image(world.copy)
    live_headers, live_bytes = image(world.live[0])
    assert set(copy_headers.keys()) == set(live_headers.keys())
    for name in ("Content-Type", "Cache-Control", "Content-Length", "Content-Disposition"):
        assert copy_headers.get(name) == live_headers.get(name), name
    assert len(copy_bytes) == len(live_bytes)
    wide_copy = expert.get(f"/api/v1/assignments/{world.copy.id}/pages/1?w=800")
    wide_live = expert.get(f"/api/v1/assignments/{world.live[0].id}/pages/1?w=800")
    assert wide_copy.status_code == wide_live.status_code


def test_a_copy_is_created_with_its_batch_and_ordered_within_it(db, world):
    batch = [a for a in db.scalars(select(Assignment).where(Assignment.expert_id == world.eb1.id)
                                   .order_by(Assignment.created_at, Assignment.id))]
    assert {a.created_at for a in batch} == {world.copy.created_at}  # one creation time
    assert {(a.created_by_id, a.opened_at, a.version, a.status) for a in batch} == \
           {(world.org.id, None, 1, world.copy.status)}


def test_copies_take_seeded_places_among_an_experts_new_rows():
    live = [NewAssignment(p, 7, 1) for p in range(100, 110)]
    places = set()
    for seed in range(30):
        rows = interleave(live, [NewAssignment(1, 7, 1, "calibration")], seed)
        assert [r for r in rows if r.kind == "recheck"] == live  # live order untouched
        places.add(next(i for i, r in enumerate(rows) if r.kind == "calibration"))
    assert len(places) > 3 and min(places) < 5 < max(places)  # anywhere, not always last


def test_submitting_a_copy_answers_as_a_live_submission_does(db, world, expert):
    csrf = re.search(r'data-csrf="([^"]+)"', expert.get(f"/marking/{world.copy.id}").get_data(as_text=True)).group(1)
    answers = []
    for a in (world.copy, world.live[0]):
        scores = {t.label: t.max_score for t in world.campaign.template.tasks}
        saved = expert.put(f"/api/v1/assignments/{a.id}/scores", json={"scores": scores, "version": 1},
                           headers={"X-CSRFToken": csrf})
        assert saved.status_code == 200, saved.get_data(as_text=True)
        done = expert.post(f"/api/v1/assignments/{a.id}/submit", headers={"X-CSRFToken": csrf})
        answers.append((saved.status_code, saved.get_json(), done.status_code, done.get_json()))
    assert answers[0] == answers[1]


def test_a_copy_shows_its_own_cipher_never_the_reference_papers(db, world, expert):
    shown = world.copy.copy_cipher
    assert shown and shown != world.copy.paper.cipher
    assert re.fullmatch(r"[ACDEFGHJKMNPQRTUVWXY34679]{10}", shown)  # drawn like a paper's cipher
    pages = [expert.get("/expert/").get_data(as_text=True), expert.get(f"/marking/{world.copy.id}").get_data(as_text=True),
             expert.get("/api/v1/assignments").get_data(as_text=True),
             expert.get(f"/api/v1/assignments/{world.copy.id}").get_data(as_text=True)]
    assert all(shown in page for page in pages)
    assert not any(world.copy.paper.cipher in page for page in pages)
    # two experts holding copies of one reference never see one cipher twice
    same_paper = [a for a in copies(db) if a.paper_id == world.copy.paper_id]
    assert len(same_paper) >= 2 and len({a.copy_cipher for a in same_paper}) == len(same_paper)
