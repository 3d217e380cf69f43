"""A backup restores to exactly what was there: rows and page files."""
from __future__ import annotations

from click.testing import CliRunner
from sqlalchemy import func, select

from crosscheck.cli import main
from crosscheck.models import Page, Paper, School


def test_backup_then_restore_brings_everything_back(db, factory, cli_env, data_dir, tmp_path):
    campaign = factory.campaign()
    paper = factory.paper(campaign, factory.school("500101"))
    page = factory.page(paper, 1, data_dir)
    factory.commit()
    page_file = data_dir / "pages" / page.masked_sha256[:2] / f"{page.masked_sha256}.jpg"
    content = page_file.read_bytes()
    archive = tmp_path / "backup.tar.gz"
    runner = CliRunner()
    assert runner.invoke(main, ["backup", "-o", str(archive)], env=cli_env).exit_code == 0

    # disaster: a table emptied and the page files gone
    db.query(Page).delete()
    db.commit()
    import shutil

    shutil.rmtree(data_dir / "pages")
    db.close()

    result = runner.invoke(main, ["restore", str(archive), "--yes"], env=cli_env)
    assert result.exit_code == 0, result.output + result.stderr
    db.expire_all()
    assert db.scalar(select(func.count()).select_from(Page)) == 1
    assert db.scalar(select(Paper.cipher)) == paper.cipher
    assert db.scalar(select(School.code)) == "500101"
    assert page_file.read_bytes() == content


def test_restore_refuses_something_that_is_not_a_backup(cli_env, tmp_path):
    bogus = tmp_path / "x.tar.gz"
    bogus.write_bytes(b"not an archive")
    result = CliRunner().invoke(main, ["restore", str(bogus), "--yes"], env=cli_env)
    assert result.exit_code == 1 and "повреждённый архив" in result.stderr
