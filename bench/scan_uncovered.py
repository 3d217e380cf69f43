"""Benchmark the import of a stack scanned WITHOUT cover sheets against bare ``pdftoppm``.

    python bench/scan_uncovered.py [--pages 500] [--repeat 3]

Issue 14's figure: a 500-page stack without covers, import wall time side by side with
``pdftoppm -r 150 -jpeg`` on the same file (goal ≤ 0.35×). The file (cached under
bench/out/) holds papers as a school scans them with no cover: the title page with the
participant code handwritten in the template's identity grid (the tests' hand,
``tests/scanner_import/identity_scans.py``; every tenth one upside down), a blank back,
three answer pages (half of them repeating the code as text in a frame at the top, as
later VPR pages may). A4 at 150 dpi, one JPEG per page.

Each figure is a whole fresh process, median of ``--repeat``, measured in the same run:

1. ``pdftoppm -r 150 -jpeg`` on the file;
2. the import as ``crosscheck scans import --school`` runs it, minus the database:
   ``scanner_import.import_scan`` with ``ImportOptions`` built as
   ``services/scans/batches.run_pipeline`` builds them for a batch with a school (the
   template's masks, its page count, its ``identity`` box), then ``match_pages`` of the
   title pages' readings against the school's roster (what ``services/scans/titles.py``
   does before it writes the rows);
3. the same file through the same pipeline without the identity box (every page read as
   if covers were expected: what the code reading costs on top);
4. the covered 500-page file of bench/scan_import.py through its pipeline (today's 0.23×),
   side by side under the same load.

The child process checks the result (papers found, pages per paper, none placed under a
wrong code) and prints it; the report goes into docs/perf-scan.md (a section of its own,
kept when bench/scan_import.py rewrites the top of that file).
"""
from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import scan_import as covered  # noqa: E402  (bench/scan_import.py: machine(), run_measured, the covered file)

from scanner_import import synthetic as syn  # noqa: E402

OUT = ROOT / "bench" / "out"
CAMPAIGN = "bench-vpr"
IDENTITY_BOX = (0.62, 0.02, 0.97, 0.08)      # SPEC §1's default, where identity_scans draws the grid
# the covered bench's masks plus the identity box on page 1 (a template's all_masks)
MASKS = covered.MASKS + [{"page": 1, "box": list(IDENTITY_BOX)}]
PAPER_PAGES = 5                               # title, blank back, 3 answer pages
TEMPLATE_PAGES = 4
BEGIN, END = "<!-- bench/scan_uncovered.py: begin -->", "<!-- bench/scan_uncovered.py: end -->"


def _scans():
    sys.path.insert(0, str(ROOT / "tests" / "scanner_import"))
    import identity_scans

    return identity_scans


def roster(pages: int) -> list[str]:
    return _scans().roster(14, (pages + PAPER_PAGES - 1) // PAPER_PAGES)


def make_scan(pages: int) -> Path:
    """A ``pages``-page scan of papers without covers (cached)."""
    path = OUT / f"uncovered-{pages}.pdf"
    if path.exists():
        return path
    OUT.mkdir(parents=True, exist_ok=True)
    from PIL import Image

    scans = _scans()
    codes = roster(pages)
    r = random.Random(14)
    answers = [syn.jpeg(syn.content_page(seed), 75) for seed in range(12)]
    framed = [syn.jpeg(syn.vpr_page(100 + seed, codes[seed % len(codes)], 2 + seed % 3), 75) for seed in range(12)]
    backs = [syn.jpeg(syn.blank_back(seed), 75) for seed in range(4)]

    def page_stream():
        for i in range(pages):
            paper, offset = divmod(i, PAPER_PAGES)
            if offset == 0:
                title = scans.title_page(codes[paper], 50000 + paper)
                if paper % 10 == 9:
                    title = title.transpose(Image.Transpose.ROTATE_180)
                yield syn.jpeg(title, r.randint(60, 85))
            elif offset == 1:
                yield backs[paper % len(backs)]
            else:
                pool = framed if (paper + offset) % 2 else answers
                yield pool[(paper * 3 + offset) % len(pool)]

    tmp = path.with_suffix(".tmp")
    syn.write_scan_pdf(tmp, page_stream())
    tmp.replace(path)
    return path


def child(pdf: Path, out: Path, identity: bool, workers: int) -> None:
    """One import, as the CLI runs it for a batch with a school (the database left out)."""
    import numpy as np

    from scanner_import import IdentityBox, ImportOptions, import_scan, parse_masks
    from scanner_import.identity import match_pages

    options = ImportOptions(campaign=CAMPAIGN, masks=parse_masks(MASKS), expected_pages=TEMPLATE_PAGES,
                            known_ciphers=set(), max_pages=2000, workers=workers,
                            identity=IdentityBox(IDENTITY_BOX, 5, 1) if identity else None)
    result = import_scan(pdf, out, options)
    uncovered = [p for p in result.papers if p.title is not None]
    summary = {"papers": len(result.papers), "uncovered": len(uncovered),
               "pages_per_paper": sorted({len(p.pages) for p in result.papers}),
               "blank": result.blank_count, "unidentified": len(result.unidentified)}
    if uncovered:
        codes = roster(result.page_count)
        matches = match_pages([np.array(p.title.probs) for p in uncovered], codes)
        truth = [codes[(p.title.source_page - 1) // PAPER_PAGES] for p in uncovered]
        summary["automatic"] = sum(m.automatic for m in matches)
        summary["wrong"] = sum(m.automatic and m.participant != t for m, t in zip(matches, truth))
        summary["upside_down"] = sum(p.cover_rotation == 180 for p in uncovered)
    print(json.dumps(summary))


def run_measured(cmd: list[str]) -> tuple[float, float, float]:
    """Wall seconds, CPU seconds (user + system) and peak RSS (MiB) of one subprocess (wait4)."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            env={**os.environ, "PYTHONPATH": str(ROOT)})
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"failed: {' '.join(cmd)}\n{proc.stderr.read().decode() if proc.stderr else ''}")
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024


def measure(commands: list[tuple[str, object]], repeat: int) -> list[dict]:
    """Each command ``repeat`` times, interleaved (round k runs every command once), so a
    change of load on the shared machine weighs on all of them alike."""
    rows = [{"label": label, "walls": [], "cpus": [], "rss": 0.0, "summary": None} for label, _ in commands]
    for k in range(repeat):
        for row, (label, make_cmd) in zip(rows, commands):
            with tempfile.TemporaryDirectory(dir=OUT) as tmp:  # fresh output: no idempotent shortcut
                cmd = make_cmd(Path(tmp))
                info = Path(tmp) / "summary.json"
                if "--child" in cmd:
                    cmd = cmd + [f"--summary={info}"]
                wall, cpu, peak = run_measured(cmd)
                if info.exists():
                    row["summary"] = json.loads(info.read_text())
            row["walls"].append(wall)
            row["cpus"].append(cpu)
            row["rss"] = max(row["rss"], peak)
            print(f"  round {k + 1}, {label}: {wall:.2f} s wall, {cpu:.2f} s CPU, {peak:.0f} MiB"
                  + (f" {row['summary']}" if row["summary"] else ""), flush=True)
    for row in rows:
        row["wall"], row["cpu"] = statistics.median(row["walls"]), statistics.median(row["cpus"])
    return rows


def child_cmd(pdf: Path, out: Path, identity: bool, workers: int = 0) -> list[str]:
    return [sys.executable, str(Path(__file__).resolve()), "--child", str(pdf), str(out / "store"),
            "--identity" if identity else "--no-identity", f"--workers={workers}"]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pages", type=int, default=500)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--report", type=Path, default=ROOT / "docs" / "perf-scan.md")
    ap.add_argument("--no-covered", action="store_true", help="skip the covered file's pipeline run")
    ap.add_argument("--child", nargs=2, type=Path, metavar=("PDF", "OUT"), help=argparse.SUPPRESS)
    ap.add_argument("--identity", action=argparse.BooleanOptionalAction, default=True, help=argparse.SUPPRESS)
    ap.add_argument("--workers", type=int, default=0, help=argparse.SUPPRESS)
    ap.add_argument("--summary", type=Path, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        if args.summary:
            import contextlib
            import io

            buf = io.StringIO()
            with contextlib.redirect_stdout(buf):
                child(*args.child, args.identity, args.workers)
            args.summary.write_text(buf.getvalue())
        else:
            child(*args.child, args.identity, args.workers)
        return
    if not shutil.which("pdftoppm"):
        raise SystemExit("pdftoppm (poppler-utils) is required")
    OUT.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    pdf = make_scan(args.pages)
    cov_pdf = None if args.no_covered else covered.make_scan(args.pages)
    masks = OUT / "masks.json"
    masks.write_text(json.dumps(covered.MASKS))
    print(f"scans ready in {time.perf_counter() - started:.1f} s; {pdf.stat().st_size / 2**20:.0f} MiB "
          f"for {args.pages} pages", flush=True)
    load_before = os.getloadavg()
    commands = [("pdftoppm -r 150 -jpeg", lambda o: covered.pdftoppm_cmd(pdf, o)),
                ("import without covers (identity box, default workers)", lambda o: child_cmd(pdf, o, True)),
                ("the same file, no identity box", lambda o: child_cmd(pdf, o, False))]
    if cov_pdf is not None:
        commands.append(("covered file (bench/scan_import.py), its pipeline",
                         lambda o: covered.pipeline_cmd(cov_pdf, o, masks)))
    rows = measure(commands, args.repeat)
    load_after = os.getloadavg()
    write_report(args, pdf, rows, (load_before, load_after))


def write_report(args, pdf: Path, rows: list[dict], loads) -> None:
    m = covered.machine()
    bare = rows[0]["wall"]
    s = rows[1]["summary"] or {}
    lines = [
        BEGIN,
        "## A stack without cover sheets (issue 14)",
        "",
        f"Generated by `python bench/scan_uncovered.py --pages {args.pages} --repeat {args.repeat}` on "
        f"{m['date']}: {m['nproc']} CPUs ({m['cpu']}), {m['poppler']}. Whole fresh processes, "
        f"median of {args.repeat}, measured in one run side by side (the rounds interleaved: each "
        "round runs every command once); CPU is the process's user + system time from `wait4` "
        "(pdftoppm uses one core, the pipeline two threads); load average (1/5/15 min) "
        f"before {' / '.join(f'{v:.2f}' for v in loads[0])}, after "
        f"{' / '.join(f'{v:.2f}' for v in loads[1])} (the machine is shared: compare the ratios).",
        "",
        f"Input: {args.pages} pages, A4 at 150 dpi, one JPEG a page "
        f"({pdf.stat().st_size / args.pages / 1024:.0f} KB), no cover: each paper is its title page "
        "(the participant code handwritten in the 5-cell grid of the template's identity box, the "
        "tests' hand; every tenth title page upside down), a blank back and three answer pages "
        "(half of them repeating the code as text in a frame at the top). The import is "
        "`import_scan` with the options `crosscheck scans import --school` builds (masks, page "
        "count, identity box) and `match_pages` against the school's codes; the database writes "
        "are not included (nor are they in the covered figure).",
        "",
        "| what | wall (s), median | runs (s) | pages/s | × pdftoppm | CPU (s), median | CPU × pdftoppm "
        "| peak RSS (MiB) |",
        "|---|---|---|---|---|---|---|---|",
    ]
    bare_cpu = rows[0]["cpu"]
    for r in rows:
        lines.append(f"| {r['label']} | {r['wall']:.2f} | {', '.join(f'{w:.1f}' for w in r['walls'])} | "
                     f"{args.pages / r['wall']:.1f} | {r['wall'] / bare:.2f} | {r['cpu']:.2f} | "
                     f"{r['cpu'] / bare_cpu:.2f} | {r['rss']:.0f} |")
    lines += [
        "",
        f"Import without covers vs bare pdftoppm: **{rows[1]['wall'] / bare:.2f}×** (target ≤ 0.35×). "
        f"Result of the last run: {s.get('uncovered', '?')} papers found from their title pages "
        f"({s.get('upside_down', '?')} upside down), pages per paper {s.get('pages_per_paper', '?')}, "
        f"{s.get('blank', '?')} blank backs dropped, {s.get('unidentified', '?')} pages unidentified; "
        f"matched against the roster: {s.get('automatic', '?')} placed automatically, "
        f"{s.get('wrong', '?')} wrongly.",
        "",
        "Per page, the code reading (`python bench/identity_speed.py`, docs/identity.md): a title page "
        "≈ 3–5 ms of CPU, a page with no code grid ≈ 1 ms (the quick test, both ways up).",
        END,
    ]
    args.report.parent.mkdir(parents=True, exist_ok=True)
    text = args.report.read_text(encoding="utf-8") if args.report.exists() else ""
    block = "\n".join(lines)
    if BEGIN in text and END in text:
        text = text[:text.index(BEGIN)] + block + text[text.index(END) + len(END):]
    else:
        marker = "<!-- bench results above; notes below are kept on re-run -->"
        if marker in text:
            head, tail = text.split(marker, 1)
            text = head + marker + "\n\n" + block + "\n" + tail
        else:
            text = text + "\n" + block + "\n"
    args.report.write_text(text, encoding="utf-8")
    print(f"wrote {args.report}")


if __name__ == "__main__":
    main()
