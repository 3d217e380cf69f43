"""The SPEC §7 report as a JSON-ready dict, built from plain engine output.

The SPEC fixes ``campaign``, ``papers`` and ``schools`` with their fields; the
report says *at least* that, so each row carries more (statistics, agreement,
journal comparison, flag reasons) and further sections follow the same row shape
for original markers, classes, municipalities and the whole campaign.
Every number is JSON-safe: undefined statistics are null, never NaN.
"""
from __future__ import annotations

import gc
import json
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict
from typing import Any

from .analytics import Analysis, FlagRule, GroupStats, JournalStats, TaskStats
from .discrepancy import PaperMarks, PaperResult, Scheme, ScoreSet, compare_all
from .expert_stats import ExpertStats
from .stats import TestResult, share

#: Report section for each grouping, in output order.
SECTIONS = {
    "school": "schools",
    "original_marker": "original_markers",
    "class": "classes",
    "municipality": "municipalities",
}
DEFAULT_GROUPINGS = tuple(SECTIONS)

Row = dict[str, Any]


def build_report(
    campaign: str,
    results: Sequence[PaperResult],
    scheme: Scheme,
    rule: FlagRule = FlagRule(),
    groupings: Iterable[str] = DEFAULT_GROUPINGS,
    listed: Sequence[PaperResult] | None = None,
    experts: Sequence[ExpertStats] | None = None,
) -> Row:
    """The whole report for one campaign: papers, one section per grouping, a summary.

    Groups are always computed from every result; ``listed`` (default: all results) are
    the rows of the ``papers`` section — the service layer narrows it for readers who may
    not see every paper (``services/reports/audience.py``). ``experts``: the re-markers'
    statistics (``domain/expert_stats.py``) for SPEC §7's ``experts`` table."""
    labels = scheme.labels
    analysis = Analysis(results, scheme, rule)
    rows = results if listed is None else listed
    report: Row = {
        "campaign": campaign,
        "rules": asdict(scheme.rules),
        "flag_rule": rule.as_dict(),
        "papers": [paper_row(r, labels) for r in sorted(rows, key=_paper_order)],
    }
    for grouping in groupings:
        report[SECTIONS[grouping]] = [group_row(grouping, g) for g in analysis.groups(grouping)]
    summary = group_row("campaign", analysis.summary())
    for key in ("flagged", "flag_reasons", "evidence"):  # the campaign is the baseline, never flagged
        summary.pop(key)
    report["summary"] = summary
    if experts is not None:
        report["experts"] = experts_section(experts)
    return report


def report_for_papers(
    campaign: str, papers: Iterable[PaperMarks], scheme: Scheme, per_paper: int = 1, rule: FlagRule = FlagRule()
) -> Row:
    """Convenience for the service layer: compare every paper, then build the report.

    Runs with the cyclic GC paused (see :func:`gc_paused`)."""
    with gc_paused():
        return build_report(campaign, compare_all(papers, scheme, per_paper), scheme, rule)


@contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector for a batch that allocates ~10⁶ acyclic objects.

    Each allocation burst otherwise triggers full collections that walk every live
    paper again; nothing built here forms a reference cycle, so pausing loses
    nothing and saves 15-25 % CPU on a regional campaign (docs/perf-report.md).
    The pause is process-wide, so keep it around one batch, not a request.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _paper_order(result: PaperResult) -> tuple[str, str, str]:
    p = result.paper
    return (p.school, p.participant or "", p.cipher)


# --- papers ---------------------------------------------------------------------


def paper_row(result: PaperResult, labels: Sequence[str]) -> Row:
    """One paper; ``final`` is null until the paper is done (SPEC §7)."""
    p, original, final = result.paper, result.original, result.final
    original_scores = dict(zip(labels, original.scores))
    if final is None:
        final_json = None
    else:
        # Most papers are confirmed: share the scores dict rather than build a twin.
        same = final.scores == original.scores
        final_scores = original_scores if same else dict(zip(labels, final.scores))
        final_json = {"scores": final_scores, "total": final.total, "grade": final.grade}
    return {
        "cipher": p.cipher,
        "school": p.school,
        "participant": p.participant,
        "class": p.class_name,
        "original_marker": p.original_marker,
        "status": p.status,
        "original": {"scores": original_scores, "total": original.total, "grade": original.grade},
        # Only where it is not the final: the papers that needed a third check.
        "recheck": score_json(result.recheck, labels) if result.review_required else None,
        "final": final_json,
        "delta_total": result.delta_total,
        "significant": result.significant,
        "final_significant": result.final_significant,
        "review_required": result.review_required,
        "rechecks_disagree": result.rechecks_disagree,
        "journal_mark": p.journal_mark,
    }


def score_json(scores: ScoreSet | None, labels: Sequence[str]) -> Row | None:
    """``{"scores": {label: int}, "total", "grade"}`` or null."""
    if scores is None:
        return None
    return {"scores": dict(zip(labels, scores.scores)), "total": scores.total, "grade": scores.grade}


def to_json(report: Row) -> str:
    """The report as compact UTF-8-friendly JSON (Cyrillic kept readable, no padding)."""
    return json.dumps(report, ensure_ascii=False, separators=(",", ":"))


# --- experts (the re-markers) ----------------------------------------------------


def experts_section(stats: Sequence[ExpertStats]) -> list[Row]:
    """SPEC §7's ``experts`` table, its five fields first: ``mean_delta_vs_final`` = mean over the
    expert's final papers of recheck total − final total (negative = stricter), ``overturned`` =
    their rechecks a third check changed, ``median_seconds`` = opening to submission. Then the
    n and interval behind each figure (docs/experts.md); null where undefined."""
    return [expert_row(s) for s in stats]


def expert_row(s: ExpertStats) -> Row:
    d, agreement = s.delta, s.agreement
    return {
        "expert": s.login,
        "rechecks": s.rechecks,
        "mean_delta_vs_final": _round(d.value),
        "overturned": s.overturned,
        "median_seconds": _round(s.median_seconds, 1),
        "final_papers": d.n,
        "ci95": None if d.low is None else [_round(d.low), _round(d.high)],
        "reviewed": s.reviewed,
        "timed": s.timed,
        "enough_data": s.enough,
        "tasks_differing": [t.label for t in s.tasks if t.significant],
        "shared_papers": None if agreement is None else agreement.papers,
        "kappa_with_partner": None if agreement is None else _round(agreement.kappa),
        "alerts": [a.kind for a in s.alerts],
    }


# --- groups ---------------------------------------------------------------------


def group_row(grouping: str, g: GroupStats) -> Row:
    """One group in the shape of SPEC §7's school row, plus the statistics."""
    ci = None if g.delta.low is None else [_round(g.delta.low), _round(g.delta.high)]
    return {
        **_key_fields(grouping, g.key),
        "papers": g.papers,
        "checked": g.checked,
        "grade_lowered": g.grade_lowered,
        "grade_confirmed": g.grade_confirmed,
        "grade_raised": g.grade_raised,
        "mean_delta": _round(g.mean_delta),
        "flagged": g.flagged,
        "flag_reasons": list(g.flag_reasons),
        "evidence": g.evidence,
        "median_delta": g.median_delta,
        "ci95": ci,
        "over_marked": g.over_marked,
        "under_marked": g.under_marked,
        "significant": g.significant,
        "significant_over": g.significant_over,
        "significant_under": g.significant_under,
        "significant_share": _round(g.significant_share),
        "review_required": g.review_required,
        "wilcoxon": _test_json(g.wilcoxon),
        "sign_test": _test_json(g.sign),
        "kappa": _round(g.kappa),
        "grade_agreement": _round(g.grade_agreement),
        "grade_adjacent": _round(g.grade_adjacent),
        "top_over_marked": g.top_over_marked(),
        "tasks": [_task_json(t) for t in g.tasks],
        "journal": {"original": _journal_json(g.journal_original), "final": _journal_json(g.journal_final)},
    }


def _key_fields(grouping: str, key: Any) -> Row:
    if grouping == "school":
        return {"school": key}
    if grouping == "class":
        return {"school": key[0], "class": key[1]}
    if grouping == "original_marker":
        return {"school": key[0], "marker": key[1]}
    if grouping == "municipality":
        return {"municipality": key}
    return {}


def _test_json(test: TestResult | None) -> Row | None:
    if test is None:
        return None
    return {"statistic": test.statistic, "p": _significant_digits(test.pvalue), "n": test.n, "method": test.method}


def _task_json(t: TaskStats) -> Row:
    return {
        "label": t.label,
        "mean_delta": _round(t.mean_delta),
        "over_marked": _round(t.over_marked),
        "under_marked": _round(t.under_marked),
        "exact": _round(t.exact),
        "adjacent": _round(t.adjacent),
    }


def _journal_json(j: JournalStats) -> Row:
    return {
        "n": j.n,
        "lowered": j.lowered,
        "confirmed": j.confirmed,
        "raised": j.raised,
        "lowered_share": _round(share(j.lowered, j.n)),
        "confirmed_share": _round(share(j.confirmed, j.n)),
        "raised_share": _round(share(j.raised, j.n)),
    }


def _round(value: float | None, digits: int = 3) -> float | None:
    return None if value is None else round(value, digits)


def _significant_digits(value: float, digits: int = 4) -> float:
    """p-values span many orders of magnitude; keep 4 significant digits, not 4 decimals."""
    return float(f"{value:.{digits}g}")
