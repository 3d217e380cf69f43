"""Crash safety, aborts, and the package's independence from the web app."""
from __future__ import annotations

import hashlib
import subprocess
import sys
from pathlib import Path

import pytest

from scanner_import import ImportOptions, import_scan

from .conftest import CAMPAIGN, MASKS, ROOT, SchoolScan, files_under

KILL_AT_PAGE_5 = """
import os, signal, sys
sys.path.insert(0, {root!r})
from scanner_import import ImportOptions, import_scan, parse_masks
def progress(done, total):
    if done == 5:
        os.kill(os.getpid(), signal.SIGKILL)
masks = parse_masks([{{"page": "*", "box": [0.55, 0.02, 0.98, 0.10]}}, {{"page": 2, "box": [0.10, 0.30, 0.50, 0.40]}}])
import_scan({pdf!r}, {out!r}, ImportOptions({campaign!r}, masks), progress=progress)
"""


def test_killed_import_leaves_only_whole_files_and_resumes(school_scan: SchoolScan,
                                                           tmp_path: Path) -> None:
    out = tmp_path / "out"
    script = KILL_AT_PAGE_5.format(root=str(ROOT), pdf=str(school_scan.path), out=str(out),
                                   campaign=CAMPAIGN)
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, timeout=120)
    assert proc.returncode == -9, proc.stderr.decode()
    visible = [p for p in out.rglob("*.jpg")]
    assert visible, "some pages were stored before the kill"
    for path in visible:  # every visible file is complete: its name is its content's hash
        assert hashlib.sha256(path.read_bytes()).hexdigest() == path.stem
    resumed = import_scan(school_scan.path, out, ImportOptions(CAMPAIGN, MASKS))
    clean = import_scan(school_scan.path, tmp_path / "clean", ImportOptions(CAMPAIGN, MASKS))
    assert resumed.papers == clean.papers
    assert resumed.files_written == clean.files_written - len(visible)
    jpgs = {k: v for k, v in files_under(out).items() if k.endswith(".jpg")}
    assert jpgs == files_under(tmp_path / "clean")


def test_progress_callback_can_abort(small_pdf: Path, tmp_path: Path) -> None:
    class Cancelled(Exception):
        pass

    def progress(done: int, total: int) -> None:
        if done == 2:
            raise Cancelled

    with pytest.raises(Cancelled):
        import_scan(small_pdf, tmp_path, ImportOptions(CAMPAIGN), progress=progress)


def test_no_web_imports() -> None:
    code = ("import sys, scanner_import, scanner_import.pipeline, scanner_import.covers, "
            "scanner_import.__main__, scanner_import.synthetic; "
            "bad = [m for m in sys.modules if m.split('.')[0] in ('flask', 'sqlalchemy', 'crosscheck')]; "
            "print(bad); sys.exit(1 if bad else 0)")
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr
