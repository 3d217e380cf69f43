"""«работа N из M» on the scoring screen (issue 16, item 12): the paper's place among the
user's assignments of its campaign in the queue page's order; submitted ones count,
superseded ones and other campaigns do not."""
from __future__ import annotations

from crosscheck.db import utcnow
from crosscheck.models import AssignmentStatus
from crosscheck.services.marking.assignments import queue_position
from crosscheck.services.marking.scoring import marking_state


def test_position_counts_the_campaign_queue_in_order(db, factory):
    campaign, other = factory.campaign(), factory.campaign("vpr-math-5-other")
    school = factory.school("500101")
    expert, colleague = factory.user("exp01"), factory.user("exp02")
    done = factory.assignment(factory.paper(campaign, school), expert)
    done.status, done.submitted_at = AssignmentStatus.SUBMITTED, utcnow()
    gone = factory.assignment(factory.paper(campaign, school), expert)
    gone.status, gone.superseded_at = AssignmentStatus.SUPERSEDED, utcnow()
    factory.assignment(gone.paper, colleague)
    second = factory.assignment(factory.paper(campaign, school), expert)
    third = factory.assignment(factory.paper(campaign, school), expert)
    factory.assignment(factory.paper(other, school), expert)
    factory.assignment(factory.paper(campaign, school), colleague)
    factory.commit()

    def position(assignment):
        return queue_position(db, expert, marking_state(db, expert, assignment.id))

    assert position(done) == (1, 3)
    assert position(second) == (2, 3)
    assert position(third) == (3, 3)
