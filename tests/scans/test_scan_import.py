"""An organiser's scanned file goes in through `crosscheck scans import` (SPEC §3)."""
from __future__ import annotations


import pytest
from click.testing import CliRunner
from PIL import Image
from sqlalchemy import func, select

from crosscheck.cli import main
from crosscheck.models import AuditEvent, BatchStatus, Page, PageStatus, ScanBatch
from tests.scans.conftest import build_scan


@pytest.fixture
def run(cli_env):
    runner = CliRunner()
    return lambda *args: runner.invoke(main, list(args), env=cli_env, catch_exceptions=False)


def pages(db, status=None):
    db.expire_all()
    stmt = select(Page).order_by(Page.source_index)
    if status:
        stmt = stmt.where(Page.status == status)
    return db.scalars(stmt).all()


def test_a_scan_is_split_masked_and_placed_then_a_reimport_adds_nothing(run, db, data_dir, school_papers,
                                                                         tmp_path):
    campaign, school, papers = school_papers
    scan = build_scan(tmp_path / "school-500101.pdf", campaign, school, papers, blank_backs=True,
                      upside_down=[papers[1]])
    result = run("scans", "import", campaign.slug, str(scan))
    assert result.exit_code == 0, result.output + result.stderr
    assert "работ: 3, страниц размещено: 6" in result.output and "пустых пропущено: 6" in result.output
    placed = pages(db, PageStatus.PLACED)
    assert len(placed) == 6
    assert {(p.paper_id, p.position) for p in placed} == {(paper.id, k) for paper in papers for k in (1, 2)}
    assert {p.rotation for p in placed if p.paper_id == papers[1].id} == {180}
    for page in placed:
        original = data_dir / "pages" / page.original_sha256[:2] / f"{page.original_sha256}.jpg"
        masked = data_dir / "pages" / page.masked_sha256[:2] / f"{page.masked_sha256}.jpg"
        assert original.is_file() and masked.is_file() and page.original_sha256 != page.masked_sha256
        with Image.open(masked) as img:  # the participant-code strip of every page is solid
            w, h = img.size
            box = img.convert("L").crop((int(0.63 * w), int(0.015 * h), int(0.98 * w), int(0.065 * h)))
            assert box.getextrema()[1] <= 40
    assert db.scalar(select(ScanBatch.status)) == BatchStatus.DONE

    files = sorted(p.name for p in (data_dir / "pages").rglob("*.jpg"))
    again = run("scans", "import", campaign.slug, str(scan))
    assert again.exit_code == 0 and "ничего не добавлено" in again.output
    assert len(pages(db)) == 6
    assert sorted(p.name for p in (data_dir / "pages").rglob("*.jpg")) == files


def test_stray_and_foreign_pages_wait_in_the_unidentified_queue(run, db, school_papers, tmp_path):
    campaign, school, papers = school_papers
    scan = build_scan(tmp_path / "s.pdf", campaign, school, papers[:1], stray_first=True, foreign=True)
    assert run("scans", "import", campaign.slug, str(scan)).exit_code == 0
    waiting = pages(db, PageStatus.UNIDENTIFIED)
    assert [p.source_index for p in waiting] == [1, 5, 6]
    assert all(p.reason for p in waiting) and len(pages(db, PageStatus.PLACED)) == 2


def test_a_second_scan_of_a_paper_is_reported_not_overwritten(run, db, school_papers, tmp_path):
    campaign, school, papers = school_papers
    run("scans", "import", campaign.slug, str(build_scan(tmp_path / "a.pdf", campaign, school, papers[:1])))
    second = build_scan(tmp_path / "b.pdf", campaign, school, papers[:1], pages_per_paper=3)
    result = run("scans", "import", campaign.slug, str(second))
    assert result.exit_code == 0 and "конфликтов" in result.output and papers[0].cipher in result.output
    assert len(pages(db, PageStatus.PLACED)) == 2
    assert len(pages(db, PageStatus.UNIDENTIFIED)) == 3


@pytest.mark.parametrize("name, content, fragment", [
    ("empty.pdf", b"", "пуст"),
    ("broken.pdf", b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n", ""),
    ("notes.tif", "это текст, а не скан\n".encode(), ""),
])
def test_bad_files_are_refused_naming_the_file_and_nothing_is_stored(run, db, data_dir, school_papers, tmp_path,
                                                                     name, content, fragment):
    campaign = school_papers[0]
    path = tmp_path / name
    path.write_bytes(content)
    result = run("scans", "import", campaign.slug, str(path))
    assert result.exit_code == 1
    assert f"«{name}»" in result.stderr and fragment in result.stderr
    assert db.scalar(select(func.count()).select_from(ScanBatch)) == 0
    assert not (data_dir / "uploads").exists() or not any((data_dir / "uploads").iterdir())


def test_the_import_is_audited(run, db, school_papers, tmp_path):
    campaign, school, papers = school_papers
    run("scans", "import", campaign.slug, str(build_scan(tmp_path / "a.pdf", campaign, school, papers[:1])))
    actions = set(db.scalars(select(AuditEvent.action)))
    assert {"scan.upload", "scan.import"} <= actions


def test_covers_command_prints_one_page_per_paper(run, school_papers, tmp_path):
    from pypdf import PdfReader

    campaign = school_papers[0]
    out = tmp_path / "covers.pdf"
    result = run("covers", campaign.slug, "--school", "500101", "-o", str(out))
    assert result.exit_code == 0, result.stderr
    assert len(PdfReader(out).pages) == 3
    assert run("covers", campaign.slug, "--school", "999", "-o", str(out)).exit_code == 1
