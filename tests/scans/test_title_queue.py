"""The organiser's queue of pending title pages in the web (SPEC §3, scans without covers)."""
from __future__ import annotations

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from crosscheck.cli import main
from crosscheck.models import AuditEvent, IdentifiedBy, Page, PageStatus, Paper, PendingStatus, PendingTitle
from tests.conftest import csrf_from, login
from tests.scans.titles import identity_campaign, ids, uncovered, write


@pytest.fixture
def pending(factory, cli_env, tmp_path):
    """Two uncovered papers whose written codes are not on the school's roster: both pending."""
    campaign = identity_campaign(factory)
    school = factory.school("730101")
    codes = ids.roster(41, n=6)
    papers = {c: factory.paper(campaign, school, code=c) for c in codes}
    for login_name, role in (("org", "organiser"), ("exp", "expert"), ("rev", "reviewer"), ("obs", "observer")):
        factory.user(login_name, role=role)
    factory.commit()
    path, starts = write(tmp_path / "stack.pdf", [uncovered("99017", 7, backs=False), uncovered("98123", 8)])
    result = CliRunner().invoke(main, ["scans", "import", campaign.slug, str(path), "--school", school.code],
                                env=cli_env, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return campaign, school, papers, starts


def items(db):
    db.expire_all()
    return db.scalars(select(PendingTitle).order_by(PendingTitle.file_page)).all()


def test_markers_and_observers_never_see_the_queue_or_a_crop(app, db, pending):
    campaign, _, _, _ = pending
    item = items(db)[0]
    base = f"/organiser/campaigns/{campaign.slug}/titles"
    for name in ("exp", "rev", "obs"):
        client = app.test_client()
        assert login(client, name).status_code == 302
        assert client.get(base).status_code == 403
        assert client.get(f"{base}/{item.id}/crop.png").status_code == 403
        assert client.post(f"{base}/{item.id}/confirm", data={"participant": "40001"}).status_code in (400, 403)
    assert items(db)[0].status == PendingStatus.PENDING
    anonymous = app.test_client().get(f"{base}/{item.id}/crop.png")
    assert anonymous.status_code in (302, 401)


def test_the_organiser_confirms_by_click_then_by_typed_code(app, db, pending):
    campaign, school, papers, starts = pending
    client = app.test_client()
    assert login(client, "org").status_code == 302
    first, second = items(db)
    assert [first.file_page, second.file_page] == starts
    home = client.get(f"/organiser/campaigns/{campaign.slug}/").get_data(as_text=True)
    assert 'id="titles-link"' in home and "<strong>2</strong>" in home
    assert "без обложки 2: по коду 0" in home and "ждут подтверждения кода 2" in home
    steps = client.get("/organiser/").get_data(as_text=True)
    assert "2 титульных листа ждут подтверждения кода участника." in steps
    assert f'href="/organiser/campaigns/{campaign.slug}/titles"' in steps
    page = client.get(f"/organiser/campaigns/{campaign.slug}/titles").get_data(as_text=True)
    assert 'id="title-card"' in page and first.digits in page and "1 из 2" in page
    # why it waits, in Russian: its code matches no participant of the school with confidence
    assert "не совпадает уверенно ни с одним участником ОО «730101»" in first.reason
    assert 'id="title-reason"' in page and first.reason in page
    candidates = [c["participant"] for c in first.candidates]
    assert candidates and all(f'value="{c}"' in page for c in candidates[:3])
    crop = client.get(f"/organiser/campaigns/{campaign.slug}/titles/{first.id}/crop.png")
    assert crop.status_code == 200 and crop.mimetype == "image/png" and crop.data[:4] == b"\x89PNG"
    assert "no-store" in crop.headers["Cache-Control"]

    # no CSRF token: refused, nothing placed
    refused = client.post(f"/organiser/campaigns/{campaign.slug}/titles/{first.id}/confirm",
                          data={"participant": candidates[0]})
    assert refused.status_code == 400 and items(db)[0].status == PendingStatus.PENDING

    # a click on the first candidate: the paper and the pages after its title page are placed
    token = csrf_from(page)
    done = client.post(f"/organiser/campaigns/{campaign.slug}/titles/{first.id}/confirm",
                       data={"csrf_token": token, "participant": candidates[0]}, follow_redirects=True)
    html = done.get_data(as_text=True)
    assert done.status_code == 200 and "размещена вместе со следующими страницами" in html
    assert "1 из 1" in html and f"страница {second.file_page}" in html  # the next pending page loads
    paper = db.get(Paper, papers[candidates[0]].id)
    placed = db.scalars(select(Page).where(Page.paper_id == paper.id, Page.status == PageStatus.PLACED)
                        .order_by(Page.position)).all()
    assert [p.source_index for p in placed][0] == first.file_page and len(placed) == 4
    assert paper.identified_by == IdentifiedBy.PERSON
    event = db.scalar(select(AuditEvent).where(AuditEvent.action == "scan.confirm_code"))
    assert event.actor_id is not None and event.after["participant"] == candidates[0]

    # the same code again for the second page: refused (placed already), in Russian
    again = client.post(f"/organiser/campaigns/{campaign.slug}/titles/{second.id}/confirm",
                        data={"csrf_token": token, "participant": candidates[0]}, follow_redirects=True)
    assert "уже размещена" in again.get_data(as_text=True)
    unknown = client.post(f"/organiser/campaigns/{campaign.slug}/titles/{second.id}/confirm",
                          data={"csrf_token": token, "participant": "11111"}, follow_redirects=True)
    assert "участника с кодом «11111»" in unknown.get_data(as_text=True)
    # a typed code
    typed = next(c for c in papers if c != candidates[0])
    ok = client.post(f"/organiser/campaigns/{campaign.slug}/titles/{second.id}/confirm",
                     data={"csrf_token": token, "participant": typed}, follow_redirects=True)
    assert 'id="titles-empty"' in ok.get_data(as_text=True)
    assert all(i.status == PendingStatus.CONFIRMED for i in items(db))
    assert db.get(Paper, papers[typed].id).identified_by == IdentifiedBy.PERSON
    # a page of another campaign's queue is not found through this campaign
    assert client.post(f"/organiser/campaigns/{campaign.slug}/titles/999999/confirm",
                       data={"csrf_token": token, "participant": typed}).status_code == 404
