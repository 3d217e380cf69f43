"""domain/screening_detail: what the per-school screening page draws, from the same papers the
screen reads — the histogram of totals, the counts around the grade minimums, the task profile
easiest → hardest in the campaign and the VPR-vs-journal counts."""
from __future__ import annotations

from crosscheck.domain.grading import GradeScale, TaskSpec
from crosscheck.domain.screening import ScreenPaper
from crosscheck.domain.screening_detail import journal_counts, school_detail

TASKS = (TaskSpec("1", 1), TaskSpec("2", 1), TaskSpec("3", 2))  # max total 4
GRADES = GradeScale({"3": 1, "4": 2, "5": 4})


def test_histogram_boundaries_tasks_and_journal_of_one_school():
    papers = [ScreenPaper("A", (1, 1, 2), 4), ScreenPaper("A", (1, 1, 0), 5), ScreenPaper("A", (0, 0, 0), None),
              ScreenPaper("B", (1, 0, 0), 3), ScreenPaper("B", (1, 0, 0), 3), ScreenPaper("B", (0, 1, 0), 2)]
    d = school_detail(papers, TASKS, GRADES, "A")
    assert d.participants == 3 and d.campaign_participants == 6 and d.max_total == 4
    assert d.histogram == (1, 0, 1, 0, 1) and d.campaign_histogram == (1, 3, 1, 0, 1)
    assert [(b.grade, b.minimum, b.on, b.below, b.campaign_on, b.campaign_below) for b in d.boundaries] == [
        (3, 1, 0, 1, 3, 1), (4, 2, 1, 0, 1, 3), (5, 4, 1, 0, 1, 0)]
    assert d.minimums == {3: 1, 4: 2, 5: 4}
    # campaign shares: task 1 = 4/6, task 2 = 3/6, task 3 = 2/12 → easiest first
    assert [t.label for t in d.tasks] == ["1", "2", "3"]
    assert [t.block for t in d.tasks] == ["easy", "", "hard"]
    first = d.tasks[0]
    assert first.school == 2 / 3 and first.campaign == 4 / 6 and abs(first.difference) < 1e-12
    assert d.tasks[2].school == 2 / 6
    # A: total 4 → «5» vs journal 4 (raised); total 2 → «4» vs 5 (lowered); no journal for the third
    assert (d.journal.n, d.journal.lowered, d.journal.confirmed, d.journal.raised, d.journal.gap2) == (2, 1, 0, 1, 0)
    assert d.journal.share("raised") == 0.5
    # B: totals 1, 1, 1 → «3» vs 3, 3, 2: two confirmed, one raised
    assert d.campaign_journal == journal_counts([(5, 4), (4, 5), (3, 3), (3, 3), (3, 2)])
    assert d.campaign_journal.confirmed == 2 and d.campaign_journal.raised == 2


def test_an_unknown_school_has_no_detail_and_empty_journal_shares_are_none():
    papers = [ScreenPaper("A", (1, 1, 2))]
    assert school_detail(papers, TASKS, GRADES, "Z") is None
    d = school_detail(papers, TASKS, GRADES, "A")
    assert d.journal.n == 0 and d.journal.share("raised") is None


def test_a_minimum_of_zero_draws_no_boundary():
    d = school_detail([ScreenPaper("A", (0, 0, 0))], TASKS, GradeScale({"3": 0, "4": 2, "5": 3}), "A")
    assert [b.grade for b in d.boundaries] == [4, 5]
