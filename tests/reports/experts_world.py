"""A campaign whose experts' statistics say something (issue 18): used by the service, page and
browser tests."""
from __future__ import annotations

from datetime import timedelta

from crosscheck.db import utcnow
from crosscheck.models import Assignment, AssignmentKind, AssignmentStatus, PaperStatus, TaskScore


def submitted(db, paper, user, values: dict, kind="recheck", round_=1):
    now = utcnow()
    a = Assignment(paper_id=paper.id, expert_id=user.id, kind=AssignmentKind(kind), round=round_,
                   status=AssignmentStatus.SUBMITTED, submitted_at=now, opened_at=now - timedelta(minutes=4),
                   comment="обоснование" if kind == "review" else "")
    db.add(a)
    db.flush()
    tasks = paper.campaign.template.tasks
    db.add_all(TaskScore(assignment_id=a.id, task_id=t.id, max_score=t.max_score, score=values[t.label])
               for t in tasks)
    return a


def build_world(db, factory):
    """12 papers of a harsh expert (every recheck 4 points under; reviews restored the marks),
    12 of a fair one (confirmed), an expert with nothing handed in; two reviewers, six reviews each."""
    home, other = factory.school("500101"), factory.school("500102")
    factory.user("organiser", role="organiser")
    factory.user("observer", role="observer")
    harsh = factory.user("harsh", school=other, full_name="Строгова Анна")
    fair = factory.user("fair", school=other, full_name="Ровнов Пётр")
    idle = factory.user("idle", school=other, full_name="Новиков Иван")
    rev = [factory.user(f"rev{i}", role="reviewer", school=other) for i in (1, 2)]
    campaign = factory.campaign("ex")
    full = {t.label: t.max_score for t in campaign.template.tasks}
    harsh_papers = []
    for i in range(12):
        paper = factory.paper(campaign, home)
        submitted(db, paper, harsh, full | {"9": 0, "14": 0})
        submitted(db, paper, rev[i // 6], full, kind="review")
        paper.status = PaperStatus.DONE
        harsh_papers.append(paper.cipher)
    for i in range(12):
        paper = factory.paper(campaign, home)
        submitted(db, paper, fair, full)
        paper.status = PaperStatus.DONE
    waiting = factory.paper(campaign, home)
    factory.assignment(waiting, idle)
    waiting.status = PaperStatus.MARKING
    factory.commit()
    return campaign, harsh_papers


def build_crowd(db, factory):
    """:func:`build_world` and 56 more experts, enough for two pages of the list: «soft» (12 papers,
    every recheck 2 points above the reviewer's final: more lenient) and 55 experts «c001»…«c055»
    with one confirmed paper each, working at school 500103 (odd numbers) or 500104 (even)."""
    from sqlalchemy import select

    from crosscheck.models import Campaign, User

    campaign, harsh_papers = build_world(db, factory)
    campaign = db.scalar(select(Campaign).where(Campaign.slug == "ex"))
    reviewer = db.scalar(select(User).where(User.login == "rev2"))
    home = factory.school("500105")
    odd, even = factory.school("500103"), factory.school("500104")
    soft = factory.user("soft", school=odd, full_name="Мягкова Вера")
    full = {t.label: t.max_score for t in campaign.template.tasks}
    soft_papers = []
    for _ in range(12):
        paper = factory.paper(campaign, home)
        submitted(db, paper, soft, full)
        submitted(db, paper, reviewer, full | {"9": 0}, kind="review")
        paper.status = PaperStatus.DONE
        soft_papers.append(paper.cipher)
    for i in range(1, 56):
        expert = factory.user(f"c{i:03d}", school=odd if i % 2 else even, full_name=f"Участник Толпы {i}")
        paper = factory.paper(campaign, home)
        submitted(db, paper, expert, full)
        paper.status = PaperStatus.DONE
    factory.commit()
    return campaign, harsh_papers, soft_papers
