"""Benchmark: the pure discrepancy engine + report dict + json.dumps on a regional campaign.

    python bench/report_compute.py [--papers 100000] [--schools 300] [--repeat 3]

100,000 papers × 15 tasks, ~300 schools, one recheck each (5% with a review).
Times each stage separately and reports the median of the repeats, so the
database load that precedes it in production has a known budget left.
"""
from __future__ import annotations

import argparse
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from crosscheck.domain.analytics import FlagRule  # noqa: E402
from crosscheck.domain.discrepancy import PaperMarks, Scheme, compare_all  # noqa: E402
from crosscheck.domain.report import build_report, gc_paused, to_json  # noqa: E402

TEMPLATE = {
    "tasks": [{"label": str(i + 1), "max": m} for i, m in enumerate((1, 1, 2, 1, 2, 2, 1, 2, 2, 1, 2, 2, 1, 3, 2))],
    "grades": {"3": 6, "4": 12, "5": 18},
}


def make_papers(n: int, schools: int, seed: int = 7) -> list[PaperMarks]:
    """Synthetic campaign: a few schools over-mark systematically, most do not."""
    rng = random.Random(seed)
    scheme = Scheme.from_template(TEMPLATE)
    inflating = set(rng.sample(range(schools), max(1, schools // 10)))
    papers = []
    for i in range(n):
        school = i % schools
        original = {t.label: rng.randint(0, t.max) for t in scheme.tasks}
        recheck = _recheck(rng, original, scheme, school in inflating)
        review = _recheck(rng, original, scheme, False) if rng.random() < 0.05 else None
        papers.append(PaperMarks(
            cipher=f"C{i:07d}", school=f"S{school:04d}", participant=f"{i:06d}",
            original=original, rechecks=(recheck,), review=review, status="done",
            class_name=f"5{'АБВГ'[i % 4]}", municipality=f"M{school % 30:02d}",
            original_marker=f"marker{(i // 7) % 5}", journal_mark=rng.choice((None, 3, 4, 5)),
        ))
    return papers


def _recheck(rng: random.Random, original: dict, scheme: Scheme, inflating: bool) -> dict:
    out = {}
    for t in scheme.tasks:
        score = original[t.label]
        if rng.random() < (0.25 if inflating else 0.08):
            score += -1 if inflating or rng.random() < 0.5 else 1
        out[t.label] = min(t.max, max(0, score))
    return out


def run_once(papers: list[PaperMarks], scheme: Scheme, pause_gc: bool = False) -> dict[str, float]:
    """One pass; wall seconds per stage, plus this process's CPU seconds overall
    (CPU time is what to compare across runs on a shared, loaded machine)."""
    if pause_gc:
        with gc_paused():
            return run_once(papers, scheme)
    cpu = time.process_time()
    t0 = time.perf_counter()
    results = compare_all(papers, scheme)
    t1 = time.perf_counter()
    report = build_report("bench", results, scheme, FlagRule())
    t2 = time.perf_counter()
    text = to_json(report)
    t3 = time.perf_counter()
    return {
        "compare": t1 - t0, "report": t2 - t1, "json": t3 - t2, "total": t3 - t0,
        "cpu": time.process_time() - cpu, "bytes": len(text.encode()),
    }


def machine() -> str:
    """nproc, memory, load, CPU and Python: the context the numbers mean something in."""
    def sh(*cmd: str) -> str:
        return subprocess.run(cmd, capture_output=True, text=True).stdout.strip()

    memory = next((line.split()[1] for line in sh("free", "-h").splitlines() if line.startswith("Mem:")), "?")
    load = " ".join(Path("/proc/loadavg").read_text().split()[:3])
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), "?")
    return (f"date {sh('date', '-u', '+%Y-%m-%d %H:%M UTC')}; nproc {sh('nproc')}; memory {memory}; "
            f"load average {load}; CPU {cpu}; Python {sys.version.split()[0]}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--papers", type=int, default=100_000)
    parser.add_argument("--schools", type=int, default=300)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    scheme = Scheme.from_template(TEMPLATE)
    t0 = time.perf_counter()
    papers = make_papers(args.papers, args.schools)
    print(f"generated {len(papers)} papers × {len(scheme.tasks)} tasks, {args.schools} schools "
          f"in {time.perf_counter() - t0:.2f} s (not timed below)")
    print(machine())
    for pause_gc in (False, True):
        runs = [run_once(papers, scheme, pause_gc) for _ in range(args.repeat)]
        print("with the cyclic GC paused (report_for_papers does this)" if pause_gc else "plain calls")
        for stage in ("compare", "report", "json", "total", "cpu"):
            values = [r[stage] for r in runs]
            print(f"  {stage:8s} median {statistics.median(values):6.3f} s   runs {' '.join(f'{v:.3f}' for v in values)}")
    print(f"json size {runs[0]['bytes'] / 1e6:.1f} MB; load average now {' '.join(Path('/proc/loadavg').read_text().split()[:3])}")


if __name__ == "__main__":
    main()
