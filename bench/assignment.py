"""Benchmark of the pure assignment engine (no database): `python bench/assignment.py`.

Generates regional campaigns of 5k/10k/25k/50k papers (300 schools, 1,000
experts, 3,000 declared conflicts, double marking), times
``plan_assignments`` (median of 3), validates every pair with the gate and
compares the max load with the lower bound. Then times incremental runs on
the largest size: late papers and experts, a second round added later, an
expert's withdrawal, and a tight instance (municipality rule and capacities).
Options: ``--sizes 5000,50000``, ``--repeat 3``. Prints a markdown table for
docs/perf-assignment.md.
"""

from __future__ import annotations

import argparse
import math
import random
import statistics
import sys
import time
from dataclasses import dataclass, replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from crosscheck.domain.assignment import (  # noqa: E402
    check_plan,
    plan_assignments,
    plan_withdrawal,
)
from crosscheck.domain.conflicts import ExistingAssignment, ExpertInfo, PaperInfo  # noqa: E402

SUBJECT = "Математика"


@dataclass
class Instance:
    papers: list[PaperInfo]
    experts: list[ExpertInfo]


def make_instance(n_papers: int, *, schools: int = 300, experts: int = 1000,
                  conflicts: int = 3000, municipalities: int = 8, seed: int = 1) -> Instance:
    """A realistic region: schools of uneven size in a few municipalities.

    Experts work at schools roughly in proportion to school size (a few have
    no school), declare conflicts mostly with schools of their municipality,
    a few lack the subject; each school's papers were marked originally by its
    teachers (one per ~25 papers), some of whom are experts (see _markers).
    """
    rng = random.Random(seed)
    muni = {s: f"МО-{rng.randrange(municipalities) + 1}" for s in range(schools)}
    size = [rng.lognormvariate(0, 0.7) for _ in range(schools)]
    homes = rng.choices(range(schools), weights=size, k=experts)
    people = []
    pending = _conflicts(rng, homes, muni, conflicts)
    for i, school in enumerate(homes):
        home = None if i % 100 == 0 else school
        subjects = frozenset({"Физика"} if i % 40 == 1 else {SUBJECT})
        people.append(ExpertInfo(i + 1, home, muni[school], subjects, frozenset(pending[i])))
    by_school: dict[int, list[int]] = {}
    for e in people:
        if e.school_id is not None:
            by_school.setdefault(e.school_id, []).append(e.id)
    markers = {s: _markers(rng, by_school.get(s, []), experts, n_papers / schools)
               for s in range(schools)}
    papers = []
    for pid, school in enumerate(rng.choices(range(schools), weights=size, k=n_papers), 1):
        papers.append(PaperInfo(pid, school, muni[school], SUBJECT, rng.choice(markers[school])))
    return Instance(papers, people)


def _conflicts(rng, homes, muni, total):
    pending = [set() for _ in homes]
    schools = sorted(muni)
    while sum(map(len, pending)) < total:
        i = rng.randrange(len(homes))
        near = [s for s in schools if muni[s] == muni[homes[i]]]
        school = rng.choice(near if rng.random() < 0.7 else schools)
        if school != homes[i]:
            pending[i].add(school)
    return pending


def _markers(rng, local_experts, n_experts, mean_papers):
    """Original markers of one school: a teacher per ~25 papers; 30 % of them are
    experts of this school, 2 % experts working at another school."""
    markers = []
    for _ in range(max(1, round(mean_papers / 25))):
        r = rng.random()
        if r < 0.3 and local_experts:
            markers.append(rng.choice(local_experts))
        elif r < 0.32:
            markers.append(rng.randrange(1, n_experts + 1))
        else:
            markers.append(100_000 + rng.randrange(100_000))  # a teacher, not an expert
    return markers


def timed(fn, repeat):
    """Median wall-clock and CPU seconds of ``repeat`` runs, and the last result.

    CPU time is reported too because the benchmark machine is shared: wall
    time includes waiting for a core, CPU time is what the engine costs.
    """
    wall, cpu, result = [], [], None
    for _ in range(repeat):
        w0, c0 = time.perf_counter(), time.process_time()
        result = fn()
        wall.append(time.perf_counter() - w0)
        cpu.append(time.process_time() - c0)
    return (statistics.median(wall), statistics.median(cpu)), result


def counting_bound(n_slots, inst):
    eligible = sum(1 for e in inst.experts if SUBJECT in e.subjects and e.active)
    return math.ceil(n_slots / eligible)


def run_size(n, repeat):
    """Plan a fresh campaign (engine without its built-in gate check), then check
    every pair with the gate separately."""
    inst = make_instance(n)
    (wall, cpu), plan = timed(lambda: plan_assignments(
        inst.papers, inst.experts, (), per_paper=2, seed=7, validate=False), repeat)
    (check, check_cpu), bad = timed(
        lambda: check_plan(inst.papers, inst.experts, (), plan.new, per_paper=2), 1)
    used = [v for v in plan.loads.values() if v]
    return dict(papers=n, slots=2 * n, wall=wall, cpu=cpu, check=check, check_cpu=check_cpu,
                violations=len(bad),
                unassigned=len(plan.unassigned), max=plan.max_load, min=min(used),
                optimum=plan.optimum, bound=counting_bound(2 * n - len(plan.unassigned), inst))


def _stored(plan, status):
    return [ExistingAssignment(a.paper_id, a.expert_id, a.kind, a.round, status)
            for a in plan.new]


def scenario_late(n):
    """90 % of papers were assigned (and submitted) with 950 experts; 10 % of the
    papers and 50 experts arrive later."""
    inst = make_instance(n)
    first = plan_assignments(inst.papers[:int(n * 0.9)], inst.experts[:950], (), per_paper=2)
    return lambda: plan_assignments(inst.papers, inst.experts, _stored(first, "submitted"),
                                    per_paper=2, seed=7)


def scenario_second_round(n):
    """The campaign was single-marked and submitted; now every paper gets a second
    recheck from another school (the most classes the engine meets in practice)."""
    inst = make_instance(n)
    first = plan_assignments(inst.papers, inst.experts, (), per_paper=1)
    return lambda: plan_assignments(inst.papers, inst.experts, _stored(first, "submitted"),
                                    per_paper=2, seed=7)


def scenario_withdrawal(n):
    """Double-marked and assigned; one expert withdraws before starting."""
    inst = make_instance(n)
    first = plan_assignments(inst.papers, inst.experts, (), per_paper=2)
    gone = first.new[0].expert_id
    return lambda: plan_withdrawal(gone, inst.papers, inst.experts, _stored(first, "assigned"),
                                   per_paper=2, seed=7)


def scenario_tight(n):
    """Fresh double marking with the municipality rule on (8 municipalities) and a
    capacity of 60 papers for every third expert: conflicts bind hard."""
    inst = make_instance(n)
    team = [replace(e, capacity=60) if e.id % 3 == 0 else e for e in inst.experts]
    return lambda: plan_assignments(inst.papers, team, (), per_paper=2, seed=7,
                                    exclude_same_municipality=True)


def _describe(result):
    plan = getattr(result, "plan", result)
    return (f"{len(plan.new):,} new, {len(plan.unassigned)} unassigned, "
            f"max load {plan.max_load} (optimum {plan.optimum})")


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="5000,10000,25000,50000")
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",")]
    print("| papers | slots | plan wall, s | plan CPU, s | gate check wall / CPU, s | "
          "violations | unassigned | max load | min load | optimum | counting bound |")
    print("|" + "---|" * 11)
    for n in sizes:
        r = run_size(n, args.repeat)
        print(f"| {r['papers']:,} | {r['slots']:,} | {r['wall']:.2f} | {r['cpu']:.2f} | "
              f"{r['check']:.2f} / {r['check_cpu']:.2f} | {r['violations']} | {r['unassigned']} | {r['max']} | "
              f"{r['min']} | {r['optimum']} | {r['bound']} |", flush=True)
    big = max(sizes)
    print(f"\nscenarios at {big:,} papers (engine with its built-in gate check, "
          f"median of {args.repeat}):\n")
    for name, make in [("late papers + late experts", scenario_late),
                       ("second round added later", scenario_second_round),
                       ("one expert withdraws", scenario_withdrawal),
                       ("municipality rule + capacities", scenario_tight)]:
        (wall, cpu), result = timed(make(big), args.repeat)
        print(f"- {name}: {wall:.2f} s wall, {cpu:.2f} s CPU; {_describe(result)}", flush=True)


if __name__ == "__main__":
    main()
