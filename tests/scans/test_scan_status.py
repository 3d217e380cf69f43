"""The scan status (SPEC §3 `scans status`, issue 14 «Status»): the organiser uploads a file with
covers and a school's stack without covers, and reads on the campaign page what became of every
page — the same numbers `crosscheck scans status --json` prints, from the same service."""
from __future__ import annotations

import json
import re

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from crosscheck.cli import main
from crosscheck.models import BatchStatus, IdentifiedBy, Paper, PendingTitle, ScanBatch
from crosscheck.services.scans.status import scan_status
from crosscheck.services.scans.titles import confirm
from scanner_import.synthetic import content_page
from tests.conftest import login
from tests.scans.titles import covered, identity_campaign, ids, uncovered, write


@pytest.fixture
def run(cli_env):
    runner = CliRunner()
    return lambda *args: runner.invoke(main, list(args), env=cli_env, catch_exceptions=False)


@pytest.fixture
def stacks(factory, run, tmp_path):
    """Two files: covers (with a stray page before the first cover) and school 730101's stack
    without covers (three pupils on the roster, one whose written code is not): duplex, so
    every uncovered paper brings two blank backs."""
    campaign = identity_campaign(factory)
    school = factory.school("730101")
    codes = ids.roster(41, n=6)
    papers = {c: factory.paper(campaign, school, code=c) for c in codes}
    for name, role in (("org", "organiser"), ("obs", "observer"), ("exp", "expert"), ("rev", "reviewer")):
        factory.user(name, role=role)
    factory.commit()
    covers, _ = write(tmp_path / "covers.pdf", [[content_page(999)],
                                                 covered(campaign, school, papers[codes[3]], 31),
                                                 covered(campaign, school, papers[codes[4]], 32)])
    assert run("scans", "import", campaign.slug, str(covers)).exit_code == 0
    stack = [uncovered(codes[0], 11), uncovered(codes[1], 12), uncovered(codes[2], 13), uncovered("99017", 7)]
    bare, starts = write(tmp_path / "stack-730101.pdf", stack)
    assert run("scans", "import", campaign.slug, str(bare), "--school", school.code).exit_code == 0
    return campaign, school, codes, papers, starts


def by_code_in_db(db) -> int:
    db.expire_all()
    return len(db.scalars(select(Paper).where(Paper.identified_by == IdentifiedBy.CODE)).all())


def test_the_status_counts_what_each_file_brought(db, stacks, run):
    campaign, school, codes, papers, starts = stacks
    st = scan_status(db, campaign)
    first, second = st.batches
    assert (first.file, first.school, first.status) == ("covers.pdf", "", "done")
    # 1 stray page + 2 × (cover + 4 pages); the stray page waits in the unidentified queue
    assert (first.pages, first.blank, first.title_pages, first.pending, first.unidentified) == (11, 0, 0, 0, 1)
    assert first.by == {"qr": 2, "code": 0, "person": 0}

    automatic = by_code_in_db(db)
    assert automatic >= 2  # the clean codes on the roster are read with confidence (3 of 3 today)
    assert (second.file, second.school, second.status) == ("stack-730101.pdf", "730101", "done")
    assert (second.pages, second.blank, second.title_pages) == (4 * 6, 4 * 2, 4)
    assert second.by == {"qr": 0, "code": automatic, "person": 0}
    assert second.pending == 4 - automatic and second.unidentified == 0
    assert all(len(p.digits) == 5 and p.candidates for p in st.pending)  # the digits as read, candidates
    assert starts[3] in [p.file_page for p in st.pending]   # the code not on the roster is never placed
    assert all(p.school == "730101" and p.file == "stack-730101.pdf" for p in st.pending)

    assert st.papers_total == 6 and st.scanned == 2 + automatic and st.without_scans == 4 - automatic
    assert st.by == {"qr": 2, "code": automatic, "person": 0} and st.unidentified == 1
    assert not st.importing

    # the command line prints the same facts (SPEC §3's shape)
    data = json.loads(run("scans", "status", campaign.slug, "--json").output)
    assert data == st.as_json()
    assert [(b["file"], b["pages"], b["blank"], b["unidentified"], b["pending"]) for b in data["batches"]] == [
        ("covers.pdf", 11, 0, 1, 0), ("stack-730101.pdf", 24, 8, 0, 4 - automatic)]
    assert sorted(p["identified_by"] for p in data["papers"]) == sorted(["qr"] * 2 + ["code"] * automatic)
    text = run("scans", "status", campaign.slug).output
    assert "covers.pdf: done, страниц 11, пустых 0, титульных листов 0; работ по обложке 2, по коду 0, вручную 0; " \
           "ждут подтверждения кода 0, нераспознанных 1" in text
    assert f"stack-730101.pdf (ОО 730101): done, страниц 24, пустых 8, титульных листов 4; работ по обложке 0, " \
           f"по коду {automatic}, вручную 0; ждут подтверждения кода {4 - automatic}, нераспознанных 0" in text
    assert f"работ со сканами: {2 + automatic} из 6" in text

    # a person confirms the stranger's title page as the pupil with no scans: counted as «by a person»
    item = db.scalar(select(PendingTitle).where(PendingTitle.file_page == starts[3]))
    confirm(db, campaign, item, codes[5], None)
    db.commit()
    st = scan_status(db, campaign)
    assert st.batches[1].by == {"qr": 0, "code": automatic, "person": 1}
    assert st.batches[1].pending == 3 - automatic
    assert st.by["person"] == 1 and st.scanned == 3 + automatic


def test_a_file_still_importing_has_no_counts_yet(db, factory):
    """Its page rows are written at the end: until then the status says «not known», not 0."""
    campaign = identity_campaign(factory)
    db.add(ScanBatch(campaign_id=campaign.id, filename="late.pdf", sha256="a" * 64, stored_path="x",
                     status=BatchStatus.RUNNING, pages_total=30, pages_done=12))
    factory.commit()
    st = scan_status(db, campaign, papers=False)
    (late,) = st.batches
    assert late.live and st.importing and (late.pages, late.pages_done) == (30, 12)
    assert late.blank is late.by is late.pending is late.unidentified is late.title_pages is None
    assert st.as_json()["batches"] == [{"file": "late.pdf", "status": "running", "pages": 30, "blank": 0,
                                        "unidentified": 0, "pending": 0}]
    assert st.papers is None and st.as_json()["papers"] == []


def text_of(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def block(html: str) -> str:
    start = html.index('id="scan-status"')
    return html[start:html.index("</section>", start)]


def test_the_campaign_page_shows_the_status_and_leads_to_the_queues(app, db, stacks):
    campaign, school, codes, papers, starts = stacks
    automatic = by_code_in_db(db)
    client = app.test_client()
    assert login(client, "org").status_code == 302
    html = client.get(f"/organiser/campaigns/{campaign.slug}/").get_data(as_text=True)
    status = block(html)
    text = text_of(status)
    assert f"Работ со сканами: {2 + automatic} из 6" in text
    assert "по обложке — 2" in text and f"по коду участника автоматически — {automatic}" in text
    assert "подтверждено вручную — 0" in text and f"без сканов — {4 - automatic}" in text
    pending = 4 - automatic
    assert f"Ждут подтверждения кода участника: {pending}" in text
    assert 'id="status-pending-link"' in status and f'/organiser/campaigns/{campaign.slug}/titles"' in status
    assert "Нераспознанных страниц: 1" in text and f'/organiser/campaigns/{campaign.slug}/unidentified"' in status
    rows = re.findall(r"<tr data-batch=.*?</tr>", status, re.S)
    assert len(rows) == 2
    assert text_of(rows[0]).startswith("covers.pdf") and "только обложки" in text_of(rows[0])
    cells = re.findall(r'<td class="num[^"]*">(.*?)</td>', rows[1], re.S)
    assert [text_of(c) for c in cells] == ["24", "8", "4", "0", str(automatic), "0", str(pending), "0"]
    assert "730101" in rows[1]
    # the per-kind counts lead to «Работы» filtered by how the papers were identified
    assert f"/organiser/campaigns/{campaign.slug}/papers?identified=code" in status

    listed = client.get(f"/organiser/campaigns/{campaign.slug}/papers?identified=code").get_data(as_text=True)
    assert f"Найдено работ: {automatic}" in listed
    shown = re.findall(r'data-identified="(\w*)"', listed)
    assert shown == ["code"] * automatic and "по коду (автоматически)" in listed
    everything = client.get(f"/organiser/campaigns/{campaign.slug}/papers").get_data(as_text=True)
    assert sorted(re.findall(r'data-identified="(\w*)"', everything)) == sorted(
        [""] * (4 - automatic) + ["code"] * automatic + ["qr"] * 2)
    by_cover = client.get(f"/organiser/campaigns/{campaign.slug}/papers?identified=qr").get_data(as_text=True)
    assert "Найдено работ: 2" in by_cover and papers[codes[3]].cipher in by_cover
    assert "Найдено работ: 0" in client.get(
        f"/organiser/campaigns/{campaign.slug}/papers?identified=nonsense").get_data(as_text=True)

    # the paper viewer says how the paper was identified
    code_paper = db.scalar(select(Paper).where(Paper.identified_by == IdentifiedBy.CODE))
    viewer = client.get(f"/campaigns/{campaign.slug}/papers/{code_paper.cipher}").get_data(as_text=True)
    assert re.search(r'id="identified-by" data-identified="code">по коду \(автоматически\)<', viewer)
    cover_viewer = client.get(f"/campaigns/{campaign.slug}/papers/{papers[codes[3]].cipher}").get_data(as_text=True)
    assert 'data-identified="qr">по обложке<' in cover_viewer
    bare = client.get(f"/campaigns/{campaign.slug}/papers/{papers[codes[5]].cipher}").get_data(as_text=True)
    assert 'data-identified="">сканов нет<' in bare

    # once a person confirms the stranger's title page as that pupil, the paper says so, with
    # the confirmation in its history
    item = db.scalar(select(PendingTitle).where(PendingTitle.file_page == starts[3]))
    confirm(db, campaign, item, codes[5], None)
    db.commit()
    confirmed = client.get(f"/campaigns/{campaign.slug}/papers/{papers[codes[5]].cipher}").get_data(as_text=True)
    assert 'data-identified="person">код подтверждён вручную<' in confirmed
    history = confirmed[confirmed.index('id="paper-history"'):]
    assert "Код участника на титульном листе подтверждён вручную" in history and codes[5] in history
    html = client.get(f"/organiser/campaigns/{campaign.slug}/").get_data(as_text=True)
    assert "подтверждено вручную — 1" in text_of(block(html))


def test_before_any_scan_the_block_says_what_it_will_show(app, factory):
    campaign = identity_campaign(factory)
    factory.user("org", role="organiser")
    factory.commit()
    client = app.test_client()
    assert login(client, "org").status_code == 302
    html = client.get(f"/organiser/campaigns/{campaign.slug}/").get_data(as_text=True)
    status = block(html)
    assert 'id="scan-status-empty"' in status and "Сканов пока нет" in status
    assert "scan-status-batches" not in status


def test_the_observer_reads_the_numbers_without_the_way_in(app, db, stacks):
    """The observer's read-only page shows the same block (observers read scan progress), but
    no link into the organiser's queues, «Работы» or a paper; markers see neither page."""
    campaign = stacks[0]
    automatic = by_code_in_db(db)
    client = app.test_client()
    assert login(client, "obs").status_code == 302
    assert client.get(f"/organiser/campaigns/{campaign.slug}/").status_code == 403
    html = client.get(f"/observer/campaigns/{campaign.slug}/").get_data(as_text=True)
    status = block(html)
    text = text_of(status)
    assert f"Работ со сканами: {2 + automatic} из 6" in text and f"Ждут подтверждения кода участника: {4 - automatic}" in text
    assert "Ждут организатора" in text and "Нераспознанных страниц: 1" in text
    assert "<a " not in status and "/organiser/" not in status
    for name in ("exp", "rev"):
        client = app.test_client()
        assert login(client, name).status_code == 302
        for url in (f"/organiser/campaigns/{campaign.slug}/", f"/observer/campaigns/{campaign.slug}/",
                    f"/organiser/campaigns/{campaign.slug}/papers?identified=code"):
            response = client.get(url)
            assert response.status_code == 403 and "scan-status" not in response.get_data(as_text=True)


def test_the_queue_says_why_what_goes_with_it_and_which_candidates_are_taken(app, db, stacks):
    """Each pending title page: the reason in Russian, the pages that go with it, candidates whose
    papers already have pages disabled, and previous/next (wrapping round)."""
    campaign, school, codes, papers, starts = stacks
    client = app.test_client()
    assert login(client, "org").status_code == 302
    db.expire_all()
    waiting = db.scalars(select(PendingTitle).order_by(PendingTitle.batch_id, PendingTitle.file_page)).all()
    assert len(waiting) >= 1
    placed = {p.participant_code for p in db.scalars(select(Paper).where(Paper.identified_by.is_not(None)))}
    base = f"/organiser/campaigns/{campaign.slug}/titles"
    for n, item in enumerate(waiting):
        html = client.get(f"{base}?after={item.id - 1}").get_data(as_text=True)
        assert f'data-item="{item.id}"' in html and f"{n + 1} из {len(waiting)}" in html
        reason = text_of(re.search(r'id="title-reason">(.*?)</span>', html, re.S).group(1))
        assert reason.startswith("· не размещено автоматически:") and not re.search(r"[A-Za-z]", reason)
        assert "С титульным листом в работу уйдут страниц: 4" in text_of(html)
        for code in [c["participant"] for c in item.candidates]:
            button = re.search(r'<button[^>]*value="' + code + r'"[^>]*>', html).group(0)
            assert ("disabled" in button) == (code in placed)
        if len(waiting) > 1:
            previous = waiting[n - 1]  # before the first: the last
            back = client.get(f"{base}?before={item.id}").get_data(as_text=True)
            assert f'data-item="{previous.id}"' in back
    assert 'id="shortcut-hint"' in html


def test_a_stray_page_attached_by_hand_counts_as_identified_by_a_person(db, factory, stacks, data_dir):
    """The stray page before the first cover, attached by the organiser as page 1 of a pupil with
    no scans: that paper's scans were tied to it by a person."""
    from crosscheck.models import Page, PageStatus
    from crosscheck.services.scans.unidentified import attach

    campaign, school, codes, papers, starts = stacks
    late = factory.paper(campaign, school, code="40999")
    factory.commit()
    stray = db.scalar(select(Page).where(Page.status == PageStatus.UNIDENTIFIED, Page.pending_title_id.is_(None)))
    attach(db, data_dir, campaign, stray, late, 1, replace=False, actor=None)
    db.commit()
    db.expire_all()
    assert db.get(Paper, late.id).identified_by == IdentifiedBy.PERSON
    st = scan_status(db, campaign)
    assert st.batches[0].by == {"qr": 2, "code": 0, "person": 1} and st.batches[0].unidentified == 0
    assert st.unidentified == 0 and st.papers_total == 7
    assert db.get(Paper, papers[codes[3]].id).identified_by == IdentifiedBy.QR  # came by its cover


def test_a_file_still_importing_shows_its_progress_on_the_page_not_zeros(app, db, factory):
    campaign = identity_campaign(factory)
    factory.user("org", role="organiser")
    db.add(ScanBatch(campaign_id=campaign.id, filename="late.pdf", sha256="b" * 64, stored_path="x",
                     status=BatchStatus.RUNNING, pages_total=30, pages_done=12))
    factory.commit()
    client = app.test_client()
    assert login(client, "org").status_code == 302
    status = block(client.get(f"/organiser/campaigns/{campaign.slug}/").get_data(as_text=True))
    row = text_of(re.search(r"<tr data-batch=.*?</tr>", status, re.S).group(0))
    assert "Обрабатывается: пройдено страниц 12 из 30; итоги — после окончания обработки" in row
    assert 'id="scan-status-live"' in status and "Работ со сканами: 0 из 0" in text_of(status)
