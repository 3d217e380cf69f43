"""Benchmark: the campaign report from the database (load + engine + output).

    python bench/report_db.py [--papers 100000] [--schools 300] [--repeat 3] [--pg URL] [--reuse]

Seeds 100,000 papers × 15 tasks with original marks and one submitted recheck each
(5 % with a submitted review) using Core executemany, then times, on SQLite (a file
under bench/out/) and on PostgreSQL when ``--pg`` or TEST_DATABASE_URL is given:

* the full JSON report (``services.reports.loader.report_json``: four queries, engine, JSON);
* the XLSX report (``services.reports.xlsx.write_xlsx``);
* a bare SQL aggregate of the same rows (per school: papers, mean original and recheck
  total), the floor any database-side report could reach.

Prints medians of ``--repeat`` runs and the ratios to the bare aggregate.
"""
from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import func, insert, select, text  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

from bench.report_compute import machine  # noqa: E402
from crosscheck.db import make_engine, utcnow  # noqa: E402
from crosscheck.demo import TEMPLATE_FILE  # noqa: E402
from crosscheck.migrate import upgrade  # noqa: E402
from crosscheck.models import (Assignment, AssignmentKind, AssignmentStatus, Campaign, OriginalScore,  # noqa: E402
                               Paper, PaperStatus, Role, School, TaskScore, User)
from crosscheck.services.campaigns.store import create_campaign, load_template_file  # noqa: E402

OUT = Path(__file__).resolve().parent / "out"
SLUG = "bench-report"
CHUNK = 20_000


def seed(url: str, n_papers: int, n_schools: int) -> None:
    """A fresh, migrated database with one big campaign."""
    upgrade(url)
    engine = make_engine(url)
    rng = random.Random(11)
    with Session(engine) as s:
        campaign = create_campaign(s, SLUG, load_template_file(TEMPLATE_FILE), "Бенчмарк отчёта")
        tasks = [(t.id, t.max_score) for t in campaign.template.tasks]
        schools = _schools(s, n_schools)
        experts = _experts(s, schools[:40])
        inflating = set(rng.sample(schools, max(1, n_schools // 10)))
        _papers(s, campaign.id, schools, n_papers, rng)
        paper_ids = s.scalars(select(Paper.id).where(Paper.campaign_id == campaign.id).order_by(Paper.id)).all()
        school_of = dict(s.execute(select(Paper.id, Paper.school_id)).all())
        originals = _originals(s, paper_ids, tasks, rng)
        _marks(s, paper_ids, tasks, originals, experts, {p for p in paper_ids if school_of[p] in inflating}, rng)
        s.commit()
    # Planner statistics, as autovacuum would gather them after a bulk load: without them
    # PostgreSQL picks a nested-loop plan for the bare aggregate that runs for minutes.
    with engine.begin() as conn:
        conn.execute(text("ANALYZE"))
    engine.dispose()


def _schools(s: Session, n: int) -> list[int]:
    s.execute(insert(School), [{"code": f"6{i:05d}", "name": f"МБОУ СОШ № {i}", "municipality": f"МО-{i % 30:02d}"}
                               for i in range(n)])
    return s.scalars(select(School.id).order_by(School.id)).all()


def _experts(s: Session, schools: list[int]) -> list[int]:
    s.execute(insert(User), [{"login": f"bexp{i}", "full_name": f"Эксперт {i}", "role": Role.EXPERT,
                              "school_id": sid, "password_hash": "-", "active": True, "created_at": utcnow()}
                             for i, sid in enumerate(schools)])
    return s.scalars(select(User.id).where(User.login.like("bexp%"))).all()


def _papers(s: Session, campaign_id: int, schools: list[int], n: int, rng: random.Random) -> None:
    rows = [{"campaign_id": campaign_id, "school_id": schools[i % len(schools)], "participant_code": f"{i:06d}",
             "class_name": f"5{'АБВГ'[i % 4]}", "variant": "1", "cipher": f"B{i:09d}",
             "original_marker_name": f"Учитель {(i // 7) % 5}", "journal_mark": rng.choice((None, 3, 4, 5)),
             "status": PaperStatus.DONE, "created_at": utcnow()} for i in range(n)]
    for start in range(0, n, CHUNK):
        s.execute(insert(Paper), rows[start:start + CHUNK])


def _originals(s: Session, paper_ids: list[int], tasks: list, rng: random.Random) -> dict[int, list[int]]:
    scores = {p: [rng.randint(0, m) for _, m in tasks] for p in paper_ids}
    rows = [{"paper_id": p, "task_id": tid, "max_score": m, "score": v, "attempted": True}
            for p in paper_ids for (tid, m), v in zip(tasks, scores[p])]
    for start in range(0, len(rows), CHUNK * 5):
        s.execute(insert(OriginalScore), rows[start:start + CHUNK * 5])
    return scores


def _marks(s: Session, paper_ids: list[int], tasks: list, originals: dict, experts: list[int],
           inflating: set[int], rng: random.Random) -> None:
    now = utcnow()
    reviewed = {p for p in paper_ids if rng.random() < 0.05}
    assignments = [{"paper_id": p, "expert_id": experts[p % len(experts)], "kind": kind, "round": 1,
                    "status": AssignmentStatus.SUBMITTED, "version": 3, "comment": "", "problem_note": "",
                    "created_at": now, "submitted_at": now}
                   for kind, ids in ((AssignmentKind.RECHECK, paper_ids), (AssignmentKind.REVIEW, sorted(reviewed)))
                   for p in ids]
    for start in range(0, len(assignments), CHUNK):
        s.execute(insert(Assignment), assignments[start:start + CHUNK])
    rows = []
    for aid, pid in s.execute(select(Assignment.id, Assignment.paper_id)):
        drift = 0.25 if pid in inflating else 0.08
        for (tid, m), v in zip(tasks, originals[pid]):
            if rng.random() < drift:
                v = min(m, max(0, v + (-1 if pid in inflating or rng.random() < 0.5 else 1)))
            rows.append({"assignment_id": aid, "task_id": tid, "max_score": m, "score": v, "updated_at": now})
    for start in range(0, len(rows), CHUNK * 5):
        s.execute(insert(TaskScore), rows[start:start + CHUNK * 5])


# --- measurements -----------------------------------------------------------------------

def bare_aggregate(s: Session, campaign_id: int) -> list:
    """Per school: papers, mean original total, mean recheck total — one SQL statement."""
    original = (select(OriginalScore.paper_id, func.sum(OriginalScore.score).label("total"))
                .group_by(OriginalScore.paper_id).subquery())
    recheck = (select(Assignment.paper_id, func.sum(TaskScore.score).label("total"))
               .join(TaskScore, TaskScore.assignment_id == Assignment.id)
               .where(Assignment.kind == AssignmentKind.RECHECK, Assignment.status == AssignmentStatus.SUBMITTED)
               .group_by(Assignment.paper_id).subquery())
    stmt = (select(Paper.school_id, func.count(), func.avg(original.c.total), func.avg(recheck.c.total))
            .join(original, original.c.paper_id == Paper.id)
            .outerjoin(recheck, recheck.c.paper_id == Paper.id)
            .where(Paper.campaign_id == campaign_id).group_by(Paper.school_id))
    return s.execute(stmt).all()


def measure(url: str, repeat: int) -> dict[str, list[float]]:
    from crosscheck.services.reports.loader import report_json
    from crosscheck.services.reports.xlsx import write_xlsx

    engine = make_engine(url)
    times: dict[str, list[float]] = {"json": [], "xlsx": [], "sql": [], "json_cpu": [], "xlsx_cpu": []}
    with Session(engine) as s:
        campaign = s.scalar(select(Campaign).where(Campaign.slug == SLUG))
        for _ in range(repeat):
            times["sql"].append(_timed(lambda: bare_aggregate(s, campaign.id)))
            cpu = time.process_time()
            times["json"].append(_timed(lambda: report_json(s, campaign)))
            times["json_cpu"].append(time.process_time() - cpu)
            s.expire_all()
        with tempfile.TemporaryDirectory() as tmp:
            for _ in range(max(1, repeat - 1)):
                cpu = time.process_time()
                times["xlsx"].append(_timed(lambda: write_xlsx(s, campaign, Path(tmp) / "r.xlsx")))
                times["xlsx_cpu"].append(time.process_time() - cpu)
                s.expire_all()
    engine.dispose()
    return times


def _timed(fn) -> float:
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def report(name: str, times: dict[str, list[float]]) -> None:
    sql = statistics.median(times["sql"])
    print(f"{name}:")
    for key, label in (("json", "full JSON report"), ("xlsx", "XLSX report"), ("sql", "bare SQL GROUP BY school")):
        med = statistics.median(times[key])
        runs = " ".join(f"{v:.2f}" for v in times[key])
        cpu = f"  (this process's CPU: median {statistics.median(times[key + '_cpu']):.2f} s)" \
            if key + "_cpu" in times else ""
        print(f"  {label:26s} median {med:7.2f} s  ×{med / sql:6.1f} of bare SQL   runs {runs}{cpu}")


def sqlite_url(args, stem: str = "") -> tuple[str, bool]:
    """A SQLite file under bench/out/ (``stem``, default report-<papers>), kept with --reuse."""
    OUT.mkdir(exist_ok=True)
    path = OUT / f"{stem or f'report-{args.papers}'}.sqlite3"
    if path.exists() and not args.reuse:
        path.unlink()
    return f"sqlite:///{path}", path.exists()


def pg_url(base: str, args, suffix: str = "report_bench") -> tuple[str, bool]:
    """A database of our own beside the given URL: {name}_{suffix}, kept with --reuse."""
    from sqlalchemy.engine import make_url

    url = make_url(base)
    name = f"{url.database}_{suffix}"
    admin = make_engine(url.set(database="postgres").render_as_string(hide_password=False))
    with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        exists = conn.scalar(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name})
        if exists and not args.reuse:
            conn.execute(text(f'DROP DATABASE "{name}"'))
            exists = False
        if not exists:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return url.set(database=name).render_as_string(hide_password=False), bool(exists)


def run(name: str, url: str, reused: bool, args) -> None:
    if not reused:
        t0 = time.perf_counter()
        seed(url, args.papers, args.schools)
        print(f"{name}: seeded {args.papers} papers × 15 tasks in {time.perf_counter() - t0:.1f} s (not timed below)")
    report(name, measure(url, args.repeat))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--papers", type=int, default=100_000)
    parser.add_argument("--schools", type=int, default=300)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--pg", default=os.environ.get("TEST_DATABASE_URL", ""), help="PostgreSQL URL")
    parser.add_argument("--reuse", action="store_true", help="keep an already seeded database")
    parser.add_argument("--no-sqlite", action="store_true")
    args = parser.parse_args()
    print(machine())
    if not args.no_sqlite:
        url, reused = sqlite_url(args)
        run("SQLite", url, reused, args)
    if args.pg:
        url, reused = pg_url(args.pg, args)
        run("PostgreSQL", url, reused, args)


if __name__ == "__main__":
    main()
