"""Per-expert statistics (issue 18): each figure against a hand computation, and a simulated
harsh expert found while a fair one is not."""
from __future__ import annotations

import math
import random

import pytest

from crosscheck.domain.expert_stats import (BIAS, LOW_AGREEMENT, Recheck, Thresholds, expert_statistics, holm,
                                            qwk_from_sums, sign_p, wilson)
from crosscheck.domain.report import experts_section
from crosscheck.domain.stats import kappa_from_confusion


def one(stats, login):
    return next(s for s in stats if s.login == login)


def test_mean_difference_and_its_t_interval_by_hand():
    # recheck − final totals: −2, −1, 0, −1 → mean −1; s² = (1 + 0 + 1 + 0)/3 = 2/3;
    # half width = t(0.975, 3) · √(2/3 / 4) = 3.182446 · 0.408248 = 1.299237
    pairs = [((0,), (2,)), ((1,), (2,)), ((2,), (2,)), ((0,), (1,))]
    rows = [Recheck("a", f"C{i}", r, f) for i, (r, f) in enumerate(pairs)]
    s = one(expert_statistics([("a", "Эксперт А")], ["1"], rows), "a")
    assert s.rechecks == 4 and s.delta.n == 4
    assert s.delta.value == pytest.approx(-1.0)
    assert s.delta.low == pytest.approx(-2.299237, abs=1e-5)
    assert s.delta.high == pytest.approx(0.299237, abs=1e-5)
    assert not s.enough and s.direction is None and s.alerts == ()  # 4 papers: «мало данных»


def test_papers_not_final_are_not_counted_and_no_work_is_said():
    rows = [Recheck("a", "C1", (1,), (2,)), Recheck("a", "C2", (0,), None)]
    stats = expert_statistics([("a", "А"), ("b", "Б")], ["1"], rows)
    a, b = one(stats, "a"), one(stats, "b")
    assert a.rechecks == 2 and a.delta.n == 1 and a.delta.value == -1 and a.delta.low is None
    assert b.rechecks == 0 and b.delta.n == 0 and b.delta.value is None and b.median_seconds is None
    assert a.agreement is None  # a campaign without double marking has no agreement section


def test_overturned_counts_only_reviewed_papers_whose_final_differs():
    rows = [Recheck("a", "C1", (1, 1), (1, 0), reviewed=True),   # a reviewer changed it
            Recheck("a", "C2", (1, 1), (1, 1), reviewed=True),   # reviewed, kept
            Recheck("a", "C3", (1, 0), (1, 0))]                  # never reviewed
    s = one(expert_statistics([("a", "А")], ["1", "2"], rows), "a")
    assert (s.overturned, s.reviewed, s.delta.n) == (1, 2, 3)
    assert s.overturned_share.value == pytest.approx(1 / 3)


def test_median_time_per_paper():
    rows = [Recheck("a", f"C{i}", (1,), (1,), seconds=s) for i, s in enumerate([60.0, 300.0, 120.0, 90.0])]
    rows.append(Recheck("a", "C9", (1,), (1,), seconds=None))  # opening unknown: not timed
    s = one(expert_statistics([("a", "А")], ["1"], rows), "a")
    assert s.median_seconds == pytest.approx(105.0) and s.timed == 4


def test_kappa_exact_and_adjacent_agreement_on_a_small_table_by_hand():
    # (a, b): (0,0) (1,1) (2,1) (2,2) (0,1); Σ(a−b)² = 2.
    # Marginals a: 0×2, 1×1, 2×2; b: 0×1, 1×3, 2×1. Expected Σ w·E = (14 + 2 + 14)/5 = 6.
    # κ = 1 − 2/6 = 2/3. Exact: 3 of 5; adjacent (±1): 5 of 5.
    pairs = [(0, 0), (1, 1), (2, 1), (2, 2), (0, 1)]
    rows = [Recheck("a", f"C{i}", (x,), None, partner=(y,)) for i, (x, y) in enumerate(pairs)]
    s = one(expert_statistics([("a", "А")], ["1"], rows, double=True), "a")
    assert s.agreement.papers == 5
    assert s.agreement.kappa == pytest.approx(2 / 3)
    assert kappa_from_confusion({p: 1 for p in pairs}) == pytest.approx(2 / 3)
    task = s.agreement.tasks[0]
    assert task.exact.value == pytest.approx(0.6) and task.adjacent.value == pytest.approx(1.0)
    # Wilson 95 % for 3/5: [0.2307, 0.8824]
    assert (task.exact.low, task.exact.high) == pytest.approx((0.2307, 0.8824), abs=1e-4)
    assert not s.agreement.enough  # 5 shared papers: too few to judge


def test_kappa_from_sums_equals_the_confusion_table_formula():
    rng = random.Random(7)
    a = [rng.randint(0, 4) for _ in range(200)]
    b = [min(4, max(0, x + rng.choice((-1, 0, 0, 1)))) for x in a]
    confusion: dict = {}
    for pair in zip(a, b):
        confusion[pair] = confusion.get(pair, 0) + 1
    via_sums = qwk_from_sums(sum(a), sum(x * x for x in a), sum(b), sum(y * y for y in b),
                             sum((x - y) ** 2 for x, y in zip(a, b)), len(a))
    assert via_sums == pytest.approx(kappa_from_confusion(confusion))
    assert qwk_from_sums(3, 3, 3, 3, 0, 3) is None  # everybody gave 1: undefined


def test_per_task_bias_with_sign_test_and_holm():
    # task 1: 12 papers one point under the final; task 2: always equal.
    rows = [Recheck("a", f"C{i}", (0, 1), (1, 1)) for i in range(12)]
    s = one(expert_statistics([("a", "А")], ["1", "2"], rows), "a")
    t1, t2 = s.tasks
    assert (t1.n, t1.mean, t2.mean) == (12, -1.0, 0.0)
    assert t1.p == pytest.approx(2 * 0.5 ** 12)
    assert t1.p_holm == pytest.approx(2 * 2 * 0.5 ** 12) and t1.significant
    assert t2.p == 1.0 and not t2.significant


def test_holm_and_sign_p_and_wilson():
    assert holm([0.01, 0.04, 0.03, None]) == pytest.approx([0.03, 0.06, 0.06, None])
    assert sign_p(0, 6) == pytest.approx(2 / 64) and sign_p(0, 0) == 1.0
    assert wilson(0, 0).value is None
    w = wilson(10, 10)
    assert w.value == 1.0 and w.high == pytest.approx(1.0) and w.low == pytest.approx(0.7225, abs=1e-4)


def _simulated(seed: int, papers: int = 40, tasks: int = 10) -> list[Recheck]:
    rng = random.Random(seed)
    rows = []
    for i in range(papers):
        final = tuple(rng.randint(0, 2) for _ in range(tasks))
        fair = tuple(min(2, max(0, s + rng.choice((-1, 0, 0, 0, 0, 0, 0, 1)))) for s in final)
        harsh = tuple(s - 1 if s > 0 and rng.random() < 0.4 else s for s in final)
        rows.append(Recheck("fair", f"F{i:03d}", fair, final))
        rows.append(Recheck("harsh", f"H{i:03d}", harsh, final))
    return rows


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_a_harsh_expert_is_found_and_a_fair_one_is_not(seed):
    stats = expert_statistics([("fair", "Ф"), ("harsh", "Х")], [str(t) for t in range(1, 11)], _simulated(seed))
    fair, harsh = one(stats, "fair"), one(stats, "harsh")
    assert [a.kind for a in harsh.alerts] == [BIAS]
    assert harsh.direction == "строже итоговых баллов"
    assert "строже итоговых баллов" in harsh.alerts[0].text and "плох" not in harsh.alerts[0].text
    # the papers behind it: the ones marked below the final, the largest differences first
    assert harsh.alerts[0].ciphers and all(c.startswith("H") for c in harsh.alerts[0].ciphers)
    assert len(harsh.alerts[0].ciphers) <= Thresholds().papers_listed
    assert fair.alerts == () and fair.direction is None
    assert fair.enough and abs(fair.delta.value) < 1


def test_a_small_mean_difference_is_not_an_alert_even_when_significant():
    # 30 papers all one point under on a 10-point test: CI excludes 0 and |mean| = 1 → alert;
    # half a point under (every other paper) stays below the 1-point threshold → no alert.
    rows = [Recheck("a", f"A{i}", (0,), (1,)) for i in range(30)]
    rows += [Recheck("b", f"B{i}", (0,) if i % 2 else (1,), (1,)) for i in range(30)]
    a, b = expert_statistics([("a", "А"), ("b", "Б")], ["1"], rows)
    assert [x.kind for x in a.alerts] == [BIAS] and b.alerts == ()
    assert b.direction == "строже итоговых баллов"  # still said on the page, just not alerted


def test_low_agreement_with_the_partner_is_an_alert():
    rng = random.Random(11)
    rows = []
    for i in range(30):
        a = tuple(rng.randint(0, 3) for _ in range(5))
        b = tuple(rng.randint(0, 3) for _ in range(5))  # unrelated marks: kappa near 0
        close = tuple(min(3, x + (1 if rng.random() < 0.1 else 0)) for x in a)
        rows.append(Recheck("x", f"X{i}", a, None, partner=b))
        rows.append(Recheck("y", f"Y{i}", a, None, partner=close))
    stats = expert_statistics([("x", "X"), ("y", "Y")], list("12345"), rows, double=True)
    x, y = one(stats, "x"), one(stats, "y")
    assert [a.kind for a in x.alerts] == [LOW_AGREEMENT] and x.alerts[0].ciphers
    assert y.alerts == () and y.agreement.kappa > 0.8


def test_report_rows_carry_the_spec_fields():
    rows = [Recheck("a", "C1", (1,), (2,), reviewed=True, seconds=30.0), Recheck("a", "C2", (0,), None)]
    [row] = experts_section(expert_statistics([("a", "А")], ["1"], rows))
    assert list(row)[:5] == ["expert", "rechecks", "mean_delta_vs_final", "overturned", "median_seconds"]
    assert (row["expert"], row["rechecks"], row["mean_delta_vs_final"], row["overturned"], row["median_seconds"]) \
        == ("a", 2, -1.0, 1, 30.0)
    assert row["final_papers"] == 1 and row["ci95"] is None and not math.isnan(row["mean_delta_vs_final"])
