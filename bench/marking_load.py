"""Load benchmark of expert marking (issue "Expert marking"): N concurrent experts against
gunicorn with the production config, the trivial /healthz measured in the same run as the
baseline.

    python bench/marking_load.py [--experts 50] [--duration 60] [--pg postgresql+psycopg://…]
                                 [--runs 3] [--auth session|bearer] [--think 0.5]

Per run: a fresh database (SQLite file, or the --pg database with its schema dropped),
N experts with ~20 recheck assignments each (papers of 4 pages: real 150-dpi JPEGs in
the content store, every Page row pointing at the same four files), gunicorn started
with deploy/gunicorn.conf.py on a free loopback port, then one thread per expert with
its own keep-alive connection. Each expert logs in through the login form (or uses an
API bearer token with --auth bearer) and, paper after paper until the duration is up:
opens the scoring screen (GET /marking/ID), pings /healthz (the baseline, same rate and
connection), fetches page 1 (GET /api/v1/assignments/ID/pages/1?w=1200), autosaves
3 times (PUT …/scores with the version it was last given), submits (POST …/submit), with
a think pause (uniform 0.5–1.5 × --think) after each step. After the run every mark the
clients saw is checked against the database and the audit trail.

The load generator is this process (threads), on the same machine as gunicorn: it
shares the CPUs with the server. Targets (p95): open ≤ 150 ms, autosave ≤ 50 ms,
page image ≤ 100 ms, zero errors.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _loadlib as L  # noqa: E402

TARGETS = {"open": 150.0, "autosave": 50.0, "image": 100.0}


def one_run(args, workdir: Path, n: int) -> tuple[dict, dict]:
    data_dir = workdir / f"data-{n}"
    url = L.fresh_database(args.pg, workdir, f"marking-{n}")
    t0 = time.perf_counter()
    setup = L.build_campaign(url, data_dir, experts=args.experts, per_expert=args.per_expert)
    print(f"  run {n}: campaign built in {time.perf_counter() - t0:.1f} s "
          f"({args.experts} experts × {args.per_expert} assignments × 4 pages)", flush=True)
    env = L.app_env(url, data_dir)
    with L.Gunicorn(env, workdir / f"gunicorn-{n}.log", args.web_workers, args.web_threads,
                    args.gunicorn_config) as server:
        plan = L.Plan(port=server.port, tasks=setup.tasks, duration=args.duration, think=args.think,
                      autosaves=args.autosaves, auth=args.auth)
        results, wall = L.run_load(plan, setup.experts, processes=args.clients, seed=n)
    summary = L.summarise(results, wall, args.warmup)
    summary["in_app"] = L.app_times(workdir / f"gunicorn-{n}.log")
    check = L.verify_marks(url, results)
    return summary, check


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--experts", type=int, default=50)
    parser.add_argument("--per-expert", type=int, default=20, help="assignments per expert")
    parser.add_argument("--duration", type=float, default=60.0, help="seconds of marking per run")
    parser.add_argument("--think", type=float, default=0.5, help="mean pause between an expert's actions, s")
    parser.add_argument("--autosaves", type=int, default=3)
    parser.add_argument("--auth", choices=("session", "bearer"), default="session")
    parser.add_argument("--pg", default=None, help="PostgreSQL URL of a scratch database (its schema is dropped)")
    parser.add_argument("--runs", type=int, default=1, help="runs (medians reported)")
    parser.add_argument("--clients", type=int, default=1, help="load-generator processes")
    parser.add_argument("--web-workers", type=int, default=None, help="default: deploy/gunicorn.conf.py")
    parser.add_argument("--web-threads", type=int, default=None, help="default: deploy/gunicorn.conf.py")
    parser.add_argument("--warmup", type=float, default=5.0,
                        help="latencies of requests started in the first seconds are not counted (errors are)")
    parser.add_argument("--gunicorn-config", type=Path, default=None,
                        help="another gunicorn config (experiments); default deploy/gunicorn.conf.py")
    parser.add_argument("--keep", action="store_true", help="keep the work directory (logs, SQLite file)")
    args = parser.parse_args()

    info = L.machine_info()
    backend = "postgresql" if args.pg else "sqlite"
    print(f"# marking load · {info['date']} · {info['nproc']} CPUs ({info['cpu']}) · python {info['python']}")
    print(f"backend: {backend}; {args.experts} experts, {args.duration:.0f} s, think {args.think} s, "
          f"auth {args.auth}, warm-up {args.warmup:.0f} s not timed, "
          f"gunicorn {args.gunicorn_config or 'deploy/gunicorn.conf.py'} "
          f"(workers {args.web_workers or 'default'}, threads {args.web_threads or 'default'}), "
          f"load generator: {args.clients} process(es) on the same machine; "
          f"loadavg before {info['loadavg'][0]:.2f}", flush=True)
    workdir = Path(tempfile.mkdtemp(prefix="marking-load-"))
    runs, failed = [], False
    for n in range(1, args.runs + 1):
        summary, check = one_run(args, workdir, n)
        runs.append(summary)
        print(f"\nrun {n}: {summary['total_requests']} requests in {summary['wall']:.1f} s, "
              f"{summary['total_errors']} errors, {summary['resends']} keep-alive resends")
        print(L.table(summary, TARGETS))
        print("inside the app (request log, whole run) p50 / p95 ms: " + "; ".join(
            f"{c} {summary['in_app'][c]['p50']:.1f} / {summary['in_app'][c]['p95']:.1f}"
            for c in L.CATEGORIES if c in summary["in_app"]))
        L.print_errors(summary)
        print(f"marks check: {check['checked']} assignments ({check['saves']} saves, {check['submits']} submits) "
              f"checked against task_scores + audit, {check['ambiguous']} ambiguous, "
              f"{len(check['problems'])} problems")
        for p in check["problems"][:10]:
            print("  ", p)
        failed |= bool(summary["total_errors"] or check["problems"])
    if args.runs > 1:
        print(f"\nmedians of {args.runs} runs ({backend}):")
        print(L.median_table(runs, TARGETS))
    med = {c: statistics.median(r["categories"][c]["p95"] for r in runs) for c in TARGETS}
    missed = [f"{c} p95 {med[c]:.1f} ms > {t:.0f} ms" for c, t in TARGETS.items() if med[c] > t]
    print(f"\nloadavg after {L.machine_info()['loadavg'][0]:.2f}")
    missed += ["errors or mark problems"] if failed else []
    print("targets: " + ("met" if not missed else "MISSED: " + "; ".join(missed)))
    return L.finish(workdir, args.keep, failed)


if __name__ == "__main__":
    sys.exit(main())
