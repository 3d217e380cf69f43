"""Benchmark: the municipal export «Индивидуальные результаты» previewed and imported,
side by side with a bare openpyxl read of the same file.

    python bench/marks_import.py [--rows 30000] [--tasks 20] [--repeat 3] [--database-url URL]
                                 [--mem-rows 5000,15000,30000] [--skip-sqlite] [--skip-timings]

Generates (cached under bench/out/) the export FIS OKO gives a municipality: title and meta
rows, a `Б`/`П` row, the header ``ОО, Муниципалитет, Название ОО, Код участника, Класс,
Вариант, <tasks "N (Mб)">, Первичный балл, Отметка, Отметка по журналу``, 100 pupils per
school (``sch730001`` …), realistic scores with some «Х», about 3 % absent pupils and journal
marks (some «-»); written with openpyxl's write_only mode. A matching 20-task template,
campaign and the schools are seeded into a fresh database per repeat.

Each stage runs in a fresh subprocess and is timed inside it (interpreter start-up and
imports excluded), in this order on one database per repeat:

a. bare ``openpyxl.load_workbook(read_only=True)``, every row's values iterated;
b. our reader alone (``open_book`` + the sheet's rows);
c. ``preview_marks`` into the empty campaign;
d. ``import_marks``, the first import, commit included;
e. the same file imported again (every paper unchanged), commit included;
f. ``preview_marks`` after the import.

Prints medians of ``--repeat`` and the ratio of each to (a), in wall time and in the child's
own CPU time (on a shared machine the CPU time is the steadier figure; on PostgreSQL it leaves
out the server's work); then, at each of ``--mem-rows`` (SQLite), the peak RSS growth of (a)–(e)
over the process's RSS before the stage and the tracemalloc peak of (c), (d) and (e) (each traced
in a separate, untimed run; ``--skip-timings``: this table only). Progress goes to stderr.
SQLite always (a file in a temporary folder, unless ``--skip-sqlite``); PostgreSQL when
``--database-url`` names one (a scratch database: its schema is dropped).
"""
from __future__ import annotations

import argparse
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import _loadlib as L  # noqa: E402  (bench/ is on the path: this script's folder)
from report_compute import machine  # noqa: E402  (one description of the machine for every bench)

OUT = ROOT / "bench" / "out"
SLUG = "bench-marks"
SHEET = "Индивидуальные результаты"
MUNICIPALITY = "Заречный городской округ"
PUPILS_PER_SCHOOL = 100
FIRST_SCHOOL = 730001
STAGES = ("openpyxl", "reader", "preview", "import", "reimport", "preview_after")
NAMES = {"openpyxl": "(a) bare openpyxl read_only", "reader": "(b) our reader (open_book + rows)",
         "preview": "(c) preview_marks, empty campaign", "import": "(d) import_marks, first (+commit)",
         "reimport": "(e) re-import, all unchanged (+commit)", "preview_after": "(f) preview_marks after import"}


# --- the template and the file -----------------------------------------------------------

def task_specs(n: int) -> list[tuple[str, int]]:
    """n VPR-like tasks: mostly 1 point, some 2, the last few 3; one split task ("N.1", "N.2")."""
    labels = [str(i) for i in range(1, n + 1)]
    if n >= 6:
        split = n // 2
        labels = [*map(str, range(1, split)), f"{split}.1", f"{split}.2", *map(str, range(split + 1, n))]
    maxima = [1 if i < n * 0.5 else 2 if i < n * 0.85 else 3 for i in range(n)]
    return list(zip(labels, maxima))


def grades(n: int) -> dict[str, int]:
    total = sum(m for _, m in task_specs(n))
    return {"3": round(total * 0.25), "4": round(total * 0.5), "5": round(total * 0.75)}


def grade_of(total: int, scale: dict[str, int]) -> int:
    return 5 if total >= scale["5"] else 4 if total >= scale["4"] else 3 if total >= scale["3"] else 2


def template_doc(n: int) -> dict:
    return {"name": f"bench-marks-{n}", "title": f"ВПР. Бенчмарк. {n} заданий", "subject": "Математика",
            "grade_level": 5, "pages": 4, "grades": grades(n),
            "tasks": [{"label": label, "max": m, "criteria": f"до {m} б."} for label, m in task_specs(n)]}


def school_login(i: int) -> str:
    return f"sch{FIRST_SCHOOL + i}"


def make_export(rows: int, n_tasks: int) -> Path:
    """The municipal export of `rows` pupils (cached)."""
    path = OUT / f"municipal-{rows}x{n_tasks}.xlsx"
    if path.exists():
        return path
    from openpyxl import Workbook

    OUT.mkdir(parents=True, exist_ok=True)
    rng = random.Random(13)
    tasks, scale = task_specs(n_tasks), grades(n_tasks)
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(SHEET)
    ws.append([f"ВПР 2025. Бенчмарк, {n_tasks} заданий"])
    ws.append(["Предмет", "Математика"])
    ws.append(["Максимальный первичный балл", sum(m for _, m in tasks)])
    ws.append(["Дата", "15.04.2025"])
    ws.append([f"{MUNICIPALITY} (mun730000)", None, None, None, None, None, f"Кол-во участников: {rows}"])
    ws.append([None] * 6 + ["П" if m > 1 else "Б" for _, m in tasks] + [None] * 3)
    ws.append(["ОО", "Муниципалитет", "Название ОО", "Код участника", "Класс", "Вариант",
               *(f"{label} ({m}б)" for label, m in tasks), "Первичный балл", "Отметка", "Отметка по журналу"])
    for i in range(rows):
        school, pupil = divmod(i, PUPILS_PER_SCHOOL)
        login = school_login(school)
        head = [login, MUNICIPALITY, f"МБОУ СОШ № {school + 1}", 10001 + pupil, f"5{'АБВГ'[pupil % 4]}"]
        if rng.random() < 0.03:  # absent: no variant, no scores
            ws.append([*head, None, *[None] * len(tasks), None, None, None])
            continue
        ability = rng.betavariate(4, 3)
        scores: list = []
        for _, m in tasks:
            if rng.random() < 0.04:
                scores.append("Х")
            else:
                scores.append(sum(rng.random() < ability for _ in range(m)))
        total = sum(s for s in scores if isinstance(s, int))
        grade = grade_of(total, scale)
        roll = rng.random()
        journal = "-" if roll < 0.08 else None if roll < 0.1 else max(2, min(5, grade + rng.choice((-1, 0, 0, 1))))
        ws.append([*head, 1 + pupil % 2, *scores, total, grade, journal])
    tmp = path.with_suffix(".tmp")
    wb.save(tmp)
    tmp.replace(path)
    return path


# --- the database ---------------------------------------------------------------------------

def fresh_database(pg_url: str | None, workdir: Path, tag: str) -> str:
    """A SQLite file in workdir, or the given PostgreSQL database emptied (the load benches' own)."""
    return L.fresh_database(pg_url, workdir, f"marks-{tag}")


def seed(url: str, rows: int, n_tasks: int) -> None:
    """Migrated schema, the schools of the file and an empty campaign on its template."""
    from sqlalchemy import insert
    from sqlalchemy.orm import Session

    from crosscheck.db import make_engine
    from crosscheck.domain.template import parse_template
    from crosscheck.migrate import upgrade
    from crosscheck.models import School
    from crosscheck.services.campaigns.store import create_campaign

    upgrade(url)
    engine = make_engine(url)
    schools = (rows + PUPILS_PER_SCHOOL - 1) // PUPILS_PER_SCHOOL
    with Session(engine) as s:
        s.execute(insert(School), [{"code": str(FIRST_SCHOOL + i), "name": f"МБОУ СОШ № {i + 1}",
                                    "municipality": MUNICIPALITY} for i in range(schools)])
        create_campaign(s, SLUG, parse_template(template_doc(n_tasks)), "Бенчмарк импорта отметок")
        s.commit()
    engine.dispose()


# --- one stage, in a child process -------------------------------------------------------------

def _rss_mib() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def child(stage: str, path: Path, url: str | None, profile: str | None, trace: bool = False) -> dict:
    """Run one stage, timed from just before it starts; imports and set-up excluded."""
    import openpyxl  # noqa: F401  (imported before the clock starts, like ours)
    from sqlalchemy import select

    from crosscheck.db import Database
    from crosscheck.imports.tabular import open_book
    from crosscheck.models import Campaign
    from crosscheck.services.audit.trail import Actor
    from crosscheck.services.marks.importer import import_marks, preview_marks

    db = session = campaign = None
    if url:
        db = Database(url)
        session = db.session
        campaign = session.scalar(select(Campaign).where(Campaign.slug == SLUG))
        list(campaign.template.tasks)

    def bare():
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
        n = 0
        for row in wb.worksheets[0].iter_rows(values_only=True):
            for _ in row:
                n += 1
        wb.close()
        return {"cells": n}

    def reader():
        book = open_book(path)
        rows = book.rows(0)
        return {"cells": sum(len(r) for r in rows)}

    def preview():
        p = preview_marks(session, campaign, path)
        return {k: p.total(k) for k in ("participants", "absent", "created", "updated", "unchanged")}

    def do_import():
        r = import_marks(session, campaign, path, actor=Actor.cli())
        session.commit()
        return {"created": r.created, "updated": r.updated, "unchanged": r.unchanged, "absent": r.absent}

    run = {"openpyxl": bare, "reader": reader, "preview": preview, "import": do_import, "reimport": do_import,
           "preview_after": preview}[stage]
    before = _rss_mib()
    if trace:  # Python allocations only, from here on (slows the stage: its time is not reported)
        import tracemalloc

        tracemalloc.start()
    profiler = None
    if profile:
        import cProfile

        profiler = cProfile.Profile()
        profiler.enable()
    t0, c0 = time.perf_counter(), time.process_time()
    out = run()
    seconds, cpu = time.perf_counter() - t0, time.process_time() - c0
    if profiler:
        profiler.disable()
        profiler.dump_stats(profile)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    traced = None
    if trace:
        traced = tracemalloc.get_traced_memory()[1] / 2**20
        tracemalloc.stop()
    if db:
        db.dispose()
    return {"stage": stage, "seconds": seconds, "cpu": cpu, "rss_before": before, "rss_peak": peak,
            **({"traced_peak": traced} if trace else {}), **out}


def run_child(stage: str, path: Path, url: str | None, trace: bool = False) -> dict:
    cmd = [sys.executable, __file__, "--child", stage, "--file", str(path)]
    if url:
        cmd += ["--child-url", url]
    if trace:
        cmd += ["--child-trace"]
    done = subprocess.run(cmd, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"stage {stage} failed:\n{done.stderr}")
    result = json.loads(done.stdout.strip().splitlines()[-1])
    print(f"  {stage}: {result['seconds']:.2f} s (CPU {result['cpu']:.2f} s), load {os.getloadavg()[0]:.1f}",
          file=sys.stderr, flush=True)
    return result


# --- the parent ----------------------------------------------------------------------------------


def timings(label: str, url: str | None, path: Path, rows: int, n_tasks: int, repeat: int,
            workdir: Path, stages: list[str]) -> None:
    """Each repeat: (a) and (b), then a fresh database through (c)–(f); the database stages
    not asked for still run when a later one needs them (an import before a re-import)."""
    runs: dict[str, list[dict]] = {s: [] for s in STAGES}
    wanted = set(stages) | {"openpyxl"}
    needs = {"reimport": "import", "preview_after": "import"}
    db_stages = [s for s in STAGES[2:] if s in wanted or any(needs.get(w) == s for w in wanted)]
    started = machine()
    for n in range(repeat):
        for stage in ("openpyxl", "reader"):
            if stage in wanted:
                runs[stage].append(run_child(stage, path, None))
        if db_stages:
            db_url = fresh_database(url, workdir, f"{rows}-{n}")
            seed(db_url, rows, n_tasks)
            for stage in db_stages:
                runs[stage].append(run_child(stage, path, db_url))
    base = statistics.median(r["seconds"] for r in runs["openpyxl"])
    base_cpu = statistics.median(r["cpu"] for r in runs["openpyxl"])
    print(f"\n{label}: {rows:,} rows × {n_tasks} tasks, median of {repeat}\n"
          f"start: {started}\nend:   {machine()}")
    print("| stage | median s | runs s | × openpyxl | CPU s (this process) | CPU × openpyxl | peak RSS MiB | outcome |")
    print("|---|---|---|---|---|---|---|---|")
    for stage in STAGES:
        if not runs[stage]:
            continue
        secs = [r["seconds"] for r in runs[stage]]
        med = statistics.median(secs)
        cpu = statistics.median(r["cpu"] for r in runs[stage])
        last = runs[stage][-1]
        outcome = ", ".join(f"{k} {v:,}" for k, v in last.items()
                            if k not in ("stage", "seconds", "cpu", "rss_before", "rss_peak", "traced_peak"))
        print(f"| {NAMES[stage]} | **{med:.2f}** | {' / '.join(f'{s:.2f}' for s in secs)} | {med / base:.2f}× | "
              f"{cpu:.2f} | {cpu / base_cpu:.2f}× | {statistics.median(r['rss_peak'] for r in runs[stage]):.0f} | "
              f"{outcome} |", flush=True)


def memory(sizes: list[int], n_tasks: int, url: str | None, workdir: Path) -> None:
    """Per file size: the peak RSS growth of (a)–(e) over the process's RSS before the stage,
    and the tracemalloc peak (Python allocations during the stage) of (c), (d) and (e), each
    traced in a run of its own (tracing slows a stage down; those runs are not timed)."""
    print(f"\nPeak memory by file size ({n_tasks} tasks; RSS growth = peak − RSS before the stage; "
          f"traced = tracemalloc peak; MiB; {machine()})")
    print("| rows | file MiB | (a) openpyxl RSS growth | (b) reader RSS growth | (c) preview RSS growth | "
          "(c) preview traced | (d) import RSS growth | (d) import traced | (e) re-import RSS growth | "
          "(e) re-import traced | (e) re-import peak RSS |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for rows in sizes:
        path = make_export(rows, n_tasks)
        a, b = run_child("openpyxl", path, None), run_child("reader", path, None)
        db_url = fresh_database(url, workdir, f"mem-{rows}")
        seed(db_url, rows, n_tasks)
        c, ct = run_child("preview", path, db_url), run_child("preview", path, db_url, trace=True)
        d = run_child("import", path, db_url)
        e, et = run_child("reimport", path, db_url), run_child("reimport", path, db_url, trace=True)
        db_url = fresh_database(url, workdir, f"mem-{rows}-traced")
        seed(db_url, rows, n_tasks)
        dt = run_child("import", path, db_url, trace=True)
        grow = [r["rss_peak"] - r["rss_before"] for r in (a, b, c, d, e)]
        print(f"| {rows:,} | {path.stat().st_size / 2**20:.1f} | {grow[0]:.0f} | {grow[1]:.0f} | {grow[2]:.0f} | "
              f"{ct['traced_peak']:.1f} | {grow[3]:.0f} | {dt['traced_peak']:.1f} | {grow[4]:.0f} | "
              f"{et['traced_peak']:.1f} | {e['rss_peak']:.0f} |", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description="The municipal export previewed and imported, beside a bare "
                                                 "openpyxl read of the same file.")
    parser.add_argument("--rows", type=int, default=30_000)
    parser.add_argument("--tasks", type=int, default=20)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--database-url", default=None,
                        help="PostgreSQL URL of a scratch database (its schema is dropped)")
    parser.add_argument("--mem-rows", default="5000,15000,30000", help="sizes for the memory table ('' = none)")
    parser.add_argument("--skip-sqlite", action="store_true")
    parser.add_argument("--skip-timings", action="store_true", help="only the memory table")
    parser.add_argument("--stages", default=",".join(STAGES), help="comma-separated subset of " + ",".join(STAGES))
    parser.add_argument("--profile", metavar="STAGE", help="cProfile one stage (SQLite, or --database-url) into bench/out/ and print its top")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--child-url", help=argparse.SUPPRESS)
    parser.add_argument("--file", help=argparse.SUPPRESS)
    parser.add_argument("--child-profile", help=argparse.SUPPRESS)
    parser.add_argument("--child-trace", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.child, Path(args.file), args.child_url, args.child_profile,
                               args.child_trace)))
        return
    path = make_export(args.rows, args.tasks)
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        if args.profile:
            _profile(args.profile, path, args.rows, args.tasks, args.database_url, workdir)
            return
        print(f"file: {path.relative_to(ROOT)} ({path.stat().st_size / 2**20:.1f} MiB)")
        backends = ([] if args.skip_sqlite else [("SQLite", None)]) + \
            ([("PostgreSQL", args.database_url)] if args.database_url else [])
        for label, url in ([] if args.skip_timings else backends):
            timings(label, url, path, args.rows, args.tasks, args.repeat, workdir, args.stages.split(","))
        sizes = [int(x) for x in args.mem_rows.split(",") if x]
        if sizes:
            memory(sizes, args.tasks, None, workdir)


def _profile(stage: str, path: Path, rows: int, n_tasks: int, url: str | None, workdir: Path) -> None:
    """cProfile one stage (after the stages it needs) and print the top of it."""
    import pstats

    db_url = fresh_database(url, workdir, "profile")
    seed(db_url, rows, n_tasks)
    if stage in ("reimport", "preview_after"):
        run_child("import", path, db_url)
    out = OUT / f"profile-{stage}.pstats"
    cmd = [sys.executable, __file__, "--child", stage, "--file", str(path), "--child-profile", str(out)]
    if stage not in ("openpyxl", "reader"):
        cmd += ["--child-url", db_url]
    subprocess.run(cmd, check=True)
    pstats.Stats(str(out)).sort_stats("cumulative").print_stats(35)
    pstats.Stats(str(out)).sort_stats("tottime").print_stats(25)


if __name__ == "__main__":
    main()
