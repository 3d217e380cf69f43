"""Screening before, the re-check after: one school's path through a campaign (issue 17).

Pure: plain data in, plain data out. The screen (SPEC §8) says which schools' original marks
looked non-objective *before* any re-marking; the sample says which papers were taken; the
re-check (SPEC §7) says whether the school's marks held up *after*. The methodological
service reads them side by side: «признаки до перепроверки: пик на границе отметки 4; после
перепроверки: завышение подтверждено, 6 из 6 работ», and the tasks the school over-marks most
are the basis for targeted recommendations.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from .analytics import INSUFFICIENT, REASON_OVER, REASON_UNDER, FlagRule, GroupStats, TaskStats
from .screening import INDICATOR_RU, THRESHOLD_PEAK, SchoolScreen

#: Tasks listed per school in the over-marking table.
TOP_TASKS = 3


def screen_signs(screen: SchoolScreen | None) -> tuple[str, ...]:
    """The screen's reasons in a few words each («пик на границе отметки 4», «доля высоких отметок»)."""
    if screen is None:
        return ()
    signs = []
    for reason, line in zip(screen.reasons, screen.explanations):
        signs.append(line.split(":", 1)[0] if reason == THRESHOLD_PEAK else INDICATOR_RU.get(reason, reason))
    return tuple(signs)


def before_text(screen: SchoolScreen | None) -> str:
    """What the screen said before the re-check."""
    if screen is None:
        return "до перепроверки: школа не участвовала в скрининге (нет первичных баллов)"
    signs = screen_signs(screen)
    if signs:
        return "признаки до перепроверки: " + "; ".join(signs)
    if not screen.p_values:  # no indicator could be computed: not the same as "nothing found"
        return "до перепроверки: недостаточно данных для скрининга"
    return "до перепроверки: признаков необъективности скрининг не нашёл"


def after_text(g: GroupStats | None, rule: FlagRule = FlagRule()) -> str:
    """What the re-check said: confirmed (and how many papers), not confirmed, or too few papers."""
    if g is None or not g.checked:
        return "после перепроверки: работы ещё не перепроверены"
    if REASON_OVER in g.flag_reasons:
        return f"после перепроверки: завышение подтверждено, {g.over_marked} из {g.checked} {_works(g.checked)}"
    if REASON_UNDER in g.flag_reasons:
        return f"после перепроверки: занижение подтверждено, {g.under_marked} из {g.checked} {_works(g.checked)}"
    if g.evidence == INSUFFICIENT:
        return (f"после перепроверки: недостаточно данных — проверено {g.checked} {_works(g.checked)}, "
                f"для вывода нужно не меньше {rule.min_evidence}")
    return (f"после перепроверки: систематическое расхождение не подтверждено "
            f"(завышено {g.over_marked}, занижено {g.under_marked} из {g.checked} {_works(g.checked)})")


def _works(n: int) -> str:
    if n % 10 == 1 and n % 100 != 11:
        return "работы"  # «из 1 работы», «из 21 работы»
    return "работ"


def over_marked_tasks(g: GroupStats, limit: int = TOP_TASKS) -> tuple[TaskStats, ...]:
    """The tasks where the school's marks exceed the final most (most negative mean delta first)."""
    worst = sorted((t for t in g.tasks if t.mean_delta is not None and t.mean_delta < 0),
                   key=lambda t: (t.mean_delta, t.label))
    return tuple(worst[:limit])


@dataclass(frozen=True)
class FollowupRow:
    """One school: screened → sampled → re-checked → confirmed, and what it over-marks."""

    school: str
    screened: bool  # flagged by the screen (SPEC §8) before any re-marking
    signs: tuple[str, ...]  # the screen's reasons, in words
    papers: int  # every paper of the school, in the sample or not
    sampled: int  # papers in the sample (every paper when no sample was fixed)
    whole: bool  # the sample took the school whole
    rechecked: int  # papers with final marks
    confirmed: bool  # flagged after the re-check (SPEC §7)
    evidence: str  # "sufficient" | "insufficient"
    flag_reasons: tuple[str, ...]
    stats: GroupStats | None  # the school's re-check figures (None: nothing in the sample)
    before: str
    after: str

    @property
    def tasks(self) -> tuple[TaskStats, ...]:
        return over_marked_tasks(self.stats) if self.stats is not None else ()


@dataclass(frozen=True)
class Followup:
    """The campaign's rows and totals of each stage."""

    rows: tuple[FollowupRow, ...]
    sample_fixed: bool

    def count(self, stage: str) -> int:
        """Schools at a stage: "screened", "sampled", "rechecked", "confirmed"."""
        test = {"screened": lambda r: r.screened, "sampled": lambda r: r.sampled > 0,
                "rechecked": lambda r: r.rechecked > 0, "confirmed": lambda r: r.confirmed}[stage]
        return sum(1 for r in self.rows if test(r))

    @property
    def screened_and_confirmed(self) -> int:
        return sum(1 for r in self.rows if r.screened and r.confirmed)


def followup(schools: Iterable[str], screens: Mapping[str, SchoolScreen], groups: Sequence[GroupStats],
             papers: Mapping[str, int], sampled: Mapping[str, int] | None, whole: Iterable[str] = (),
             rule: FlagRule = FlagRule()) -> Followup:
    """Rows for every school of the campaign, in code order.

    ``papers``: every paper per school; ``sampled``: papers in the sample per school, or None
    when no sample was fixed (then every paper is in it); ``groups``: the re-check's school
    groups (papers outside the sample count nowhere, SPEC §8); ``whole``: schools the sample
    took whole."""
    by_code = {g.key: g for g in groups}
    whole = set(whole)
    rows = []
    for code in sorted(set(schools) | set(by_code)):
        screen, g = screens.get(code), by_code.get(code)
        rows.append(FollowupRow(
            school=code, screened=bool(screen and screen.flagged), signs=screen_signs(screen),
            papers=papers.get(code, 0),
            sampled=papers.get(code, 0) if sampled is None else sampled.get(code, 0),
            whole=code in whole, rechecked=g.checked if g else 0, confirmed=bool(g and g.flagged),
            evidence=g.evidence if g else INSUFFICIENT, flag_reasons=g.flag_reasons if g else (),
            stats=g, before=before_text(screen), after=after_text(g, rule)))
    return Followup(tuple(rows), sampled is not None)
