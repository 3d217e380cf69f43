"""The municipal summary's follow-up (issue 17): which schools were screened, sampled,
re-checked and confirmed, and what each over-marks — for the methodological service.

The screen is computed here from the same papers the report loads (``domain.screening.screen``
over every paper's original marks, the sample's or not, as SPEC §8 screens them), not read
from ``services/screening``: that area sits above this one (docs/ARCHITECTURE.md). It is the
same function over the same marks with the same default rules, so it names the same schools
as the «Скрининг» page (tests/reports/test_followup.py holds the two together). The sample is
the papers' status and the newest ``campaign_samples`` row (the schools it took whole).
"""
from __future__ import annotations

from collections import Counter

from sqlalchemy import select
from sqlalchemy.orm import Session

from ...domain.analytics import Analysis, FlagRule
from ...domain.followup import Followup, followup
from ...domain.sampling import EXCLUDED
from ...domain.screening import ScreeningRules, ScreenPaper, screen
from ...models import Campaign, CampaignSample
from .loader import CampaignResults, campaign_results


def campaign_followup(session: Session, campaign: Campaign, data: CampaignResults | None = None,
                      analysis: Analysis | None = None, rule: FlagRule = FlagRule(),
                      rules: ScreeningRules = ScreeningRules()) -> Followup:
    """Every school of the campaign from screen to confirmation (``data``/``analysis`` when the
    caller has them already)."""
    data = data or campaign_results(session, campaign)
    analysis = analysis or Analysis(data.results, data.scheme, rule)
    n = len(data.scheme.tasks)
    papers = [ScreenPaper(r.paper.school, tuple(r.original.scores), r.paper.journal_mark)
              for r in data.results if len(r.original.scores) == n]
    screening = screen(papers, data.scheme.tasks, data.scheme.grades, rules) if papers and n else None
    screens = {s.school: s for s in screening.schools} if screening else {}
    sample = session.scalar(select(CampaignSample).where(CampaignSample.campaign_id == campaign.id)
                            .order_by(CampaignSample.id.desc()).limit(1))
    every = Counter(r.paper.school for r in data.results)
    sampled = Counter(r.paper.school for r in data.results if r.paper.status != EXCLUDED) if sample else None
    return followup(every, screens, analysis.groups("school"), every, sampled,
                    sample.whole_schools if sample else (), rule)
