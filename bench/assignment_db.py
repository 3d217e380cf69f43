"""Benchmark: a regional campaign's assignment computed AND written to the database.

    python bench/assignment_db.py [--papers 5000,10000,25000,50000] [--pg postgresql+psycopg://…]

Builds 300 schools, 1,000 experts, 3,000 declared conflicts and N papers (double
marking), then times the service's three stages separately: load (queries → plain
data), compute (the pure engine), write (Core inserts of assignments and their audit
events, one commit). Median of 3 runs per size, each on a fresh database.
"""
from __future__ import annotations

import argparse
import platform
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import insert, select, text  # noqa: E402

from crosscheck.db import Database, utcnow  # noqa: E402
from crosscheck.demo import TEMPLATE_FILE  # noqa: E402
from crosscheck.domain.assignment import plan_assignments  # noqa: E402
from crosscheck.migrate import upgrade  # noqa: E402
from crosscheck.models import Conflict, Paper, School, Subject, User, user_subjects  # noqa: E402
from crosscheck.services.distribution.assignment import apply_plan, load_inputs  # noqa: E402
from crosscheck.services.campaigns.store import create_campaign, load_template_file  # noqa: E402

SCHOOLS, EXPERTS, CONFLICTS = 300, 1000, 3000


def fresh_database(pg_url: str | None, tmp: Path, n: int) -> str:
    if not pg_url:
        return f"sqlite:///{tmp / f'bench-{n}-{time.monotonic_ns()}.sqlite3'}"
    db = Database(pg_url)
    with db.engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    db.dispose()
    return pg_url


def populate(url: str, n_papers: int, seed: int = 1):
    upgrade(url)
    db = Database(url)
    s = db.session
    rng = random.Random(seed)
    munis = [f"Муниципалитет {i}" for i in range(12)]
    s.execute(insert(School), [{"code": f"{600000 + i}", "name": f"Школа {i}", "municipality": munis[i % 12]}
                               for i in range(SCHOOLS)])
    school_ids = list(s.scalars(select(School.id).order_by(School.id)))
    campaign = create_campaign(s, "bench", load_template_file(TEMPLATE_FILE), "Бенчмарк", per_paper=2)
    subject_id = s.scalar(select(Subject.id).where(Subject.name == "Математика"))
    now = utcnow()
    s.execute(insert(User), [{"login": f"e{i}", "full_name": f"Эксперт {i}", "role": "expert",
                              "school_id": school_ids[i % SCHOOLS], "password_hash": "x", "active": True,
                              "created_at": now} for i in range(EXPERTS)])
    experts = list(s.execute(select(User.id, User.school_id).where(User.role == "expert")))
    s.execute(insert(user_subjects), [{"user_id": uid, "subject_id": subject_id} for uid, _ in experts])
    pairs = set()
    while len(pairs) < CONFLICTS:
        pairs.add((rng.choice(experts)[0], rng.choice(school_ids)))
    s.execute(insert(Conflict), [{"user_id": u, "school_id": sc, "reason": "", "created_at": now} for u, sc in pairs])
    by_school = {}
    for uid, sid in experts:
        by_school.setdefault(sid, []).append(uid)
    papers = [{"campaign_id": campaign.id, "school_id": school_ids[i % SCHOOLS], "participant_code": f"{i:06d}",
               "cipher": f"B{i:09d}", "class_name": "5А", "variant": "1", "original_marker_name": "",
               "original_marker_id": rng.choice(by_school[school_ids[i % SCHOOLS]]) if i % 2 else None,
               "status": "unassigned", "created_at": now} for i in range(n_papers)]
    for start in range(0, len(papers), 10000):
        s.execute(insert(Paper), papers[start:start + 10000])
    s.commit()
    return db, campaign.id


def run_once(url: str, n: int) -> dict:
    db, campaign_id = populate(url, n)
    s = db.session
    from crosscheck.models import Campaign

    campaign = s.get(Campaign, campaign_id)
    t0 = time.perf_counter()
    inputs = load_inputs(s, campaign)
    t1 = time.perf_counter()
    plan = plan_assignments(inputs.papers, inputs.experts, inputs.existing, per_paper=2)
    t2 = time.perf_counter()
    apply_plan(s, campaign, plan, None)
    s.commit()
    t3 = time.perf_counter()
    loads = plan.loads.values()
    result = {"load": t1 - t0, "compute": t2 - t1, "write": t3 - t2, "total": t3 - t0,
              "assigned": len(plan.new), "unassigned": len(plan.unassigned),
              "max_load": max(loads), "min_load": min(loads), "optimum": plan.optimum}
    db.dispose()
    return result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--papers", default="5000,10000,25000,50000")
    parser.add_argument("--pg", default=None, help="PostgreSQL URL of a scratch database (its schema is dropped)")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    print(f"# {platform.node()} · {platform.processor() or platform.machine()} · python {platform.python_version()}"
          f" · {time.strftime('%Y-%m-%d %H:%M')}")
    backend = "postgresql" if args.pg else "sqlite"
    print(f"backend: {backend}")
    print("| papers | slots | load s | compute s | write s | total s | max load | optimum | min load |")
    print("|---|---|---|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as tmp:
        for n in (int(x) for x in args.papers.split(",")):
            runs = [run_once(fresh_database(args.pg, Path(tmp), n), n) for _ in range(args.runs)]
            med = {k: statistics.median(r[k] for r in runs) for k in ("load", "compute", "write", "total")}
            r = runs[0]
            print(f"| {n} | {r['assigned']} | {med['load']:.2f} | {med['compute']:.2f} | {med['write']:.2f} | "
                  f"{med['total']:.2f} | {r['max_load']} | {r['optimum']} | {r['min_load']} |", flush=True)


if __name__ == "__main__":
    main()
