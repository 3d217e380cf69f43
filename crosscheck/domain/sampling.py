"""Which papers to re-check (SPEC §8, `crosscheck sample`): a reproducible, stratified sample.

Pure: plain data in, plain data out; no database, no Flask.

- ``per_school=N`` takes N papers from every school that is not taken whole (all of a school's
  papers where it has N or fewer), **spread over its classes**: each class gets its
  proportional share N·n_class/n_school, rounded by the largest-remainder (Hamilton) method,
  so every class gets ⌊share⌋ or ⌈share⌉ papers and the shares add up to exactly N; then the
  class's papers are drawn at random.
- ``whole`` (the school codes of ``--schools flagged|all|CODE,…``, resolved by the service)
  takes every paper of those schools.
- ``seed`` makes the draw reproducible: the same papers and the same seed give the same
  sample, **whatever order the papers come in** (everything is sorted before drawing). Each
  school draws from its own generator, seeded with (seed, school code), so adding or removing
  another school never changes a school's sample.

Ties between equal remainders are broken by the school's generator too (never by the class's
name), so no class is favoured by its name.
"""
from __future__ import annotations

from .russian import plural

import random
from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass

#: The paper status of a paper left out of the sample (``models.PaperStatus.EXCLUDED``).
EXCLUDED = "excluded"
#: ``--schools`` keywords.
FLAGGED, ALL = "flagged", "all"
#: How a paper without a class reads in messages and on the page.
NO_CLASS = "без класса"


class SampleError(ValueError):
    """Rules that cannot make a sample (the message is for the user, in Russian)."""


@dataclass(frozen=True, slots=True)
class SamplePaper:
    id: int
    school: str
    class_name: str
    participant: str


@dataclass(frozen=True, slots=True)
class ClassSample:
    name: str  # "" when the paper has no class
    papers: int
    sampled: int

    @property
    def label(self) -> str:
        return self.name or NO_CLASS


@dataclass(frozen=True, slots=True)
class SchoolSample:
    school: str
    papers: int
    sampled: int
    whole: bool  # taken whole (``--schools``)
    classes: tuple[ClassSample, ...]

    @property
    def short(self) -> bool:
        """Fewer papers than asked for: all of them were taken."""
        return not self.whole and self.sampled == self.papers

    @property
    def excluded(self) -> int:
        return self.papers - self.sampled


@dataclass(frozen=True)
class Sample:
    chosen: frozenset[int]  # paper ids in the sample
    schools: tuple[SchoolSample, ...]  # ordered by school code
    per_school: int | None
    whole: frozenset[str]
    seed: int

    @property
    def papers(self) -> int:
        return sum(s.papers for s in self.schools)

    @property
    def sampled(self) -> int:
        return len(self.chosen)

    @property
    def excluded(self) -> int:
        return self.papers - self.sampled

    @property
    def short_schools(self) -> tuple[SchoolSample, ...]:
        """Schools with fewer papers than ``per_school``: taken whole."""
        return tuple(s for s in self.schools if s.short and self.per_school is not None and s.papers < self.per_school)

    def school(self, code: str) -> SchoolSample | None:
        return next((s for s in self.schools if s.school == code), None)


def allocate(sizes: Mapping[str, int], n: int, rng: random.Random) -> dict[str, int]:
    """Split ``n`` over strata of ``sizes`` proportionally, by largest remainders.

    Every stratum gets ⌊n·size/total⌋ or one more, never more than its size; the parts add up
    to min(n, total). Equal remainders are ordered by ``rng`` (strata taken in sorted order
    first, so the result does not depend on the mapping's order)."""
    total = sum(sizes.values())
    if n >= total:
        return dict(sizes)
    names = sorted(sizes)
    floors = {k: n * sizes[k] // total for k in names}
    left = n - sum(floors.values())
    # remainder numerators (n·size mod total), compared exactly; the random key breaks ties
    order = sorted(names, key=lambda k: (-(n * sizes[k] % total), rng.random()))
    for k in order[:left]:
        floors[k] += 1
    return floors


def choose(papers: Iterable[SamplePaper], *, per_school: int | None = None, whole: Collection[str] = (),
           seed: int = 0) -> Sample:
    """The sample the rules give (see the module's docstring).

    A school that is neither taken whole nor given ``per_school`` contributes nothing: with
    ``--schools flagged`` alone, only the flagged schools are re-checked."""
    if per_school is not None and per_school < 1:
        raise SampleError("--per-school: нужно целое число не меньше 1")
    whole = frozenset(whole)
    by_school: defaultdict[str, list[SamplePaper]] = defaultdict(list)
    for p in papers:
        by_school[p.school].append(p)
    chosen: set[int] = set()
    rows = []
    for code in sorted(by_school):
        school_papers = sorted(by_school[code], key=lambda p: (p.class_name, p.participant, p.id))
        by_class: defaultdict[str, list[SamplePaper]] = defaultdict(list)
        for p in school_papers:
            by_class[p.class_name].append(p)
        if code in whole:
            take = {k: len(v) for k, v in by_class.items()}
            picked = [p.id for p in school_papers]
        elif per_school is None:
            take = dict.fromkeys(by_class, 0)
            picked = []
        else:
            rng = random.Random(f"crosscheck-sample:{seed}:{code}")
            take = allocate({k: len(v) for k, v in by_class.items()}, per_school, rng)
            picked = []
            for name in sorted(by_class):
                members = by_class[name]
                picked += [p.id for p in (members if take[name] >= len(members) else rng.sample(members, take[name]))]
        chosen.update(picked)
        classes = tuple(ClassSample(k, len(by_class[k]), take[k]) for k in sorted(by_class))
        rows.append(SchoolSample(code, len(school_papers), len(picked), code in whole, classes))
    return Sample(frozenset(chosen), tuple(rows), per_school, whole, seed)


def parse_schools(value: str | None) -> tuple[str, tuple[str, ...]]:
    """``--schools``: ("flagged", ()), ("all", ()), ("codes", (code, …)) or ("", ()) when not given."""
    if value is None or not value.strip():
        return "", ()
    text = value.strip()
    if text.lower() in (FLAGGED, ALL):
        return text.lower(), ()
    codes = tuple(dict.fromkeys(c.strip() for c in text.split(",") if c.strip()))
    if not codes:
        raise SampleError("--schools: укажите flagged, all или коды ОО через запятую")
    return "codes", codes


def describe_rules(per_school: int | None, schools: str, codes: Sequence[str], seed: int) -> str:
    """The rules in one Russian line (the page, the audit trail, the command's summary)."""
    parts = []
    if schools == FLAGGED:
        parts.append("все работы отмеченных скринингом ОО")
    elif schools == ALL:
        parts.append("все работы всех ОО")
    elif schools == "codes":
        parts.append("все работы ОО " + ", ".join(codes))
    if per_school is not None:
        parts.append(f"по {per_school} работ{plural(per_school, 'е', 'ы', '')} из {'остальных' if parts else 'каждой'} ОО")
    parts.append(f"зерно {seed}")
    return "; ".join(parts)

