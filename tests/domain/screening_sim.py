"""A simulated VPR campaign for the screening tests and bench/screening.py.

Pupils answer under the partial credit (Rasch) model: ability θ ~ N(school level, 1), each
task has step difficulties, so a smooth population has no peaks at the grade minimums and
no task profile beyond chance (the total is a sufficient statistic for θ). Journal marks
follow the same θ with noise. Anomalies are planted school by school:

* ``peak`` — totals one or two points below a grade minimum are pushed onto it;
* ``inflate`` — the school adds points on tasks (more «5», VPR grades above the journal);
* ``helped`` — hard tasks get full marks for a share of pupils (the task profile).
"""
from __future__ import annotations

import math
import random
from collections.abc import Sequence
from dataclasses import dataclass

from crosscheck.domain.grading import GradeScale, TaskSpec
from crosscheck.domain.screening import ScreenPaper

#: 20 tasks like a VPR paper: 13 of 1 point and 7 of 2 points (max total 27).
MAXES = (1,) * 13 + (2,) * 7
TASKS = tuple(TaskSpec(str(i + 1), m) for i, m in enumerate(MAXES))
GRADES = GradeScale({"3": 7, "4": 13, "5": 20})


def step_difficulties(rng: random.Random, maxes: Sequence[int] = MAXES) -> list[tuple[float, ...]]:
    """Per task its step difficulties (one per point), overall difficulty spread −2..2."""
    out = []
    for i, m in enumerate(maxes):
        centre = -2.0 + 4.0 * i / (len(maxes) - 1) + rng.uniform(-0.3, 0.3)
        out.append(tuple(centre + (k - (m - 1) / 2) * 0.8 for k in range(m)))
    return out


def pcm_score(rng: random.Random, theta: float, steps: tuple[float, ...]) -> int:
    weights = [1.0]
    acc = 0.0
    for delta in steps:
        acc += theta - delta
        weights.append(math.exp(acc))
    u = rng.random() * sum(weights)
    for x, w in enumerate(weights):
        u -= w
        if u <= 0:
            return x
    return len(steps)


@dataclass(frozen=True)
class Plant:
    peak: bool = False
    inflate: float = 0.0  # probability that a task not at its max gets one more point
    helped: float = 0.0  # share of pupils given full marks on the hardest third of tasks


def school_papers(rng: random.Random, code: str, pupils: int, steps: list[tuple[float, ...]], level: float = 0.0,
                  plant: Plant = Plant(), journal: bool = True,
                  tasks: Sequence[TaskSpec] = TASKS, grades: GradeScale = GRADES) -> list[ScreenPaper]:
    maxes = [t.max for t in tasks]
    hard = range(len(tasks) - len(tasks) // 3, len(tasks))
    minimums = [m for _, m in grades.thresholds]
    papers = []
    for _ in range(pupils):
        theta = rng.gauss(level, 1.0)
        scores = [pcm_score(rng, theta, s) for s in steps]
        if plant.helped and rng.random() < plant.helped:
            for j in hard:
                scores[j] = maxes[j]
        if plant.inflate:
            scores = [min(m, v + 1) if v < m and rng.random() < plant.inflate else v for v, m in zip(scores, maxes)]
        if plant.peak:
            total = sum(scores)
            target = next((m for m in minimums if 1 <= m - total <= 2), None)
            if target is not None and rng.random() < 0.8:
                _raise_to(rng, scores, maxes, target)
        mark = None
        if journal:
            latent = theta + rng.gauss(0.0, 0.6)
            mark = 2 if latent < -1.3 else 3 if latent < -0.1 else 4 if latent < 1.0 else 5
        papers.append(ScreenPaper(code, tuple(scores), mark))
    return papers


def _raise_to(rng: random.Random, scores: list[int], maxes: Sequence[int], target: int) -> None:
    while sum(scores) < target:
        room = [j for j, (v, m) in enumerate(zip(scores, maxes)) if v < m]
        if not room:
            return
        scores[rng.choice(room)] += 1


def campaign(seed: int, schools: int, pupils: int, spread: float = 0.0,
             plants: dict[str, Plant] | None = None, journal: bool = True) -> list[ScreenPaper]:
    """``schools`` schools of ``pupils`` each; school levels ~ N(0, spread); ``plants`` by code."""
    rng = random.Random(seed)
    steps = step_difficulties(rng)
    plants = plants or {}
    papers: list[ScreenPaper] = []
    for i in range(schools):
        code = f"S{i:04d}"
        level = rng.gauss(0.0, spread) if spread else 0.0
        papers.extend(school_papers(rng, code, pupils, steps, level, plants.get(code, Plant()), journal))
    return papers
