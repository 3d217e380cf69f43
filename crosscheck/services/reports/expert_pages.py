"""The experts' pages (issue 18, docs/experts.md «The page»): one page of the statistics, one
expert's details, and every expert's statistics kept between requests while nothing they are
computed from has changed (checked at most once a minute).

The alerts and the order need every expert, and computing them reads every submitted score set
of the campaign (10⁵ rows in a region: about a second). So the result is kept per database
engine and campaign, with a **fingerprint** of what it is computed from: two aggregates without
grouping — over the campaign's assignments the count, the sum of ids, the sums of the ids of
the submitted and of the superseded ones and the latest submission; over its done papers the
count and the sum of ids — and the users' ids, logins and names (a few thousand rows). A new
assignment, a submission, a third check, a paper becoming done or leaving done, a reassignment,
a withdrawal or a renamed expert changes it; autosaves of work in progress do not. The
fingerprint is checked when the kept statistics were last checked FRESH_SECONDS ago or more,
or when the reader asks («Обновить сейчас»): unchanged, they are served; changed, computed
anew. So a reading costs the render, the fingerprint at most once a minute, and the whole
computation only after a change. Each process keeps its own copy (one entry a campaign);
nothing is written anywhere. An expert's own page, when nothing servable is kept, is computed
for that expert alone from their papers.
"""
from __future__ import annotations

import threading
import time
from dataclasses import replace
from datetime import datetime
from typing import NamedTuple
from weakref import WeakKeyDictionary

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from ...db import utcnow
from ...domain.expert_list import ExpertPage, ExpertQuery, expert_page
from ...domain.expert_stats import ExpertStats, Thresholds
from ...models import Assignment, AssignmentStatus, Campaign, Paper, PaperStatus, School, User
from .audience import FULL, Audience
from .experts import ExpertsView, for_audience, full_view, one_expert_view

_CACHE: WeakKeyDictionary = WeakKeyDictionary()  # engine → {campaign id: Kept}
_LOCK = threading.Lock()

#: Kept statistics whose fingerprint was checked less than this many seconds ago are served
#: without checking it again: in a live region a recheck is handed in every second or so, so
#: without this bound nearly every request would find the fingerprint changed and compute
#: everything. The page says when its figures were computed and offers «Обновить сейчас»
#: (``refresh``), which checks at once.
FRESH_SECONDS = 60.0


class Kept(NamedTuple):
    key: tuple  # the fingerprint and the thresholds
    view: ExpertsView  # with campaign=None: no ORM object outlives its session
    done: frozenset[str]  # ciphers of the papers with final marks (for a reviewer's copy)
    computed_at: datetime  # UTC, shown on the page
    checked: float  # time.monotonic() of the last fingerprint check


def fingerprint(session: Session, campaign: Campaign) -> tuple:
    """What the statistics of ``campaign`` are computed from, summed up (see the module's text)."""
    def ids_with(status):
        return func.sum(case((Assignment.status == status, Assignment.id), else_=0))

    work = session.execute(
        select(func.count(), func.sum(Assignment.id), ids_with(AssignmentStatus.SUBMITTED),
               ids_with(AssignmentStatus.SUPERSEDED), func.max(Assignment.submitted_at))
        .join(Paper, Paper.id == Assignment.paper_id).where(Paper.campaign_id == campaign.id)).one()
    papers = session.execute(select(func.count(), func.sum(Paper.id))
                             .where(Paper.campaign_id == campaign.id, Paper.status == PaperStatus.DONE)).one()
    names = hash(tuple(session.execute(select(User.id, User.login, User.full_name).order_by(User.id)).all()))
    return (campaign.id, campaign.created_at, campaign.per_paper, campaign.template_id, tuple(work),
            tuple(papers), names)


def _kept(session: Session, campaign: Campaign, thresholds: Thresholds,
          refresh: bool = False) -> tuple[tuple | None, Kept | None]:
    """(the fingerprint's key if it was computed, the kept entry if it may be served): served
    unchecked while younger than FRESH_SECONDS (unless ``refresh``), else only if the
    fingerprint is unchanged."""
    engine = session.get_bind()
    with _LOCK:
        entry = _CACHE.get(engine, {}).get(campaign.id)
    if entry is not None and entry.key[1] == thresholds and not refresh \
            and time.monotonic() - entry.checked < FRESH_SECONDS:
        return None, entry
    key = (fingerprint(session, campaign), thresholds)
    if entry is None or entry.key != key:
        return key, None
    entry = entry._replace(checked=time.monotonic())
    with _LOCK:
        _CACHE.setdefault(engine, {})[campaign.id] = entry
    return key, entry


def kept_view(session: Session, campaign: Campaign, audience: Audience = FULL,
              thresholds: Thresholds = Thresholds(), refresh: bool = False) -> tuple[ExpertsView, datetime]:
    """:func:`experts.experts_view` and when it was computed: computed only when the campaign's
    fingerprint changed (checked at most every FRESH_SECONDS, or now with ``refresh``)."""
    key, entry = _kept(session, campaign, thresholds, refresh)
    if entry is None:
        view, done = full_view(session, campaign, thresholds)
        entry = Kept(key, replace(view, campaign=None), done, utcnow(), time.monotonic())
        with _LOCK:
            _CACHE.setdefault(session.get_bind(), {})[campaign.id] = entry
    return for_audience(replace(entry.view, campaign=campaign), entry.done, audience), entry.computed_at


def cached_view(session: Session, campaign: Campaign, audience: Audience = FULL,
                thresholds: Thresholds = Thresholds()) -> ExpertsView:
    """:func:`kept_view` without the time."""
    return kept_view(session, campaign, audience, thresholds)[0]


def expert_schools(session: Session, logins: list[str]) -> dict[str, str]:
    """login → the code of the school the expert works at (for the organiser's filter)."""
    if not logins:
        return {}
    return dict(session.execute(select(User.login, School.code).join(School, School.id == User.school_id)
                                .where(User.login.in_(logins))).all())


def experts_page(session: Session, campaign: Campaign, audience: Audience, query: ExpertQuery,
                 refresh: bool = False) -> tuple[ExpertsView, ExpertPage, datetime]:
    """The statistics (as ``audience`` may read them), the page ``query`` asks for, and when
    the statistics were computed."""
    view, computed_at = kept_view(session, campaign, audience, refresh=refresh)
    schools = expert_schools(session, [s.login for s in view.stats]) if query.school else None
    return view, expert_page(view.stats, query, schools), computed_at


def expert_detail(session: Session, campaign: Campaign, audience: Audience, login: str,
                  thresholds: Thresholds = Thresholds(),
                  refresh: bool = False) -> tuple[ExpertsView, ExpertStats, datetime] | None:
    """One expert's statistics with the per-task tables and when they were computed, or None
    when they have no work here: from the kept statistics when they may be served, else
    computed for this expert alone (from their papers only, ``experts.one_expert_view``: the
    same figures, a fraction of the cost; nothing is kept then)."""
    _, entry = _kept(session, campaign, thresholds, refresh)
    if entry is not None:
        view, done, computed_at = replace(entry.view, campaign=campaign), entry.done, entry.computed_at
    else:
        computed_at = utcnow()
        view, done = one_expert_view(session, campaign, login, thresholds)
    view = for_audience(view, done, audience)
    found = next((s for s in view.stats if s.login == login), None)
    return None if found is None else (view, found, computed_at)
