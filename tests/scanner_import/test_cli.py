from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from .conftest import CAMPAIGN, ROOT


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "scanner_import", *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)


def test_cli_prints_json_summary(small_pdf: Path, tmp_path: Path) -> None:
    masks = tmp_path / "masks.json"
    masks.write_text(json.dumps([{"page": "*", "box": [0.55, 0.02, 0.98, 0.10]}]))
    proc = _run(str(small_pdf), "--campaign", CAMPAIGN, "--masks", str(masks),
                "--out", str(tmp_path / "out"), "--quiet")
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert data["summary"]["papers"] == 2 and data["summary"]["blank"] == 1
    assert data["papers"][0]["pages"][0]["masked"]["path"].endswith(".jpg")


def test_cli_bad_file(tmp_path: Path) -> None:
    bad = tmp_path / "empty.pdf"
    bad.write_bytes(b"")
    proc = _run(str(bad), "--campaign", CAMPAIGN, "--out", str(tmp_path / "out"))
    assert proc.returncode == 2
    assert "empty_file" in proc.stderr and "«empty.pdf»" in proc.stderr


def test_cli_bad_masks(small_pdf: Path, tmp_path: Path) -> None:
    masks = tmp_path / "masks.json"
    masks.write_text(json.dumps({"masks": [{"page": 1, "box": [0.5, 0, 0.2, 1]}]}))
    proc = _run(str(small_pdf), "--campaign", CAMPAIGN, "--masks", str(masks), "--out", str(tmp_path))
    assert proc.returncode == 2 and "masks[0].box" in proc.stderr
