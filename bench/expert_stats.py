"""Benchmark: per-expert statistics (issue 18) from the database, service + page render.

    python bench/expert_stats.py [--experts 1000] [--rechecks 100000] [--repeat 5] [--pg URL] [--reuse]

Seeds one double-marking campaign (``per_paper = 2``): rechecks/2 papers × 15 tasks, two
submitted rechecks each by two of ``--experts`` experts (every recheck with an opening and a
submission time; a task score is one point off the truth with probability 0.1), 8 % of the papers with a submitted third check, 90 % of the papers done
(the rest still in review: not counted), and 2 % of the experts planted as harsh. Then
times, on SQLite (a file under bench/out/) and on PostgreSQL when ``--pg`` or
TEST_DATABASE_URL is given:

* ``services.reports.experts.experts_view`` (every expert: one statement reading each
  submission's copy of its scores, ``assignments.submitted_scores``, + the domain);
  ``--without-copies`` seeds work as submitted before migration 0010, which the service
  aggregates from the score rows;
* the reviewer's requests as the app serves them (``full_dispatch_request``, signed in as the
  reviewer «rev»: access, audience, the statistics, the render; goal ≤ 2 s): the first page of
  ``/analytics/<slug>/experts`` with the statistics computed (nothing kept: the first request
  after a change is seen), kept with the fingerprint checked and unchanged, and kept young
  (checked under ``FRESH_SECONDS`` ago: not even checked), a filtered and re-ordered page, and
  one expert's own page computed (that expert alone) and kept; each with this process's CPU;
* the fingerprint's three statements alone (``services/reports/expert_pages.py``);
* a bare SQL ``GROUP BY expert`` over the same score rows (the baseline).

Prints medians of ``--repeat`` runs.
"""
from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import bindparam, func, insert, select, text, update  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

from bench.report_compute import machine  # noqa: E402
from crosscheck.db import make_engine, utcnow  # noqa: E402
from crosscheck.demo import TEMPLATE_FILE  # noqa: E402
from crosscheck.migrate import upgrade  # noqa: E402
from crosscheck.models import (Assignment, AssignmentKind, AssignmentStatus, Campaign, Paper,  # noqa: E402
                               PaperStatus, Role, School, TaskScore, User)
from crosscheck.models.people import user_subjects  # noqa: E402
from crosscheck.services.campaigns.store import create_campaign, load_template_file  # noqa: E402

OUT = Path(__file__).resolve().parent / "out"
SLUG = "bench-experts"
CHUNK = 20_000


def seed(url: str, n_experts: int, n_rechecks: int, copies: bool = True) -> None:
    upgrade(url)
    engine = make_engine(url)
    rng = random.Random(18)
    now = utcnow()
    with Session(engine) as s:
        campaign = create_campaign(s, SLUG, load_template_file(TEMPLATE_FILE), "Бенчмарк экспертов", per_paper=2)
        tasks = [(t.id, t.max_score) for t in campaign.template.tasks]
        s.execute(insert(School), [{"code": f"7{i:05d}", "name": f"Школа {i}", "municipality": "МО"}
                                   for i in range(50)])
        school_ids = s.scalars(select(School.id)).all()
        s.execute(insert(User), [{"login": f"e{i:04d}", "full_name": f"Эксперт {i}", "role": Role.EXPERT,
                                  "school_id": school_ids[i % 50], "password_hash": "-", "active": True,
                                  "created_at": now} for i in range(n_experts)])
        experts = s.scalars(select(User.id).where(User.login.like("e%")).order_by(User.id)).all()
        s.execute(insert(User), [{"login": "rev", "full_name": "Руководитель МО", "role": Role.REVIEWER,
                                  "school_id": school_ids[0], "password_hash": "-", "active": True,
                                  "created_at": now}])
        reviewer = s.scalar(select(User.id).where(User.login == "rev"))
        s.execute(insert(user_subjects), [{"user_id": reviewer, "subject_id": campaign.template.subject_id}])
        harsh = set(rng.sample(experts, max(1, n_experts // 50)))
        n_papers = n_rechecks // 2
        s.execute(insert(Paper), [
            {"campaign_id": campaign.id, "school_id": school_ids[i % 50], "participant_code": f"{i:06d}",
             "class_name": "5А", "variant": "1", "cipher": f"X{i:09d}",
             "status": PaperStatus.DONE if rng.random() < 0.9 else PaperStatus.REVIEW, "created_at": now}
            for i in range(n_papers)])
        papers = s.execute(select(Paper.id, Paper.status).where(Paper.campaign_id == campaign.id)
                           .order_by(Paper.id)).all()
        assignments, scores = [], {}
        for k, (pid, status) in enumerate(papers):
            truth = [rng.randint(0, m) for _, m in tasks]
            first, second = experts[(2 * k) % n_experts], experts[(2 * k + 7) % n_experts]
            for round_, who in ((1, first), (2, second)):
                marks = [min(m, max(0, v + (0 if u > 0.1 else -1 if u < 0.05 else 1)))
                         for (_, m), v, u in zip(tasks, truth, (rng.random() for _ in tasks))]
                if who in harsh:
                    marks = [v - 1 if v and rng.random() < 0.3 else v for v in marks]
                opened = now - timedelta(seconds=rng.randint(120, 900))
                assignments.append({"paper_id": pid, "expert_id": who, "kind": AssignmentKind.RECHECK,
                                    "round": round_, "status": AssignmentStatus.SUBMITTED, "version": 3,
                                    "comment": "", "problem_note": "", "created_at": opened,
                                    "opened_at": opened, "submitted_at": now})
                scores[(pid, AssignmentKind.RECHECK.value, round_)] = marks
            if rng.random() < 0.08 or status == PaperStatus.REVIEW:
                assignments.append({"paper_id": pid, "expert_id": reviewer, "kind": AssignmentKind.REVIEW,
                                    "round": 1, "status": AssignmentStatus.SUBMITTED, "version": 3,
                                    "comment": "обоснование", "problem_note": "", "created_at": now,
                                    "opened_at": now, "submitted_at": now})
                scores[(pid, AssignmentKind.REVIEW.value, 1)] = truth
        for start in range(0, len(assignments), CHUNK):
            s.execute(insert(Assignment), assignments[start:start + CHUNK])
        rows = []
        copied = []
        for aid, pid, kind, round_ in s.execute(select(Assignment.id, Assignment.paper_id,
                                                       Assignment.kind, Assignment.round)):
            marks = scores[(pid, kind.value, round_)]
            copied.append({"b_id": aid, "b_scores": bytes(marks)})
            rows.extend({"assignment_id": aid, "task_id": tid, "max_score": m, "score": v, "updated_at": now}
                        for (tid, m), v in zip(tasks, marks))
        for start in range(0, len(rows), CHUNK * 5):
            s.execute(insert(TaskScore), rows[start:start + CHUNK * 5])
        if copies:  # what the submission writes (scoring.packed_scores)
            table = Assignment.__table__
            s.connection().execute(update(table).where(table.c.id == bindparam("b_id"))
                                   .values(submitted_scores=bindparam("b_scores")), copied)
        s.commit()
    with engine.begin() as conn:
        conn.execute(text("ANALYZE"))
    engine.dispose()


def bare_aggregate(s: Session, campaign_id: int) -> list:
    """Per expert: rechecks and the mean of their score rows — one SQL statement."""
    return s.execute(select(Assignment.expert_id, func.count(), func.avg(TaskScore.score))
                     .join(TaskScore, TaskScore.assignment_id == Assignment.id)
                     .join(Paper, Paper.id == Assignment.paper_id)
                     .where(Paper.campaign_id == campaign_id, Assignment.status == AssignmentStatus.SUBMITTED)
                     .group_by(Assignment.expert_id)).all()


#: (key, label, path of the reviewer's request, mode): "computed" — nothing kept (the first
#: request after a change is seen); "checked" — kept, the fingerprint checked and unchanged;
#: "young" — kept and checked less than FRESH_SECONDS ago: served without the check.
REQUESTS = (
    ("first", "first page, computed", "", "computed"),
    ("first_kept", "first page, kept (checked)", "", "checked"),
    ("first_young", "first page, kept (young)", "", "young"),
    ("filtered", "filtered page, kept (checked)", "?direction=stricter&sort=rechecks&q=e0", "checked"),
    ("detail", "one expert's page, computed", "/e0007", "computed"),
    ("detail_kept", "one expert's page, kept (checked)", "/e0007", "checked"),
)


def measure(url: str, repeat: int) -> dict[str, list[float]]:
    """Median-able runs of: the reviewer's requests (the whole view: access, the statistics, the
    render), their CPU, the service alone, and the bare SQL aggregate."""
    from crosscheck import create_app
    from crosscheck.config import Config
    from crosscheck.extensions import session
    from crosscheck.services.reports import expert_pages
    from crosscheck.services.reports.experts import experts_view
    from crosscheck.web.auth import _start_session

    times: dict[str, list[float]] = {"service": [], "sql": [], "fingerprint": []}
    for key, *_ in REQUESTS:
        times[key], times[key + "_cpu"] = [], []
    sizes = {}
    with tempfile.TemporaryDirectory() as data_dir:
        env = {"DATABASE_URL": url, "CROSSCHECK_DATA_DIR": data_dir, "REDIS_URL": "", "SECRET_KEY": "b" * 40}
        app = create_app(Config.from_env(env, testing=True))
        base = f"/analytics/{SLUG}/experts"
        for _ in range(repeat):
            with app.test_request_context(base):
                s = session()
                campaign = s.scalar(select(Campaign).where(Campaign.slug == SLUG))
                times["sql"].append(_timed(lambda: bare_aggregate(s, campaign.id)))
                times["service"].append(_timed(lambda: experts_view(s, campaign)))
                times["fingerprint"].append(_timed(lambda: expert_pages.fingerprint(s, campaign)))
            for key, _, path, mode in REQUESTS:
                if mode == "computed":
                    expert_pages._CACHE.clear()
                expert_pages.FRESH_SECONDS = 60.0 if mode == "young" else 0.0
                with app.test_request_context(base + path):
                    _start_session(session().scalar(select(User).where(User.login == "rev")))  # as signing in
                    t0, cpu = time.perf_counter(), time.process_time()
                    response = app.full_dispatch_request()
                    times[key].append(time.perf_counter() - t0)
                    times[key + "_cpu"].append(time.process_time() - cpu)
                    assert response.status_code == 200, (path, response.status_code)
                    sizes[key] = len(response.get_data())
                    session().expire_all()
        app.extensions["crosscheck.db"].dispose()
    print("  HTML: " + ", ".join(f"{label} {sizes[key] / 1e3:.0f} kB" for key, label, *_ in REQUESTS))
    return times


def pg_database(base: str, reuse: bool, suffix: str = "") -> tuple[str, bool]:
    """A database of our own beside the given URL: {name}_experts_bench."""
    from sqlalchemy.engine import make_url

    url = make_url(base)
    name = f"{url.database}_experts_bench{suffix}"
    admin = make_engine(url.set(database="postgres").render_as_string(hide_password=False))
    with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        exists = bool(conn.scalar(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}))
        if exists and not reuse:
            conn.execute(text(f'DROP DATABASE "{name}"'))
            exists = False
        if not exists:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return url.set(database=name).render_as_string(hide_password=False), exists


def _timed(fn) -> float:
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def report(name: str, times: dict[str, list[float]]) -> None:
    print(f"{name}:")
    rows = [("service", "experts_view (all experts)"), ("fingerprint", "the fingerprint alone")]
    for key, label, *_ in REQUESTS:
        rows += [(key, f"reviewer: {label}"), (key + "_cpu", "  this process's CPU for it")]
    rows.append(("sql", "bare SQL GROUP BY expert"))
    for key, label in rows:
        runs = " ".join(f"{v:.2f}" for v in times[key])
        print(f"  {label:36s} median {statistics.median(times[key]):6.3f} s   runs {runs}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--experts", type=int, default=1000)
    parser.add_argument("--rechecks", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--pg", default=os.environ.get("TEST_DATABASE_URL", ""), help="PostgreSQL URL")
    parser.add_argument("--reuse", action="store_true", help="keep an already seeded database")
    parser.add_argument("--no-sqlite", action="store_true")
    parser.add_argument("--without-copies", action="store_true",
                        help="no assignments.submitted_scores (work submitted before migration 0010)")
    args = parser.parse_args()
    print(machine())
    targets = []
    if not args.no_sqlite:
        OUT.mkdir(exist_ok=True)
        path = OUT / f"experts-{args.experts}-{args.rechecks}{'-rows' if args.without_copies else ''}.sqlite3"
        reused = path.exists() and args.reuse
        if path.exists() and not args.reuse:
            path.unlink()
        targets.append(("SQLite", f"sqlite:///{path}", reused))
    if args.pg:
        url, reused = pg_database(args.pg, args.reuse, "_rows" if args.without_copies else "")
        targets.append(("PostgreSQL", url, reused))
    for name, url, reused in targets:
        if not reused:
            t0 = time.perf_counter()
            seed(url, args.experts, args.rechecks, copies=not args.without_copies)
            print(f"{name}: seeded {args.experts} experts, {args.rechecks} rechecks × 15 tasks "
                  f"in {time.perf_counter() - t0:.1f} s (not timed)")
        report(name, measure(url, args.repeat))


if __name__ == "__main__":
    main()
