"""Benchmark the scan import against bare ``pdftoppm -r 150 -jpeg`` on the same file.

    python bench/scan_import.py [--pages 500] [--repeat 3] [--mem-pages 100 1000]

Generates synthetic scans (A4, 150 dpi, one JPEG per page, a cover every 4
pages) under bench/out/ (cached between runs), then measures in one run, each
in a fresh subprocess: wall time (median of --repeat) and peak RSS of
1. ``pdftoppm -r 150 -jpeg`` alone, 2. the pipeline with 1 worker, 3. the
pipeline with the default workers; then the pipeline's peak RSS on a small
and a large file. Writes docs/perf-scan.md.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from scanner_import import CoverEntry, CoverSheetSet  # noqa: E402
from scanner_import import synthetic as syn  # noqa: E402

OUT = ROOT / "bench" / "out"
CAMPAIGN = "bench-vpr"
MASKS = [{"page": "*", "box": [0.55, 0.02, 0.98, 0.10]}, {"page": 2, "box": [0.1, 0.3, 0.5, 0.4]}]


def make_scan(pages: int) -> Path:
    """A `pages`-page scanned PDF: cover + 3 handwritten pages, repeated (cached)."""
    path = OUT / f"scan-{pages}.pdf"
    if path.exists():
        return path
    OUT.mkdir(parents=True, exist_ok=True)
    contents = [syn.jpeg(syn.content_page(seed), 75) for seed in range(12)]
    papers = (pages + 3) // 4
    sheets = CoverSheetSet(CAMPAIGN, "ВПР. Математика. 5 класс", "0001", "Школа № 1",
                           [CoverEntry(str(i + 1), f"BENCH{i:05d}") for i in range(papers)])

    def page_stream():
        for i in range(pages):
            paper, offset = divmod(i, 4)
            if offset == 0:
                entry = sheets.entries[paper]
                yield syn.jpeg(syn.cover_page(sheets, entry, paper + 1, papers, angle=0.7,
                                              upside_down=paper % 10 == 9, seed=i), 60)
            else:
                yield contents[(paper * 3 + offset) % len(contents)]

    tmp = path.with_suffix(".tmp")
    syn.write_scan_pdf(tmp, page_stream())
    tmp.replace(path)
    return path


def run_measured(cmd: list[str], env: dict[str, str] | None = None) -> tuple[float, float]:
    """Wall seconds and peak RSS (MiB) of one subprocess, from wait4's rusage."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"failed: {' '.join(cmd)}\n{proc.stderr.read().decode() if proc.stderr else ''}")
    return wall, usage.ru_maxrss / 1024


def pdftoppm_cmd(pdf: Path, out: Path) -> list[str]:
    return ["pdftoppm", "-r", "150", "-jpeg", str(pdf), str(out / "p")]


def pipeline_cmd(pdf: Path, out: Path, masks: Path, workers: int = 0) -> list[str]:
    return [sys.executable, "-m", "scanner_import", str(pdf), "--campaign", CAMPAIGN,
            "--masks", str(masks), "--out", str(out), "--quiet", "--workers", str(workers)]


def measure(label: str, make_cmd, repeat: int) -> dict[str, float | str]:
    walls, rss = [], []
    for _ in range(repeat):
        with tempfile.TemporaryDirectory(dir=OUT) as tmp:  # fresh output: no idempotent shortcut
            wall, peak = run_measured(make_cmd(Path(tmp)), env={**os.environ, "PYTHONPATH": str(ROOT)})
        walls.append(wall)
        rss.append(peak)
        print(f"  {label}: {wall:.2f} s, {peak:.0f} MiB", flush=True)
    return {"label": label, "wall": statistics.median(walls), "rss": max(rss)}


def micro_ops(n: int = 60) -> list[tuple[str, float, float]]:
    """Per-page steps on one 150-dpi page: ms per op with 1 thread and with 2 threads.

    Tells whether a step releases the GIL (2 threads ≈ half the time per op),
    which is what decides threads vs processes for the pipeline.
    """
    import io
    from concurrent.futures import ThreadPoolExecutor

    from PIL import Image

    from scanner_import.blank import measure_ink
    from scanner_import.images import encode_jpeg
    from scanner_import.masks import apply_masks, parse_masks
    from scanner_import.qrdetect import find_qr_full_page, find_qr_in_corners
    from scanner_import.register import locate

    data = syn.jpeg(syn.content_page(1), 75)
    img = Image.open(io.BytesIO(data))
    img.load()
    masks = parse_masks(MASKS)

    def decode() -> None:
        Image.open(io.BytesIO(data)).load()

    ops = {"decode JPEG": decode, "QR, 4 corner crops": lambda: find_qr_in_corners(img),
           "QR, whole page (reduced)": lambda: find_qr_full_page(img),
           "blank test": lambda: measure_ink(img), "fill 2 masks (copy)": lambda: apply_masks(img, masks),
           "masks follow the page (locate, 2 masks)": lambda: locate(img, masks),
           "encode JPEG q85": lambda: encode_jpeg(img, 85)}
    rows = []
    for name, op in ops.items():
        op()
        start = time.perf_counter()
        for _ in range(n):
            op()
        one = (time.perf_counter() - start) / n * 1000
        with ThreadPoolExecutor(2) as pool:
            start = time.perf_counter()
            list(pool.map(lambda _: op(), range(n)))
            two = (time.perf_counter() - start) / n * 1000
        rows.append((name, one, two))
    return rows


def machine() -> dict[str, str]:
    def out(cmd: list[str]) -> str:
        try:
            return subprocess.run(cmd, capture_output=True, text=True).stdout.strip()
        except OSError:
            return "?"

    import PIL
    import pypdf

    poppler = subprocess.run(["pdftoppm", "-v"], capture_output=True, text=True).stderr.split("\n")[0]
    return {"date": dt.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z"),
            "nproc": out(["nproc"]), "free": out(["free", "-h"]), "cpu": _cpu_model(),
            "python": platform.python_version(), "pillow": PIL.__version__, "pypdf": pypdf.__version__,
            "zxingcpp": _dist_version("zxing-cpp"), "poppler": poppler}


def _dist_version(name: str) -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(name)
    except PackageNotFoundError:
        return "?"


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "?"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pages", type=int, default=500)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--mem-pages", type=int, nargs=2, default=[100, 1000])
    parser.add_argument("--report", type=Path, default=ROOT / "docs" / "perf-scan.md")
    args = parser.parse_args()
    if not shutil.which("pdftoppm"):
        raise SystemExit("pdftoppm (poppler-utils) is required")
    OUT.mkdir(parents=True, exist_ok=True)
    masks = OUT / "masks.json"
    masks.write_text(json.dumps(MASKS))

    started = time.perf_counter()
    load_before = os.getloadavg()
    pdf = make_scan(args.pages)
    small, large = (make_scan(n) for n in args.mem_pages)
    print(f"scans ready in {time.perf_counter() - started:.1f} s; {pdf.stat().st_size / 2**20:.0f} MiB "
          f"for {args.pages} pages", flush=True)

    print(f"speed, {args.pages} pages, median of {args.repeat}:")
    rows = [measure("pdftoppm -r 150 -jpeg", lambda o: pdftoppm_cmd(pdf, o), args.repeat),
            measure("pipeline, 1 worker", lambda o: pipeline_cmd(pdf, o, masks, 1), args.repeat),
            measure("pipeline, default workers", lambda o: pipeline_cmd(pdf, o, masks), args.repeat)]
    print("memory:")
    mem = [measure(f"pipeline, {n} pages", lambda o, p=p: pipeline_cmd(p, o, masks), 1)
           for n, p in zip(args.mem_pages, (small, large))]
    with tempfile.TemporaryDirectory(dir=OUT) as tmp:
        subprocess.run(pipeline_cmd(pdf, Path(tmp), masks), check=True, capture_output=True,
                       env={**os.environ, "PYTHONPATH": str(ROOT)})
        rerun = measure("pipeline re-run (idempotent)", lambda o: pipeline_cmd(pdf, Path(tmp), masks), 1)
    ops = micro_ops()
    write_report(args, pdf, rows, mem, rerun, (load_before, os.getloadavg()), ops)


def write_report(args: argparse.Namespace, pdf: Path, rows: list[dict], mem: list[dict],
                 rerun: dict, loads: tuple[tuple[float, ...], tuple[float, ...]],
                 ops: list[tuple[str, float, float]]) -> None:
    m = machine()
    bare = rows[0]["wall"]
    lines = [
        "# Scan import performance",
        "",
        f"Generated by `python bench/scan_import.py --pages {args.pages}` on {m['date']}.",
        "Each figure is a whole fresh process (interpreter start included), median of "
        f"{args.repeat}; peak memory is the process's max RSS from `wait4`.",
        "",
        f"Machine: {m['nproc']} CPUs ({m['cpu']}); Python {m['python']}, Pillow {m['pillow']}, "
        f"pypdf {m['pypdf']}, zxing-cpp {m['zxingcpp']}, {m['poppler']}.",
        "",
        "```",
        m["free"],
        "```",
        "",
        f"Load average (1/5/15 min) before: {' / '.join(f'{v:.2f}' for v in loads[0])}, "
        f"after: {' / '.join(f'{v:.2f}' for v in loads[1])} (other work on the machine skews results).",
        "",
        f"Input: synthetic scan, {args.pages} pages, A4 at 150 dpi, one JPEG per page "
        f"({pdf.stat().st_size / args.pages / 1024:.0f} KB a page), a cover every 4 pages "
        "(every tenth cover upside down), two template masks.",
        "",
        "| what | wall (s) | pages/s | × pdftoppm | peak RSS (MiB) |",
        "|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(f"| {r['label']} | {r['wall']:.2f} | {args.pages / r['wall']:.1f} | "
                     f"{r['wall'] / bare:.2f} | {r['rss']:.0f} |")
    lines.append(f"| {rerun['label']} | {rerun['wall']:.2f} | {args.pages / rerun['wall']:.1f} | "
                 f"{rerun['wall'] / bare:.2f} | {rerun['rss']:.0f} |")
    small, large = mem
    growth = (large["rss"] / small["rss"] - 1) * 100
    lines += [
        "",
        "Pipeline output per content page: the original (the scanner's JPEG bytes, copied) and "
        "the masked render (JPEG q85); per cover: the original.",
        "",
        "| file | peak RSS (MiB) |",
        "|---|---|",
        f"| {args.mem_pages[0]} pages | {small['rss']:.0f} |",
        f"| {args.mem_pages[1]} pages | {large['rss']:.0f} |",
        "",
        f"Memory growth from {args.mem_pages[0]} to {args.mem_pages[1]} pages: {growth:+.1f} % "
        "(target: within 10 %).",
        f"Pipeline wall vs bare pdftoppm: {rows[2]['wall'] / bare:.2f}× (target: ≤ 1.0×).",
        "",
        "Per-page steps on one 150-dpi page (ms per op; with 2 threads, ms per op of throughput):",
        "",
        "| step | 1 thread | 2 threads |",
        "|---|---|---|",
    ]
    lines += [f"| {name} | {one:.2f} | {two:.2f} |" for name, one, two in ops]
    lines.append("")
    args.report.parent.mkdir(parents=True, exist_ok=True)
    existing = args.report.read_text(encoding="utf-8") if args.report.exists() else ""
    marker = "<!-- bench results above; notes below are kept on re-run -->"
    notes = existing.split(marker, 1)[1] if marker in existing else ""
    args.report.write_text("\n".join(lines) + "\n" + marker + notes, encoding="utf-8")
    print(f"wrote {args.report}")


if __name__ == "__main__":
    main()
