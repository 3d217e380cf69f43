"""Bad title pages in a stack without covers (issue 14, «Bad input»): each one is pending
with its reason shown to the organiser, never placed under a wrong code. Real pipeline,
poppler and the shipped classifier, through `crosscheck scans import … --school`."""
from __future__ import annotations

import random

import pytest
from click.testing import CliRunner
from PIL import ImageDraw
from sqlalchemy import select

from crosscheck.cli import main
from crosscheck.models import Page, PageStatus, PendingTitle
from tests.scans.titles import identity_campaign, ids, uncovered, write


@pytest.fixture
def run(cli_env):
    runner = CliRunner()
    return lambda *args: runner.invoke(main, list(args), env=cli_env, catch_exceptions=False)


@pytest.fixture
def schools(factory):
    campaign = identity_campaign(factory)
    school = factory.school("730101")
    codes = ids.roster(41, n=14)
    papers = {c: factory.paper(campaign, school, code=c) for c in codes}
    other = factory.school("730102")
    for code in ("61001", "61002", "61003", "61004"):
        factory.paper(campaign, other, code=code)
    factory.commit()
    return campaign, school, other, codes, papers


def crossed_out(code: str, seed: int) -> list:
    """A paper whose code the pupil scribbled over (zigzags across every cell)."""
    pages = uncovered(code, seed)
    title = pages[0].convert("L")
    draw = ImageDraw.Draw(title)
    r = random.Random(seed)
    gx, gy, cw, ch = ids.GRID
    for k in range(5):
        pts = [(gx + k * cw + 8 + r.uniform(0, cw - 16), gy + 8 + (i % 2) * (ch - 16)) for i in range(7)]
        draw.line(pts, fill=20, width=4)
    pages[0] = title
    return pages


def placed(db) -> dict[int, list[int]]:
    db.expire_all()
    out: dict[int, list[int]] = {}
    for p in db.scalars(select(Page).where(Page.status == PageStatus.PLACED).order_by(Page.position)):
        out.setdefault(p.paper_id, []).append(p.source_index)
    return out


def test_a_stack_of_another_school_places_nothing_and_says_the_codes_are_not_this_schools(run, db, schools, tmp_path):
    campaign, school, other, codes, _ = schools
    path, starts = write(tmp_path / "stack.pdf", [uncovered(c, 60 + i, backs=False) for i, c in enumerate(codes[:3])])
    result = run("scans", "import", campaign.slug, str(path), "--school", other.code)  # the wrong school
    assert result.exit_code == 0, result.output
    assert "похоже, это файл другой ОО" in result.output
    assert not placed(db)
    items = db.scalars(select(PendingTitle).order_by(PendingTitle.file_page)).all()
    assert [i.file_page for i in items] == starts
    for item in items:
        assert "не совпал с участниками ОО «730102»" in item.reason and "файл другой ОО" in item.reason
        assert all(c["participant"].startswith("6100") for c in item.candidates)  # only that school's codes
    status = run("scans", "status", campaign.slug)
    assert status.exit_code == 0 and status.output.count("похоже, файл другой ОО") == 3


def test_rivals_a_stranger_and_a_crossed_out_code_wait_with_their_reasons(run, db, schools, tmp_path):
    campaign, school, _, codes, papers = schools
    stack = [uncovered(codes[0], 71),            # the same code twice: rivals
             uncovered(codes[0], 72),
             uncovered("99017", 73),             # not on the roster
             crossed_out(codes[1], 74),          # scribbled over
             uncovered(codes[2], 75)]            # a clean one
    path, starts = write(tmp_path / "stack.pdf", stack)
    result = run("scans", "import", campaign.slug, str(path), "--school", school.code)
    assert result.exit_code == 0, result.output
    now = placed(db)
    # never placed wrongly: whatever was placed starts at its own title page
    assert papers[codes[0]].id not in now                      # neither rival
    assert papers[codes[1]].id not in now                      # the crossed-out code is not guessed
    assert set(now) <= {papers[codes[2]].id}
    if now:
        assert now[papers[codes[2]].id][0] == starts[4]
    items = {i.file_page: i for i in db.scalars(select(PendingTitle))}
    assert {starts[0], starts[1], starts[2], starts[3]} <= set(items)
    rivals = [items[starts[0]].reason, items[starts[1]].reason]
    assert any("другой титульный лист в этом файле читается как тот же код" in r or "неоднозначно" in r
               for r in rivals), rivals
    stranger = items[starts[2]]
    assert "99017" in stranger.reason or "не совпадает уверенно" in stranger.reason
    assert stranger.candidates and all(c["participant"] in papers for c in stranger.candidates)
    known = ("не совпадает уверенно", "читается неоднозначно", "другой титульный лист", "заполнены не все клетки")
    assert any(k in items[starts[3]].reason for k in known), items[starts[3]].reason  # the scribbled code
    for item in items.values():
        pages = db.scalars(select(Page).where(Page.pending_title_id == item.id)).all()
        assert pages and all(p.status == PageStatus.UNIDENTIFIED and p.paper_id is None for p in pages)
    status = run("scans", "status", campaign.slug)
    assert f"стр. {starts[2]}:" in status.output and stranger.reason in status.output
