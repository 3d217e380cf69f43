"""The campaign's sample (SPEC §8, `crosscheck sample`): draw it, show it, fix it.

``draw`` reads the campaign's papers and, for ``--schools flagged`` (and to mark the flagged
schools on the page), its screen; it asks ``domain.sampling`` for the sample and writes
nothing: the page's «Показать выборку» and the command's summary read it. ``fix`` writes it:
a ``CampaignSample`` row (rules, seed, who, when), every paper outside the sample
``excluded`` and every paper in it ``unassigned``, and one audit event. The areas below
(covers, scans, assignment, reports) read the sample from the papers' status, never from here.

Refused, with the reason and nothing changed: a campaign with no papers, no rule, unknown
school codes, rules that choose no paper, and a sample (first or again) once the
distribution has begun — a paper given to an expert is never taken back by a sample, and a
paper left out after the experts saw the campaign's papers would bias it. Until then a
sample may be fixed again: the new one replaces the old (both stay in ``campaign_samples``).
"""
from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass, field

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from ...domain.lifecycle import ensure_open
from ...domain.sampling import ALL, FLAGGED, Sample, SampleError, SamplePaper, choose, describe_rules, parse_schools
from ...domain.screening import SchoolScreen
from ...models import Assignment, Campaign, CampaignSample, Paper, PaperStatus, School
from ..audit.trail import Actor, record
from .screen import screen_campaign

#: Largest seed accepted (a BIGINT, never negative).
MAX_SEED = 2**63 - 1
#: Ids per UPDATE … WHERE id IN (…): well under SQLite's limit of bound parameters.
CHUNK = 5000


class SampleRefused(ValueError):
    """Why no sample was drawn or fixed (Russian, for the user); nothing was changed."""


def new_seed() -> int:
    """A random seed for a sample asked for without one (printed and kept, so it can be drawn again)."""
    return secrets.randbelow(1_000_000)


@dataclass(frozen=True)
class Drawn:
    """A drawn sample, not written yet, with what the page and the command say about it."""

    campaign: Campaign
    sample: Sample
    schools: str  # "", "flagged", "all" or "codes"
    codes: tuple[str, ...]  # the codes of ``--schools CODE,…``
    flagged: dict[str, SchoolScreen] = field(default_factory=dict)  # code → its screen, flagged schools only
    names: dict[str, str] = field(default_factory=dict)  # code → school name

    @property
    def fingerprint(self) -> str:
        """Short digest of the chosen papers: the page fixes only the sample it showed."""
        digest = hashlib.sha256(",".join(map(str, sorted(self.sample.chosen))).encode()).hexdigest()
        return digest[:16]

    @property
    def rules(self) -> str:
        return describe_rules(self.sample.per_school, self.schools, self.codes, self.sample.seed)

    @property
    def notes(self) -> list[str]:
        """What the user should know: schools smaller than N (taken whole), nothing flagged."""
        notes = []
        n = self.sample.per_school
        for s in self.sample.short_schools:
            notes.append(f"ОО {s.school}: работ {s.papers} — меньше {n}, в выборку взяты все")
        if self.schools == FLAGGED and not self.flagged:
            notes.append("скрининг не отметил ни одной ОО: целиком не взята ни одна школа")
        return notes

    def summary(self) -> str:
        s = self.sample
        return (f"выборка: {self.rules}; работ в выборке {s.sampled} из {s.papers}, вне выборки {s.excluded}; "
                f"ОО: {len(s.schools)}")


def draw(session: Session, campaign: Campaign, *, per_school: int | None = None, schools: str | None = None,
         seed: int | None = None) -> Drawn:
    """The sample these rules give now (nothing written). ``seed`` None: a new random one."""
    try:
        kind, codes = parse_schools(schools)
    except SampleError as exc:
        raise SampleRefused(str(exc)) from None
    if per_school is None and not kind:
        raise SampleRefused("укажите --per-school N и/или --schools flagged|all|КОДЫ_ОО")
    if per_school is not None and per_school < 1:
        raise SampleRefused("--per-school: нужно целое число не меньше 1")
    if seed is None:
        seed = new_seed()
    if not 0 <= seed <= MAX_SEED:
        raise SampleRefused(f"--seed: нужно целое число от 0 до {MAX_SEED}")
    papers = [SamplePaper(pid, code, class_name or "", participant) for pid, code, class_name, participant in
              session.execute(select(Paper.id, School.code, Paper.class_name, Paper.participant_code)
                              .join(School, Paper.school_id == School.id)
                              .where(Paper.campaign_id == campaign.id))]
    if not papers:
        raise SampleRefused(f"в кампании «{campaign.slug}» нет работ: сначала загрузите первичные баллы школ")
    present = {p.school for p in papers}
    screening = screen_campaign(session, campaign)
    flagged = {s.school: s for s in screening.screening.flagged}
    if kind == FLAGGED:
        whole = frozenset(flagged)
    elif kind == ALL:
        whole = frozenset(present)
    elif kind == "codes":
        unknown = [c for c in codes if c not in present]
        if unknown:
            raise SampleRefused(f"--schools: в кампании нет работ ОО {', '.join(unknown)}")
        whole = frozenset(codes)
    else:
        whole = frozenset()
    sample = choose(papers, per_school=per_school, whole=whole, seed=seed)
    names = {code: name for code, name in session.execute(
        select(School.code, School.name).where(School.code.in_(present)))}
    drawn = Drawn(campaign, sample, kind, codes, flagged, names)
    if not sample.chosen:
        raise SampleRefused("по этим правилам в выборку не попадает ни одна работа"
                            + ("" if flagged or kind != FLAGGED else
                               " (скрининг не отметил ни одной ОО; добавьте --per-school N)"))
    return drawn


def assignments_made(session: Session, campaign: Campaign) -> int:
    """How many assignments (of any state, superseded included) the campaign has had."""
    return session.scalar(select(func.count()).select_from(Assignment).join(Paper, Assignment.paper_id == Paper.id)
                          .where(Paper.campaign_id == campaign.id)) or 0


def refusal_to_fix(session: Session, campaign: Campaign) -> str | None:
    """Why a sample cannot be fixed (again) now, or None."""
    made = assignments_made(session, campaign)
    if made:
        return (f"распределение работ уже началось (назначений: {made}): выборку больше нельзя изменить — "
                f"работу, выданную эксперту, выборка не отнимает")
    return None


def current_sample(session: Session, campaign: Campaign) -> CampaignSample | None:
    return session.scalar(select(CampaignSample).where(CampaignSample.campaign_id == campaign.id)
                          .order_by(CampaignSample.id.desc()).limit(1))


def fix(session: Session, drawn: Drawn, actor: Actor | None, *, expected: str | None = None) -> CampaignSample:
    """Write the drawn sample; flush, don't commit. Refused (nothing written) once the
    distribution has begun, or when ``expected`` (the fingerprint of the sample the user was
    shown) is not the fingerprint of this one: the campaign's papers changed in between."""
    campaign, sample = drawn.campaign, drawn.sample
    ensure_open(campaign.status, campaign.name)  # closed: marks frozen (domain/lifecycle.py)
    why = refusal_to_fix(session, campaign)
    if why:
        raise SampleRefused(why)
    if expected is not None and expected != drawn.fingerprint:
        raise SampleRefused("работы кампании изменились, пока выборка показывалась: покажите её ещё раз")
    previous = current_sample(session, campaign)
    row = CampaignSample(campaign_id=campaign.id, per_school=sample.per_school, schools=drawn.schools,
                         whole_schools=sorted(sample.whole), seed=sample.seed, papers=sample.papers,
                         sampled=sample.sampled, created_by_id=actor.user.id if actor and actor.user else None)
    session.add(row)
    base = update(Paper).where(Paper.campaign_id == campaign.id).execution_options(synchronize_session=False)
    session.execute(base.values(status=PaperStatus.EXCLUDED))
    chosen = sorted(sample.chosen)
    for start in range(0, len(chosen), CHUNK):
        session.execute(base.where(Paper.id.in_(chosen[start:start + CHUNK])).values(status=PaperStatus.UNASSIGNED))
    for obj in list(session.identity_map.values()):  # the bulk UPDATEs bypassed loaded papers
        if isinstance(obj, Paper):
            session.expire(obj, ["status"])
    session.flush()
    before = None if previous is None else {"replaced_sample": previous.id, "sampled": previous.sampled,
                                            "seed": previous.seed}
    record(session, actor, "campaign.sample", "campaign", campaign.id, campaign_id=campaign.id, before=before,
           after={"rules": drawn.rules, "per_school": sample.per_school, "schools": drawn.schools or None,
                  "whole_schools": sorted(sample.whole), "seed": sample.seed, "papers": sample.papers,
                  "sampled": sample.sampled, "excluded": sample.excluded,
                  "short_schools": [s.school for s in sample.short_schools]})
    return row

