"""Scans without cover sheets, end to end (SPEC §3): `scans import --school`, `scans status
--json`, `scans confirm`. Real pipeline, poppler, the shipped classifier."""
from __future__ import annotations

import json

import pytest
from PIL import Image
from click.testing import CliRunner
from sqlalchemy import select

from crosscheck.cli import main
from crosscheck.models import (AuditEvent, IdentifiedBy, Page, PageStatus, Paper, PendingStatus, PendingTitle)
from tests.scans.titles import covered, identity_campaign, ids, uncovered, write


@pytest.fixture
def run(cli_env):
    runner = CliRunner()
    return lambda *args: runner.invoke(main, list(args), env=cli_env, catch_exceptions=False)


@pytest.fixture
def roster(factory):
    campaign = identity_campaign(factory)
    school = factory.school("730101")
    codes = ids.roster(41, n=14)
    papers = {c: factory.paper(campaign, school, code=c) for c in codes}
    other = factory.school("730102")
    factory.paper(campaign, other, code="55555")  # another school's pupil: never offered
    factory.commit()
    return campaign, school, papers


def placed_by_paper(db) -> dict[int, list[int]]:
    db.expire_all()
    out: dict[int, list[int]] = {}
    for p in db.scalars(select(Page).where(Page.status == PageStatus.PLACED).order_by(Page.position)):
        out.setdefault(p.paper_id, []).append(p.source_index)
    return out


def test_an_uncovered_stack_is_placed_by_code_and_the_rest_waits_for_a_person(run, db, roster, tmp_path, data_dir):
    campaign, school, papers = roster
    codes = list(papers)
    stack = [uncovered(c, 100 + i) for i, c in enumerate(codes[:8])]
    stack.append(uncovered(codes[8], 108, smudged={2: 7, 3: 1}))   # corrected digits: for a person
    stack.append(uncovered("99017", 109))                              # a code not on the roster
    path, starts = write(tmp_path / "stack-730101.pdf", stack)
    result = run("scans", "import", campaign.slug, str(path), "--school", school.code)
    assert result.exit_code == 0, result.output
    assert "работ без обложки: 10" in result.output

    placed = placed_by_paper(db)
    by_id = {p.id: c for c, p in papers.items()}
    truth = {codes[i]: starts[i] for i in range(9)}
    # zero wrong placements: every placed paper starts at its own title page
    for paper_id, sources in placed.items():
        assert sources[0] == truth[by_id[paper_id]], (by_id[paper_id], sources)
        assert len(sources) == 4
    assert len(placed) >= 4  # the clean handwriting is mostly matched with confidence (5 of 8 today)
    for paper_id in placed:
        assert db.get(Paper, paper_id).identified_by == IdentifiedBy.CODE
    # what an expert would get of a title page: the handwritten code box filled solid
    title = db.scalar(select(Page).where(Page.paper_id == next(iter(placed)), Page.position == 1))
    with Image.open(data_dir / "pages" / title.masked_sha256[:2] / f"{title.masked_sha256}.jpg") as img:
        w, h = img.size
        x0, y0, x1, y1 = ids.BOX
        box = img.convert("L").crop((int((x0 + 0.01) * w), int((y0 + 0.01) * h), int((x1 - 0.01) * w),
                                     int((y1 - 0.005) * h)))
        assert box.getextrema()[1] <= 40
    pending = db.scalars(select(PendingTitle).order_by(PendingTitle.file_page)).all()
    assert starts[9] in [p.file_page for p in pending]       # the stranger's paper is never placed
    assert len(placed) + len(pending) == 10
    for item in pending:
        pages = db.scalars(select(Page).where(Page.pending_title_id == item.id).order_by(Page.source_index)).all()
        assert [p.position for p in pages] == [1, 2, 3, 4] and pages[0].source_index == item.file_page
        assert all(p.status == PageStatus.UNIDENTIFIED and p.paper_id is None for p in pages)
        assert item.crop and len(item.digits) == 5 and item.status == PendingStatus.PENDING

    # scans status --json: exactly SPEC §3's shape
    status = run("scans", "status", campaign.slug, "--json")
    assert status.exit_code == 0, status.output
    data = json.loads(status.output)
    assert set(data) == {"batches", "papers", "pending"}
    assert data["batches"] == [{"file": "stack-730101.pdf", "status": "done", "pages": len(sum(stack, [])),
                                "blank": sum(1 for p in stack for _ in range(2)), "unidentified": 0,
                                "pending": len(pending)}]
    assert len(data["papers"]) == len(placed)
    for paper in data["papers"]:
        assert set(paper) == {"participant", "school", "identified_by", "pages"}
        assert paper["school"] == "730101" and paper["identified_by"] == "code"
        assert paper["pages"][0] == {"position": 1, "file": "stack-730101.pdf", "file_page": truth[paper["participant"]]}
    assert [p["file_page"] for p in data["pending"]] == [p.file_page for p in pending]
    for p in data["pending"]:
        assert set(p) == {"file", "file_page", "candidates"}
        assert all(set(c) == {"participant", "confidence"} and 0 <= c["confidence"] <= 1 for c in p["candidates"])
        assert all(c["participant"] != "55555" for c in p["candidates"])

    # the same file again adds nothing
    again = run("scans", "import", campaign.slug, str(path), "--school", school.code)
    assert again.exit_code == 0 and "ничего не добавлено" in again.output
    assert placed_by_paper(db) == placed and len(db.scalars(select(PendingTitle)).all()) == len(pending)

    # scans confirm: refusals, then the paper goes with the pages that followed its title page
    stranger = starts[9]
    taken = next(iter(placed))
    bad = run("scans", "confirm", campaign.slug, "--file", "stack-730101.pdf", "--page", str(stranger),
              "--participant", "12345")
    assert bad.exit_code != 0 and "участника с кодом «12345» в ОО «730101»" in bad.stderr
    bad = run("scans", "confirm", campaign.slug, "--file", "stack-730101.pdf", "--page", str(stranger),
              "--participant", "55555")
    assert bad.exit_code != 0 and "нет" in bad.stderr  # another school's pupil
    bad = run("scans", "confirm", campaign.slug, "--file", "stack-730101.pdf", "--page", str(stranger),
              "--participant", by_id[taken])
    assert bad.exit_code != 0 and "уже размещена" in bad.stderr
    bad = run("scans", "confirm", campaign.slug, "--file", "stack-730101.pdf", "--page", str(stranger + 1),
              "--participant", codes[9])
    assert bad.exit_code != 0 and "не ждёт подтверждения" in bad.stderr
    ok = run("scans", "confirm", campaign.slug, "--file", "stack-730101.pdf", "--page", str(stranger),
             "--participant", codes[9])
    assert ok.exit_code == 0, ok.output + ok.stderr
    assert "страниц размещено: 4" in ok.output
    placed_now = placed_by_paper(db)
    assert placed_now[papers[codes[9]].id][0] == stranger and len(placed_now[papers[codes[9]].id]) == 4
    assert db.get(Paper, papers[codes[9]].id).identified_by == IdentifiedBy.PERSON
    twice = run("scans", "confirm", campaign.slug, "--file", "stack-730101.pdf", "--page", str(stranger),
                "--participant", codes[10])
    assert twice.exit_code != 0 and "не ждёт подтверждения" in twice.stderr
    event = db.scalar(select(AuditEvent).where(AuditEvent.action == "scan.confirm_code"))
    assert event.after["participant"] == codes[9] and event.after["pages"] == 4
    data = json.loads(run("scans", "status", campaign.slug, "--json").output)
    assert {p["participant"]: p["identified_by"] for p in data["papers"]}[codes[9]] == "person"
    assert stranger not in [p["file_page"] for p in data["pending"]]


def test_a_mixed_stack_covers_and_title_pages(run, db, roster, tmp_path):
    campaign, school, papers = roster
    codes = list(papers)
    stack = [covered(campaign, school, papers[codes[0]], 1),
             uncovered(codes[1], 201, backs=False),
             covered(campaign, school, papers[codes[2]], 3),
             uncovered(codes[3], 203)]
    path, starts = write(tmp_path / "mixed.pdf", stack)
    result = run("scans", "import", campaign.slug, str(path), "--school", school.code)
    assert result.exit_code == 0, result.output
    placed = placed_by_paper(db)
    covers = {papers[codes[0]].id: starts[0] + 1, papers[codes[2]].id: starts[2] + 1}
    for paper_id, first in covers.items():
        assert placed[paper_id][0] == first and len(placed[paper_id]) == 4
        assert db.get(Paper, paper_id).identified_by == IdentifiedBy.QR
    pending = {p.file_page for p in db.scalars(select(PendingTitle))}
    for i in (1, 3):
        paper_id = papers[codes[i]].id
        assert (paper_id in placed and placed[paper_id][0] == starts[i]) or starts[i] in pending
    assert not set(placed) - set(covers) - {papers[codes[1]].id, papers[codes[3]].id}


def test_without_school_a_stack_of_title_pages_is_unidentified_as_before(run, db, roster, tmp_path):
    campaign, school, papers = roster
    path, _ = write(tmp_path / "nocover.pdf", [uncovered(list(papers)[0], 5, backs=False)])
    result = run("scans", "import", campaign.slug, str(path))
    assert result.exit_code == 0
    assert not placed_by_paper(db) and not db.scalars(select(PendingTitle)).all()
    bad = run("scans", "import", campaign.slug, str(path), "--school", "000000")
    assert bad.exit_code != 0 and "неизвестный код ОО" in bad.stderr
