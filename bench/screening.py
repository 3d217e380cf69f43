"""Benchmark: the campaign's screen (SPEC §8) from the database.

    python bench/screening.py [--schools 300] [--pupils 100] [--repeat 5] [--pg URL] [--reuse] [--no-sqlite]
    python bench/screening.py --rates     # false-positive rates and power on simulated campaigns (no database)

Seeds one campaign of 300 schools × 100 pupils × 20 tasks (30,000 papers, 600,000 original
scores, journal marks) simulated under the partial credit model (``tests/domain/screening_sim``,
30 schools with a planted peak, inflation or help on hard tasks) using Core executemany, then
times, on SQLite (a file under bench/out/) and on PostgreSQL when ``--pg`` or
TEST_DATABASE_URL is given:

* the whole screen (``services.screening.screen.screen_campaign`` — one packed statement,
  the domain — plus the JSON text, as ``crosscheck screen`` writes it), and its parts;
* a bare SQL aggregate of the same rows (per school: papers, mean total), the floor any
  database-side screen could reach.

Prints medians of ``--repeat`` runs and the ratio to the bare aggregate. Goal: ≤ 3 s.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import yaml  # noqa: E402
from sqlalchemy import func, insert, select, text  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

from bench.report_compute import machine  # noqa: E402
from bench.report_db import pg_url, sqlite_url  # noqa: E402
from crosscheck.db import make_engine, utcnow  # noqa: E402
from crosscheck.demo import TEMPLATE_FILE  # noqa: E402
from crosscheck.domain.template import parse_template  # noqa: E402
from crosscheck.migrate import upgrade  # noqa: E402
from crosscheck.models import Campaign, OriginalScore, Paper, PaperStatus, School  # noqa: E402
from crosscheck.services.campaigns.store import create_campaign  # noqa: E402
from tests.domain import screening_sim as sim  # noqa: E402

OUT = Path(__file__).resolve().parent / "out"
SLUG = "bench-screen"
CHUNK = 20_000


def template_spec():
    """The demo template with the simulator's 20 tasks and grade scale."""
    doc = yaml.safe_load(TEMPLATE_FILE.read_text(encoding="utf-8"))
    doc["name"] = "bench-screen-20"
    doc["tasks"] = [{"label": t.label, "max": t.max, "criteria": "—"} for t in sim.TASKS]
    doc["grades"] = {str(g): m for g, m in sim.GRADES.thresholds}
    return parse_template(doc)


def seed(url: str, n_schools: int, pupils: int) -> None:
    upgrade(url)
    engine = make_engine(url)
    plants = {}
    for k, plant in enumerate((sim.Plant(peak=True), sim.Plant(inflate=0.35), sim.Plant(helped=0.5))):
        plants.update({f"S{i:04d}": plant for i in range(10 * k, 10 * k + 10)})
    papers = sim.campaign(seed=300, schools=n_schools, pupils=pupils, spread=0.4, plants=plants)
    with Session(engine) as s:
        campaign = create_campaign(s, SLUG, template_spec(), "Бенчмарк скрининга")
        tasks = [(t.id, t.max_score) for t in campaign.template.tasks]
        s.execute(insert(School), [{"code": f"7{i:05d}", "name": f"МБОУ СОШ № {i}", "municipality": f"МО-{i % 30:02d}"}
                                   for i in range(n_schools)])
        school_id = {f"S{i:04d}": sid for i, sid in
                     enumerate(s.scalars(select(School.id).where(School.code.like("7%")).order_by(School.code)))}
        now = utcnow()
        rows = [{"campaign_id": campaign.id, "school_id": school_id[p.school], "participant_code": f"{i:06d}",
                 "class_name": "5А", "variant": "1", "cipher": f"S{i:09d}", "original_marker_name": "",
                 "journal_mark": p.journal, "status": PaperStatus.UNASSIGNED, "created_at": now}
                for i, p in enumerate(papers)]
        for start in range(0, len(rows), CHUNK):
            s.execute(insert(Paper), rows[start:start + CHUNK])
        ids = s.scalars(select(Paper.id).where(Paper.campaign_id == campaign.id).order_by(Paper.id)).all()
        scores = [{"paper_id": pid, "task_id": tid, "max_score": m, "score": v, "attempted": True}
                  for pid, p in zip(ids, papers) for (tid, m), v in zip(tasks, p.scores)]
        for start in range(0, len(scores), CHUNK * 5):
            s.execute(insert(OriginalScore), scores[start:start + CHUNK * 5])
        s.commit()
    with engine.begin() as conn:  # planner statistics, as autovacuum would gather them
        conn.execute(text("ANALYZE"))
    engine.dispose()


def bare_aggregate(s: Session, campaign_id: int) -> list:
    """Per school: papers and mean original total — one SQL statement over the same rows."""
    totals = (select(OriginalScore.paper_id, func.sum(OriginalScore.score).label("total"))
              .group_by(OriginalScore.paper_id).subquery())
    stmt = (select(Paper.school_id, func.count(), func.avg(totals.c.total))
            .join(totals, totals.c.paper_id == Paper.id)
            .where(Paper.campaign_id == campaign_id).group_by(Paper.school_id))
    return s.execute(stmt).all()


def measure(url: str, repeat: int) -> dict[str, list[float]]:
    from crosscheck.domain.screening import screen
    from crosscheck.services.marking.schemes import scheme_for
    from crosscheck.services.screening.screen import load_screen_papers, screen_campaign

    engine = make_engine(url)
    times: dict[str, list[float]] = {k: [] for k in ("screen", "cpu", "load", "domain", "sql")}
    flagged = 0
    with Session(engine) as s:
        campaign = s.scalar(select(Campaign).where(Campaign.slug == SLUG))
        scheme = scheme_for(campaign.template)
        tasks = list(campaign.template.tasks)
        for _ in range(repeat):
            times["sql"].append(_timed(lambda: bare_aggregate(s, campaign.id)))
            cpu = time.process_time()
            t0 = time.perf_counter()
            result = screen_campaign(s, campaign)
            json.dumps(result.as_dict(), ensure_ascii=False, indent=1)
            times["screen"].append(time.perf_counter() - t0)
            times["cpu"].append(time.process_time() - cpu)
            flagged = len(result.screening.flagged)
            t0 = time.perf_counter()
            papers, _ = load_screen_papers(s, campaign, tasks, scheme)
            times["load"].append(time.perf_counter() - t0)
            times["domain"].append(_timed(lambda: screen(papers, scheme.tasks, scheme.grades)))
            s.expire_all()
            campaign = s.scalar(select(Campaign).where(Campaign.slug == SLUG))
    engine.dispose()
    print(f"  schools flagged: {flagged} (30 planted)")
    return times


def _timed(fn) -> float:
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def report(name: str, times: dict[str, list[float]]) -> None:
    sql = statistics.median(times["sql"])
    print(f"{name}:")
    for key, label in (("screen", "screen + JSON (the command)"), ("load", "  of which: load (1 statement)"),
                       ("domain", "  of which: indicators"), ("sql", "bare SQL GROUP BY school")):
        med = statistics.median(times[key])
        runs = " ".join(f"{v:.2f}" for v in times[key])
        print(f"  {label:30s} median {med:6.2f} s  ×{med / sql:5.1f} of bare SQL   runs {runs}")
    print(f"  this process's CPU for the screen: median {statistics.median(times['cpu']):.2f} s")


def run(name: str, url: str, reused: bool, args) -> None:
    if not reused:
        t0 = time.perf_counter()
        seed(url, args.schools, args.pupils)
        print(f"{name}: seeded {args.schools} schools × {args.pupils} pupils × 20 tasks "
              f"in {time.perf_counter() - t0:.1f} s (not timed below)")
    report(name, measure(url, args.repeat))


def rates() -> None:
    """docs/screening.md's table: 360 simulated schools, 20 of each planted kind, seed 11."""
    from collections import Counter

    from crosscheck.domain.screening import HIGH_GRADES, TASK_PROFILE, THRESHOLD_PEAK, screen

    kinds = {"peak": (sim.Plant(peak=True), THRESHOLD_PEAK), "inflate": (sim.Plant(inflate=0.35), None),
             "helped": (sim.Plant(helped=0.5), TASK_PROFILE)}
    print("| spread | pupils | ordinary flagged | of them high_grades | peak found | inflate found | helped: task_profile |")
    for spread in (0.0, 0.3, 0.5):
        for pupils in (25, 50, 100):
            plants = {}
            for k, (plant, _) in enumerate(kinds.values()):
                plants.update({f"S{i:04d}": plant for i in range(20 * k, 20 * k + 20)})
            result = screen(sim.campaign(seed=11, schools=360, pupils=pupils, spread=spread, plants=plants),
                            sim.TASKS, sim.GRADES)
            normal = [s for s in result.schools if s.school not in plants]
            reasons = Counter(r for s in normal for r in s.reasons)
            found = []
            for plant, reason in kinds.values():
                codes = [c for c, p in plants.items() if p == plant]
                hit = sum((reason in result.school(c).reasons) if reason else result.school(c).flagged for c in codes)
                found.append(f"{hit}/{len(codes)}")
            print(f"| {spread} | {pupils} | {100 * sum(s.flagged for s in normal) / len(normal):.1f} % | "
                  f"{100 * reasons[HIGH_GRADES] / len(normal):.1f} % | " + " | ".join(found) + " |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--schools", type=int, default=300)
    parser.add_argument("--pupils", type=int, default=100)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--pg", default=os.environ.get("TEST_DATABASE_URL", ""), help="PostgreSQL URL")
    parser.add_argument("--reuse", action="store_true", help="keep an already seeded database")
    parser.add_argument("--no-sqlite", action="store_true")
    parser.add_argument("--rates", action="store_true", help="simulated false-positive rates and power, no database")
    args = parser.parse_args()
    if args.rates:
        rates()
        return
    print(machine())
    if not args.no_sqlite:
        url, reused = sqlite_url(args, f"screen-{args.schools}x{args.pupils}")
        run("SQLite", url, reused, args)
    if args.pg:
        url, reused = pg_url(args.pg, args, "screen_bench")
        run("PostgreSQL", url, reused, args)


if __name__ == "__main__":
    main()
