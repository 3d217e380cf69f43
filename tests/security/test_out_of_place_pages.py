"""Issue 19, finding 1: never serve a page whose masks may not cover what they must.

Masks apply by page position to the page as stored. A school's scan goes in through the real
upload route and pipeline with every irregularity: sheets fed sideways (90° and 270°), the
marks page sideways so that its boxes cannot tell which way, a paper with a page more, a paper
a page short, sheets upside down. Then an expert requests every page the API serves, and each
is checked pixel by pixel: wherever the participant's code and the school's marks table really
are on the served image, they are solid fill; otherwise the page is refused. Papers in doubt
are held back: nobody is given them and nothing of them is served, until the organiser
confirms their pages in the paper viewer; then they are given out and serve masked correctly.
"""
from __future__ import annotations

import io
import re

import pytest
from flask import g
from PIL import Image
from sqlalchemy import select

from crosscheck.models import (Assignment, AssignmentKind, AssignmentStatus, AuditEvent, Page, PageStatus, Paper,
                               PaperStatus, held_back)
from scanner_import.layout import box_before_turn
from tests.conftest import csrf_from, login
from tests.scans.irregular import CODE, CODES, HELD, MARKS, SLUG, Sheet, build_scan


def solid(img: Image.Image, box: tuple[float, float, float, float], inset: int = 6) -> bool:
    w, h = img.size
    x0, y0, x1, y1 = box
    crop = img.convert("L").crop((int(x0 * w) + inset, int(y0 * h) + inset, int(x1 * w) - inset,
                                  int(y1 * h) - inset))
    return crop.getextrema()[1] <= 16


def hides_what_it_must(image: bytes, page: Page, truth: Sheet) -> bool:
    """The code (every page) and the marks table (the last page) are solid wherever they are on
    this image: the page as stored, turned ``page.rotation`` of the ``truth.turn`` it needed."""
    img = Image.open(io.BytesIO(image))
    still = (truth.turn - page.rotation) % 360
    return all(solid(img, box_before_turn(box, still)) for box in (CODE, MARKS) if box is CODE or truth.marks)


@pytest.fixture
def world(factory, data_dir):
    factory.user("org", role="organiser")
    campaign = factory.campaign(SLUG, name="Весна 2026")
    school = factory.school("500101")
    factory.user("exp01", school=factory.school("500102"))
    papers = {code: factory.paper(campaign, school, code=code) for code in CODES}
    factory.commit()
    return campaign, school, papers


def fresh_csrf() -> None:
    """Two users' clients take turns, while the db fixture holds one app context open: Flask-WTF
    keeps the last CSRF token it made in ``g``, so each client's form must make its own."""
    g.pop("csrf_token", None)


def signed_in(app, login_name: str):
    client = app.test_client()
    fresh_csrf()
    assert login(client, login_name).status_code == 302
    return client


def upload(org, campaign, school, papers, tmp_path) -> dict[int, Sheet]:
    path = tmp_path / "school-500101.pdf"
    truth = build_scan(path, campaign, school, papers)
    fresh_csrf()
    html = org.get(f"/organiser/campaigns/{SLUG}/").get_data(as_text=True)
    response = org.post(f"/organiser/campaigns/{SLUG}/scans", content_type="multipart/form-data", data={
        "csrf_token": csrf_from(html), "scan": (io.BytesIO(path.read_bytes()), path.name)})
    assert response.status_code == 302
    return truth


def post(client, url: str, form_page: str, data: dict):
    fresh_csrf()
    html = client.get(form_page).get_data(as_text=True)
    return client.post(url, data={"csrf_token": csrf_from(html), **data})


def page_row(db, paper_id: int, position: int) -> Page:
    return db.scalar(select(Page).where(Page.paper_id == paper_id, Page.position == position,
                                        Page.status == PageStatus.PLACED))


def served_pages_are_masked(db, expert, truth: dict[int, Sheet]) -> set[str]:
    """Every page the API serves the expert, checked; the participant codes of the papers served."""
    db.expire_all()
    served = set()
    for a in expert.get("/api/v1/assignments").get_json():
        assignment = db.get(Assignment, a["id"])
        listed = {int(url.rsplit("/", 1)[1]) for url in a["pages"]}
        for position in range(1, 7):  # every position, listed or not
            url = f"/api/v1/assignments/{a['id']}/pages/{position}"
            response = expert.get(url)
            if response.status_code == 404:
                assert position not in listed, url
                continue
            assert response.status_code == 200 and position in listed, url
            page = page_row(db, assignment.paper_id, position)
            sheet = truth[page.source_index]
            assert hides_what_it_must(response.data, page, sheet), (sheet, page.rotation)
            assert hides_what_it_must(expert.get(url + "?w=800").data, page, sheet), (sheet, "w=800")
            served.add(sheet.code)
    return served


def assigned_codes(db) -> set[str]:
    db.expire_all()
    return set(db.scalars(select(Paper.participant_code).join(Assignment, Assignment.paper_id == Paper.id)
                          .where(Assignment.status != AssignmentStatus.SUPERSEDED)))


def held_codes(db) -> set[str]:
    db.expire_all()
    return set(db.scalars(select(Paper.participant_code).where(held_back(Paper.id))))


def decisions(db, paper: Paper, truth: dict[int, Sheet], override: dict[int, tuple[int, int]] | None = None
              ) -> dict[str, str]:
    """The organiser's answer for every placed page of ``paper``: its true place and turn
    (``override``: source page -> another place and turn)."""
    db.expire_all()
    form = {}
    for page in db.scalars(select(Page).where(Page.paper_id == paper.id, Page.status == PageStatus.PLACED)):
        sheet = truth[page.source_index]
        position, turn = (override or {}).get(page.source_index,
                                              (sheet.position, (sheet.turn - page.rotation) % 360))
        form[f"position-{page.id}"], form[f"turn-{page.id}"] = str(position), str(turn)
    return form


def source_page(truth: dict[int, Sheet], sheet: Sheet) -> int:
    return next(n for n, t in truth.items() if t == sheet)


def test_pages_out_of_place_are_never_served_unmasked_and_their_papers_wait_for_the_organiser(
        app, db, world, tmp_path):
    campaign, school, papers = world
    org, expert = signed_in(app, "org"), signed_in(app, "exp01")
    truth = upload(org, campaign, school, papers, tmp_path)

    # Held back: the sideways marks page, a page more, a page short. The sheets the boxes
    # could read were turned; the upside-down last page stays as scanned, masked both ways.
    assert held_codes(db) == HELD
    campaign_page = org.get(f"/organiser/campaigns/{SLUG}/").get_data(as_text=True)
    assert re.search(r'id="held-back-link">работы с сомнительными страницами</a>\s*\(<strong>3</strong>\)',
                     campaign_page)
    assert "задержано работ 3" in campaign_page
    listing = org.get(f"/organiser/campaigns/{SLUG}/doubts").get_data(as_text=True)
    assert all(papers[code].cipher in listing for code in HELD) and "по шаблону — 4" in listing
    assert "90° или на 270°" in listing

    # Even the organiser's preview of a page in doubt hides the code and the marks, wherever they are.
    for page in db.scalars(select(Page).where(Page.doubt != "")):
        preview = org.get(f"/organiser/campaigns/pages/{page.id}/masked")
        assert preview.status_code == 200 and hides_what_it_must(preview.data, page, truth[page.source_index])

    # The assignment run skips them and says why; a manual move is refused.
    preview_page = org.get(f"/organiser/campaigns/{SLUG}/assign").get_data(as_text=True)
    assert re.search(r'id="held-back-count">3<', preview_page) and "работа задержана" in preview_page
    done = post(org, f"/organiser/campaigns/{SLUG}/assign", f"/organiser/campaigns/{SLUG}/assign", {})
    assert done.status_code == 302
    assert "задержано работ со страницами под сомнением: 3" in org.get(done.headers["Location"]).get_data(as_text=True)
    assert assigned_codes(db) == set(CODES) - HELD
    refused = post(org, f"/organiser/campaigns/{SLUG}/papers/{papers['77704'].cipher}/assign",
                   f"/organiser/campaigns/{SLUG}/papers", {"expert": "exp01", "round": "1"})
    assert "работа задержана" in org.get(refused.headers["Location"]).get_data(as_text=True)
    assert assigned_codes(db) == set(CODES) - HELD

    # Every page served is masked where the code and the marks really are.
    assert served_pages_are_masked(db, expert, truth) == set(CODES) - HELD

    # The organiser confirms each held paper's pages in the viewer.
    def viewer(code: str) -> str:
        return f"/organiser/campaigns/{SLUG}/doubts/{papers[code].cipher}"

    def confirm(code: str, override: dict[int, tuple[int, int]] | None = None):
        return post(org, viewer(code) + "/confirm", viewer(code), decisions(db, papers[code], truth, override))

    # 77703: left sideways, the confirmation is refused; turned the right way, it is released.
    sideways = source_page(truth, Sheet("77703", 4, 270, True))
    refused = confirm("77703", {sideways: (4, 0)})
    assert refused.status_code == 400 and "лежит боком" in refused.get_data(as_text=True)
    assert confirm("77703").status_code == 302
    # 77704: the extra sheet goes back to the unidentified queue; the marks page becomes page 4.
    extra = db.scalar(select(Page).where(Page.source_index == source_page(truth, Sheet("77704", 0, 0, False))))
    assert confirm("77704").status_code == 302
    db.expire_all()
    assert db.get(Page, extra.id).status == PageStatus.UNIDENTIFIED
    # 77705: one page short, refused until its page 3 is attached from the unidentified queue.
    refused = confirm("77705")
    assert refused.status_code == 400 and "нет страниц 3" in refused.get_data(as_text=True)
    stray = db.scalar(select(Page).where(Page.source_index == source_page(truth, Sheet("77705", 3, 0, False))))
    attached = post(org, f"/organiser/campaigns/{SLUG}/unidentified/{stray.id}/attach",
                    f"/organiser/campaigns/{SLUG}/unidentified",
                    {"school": "500101", "participant": "77705", "position": "3"})
    assert "задержана" in org.get(attached.headers["Location"]).get_data(as_text=True)
    assert confirm("77705").status_code == 302

    assert held_codes(db) == set()
    actions = [a for a, in db.execute(select(AuditEvent.action).where(AuditEvent.action.like("pa%")))]
    assert actions.count("paper.release") == 3 and actions.count("page.confirm") >= 4 + 4 + 4
    assert "page.detach" in actions and "page.make_room" in actions
    assert db.scalar(select(AuditEvent.actor_label).where(AuditEvent.action == "page.confirm")) == "org"

    # Released: given out now, and every page served is masked where it must be.
    post(org, f"/organiser/campaigns/{SLUG}/assign", f"/organiser/campaigns/{SLUG}/assign", {})
    assert assigned_codes(db) == set(CODES)
    assert served_pages_are_masked(db, expert, truth) == set(CODES)
    for code in HELD:  # the pages land where the school put them, turned upright
        for page in db.scalars(select(Page).where(Page.paper_id == papers[code].id, Page.status == PageStatus.PLACED)):
            assert truth[page.source_index].position == page.position
            assert truth[page.source_index].turn == page.rotation and page.height > page.width


def test_an_assigned_paper_whose_pages_come_in_doubt_is_not_served(app, db, world, factory, tmp_path):
    campaign, school, papers = world
    org, expert = signed_in(app, "org"), signed_in(app, "exp01")
    post(org, f"/organiser/campaigns/{SLUG}/assign", f"/organiser/campaigns/{SLUG}/assign", {})
    assert assigned_codes(db) == set(CODES)  # assigned before any scan came in
    truth = upload(org, campaign, school, papers, tmp_path)
    assert held_codes(db) == HELD

    listed = {a["cipher"]: a["pages"] for a in expert.get("/api/v1/assignments").get_json()}
    for code in HELD:
        assert listed[papers[code].cipher] == []
    assert served_pages_are_masked(db, expert, truth) == set(CODES) - HELD
    screen = expert.get(f"/marking/{db.scalar(select(Assignment.id).where(Assignment.paper_id == papers['77704'].id))}")
    assert "организатор проверяет" in screen.get_data(as_text=True)


def test_a_third_check_waits_for_the_pages_and_follows_their_confirmation(app, db, world, factory, tmp_path):
    from crosscheck.services.distribution.reviews import assign_review

    campaign, school, papers = world
    factory.user("mo_math", role="reviewer", school=factory.school("500103"))
    factory.commit()
    org = signed_in(app, "org")
    truth = upload(org, campaign, school, papers, tmp_path)
    paper = papers["77703"]
    paper.status = PaperStatus.REVIEW  # the rechecks disagreed while its pages were in doubt
    assert assign_review(db, paper) is None
    db.commit()
    assert "работа задержана" in str(db.scalar(select(AuditEvent.after).where(AuditEvent.action == "review.unassigned")))

    viewer = f"/organiser/campaigns/{SLUG}/doubts/{paper.cipher}"
    assert post(org, viewer + "/confirm", viewer, decisions(db, paper, truth)).status_code == 302
    db.expire_all()
    review = db.scalar(select(Assignment).where(Assignment.paper_id == paper.id,
                                                Assignment.kind == AssignmentKind.REVIEW))
    assert review is not None and review.expert.login == "mo_math"


def test_the_viewer_is_the_organisers_alone(app, db, world, tmp_path):
    campaign, school, papers = world
    org = signed_in(app, "org")
    upload(org, campaign, school, papers, tmp_path)
    cipher = papers["77704"].cipher
    page = db.scalar(select(Page).where(Page.paper_id == papers["77704"].id))
    expert = signed_in(app, "exp01")
    for url in (f"/organiser/campaigns/{SLUG}/doubts", f"/organiser/campaigns/{SLUG}/doubts/{cipher}",
                f"/organiser/campaigns/pages/{page.id}/masked"):
        assert expert.get(url).status_code == 403
    assert expert.post(f"/organiser/campaigns/{SLUG}/doubts/{cipher}/confirm").status_code in (400, 403)
    # Without the CSRF token nothing is confirmed, even for the organiser.
    assert org.post(f"/organiser/campaigns/{SLUG}/doubts/{cipher}/confirm",
                    data={f"position-{page.id}": "1", f"turn-{page.id}": "0"}).status_code == 400
    assert held_codes(db) == HELD
    # A paper of another campaign, or none at all: 404.
    assert org.get(f"/organiser/campaigns/{SLUG}/doubts/NOSUCHCIPHER").status_code == 404
