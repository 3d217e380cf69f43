"""Per-expert statistics out of the database (issue 18, docs/experts.md).

One statement reads every submitted assignment of the campaign with its scores packed into
integers (the loader's packing, ``loader.py``), its paper's cipher and status and its
opening and submission times; a second lists the experts with live rechecks. The final marks
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
from dataclasses import dataclass
from datetime import datetime, timezone

from sqlalchemy import String, select, type_coerce
from sqlalchemy.orm import Session

from ...domain.discrepancy import reconcile
from ...domain.expert_stats import Alert, ExpertStats, Recheck, Thresholds, expert_statistics
from ...models import (Assignment, AssignmentKind, AssignmentStatus, Campaign, Paper, PaperStatus, TaskScore,
                      User)
from ..marking.schemes import scheme_for
from .audience import FULL, Audience
from .loader import BYTE, SHIFTS, _packed_columns

REVIEW = AssignmentKind.REVIEW.value
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


def _seconds(opened, submitted) -> float | None:
    if opened is None or submitted is None:
        return None
    if isinstance(opened, str):  # SQLite's stored text (read raw: 200,000 conversions are not free)
        opened, submitted = _parse(opened), _parse(submitted)
    seconds = (submitted - opened).total_seconds()
    return seconds if seconds >= 0 else None


def _parse(text: str) -> datetime:
    value = datetime.fromisoformat(text)
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)


def load_rechecks(session: Session, campaign: Campaign) -> tuple[tuple[str, ...], list[tuple[str, str]], list[Recheck]]:
    """(labels, experts as (login, name), one Recheck per submitted recheck)."""
    tasks = list(campaign.template.tasks)
    labels = tuple(t.label for t in tasks)
    rules = scheme_for(campaign.template).rules
    connection = session.connection()
    experts = [(login, name) for login, name in connection.execute(
        select(User.login, User.full_name).where(User.id.in_(
            select(Assignment.expert_id).join(Paper, Paper.id == Assignment.paper_id)
            .where(Paper.campaign_id == campaign.id, Assignment.kind == AssignmentKind.RECHECK,
                   Assignment.status != AssignmentStatus.SUPERSEDED))).order_by(User.login))]
    raw_time = session.get_bind().dialect.name == "sqlite"
    opened = type_coerce(Assignment.opened_at, String) if raw_time else Assignment.opened_at
    submitted_at = type_coerce(Assignment.submitted_at, String) if raw_time else Assignment.submitted_at
    submitted = select(Assignment.id).join(Paper, Paper.id == Assignment.paper_id).where(
        Paper.campaign_id == campaign.id, Assignment.status == AssignmentStatus.SUBMITTED)
    meta = (Assignment.paper_id, Paper.cipher, type_coerce(Paper.status, String), User.login,
            type_coerce(Assignment.kind, String), opened, submitted_at)
    by_paper: defaultdict[int, list] = defaultdict(list)
    reviews: dict[int, tuple[int, ...]] = {}
    for paper_id, cipher, status, login, kind, t_open, t_done, scores in _scored(connection, tasks, submitted, meta):
        if kind == REVIEW:
            reviews[paper_id] = scores
        else:
            by_paper[paper_id].append((cipher, status, login, scores, _seconds(t_open, t_done)))
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
                final = reconcile(rows[0][3], rows[1][3], rules.double_tolerance)
        pair = len(rows) == 2
        for i, (cipher, _, login, scores, seconds) in enumerate(rows):
            partner = rows[1 - i][3] if pair else None
            rechecks.append(Recheck(login, cipher, scores, final, final is not None and review is not None,
                                    seconds, partner))
    return labels, experts, rechecks


def _scored(connection, tasks, submitted, meta):
    """(*meta, scores in task order) of every complete submitted score set, in paper, round order.
    Scores travel packed (``loader.py``) unless a task's maximum does not fit in a byte."""
    width = len(tasks)
    order = (Assignment.paper_id, Assignment.round, Assignment.id)
    joined = lambda stmt: (stmt.join(Paper, Paper.id == Assignment.paper_id)  # noqa: E731
                           .join(User, User.id == Assignment.expert_id).order_by(*order))
    if all(t.max_score < BYTE for t in tasks):
        packed = (select(TaskScore.assignment_id, *_packed_columns(TaskScore, tasks))
                  .where(TaskScore.assignment_id.in_(submitted)).group_by(TaskScore.assignment_id).subquery())
        stmt = joined(select(*meta, *list(packed.c)[1:]).select_from(Assignment)
                      .join(packed, packed.c.assignment_id == Assignment.id))
        k = len(meta)
        for row in connection.execute(stmt):
            if row[k] != width:
                continue  # submission needs every task; never expected
            code = 0
            for shift, word in zip(SHIFTS, row[k + 1:]):
                code |= word << shift
            yield (*row[:k], tuple(code.to_bytes(width, "little")))
        return
    position = {t.id: i for i, t in enumerate(tasks)}
    sets: defaultdict[int, list] = defaultdict(lambda: [None] * width)
    for assignment_id, task_id, score in connection.execute(
            select(TaskScore.assignment_id, TaskScore.task_id, TaskScore.score)
            .where(TaskScore.assignment_id.in_(submitted))):
        if task_id in position:
            sets[assignment_id][position[task_id]] = score
    for assignment_id, *head in connection.execute(joined(select(Assignment.id, *meta).select_from(Assignment)
                                                          .where(Assignment.id.in_(submitted)))):
        scores = sets.get(assignment_id)
        if scores is not None and None not in scores:
            yield (*head, tuple(scores))


def experts_view(session: Session, campaign: Campaign, audience: Audience = FULL,
                 thresholds: Thresholds = Thresholds()) -> ExpertsView:
    """The statistics for the pages; alerts list only the papers ``audience`` may see."""
    labels, experts, rechecks = load_rechecks(session, campaign)
    double = campaign.per_paper == 2
    stats = expert_statistics(experts, labels, rechecks, thresholds, double)
    if audience.restricted:
        done = {r.cipher for r in rechecks if r.final is not None}
        for s in stats:
            alerts = tuple(Alert(a.kind, a.text, tuple(c for c in a.ciphers if c in done and c not in audience.hidden))
                           for a in s.alerts)
            object.__setattr__(s, "alerts", alerts)
    return ExpertsView(campaign, labels, stats, thresholds, double)



def expert_stats(session: Session, campaign: Campaign, thresholds: Thresholds = Thresholds()) -> list[ExpertStats]:
    """Every expert's statistics, for the report files (their papers are never listed there)."""
    labels, experts, rechecks = load_rechecks(session, campaign)
    return expert_statistics(experts, labels, rechecks, thresholds, campaign.per_paper == 2)


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
