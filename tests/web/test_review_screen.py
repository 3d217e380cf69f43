"""The reviewer's side of the scoring screen (third check): the school's marks and the
recheck side by side per task, differences marked, a required justification, and still
nothing that tells whose paper it is."""
from __future__ import annotations

import re

from sqlalchemy import select

from crosscheck.models import Assignment, AssignmentKind, PaperStatus
from crosscheck.services.people.accounts import issue_token


def test_reviewer_sees_school_and_recheck_marks_side_by_side_with_differences_marked(
        client, db, factory, data_dir, login_as):
    campaign = factory.campaign()
    school, other_school = factory.school("500101"), factory.school("500102")
    expert = factory.user("exp01", school=other_school)
    factory.user("mo", role="reviewer", school=factory.school("500103"))
    paper = factory.paper(campaign, school, code="10001")  # the school gave full marks
    recheck = factory.assignment(paper, expert)
    factory.page(paper, 1, data_dir)
    token = issue_token(db, expert)
    factory.commit()
    tasks = campaign.template.tasks
    # The recheck agrees on the first task only and gives 0 elsewhere: a significant discrepancy.
    scores = {t.label: (t.max_score if i == 0 else 0) for i, t in enumerate(tasks)}
    bearer = {"Authorization": f"Bearer {token}"}
    url = f"/api/v1/assignments/{recheck.id}"
    assert client.put(f"{url}/scores", json={"scores": scores, "comment": "", "version": 1},
                      headers=bearer).status_code == 200
    assert client.post(f"{url}/submit", headers=bearer).status_code == 200
    db.expire_all()
    assert paper.status == PaperStatus.REVIEW
    review = db.scalar(select(Assignment).where(Assignment.paper_id == paper.id,
                                                Assignment.kind == AssignmentKind.REVIEW))

    login_as("mo")
    html = client.get(f"/marking/{review.id}").get_data(as_text=True)

    assert re.search(r"<th[^>]*>ОО</th><th>П1</th><th>Балл</th>", html)
    rows = re.findall(r'<tr class="task" data-label="([^"]+)">(.*?)</tr>', html, re.S)
    assert [label for label, _ in rows] == [t.label for t in tasks]
    for (label, row), task in zip(rows, tasks):
        original, rechecked = re.findall(r'<td class="ref( differs)?">(\d+)</td>', row)
        assert original == ("", str(task.max_score))
        assert rechecked[1] == str(scores[label])
        assert (rechecked[0] == " differs") == (scores[label] != task.max_score)
    assert "Обоснование итоговых баллов (обязательно)" in html and 'id="comment"' in html
    # Still anonymous: no school, participant code or expert in the page.
    for secret in ("500101", "500102", "10001", "exp01", expert.full_name):
        assert secret not in html
