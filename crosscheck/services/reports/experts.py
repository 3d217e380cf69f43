"""Per-expert statistics out of the database (issue 18, docs/experts.md).

One statement reads every submitted assignment of the campaign with the copy of its score set
the submission wrote (``assignments.submitted_scores``; work without one is aggregated from its
score rows with the report loader's packing, ``loader.py``), its paper's cipher and status and
its time from opening to submission; a second lists the experts with live rechecks. The final marks
of a paper that is done are its third check when there is one, else its recheck (two
rechecks reconciled by the template's rule, ``domain/discrepancy.reconcile``): no original
marks are needed. Everything else is ``domain/expert_stats.py``.

Readers: the organiser's «Эксперты» tab, the reviewers' page (``/analytics/<slug>/experts``)
and the report files. Papers behind an alert are listed as the reader may see them
(``audience.py``): a reviewer never sees the cipher of a paper that is not done or that ever
was in their own queue.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import partial

from sqlalchemy import Float, String, cast, extract, func, select, true, type_coerce
from sqlalchemy.orm import Session

from ...domain.discrepancy import reconcile
from ...domain.expert_stats import Alert, ExpertStats, Recheck, Thresholds, expert_statistics
from ...domain.report import gc_paused
from ...models import (Assignment, AssignmentKind, AssignmentStatus, Campaign, Paper, PaperStatus, TaskScore,
                      User)
from ..marking.schemes import scheme_for
from .audience import FULL, Audience
from .loader import BYTE, SHIFTS, _packed_columns

REVIEW = AssignmentKind.REVIEW.value
new_recheck = partial(tuple.__new__, Recheck)  # 100,000 of them: built at C speed
DONE = PaperStatus.DONE.value


@dataclass(frozen=True)
class ExpertsView:
    """What the pages show: the statistics, the thresholds and whether there is double marking."""

    campaign: Campaign
    labels: tuple[str, ...]
    stats: list[ExpertStats]
    thresholds: Thresholds
    double: bool

    @property
    def alerts(self) -> list[tuple[ExpertStats, Alert]]:
        return [(s, a) for s in self.stats for a in s.alerts]


def _seconds_column(dialect: str):
    """Submission − first opening in seconds, computed by the database (NULL when not opened)."""
    if dialect == "sqlite":
        return (func.julianday(Assignment.submitted_at) - func.julianday(Assignment.opened_at)) * 86400.0
    return cast(extract("epoch", Assignment.submitted_at - Assignment.opened_at), Float)


def _merged(first, second, tolerance: int):
    """Two rechecks of a paper that is done without a third check: they were within the tolerance,
    so the final is the per-task mean rounded up (``discrepancy.reconcile``). On byte sets (every
    score below 128) all tasks at once in one integer: byte-wise (a + b + 1) >> 1 never carries."""
    if isinstance(first, bytes) and max(first, default=0) < 128 and max(second, default=0) < 128:
        width = len(first)
        ones, mask = _BYTE_MASKS[width] if width in _BYTE_MASKS else _masks(width)
        total = int.from_bytes(first, "little") + int.from_bytes(second, "little") + ones
        return ((total >> 1) & mask).to_bytes(width, "little")
    return reconcile(tuple(first), tuple(second), tolerance)


_BYTE_MASKS: dict[int, tuple[int, int]] = {}


def _masks(width: int) -> tuple[int, int]:
    """(0x0101…01, 0x7F7F…7F) of ``width`` bytes."""
    _BYTE_MASKS[width] = (int.from_bytes(b"\x01" * width, "little"), int.from_bytes(b"\x7f" * width, "little"))
    return _BYTE_MASKS[width]


def load_rechecks(session: Session, campaign: Campaign,
                  only: str | None = None) -> tuple[tuple[str, ...], list[tuple[str, str]], list[Recheck]]:
    """(labels, experts as (login, name), one Recheck per submitted recheck). ``only``: one
    expert's login — that expert alone, and only the papers they submitted a recheck of (every
    submission of those papers: the final marks and the partner need them)."""
    tasks = list(campaign.template.tasks)
    labels = tuple(t.label for t in tasks)
    rules = scheme_for(campaign.template).rules
    connection = session.connection()
    experts = [(login, name) for login, name in connection.execute(
        select(User.login, User.full_name).where(User.id.in_(
            select(Assignment.expert_id).join(Paper, Paper.id == Assignment.paper_id)
            .where(Paper.campaign_id == campaign.id, Assignment.kind == AssignmentKind.RECHECK,
                   Assignment.status != AssignmentStatus.SUPERSEDED)
            .where(true() if only is None else Assignment.expert_id.in_(select(User.id).where(User.login == only)))))
        .order_by(User.login))]
    papers = None if only is None else (
        select(Assignment.paper_id).join(User, User.id == Assignment.expert_id)
        .where(User.login == only, Assignment.kind == AssignmentKind.RECHECK,
               Assignment.status == AssignmentStatus.SUBMITTED))
    meta = (Assignment.paper_id, Paper.cipher, type_coerce(Paper.status, String), User.login,
            type_coerce(Assignment.kind, String), _seconds_column(session.get_bind().dialect.name))
    by_paper: defaultdict[int, list] = defaultdict(list)
    reviews: dict[int, tuple[int, ...]] = {}
    for paper_id, cipher, status, login, kind, seconds, _, scores in _scored(connection, tasks, campaign.id, meta,
                                                                             papers):
        if kind == REVIEW:
            reviews[paper_id] = scores
        else:
            by_paper[paper_id].append((cipher, status, login, scores, seconds if seconds is None or seconds >= 0
                                       else None))
    rechecks = []
    for paper_id, rows in by_paper.items():
        status = rows[0][1]
        review = reviews.get(paper_id)
        final = None
        if status == DONE:
            if review is not None:
                final = review
            elif len(rows) == 1:
                final = rows[0][3]
            elif len(rows) == 2:
                final = _merged(rows[0][3], rows[1][3], rules.double_tolerance)
        pair = len(rows) == 2
        for i, (cipher, _, login, scores, seconds) in enumerate(rows):
            partner = rows[1 - i][3] if pair else None
            rechecks.append(new_recheck((login, cipher, scores, final, final is not None and review is not None,
                                         seconds, partner)))
    return labels, experts, rechecks


def _scored(connection, tasks, campaign_id: int, meta, papers=None) -> Sequence:
    """(*meta, assignment id, scores in task order) of every complete submitted score set, in
    paper, round order (``papers``: only of the papers that select gives).

    Scores are the copy the submission wrote on the assignment row (``submitted_scores``, one
    byte a task); work without it (submitted before migration 0010, or a maximum above 255) is
    aggregated from its score rows, packed as the report loader packs them (``loader.py``)."""
    width = len(tasks)
    k = len(meta)
    stmt = (select(*meta, Assignment.id, Assignment.submitted_scores).select_from(Assignment)
            .join(Paper, Paper.id == Assignment.paper_id).join(User, User.id == Assignment.expert_id)
            .where(Paper.campaign_id == campaign_id, Assignment.status == AssignmentStatus.SUBMITTED,
                   Assignment.kind != AssignmentKind.CALIBRATION)  # calibration: services/reports/calibration.py
            .where(true() if papers is None else Assignment.paper_id.in_(papers))
            .order_by(Assignment.paper_id, Assignment.round, Assignment.id))
    rows = connection.execute(stmt).all()
    if not any(r[k + 1] is None or len(r[k + 1]) != width for r in rows):
        return rows  # every set has its copy (the usual case): the rows as they are
    without_copy = select(Assignment.id).join(Paper, Paper.id == Assignment.paper_id).where(
        Paper.campaign_id == campaign_id, Assignment.status == AssignmentStatus.SUBMITTED,
        Assignment.kind != AssignmentKind.CALIBRATION, Assignment.submitted_scores.is_(None),
        true() if papers is None else Assignment.paper_id.in_(papers))
    fallback = _aggregated(connection, tasks, without_copy)
    out = []
    for row in rows:
        scores = row[k + 1]
        if scores is None or len(scores) != width:
            scores = fallback.get(row[k])
            if scores is None:
                continue  # an incomplete set: submission needs every task, so never expected
        out.append((*row[:k + 1], bytes(scores) if isinstance(scores, memoryview) else scores))
    return out


def _aggregated(connection, tasks, ids) -> dict[int, bytes | tuple[int, ...]]:
    """{assignment id: complete score set} from the score rows of the assignments ``ids`` selects."""
    width = len(tasks)
    out: dict[int, bytes | tuple[int, ...]] = {}
    if all(t.max_score < BYTE for t in tasks):
        packed = (select(TaskScore.assignment_id, *_packed_columns(TaskScore, tasks))
                  .where(TaskScore.assignment_id.in_(ids)).group_by(TaskScore.assignment_id))
        for assignment_id, count, *words in connection.execute(packed).all():
            if count == width:
                code = 0
                for shift, word in zip(SHIFTS, words):
                    code |= word << shift
                out[assignment_id] = code.to_bytes(width, "little")
        return out
    position = {t.id: i for i, t in enumerate(tasks)}
    sets: defaultdict[int, list] = defaultdict(lambda: [None] * width)
    for assignment_id, task_id, score in connection.execute(
            select(TaskScore.assignment_id, TaskScore.task_id, TaskScore.score)
            .where(TaskScore.assignment_id.in_(ids))):
        if task_id in position:
            sets[assignment_id][position[task_id]] = score
    return {a: tuple(v) for a, v in sets.items() if None not in v}


def experts_view(session: Session, campaign: Campaign, audience: Audience = FULL,
                 thresholds: Thresholds = Thresholds()) -> ExpertsView:
    """The statistics for the pages; alerts list only the papers ``audience`` may see."""
    view, done = full_view(session, campaign, thresholds)
    return for_audience(view, done, audience)


def full_view(session: Session, campaign: Campaign,
              thresholds: Thresholds = Thresholds()) -> tuple[ExpertsView, frozenset[str]]:
    """Every expert's statistics with every paper behind the alerts, and the ciphers of the papers
    that have final marks (what :func:`for_audience` needs). The cyclic GC is paused over the 10⁵
    small objects this builds (none forms a cycle): it costs a third of the time otherwise."""
    with gc_paused():
        labels, experts, rechecks = load_rechecks(session, campaign)
        double = campaign.per_paper == 2
        stats = expert_statistics(experts, labels, rechecks, thresholds, double)
        done = frozenset(r.cipher for r in rechecks if r.final is not None)
    return ExpertsView(campaign, labels, stats, thresholds, double), done


def one_expert_view(session: Session, campaign: Campaign, login: str,
                    thresholds: Thresholds = Thresholds()) -> tuple[ExpertsView, frozenset[str]]:
    """:func:`full_view` for one expert alone, from their papers only: every figure of an expert
    (the difference, the per-task bias, the agreement with partners, the alerts) comes from the
    papers they rechecked, so this gives the same as the whole table's row at a fraction of the
    cost (the expert's page when nothing is kept)."""
    with gc_paused():
        labels, experts, rechecks = load_rechecks(session, campaign, only=login)
        own = [r for r in rechecks if r.expert == login]
        double = campaign.per_paper == 2
        stats = expert_statistics(experts, labels, own, thresholds, double)
        done = frozenset(r.cipher for r in own if r.final is not None)
    return ExpertsView(campaign, labels, stats, thresholds, double), done


def for_audience(view: ExpertsView, done: frozenset[str], audience: Audience) -> ExpertsView:
    """``view`` as ``audience`` may read it: a reviewer's alerts name only done papers that were
    never in their own queue (a copy: ``view`` itself is left as it is, it may be shared)."""
    if not audience.restricted:
        return view
    stats = [replace(s, alerts=tuple(Alert(a.kind, a.text, tuple(c for c in a.ciphers if c in done
                                                                 and c not in audience.hidden))
                                     for a in s.alerts)) if s.alerts else s for s in view.stats]
    return replace(view, stats=stats)


def expert_stats(session: Session, campaign: Campaign, thresholds: Thresholds = Thresholds()) -> list[ExpertStats]:
    """Every expert's statistics, for the report files (their papers are never listed there)."""
    with gc_paused():
        labels, experts, rechecks = load_rechecks(session, campaign)
        return expert_statistics(experts, labels, rechecks, thresholds, campaign.per_paper == 2)


def expert_stats_apart(engine, campaign_id: int) -> list[ExpertStats]:
    """:func:`expert_stats` through a session of its own (run beside the report's own reads;
    sees committed data only)."""
    with Session(bind=engine) as session:
        return expert_stats(session, session.get(Campaign, campaign_id))


#: The «Эксперты» sheet of the XLSX report (one row per expert, ``expert_cells``).
EXPERTS_HEAD = ["Логин", "Эксперт", "Перепроверок сдано", "Работ с итоговыми баллами",
                "Расхождение с итоговыми баллами (среднее)", "ДИ 95% от", "ДИ 95% до", "Оценка",
                "Были на третьей проверке", "Изменены при третьей проверке", "Медиана времени на работу, мин",
                "Работ со временем", "Задания с расхождением (Холм, p < 0,05)", "Общих работ со вторым экспертом",
                "Каппа со вторым экспертом", "Внимание"]


def verdict(s: ExpertStats, thresholds: Thresholds = Thresholds()) -> str:
    """Respectful words for the difference from the final marks (docs/experts.md)."""
    if s.rechecks == 0 or s.delta.n == 0:
        return "нет завершённых работ"
    if not s.enough:
        return f"мало данных (нужно не меньше {thresholds.min_papers} работ)"
    return s.direction or "в пределах итоговых баллов"


def expert_cells(s: ExpertStats) -> list:
    d, a = s.delta, s.agreement
    return [s.login, s.full_name, s.rechecks, d.n, _r(d.value), _r(d.low), _r(d.high), verdict(s), s.reviewed,
            s.overturned, None if s.median_seconds is None else round(s.median_seconds / 60, 1), s.timed,
            ", ".join(t.label for t in s.tasks if t.significant), None if a is None else a.papers,
            None if a is None else _r(a.kappa), "; ".join(x.text for x in s.alerts)]


def _r(value: float | None, digits: int = 2) -> float | None:
    return None if value is None else round(value, digits)
