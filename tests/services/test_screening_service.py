"""services/screening: the rows reach the screen in a fixed number of statements, whatever the
campaign's size, and the packed and the plain read agree paper by paper."""
from __future__ import annotations

import random

from sqlalchemy import event

from crosscheck.services.marking.schemes import scheme_for
from crosscheck.services.screening.screen import _load_plain, load_screen_papers, screen_campaign


def _campaign_with(factory, papers_per_school: int, schools: int = 3, seed: int = 1):
    rng = random.Random(seed)
    campaign = factory.campaign()
    tasks = campaign.template.tasks
    for s in range(schools):
        school = factory.school(f"5005{s:02d}")
        for _ in range(papers_per_school):
            paper = factory.paper(campaign, school, scores={t.label: rng.randint(0, t.max_score) for t in tasks})
            paper.journal_mark = rng.choice((None, 3, 4, 5))
    factory.commit()
    return campaign


def _statements(db, fn):
    seen = []
    engine = db.get_bind()

    def listener(_conn, _cursor, statement, *_args):
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", listener)
    try:
        result = fn()
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    return result, seen


def test_the_screen_costs_the_same_statements_for_few_and_many_papers(db, factory):
    small = _campaign_with(factory, 2)
    db.expire_all()
    few, few_statements = _statements(db, lambda: screen_campaign(db, small))
    assert few.screening.participants == 6
    for s in range(3):  # 120 more papers in 3 more schools
        school = factory.school(f"5006{s:02d}")
        for _ in range(40):
            factory.paper(small, school)
    factory.commit()
    db.expire_all()
    more, more_statements = _statements(db, lambda: screen_campaign(db, small))
    assert more.screening.participants == 126
    assert len(more_statements) == len(few_statements) <= 5  # template, its tasks, the papers, the names
    assert sum("original_scores" in s for s in more_statements) == 1


def test_packed_and_plain_reads_agree(db, factory):
    campaign = _campaign_with(factory, 15, seed=9)
    tasks = list(campaign.template.tasks)
    packed, incomplete = load_screen_papers(db, campaign, tasks, scheme_for(campaign.template))
    plain, plain_incomplete = _load_plain(db, campaign, tasks)
    assert incomplete == plain_incomplete == 0
    assert sorted(packed, key=repr) == sorted(plain, key=repr) and len(packed) == 45


def test_papers_without_original_scores_are_not_screened_and_incomplete_ones_are_counted(db, factory):
    from crosscheck.models import OriginalScore

    campaign = _campaign_with(factory, 5)
    bare = factory.paper(campaign, factory.school("500699"))
    bare.original_scores.clear()
    partial = factory.paper(campaign, factory.school("500698"))
    db.delete(db.get(OriginalScore, (partial.id, partial.original_scores[0].task_id)))
    factory.commit()
    db.expire_all()
    result = screen_campaign(db, campaign)
    assert result.screening.participants == 15 and result.incomplete == 1
    assert any("неполными первичными баллами (не все задания): 1" in n for n in result.notes)
    assert {row["school"] for row in result.as_dict()["schools"]} == {"500500", "500501", "500502"}


def test_a_schools_page_figures_come_from_the_same_single_read(db, factory):
    from crosscheck.services.screening.screen import screen_school

    campaign = _campaign_with(factory, 12, seed=4)
    db.expire_all()
    found, statements = _statements(db, lambda: screen_school(db, campaign, "500501"))
    assert sum("original_scores" in s for s in statements) == 1
    assert found.school.school == "500501" and found.info.name == "Школа 500501"
    assert found.detail.participants == found.school.participants == 12 == sum(found.detail.histogram)
    assert found.detail.campaign_participants == found.campaign.screening.participants == 36
    assert found.campaign.as_dict() == screen_campaign(db, campaign).as_dict()  # the command's screen, unchanged
    assert screen_school(db, campaign, "999999") is None
