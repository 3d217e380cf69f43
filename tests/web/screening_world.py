"""A campaign for the screening pages: 12 schools of the demo template whose pupils answer
under the partial credit model (tests/domain/screening_sim.py), one of them — ``PEAK_SCHOOL`` —
with 12 of its 30 papers exactly on the «4» minimum and 1 one point below."""
from __future__ import annotations

import random

from tests.domain import screening_sim as sim

LABELS = ["1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12.1", "12.2", "13", "14"]
MAXES = [1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 1, 1, 1, 1, 2]  # the demo template: 3 from 5, 4 from 10, 5 from 14
SCHOOLS = [f"5001{i:02d}" for i in range(12)]
PEAK_SCHOOL = SCHOOLS[7]


def scores_for_total(total: int) -> list[int]:
    out = []
    for m in MAXES:
        take = min(m, total)
        out.append(take)
        total -= take
    return out


def rows(seed: int = 21, pupils: int = 30, schools=SCHOOLS, peak: bool = True) -> list:
    """(school, participant, scores, journal mark) rows: ordinary schools, and the peak school."""
    rng = random.Random(seed)
    steps = sim.step_difficulties(rng, MAXES)
    out = []
    for s, school in enumerate(schools):
        if peak and school == PEAK_SCHOOL:
            continue
        for k in range(pupils):
            theta = rng.gauss(0, 1)
            scores = [sim.pcm_score(rng, theta, st) for st in steps]
            journal = 2 if theta < -1.3 else 3 if theta < -0.1 else 4 if theta < 1.0 else 5
            out.append((school, f"{s:02d}{k:03d}", scores, journal))
    if peak:
        totals = [10] * 12 + [9] + [14] * 5 + [13] + [3, 4, 6, 7, 8, 11, 12, 15, 16, 17, 6]
        out += [(PEAK_SCHOOL, f"77{k:03d}", scores_for_total(t), 4) for k, t in enumerate(totals)]
    return out


def build(factory, slug: str = "vpr-math-5-2026", data=None, name: str = "Весна 2026"):
    """The campaign with the papers of ``data`` (default: ``rows()``), schools named «СОШ № i»."""
    campaign = factory.campaign(slug, name=name)
    schools = {}
    for school, code, scores, journal in (rows() if data is None else data):
        if school not in schools:
            schools[school] = factory.school(school)
            schools[school].name = f"СОШ № {len(schools)}"
        paper = factory.paper(campaign, schools[school], code=code, scores=dict(zip(LABELS, scores)))
        paper.journal_mark = journal
    factory.commit()
    return campaign
