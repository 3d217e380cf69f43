"""A campaign's stage follows its papers (issue 16: a demo 73 % marked said «Подготовка»)."""
from __future__ import annotations

import pytest

from crosscheck.domain.stage import (ARCHIVED, CLOSED, FINISHED, LOADING, MARKING, PREPARING, REVIEW, STAGES,
                                    PaperCounts, campaign_stage)


@pytest.mark.parametrize("counts, stage", [
    (PaperCounts(), PREPARING),
    (PaperCounts(unassigned=44), LOADING),
    (PaperCounts(unassigned=2, marking=10), MARKING),
    (PaperCounts(marking=12, done=32), MARKING),  # the demo: 73 % marked
    (PaperCounts(marking=3, review=2, done=39), MARKING),  # rechecks still outstanding
    (PaperCounts(unassigned=1, review=1, done=42), MARKING),  # one paper still waits for an expert
    (PaperCounts(review=3, done=41), REVIEW),
    (PaperCounts(done=44), FINISHED),
])
def test_the_stage_follows_the_papers(counts, stage):
    assert campaign_stage(counts) == stage


def test_a_closed_campaign_is_closed_whatever_its_papers():
    # the organiser closed it with three papers still in marking: it is closed, not «Проверка»
    assert campaign_stage(PaperCounts(marking=3), closed=True) == CLOSED
    # every paper final but not closed yet: the marking is finished, the campaign is not
    assert campaign_stage(PaperCounts(done=44)) == FINISHED != campaign_stage(PaperCounts(done=44), closed=True)


def test_an_archived_campaign_says_so():
    assert campaign_stage(PaperCounts(done=44), closed=True, archived=True) == ARCHIVED


def test_every_stage_has_a_russian_label():
    from crosscheck.web.filters import CAMPAIGN_STAGE

    assert set(CAMPAIGN_STAGE) == set(STAGES)
