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


SCORE_BOX = (0.06, 0.84, 0.93, 0.91)  # the score table on the title page (identity_scans draws it there)
SHIFTED = {"shifted 5 %": dict(shift=(0.05, 0.05)), "turned 2°": dict(angle=2.0),
           "turned -2°, scaled -3 %": dict(angle=-2.0, scale=0.97), "scaled +3 %": dict(scale=1.03),
           "upside down": dict(shift=(0.02, -0.02), upside_down=True)}


def test_every_served_title_page_has_its_code_and_score_table_solid_however_it_was_scanned(
        run, db, factory, tmp_path, data_dir):
    import dataclasses

    from PIL import Image

    from crosscheck.demo import TEMPLATE_FILE
    from crosscheck.domain.template import IdentitySpec, MaskSpec
    from crosscheck.services.campaigns.store import create_campaign, load_template_file
    from tests.scanner_import.test_masks_follow import CODE_AREA, TABLE_AREA, covered, scanned

    base = load_template_file(TEMPLATE_FILE)
    spec = dataclasses.replace(base, name=base.name + "-title-table", identity=IdentitySpec(1, ids.BOX, 5),
                               masks=base.masks + (MaskSpec(1, SCORE_BOX),))
    campaign = create_campaign(factory.s, "vpr-math-5-shifted", spec, "Сдвинутые титулы")
    school = factory.school("730101")
    codes = ids.roster(43, n=len(SHIFTED) + 3)
    for c in codes:
        factory.paper(campaign, school, code=c)
    factory.commit()
    stack = []
    for i, kw in enumerate(SHIFTED.values()):
        pages = uncovered(codes[i], 90 + i, backs=False)
        title = ids.title_page(codes[i], 90 + i, quality=80, shift=kw.get("shift", (0.0, 0.0)),
                               scale=kw.get("scale", 1.0), angle=kw.get("angle", 0.0))
        pages[0] = title.transpose(Image.Transpose.ROTATE_180) if kw.get("upside_down") else title
        stack.append(pages)
    path, starts = write(tmp_path / "shifted.pdf", stack)
    result = run("scans", "import", campaign.slug, str(path), "--school", school.code)
    assert result.exit_code == 0, result.output
    db.expire_all()
    for (name, kw), first in zip(SHIFTED.items(), starts):
        # the title page's row, placed or pending: what an expert is (or, once confirmed, will be) served
        page = db.scalar(select(Page).where(Page.campaign_id == campaign.id, Page.source_index == first))
        assert page is not None and page.position == 1, name
        assert page.doubt == "", (name, page.doubt)  # located: nothing held back
        with Image.open(data_dir / "pages" / page.masked_sha256[:2] / f"{page.masked_sha256}.jpg") as masked:
            masked.load()
        for what, area in (("code", CODE_AREA), ("score table", TABLE_AREA)):
            assert covered(masked, scanned(area, **kw)) == 1.0, (name, what)


def test_an_empty_code_box_joins_the_paper_before_it_which_waits_for_the_organiser(run, db, schools, tmp_path):
    """The second pupil left the code box empty: that title page is no title page, so it and
    the pages after it join the first paper (8 pages where the template has 4). Whether the
    first paper was placed or waits for a person, its pages are in doubt and nobody is served
    them; the organiser is told why."""
    from crosscheck.models import Paper
    from crosscheck.services.scans.doubts import is_held_back

    campaign, school, _, codes, papers = schools
    empty = uncovered("40000", 82, backs=False)
    empty[0] = ids.title_page(None, 82, quality=80)
    path, starts = write(tmp_path / "stack.pdf", [uncovered(codes[0], 81, backs=False), empty])
    result = run("scans", "import", campaign.slug, str(path), "--school", school.code)
    assert result.exit_code == 0, result.output
    assert "работ без обложки: 1" in result.output
    assert "страниц: 8, а по шаблону ожидается 4" in result.output
    db.expire_all()
    row = db.scalar(select(Page).where(Page.campaign_id == campaign.id, Page.source_index == starts[1]))
    assert row.position == 5 and "по шаблону — 4" in row.doubt
    if row.status == PageStatus.PLACED:  # matched to the first code: the paper is held back
        assert row.paper_id == papers[codes[0]].id and is_held_back(db, db.get(Paper, row.paper_id))
    else:
        assert row.pending_title_id is not None and row.paper_id is None
