"""Issue 15, campaign lifecycle: closing freezes the marks — every write path of the services
refuses a closed campaign with the same Russian reason and writes nothing —, reopening needs a
reason, archiving takes a closed campaign out of the active lists but not out of the history."""
from __future__ import annotations

from types import SimpleNamespace

import pytest
from sqlalchemy import func, select

from crosscheck.domain.lifecycle import CampaignClosed, LifecycleError
from crosscheck.models import (AssignmentStatus, AuditEvent, CampaignStatus, MarksUpload, PaperStatus, ProblemKind,
                               ProblemReport, ReportRun, Role, UploadStatus)
from crosscheck.services.audit.trail import Actor
from crosscheck.services.campaigns import lifecycle
from crosscheck.services.marking.scoring import Frozen, save_scores


@pytest.fixture
def closed(factory, data_dir):
    """A campaign closed by its organiser while an expert still had a draft and a problem report
    was open — the closing was confirmed with that open work."""
    organiser = factory.user("org", role=Role.ORGANISER)
    school, expert_school = factory.school("500101"), factory.school("500102")
    expert = factory.user("exp", school=expert_school)
    other = factory.user("exp2", school=factory.school("500103"))
    campaign = factory.campaign("c1")
    papers = [factory.paper(campaign, school) for _ in range(2)]
    draft = factory.assignment(papers[0], expert)
    draft.status = AssignmentStatus.IN_PROGRESS
    papers[0].status = PaperStatus.MARKING
    draft.problem = ProblemKind.UNREADABLE
    factory.s.add(ProblemReport(assignment_id=draft.id))
    upload = MarksUpload(campaign_id=campaign.id, file_name="form.xlsx", sha256="0" * 64, size=1,
                         status=UploadStatus.READY)
    factory.s.add(upload)
    factory.commit()
    work = lifecycle.close(factory.s, campaign, Actor(organiser), confirmed=True)
    factory.commit()
    assert work.marking == 1 and work.unassigned == 1 and work.uploads == 1
    return SimpleNamespace(s=factory.s, campaign=campaign, organiser=organiser, expert=expert, other=other,
                           papers=papers, draft=draft, upload=upload, data_dir=data_dir)


def _scoring(w, name):
    from crosscheck.services.marking import scoring

    if name == "save_scores":
        return scoring.save_scores(w.s, w.expert, w.draft.id, {"1": 1}, None, w.draft.version)
    if name == "submit":
        return scoring.submit(w.s, w.expert, w.draft.id)
    return scoring.flag_problem(w.s, w.expert, w.draft.id, "other", "")


def _write(w, name):
    """Each write path of the services, called as its web page, job or command would call it."""
    s, c, actor = w.s, w.campaign, Actor(w.organiser)
    if name in ("save_scores", "submit", "flag_problem"):
        return _scoring(w, name)
    if name == "problem_resolve":
        from crosscheck.services.marking.problems import resolve
        return resolve(s, c, s.get(ProblemReport, w.draft.id), "страница найдена", actor)
    if name == "problem_reassign":
        from crosscheck.services.marking.problems import reassign
        return reassign(s, c, s.get(ProblemReport, w.draft.id), "exp2", "", actor)
    if name == "run_assignment":
        from crosscheck.services.distribution.assignment import run_assignment
        return run_assignment(s, c, actor)
    if name == "assign_manually":
        from crosscheck.services.distribution.assignment import assign_manually
        return assign_manually(s, c, w.papers[1], 1, w.other, actor)
    if name == "withdraw_expert":
        from crosscheck.services.distribution.assignment import withdraw_expert
        return withdraw_expert(s, c, w.expert, actor, "болезнь")
    if name == "marks_import":
        from crosscheck.services.marks.importer import import_marks
        return import_marks(s, c, "form.csv", data=b"x", school_code="500101", actor=actor)
    if name == "marks_upload":
        from crosscheck.services.marks.uploads import stage
        return stage(s, c, "form.xlsx", b"x", None, w.organiser, w.data_dir)
    if name == "marks_confirm":
        from crosscheck.services.marks.uploads import confirm
        return confirm(s, w.upload, w.organiser)
    if name == "scan_upload":
        from crosscheck.services.scans.batches import register_upload
        return register_upload(s, c, w.data_dir / "scan.pdf", "scan.pdf", w.data_dir, actor)
    if name == "scan_place":
        from crosscheck.services.scans.batches import place_result
        return place_result(s, SimpleNamespace(campaign_id=c.id, campaign=c, id=0), SimpleNamespace(papers=[]),
                            actor)
    if name == "title_confirm":
        from crosscheck.services.scans.titles import confirm
        return confirm(s, c, SimpleNamespace(campaign_id=c.id), "00001", actor)
    if name == "page_attach":
        from crosscheck.services.scans.unidentified import attach
        return attach(s, w.data_dir, c, SimpleNamespace(campaign_id=c.id), w.papers[1], 1, replace=False,
                      actor=actor)
    if name == "page_discard":
        from crosscheck.services.scans.unidentified import discard
        return discard(s, c, SimpleNamespace(campaign_id=c.id), actor)
    if name == "doubts_confirm":
        from crosscheck.services.scans.doubts import confirm_pages
        return confirm_pages(s, w.data_dir, c, w.papers[0], [], actor)
    if name == "sample_fix":
        from crosscheck.services.screening.sample import fix
        return fix(s, SimpleNamespace(campaign=c, sample=None), actor)
    raise AssertionError(name)


WRITE_PATHS = ["save_scores", "submit", "flag_problem", "problem_resolve", "problem_reassign", "run_assignment",
               "assign_manually", "withdraw_expert", "marks_import", "marks_upload", "marks_confirm", "scan_upload",
               "scan_place", "title_confirm", "page_attach", "page_discard", "doubts_confirm", "sample_fix"]


@pytest.mark.parametrize("path", WRITE_PATHS)
def test_every_write_path_refuses_a_closed_campaign_and_writes_nothing(closed, path):
    events = closed.s.scalar(select(func.count()).select_from(AuditEvent))
    expected = Frozen if path in ("save_scores", "submit", "flag_problem") else CampaignClosed
    with pytest.raises(expected) as refused:
        _write(closed, path)
    closed.s.rollback()
    message = refused.value.message
    assert message.startswith("Кампания «Тестовая кампания» завершена: баллы заморожены")
    assert closed.s.scalar(select(func.count()).select_from(AuditEvent)) == events
    assert closed.s.get(ProblemReport, closed.draft.id).status.value == "open"
    assert closed.s.get(MarksUpload, closed.upload.id).status == UploadStatus.READY


def test_an_autosave_that_read_the_campaign_open_is_stale_after_the_close(factory):
    """The close bumps the live assignments' versions: a write in flight finds nothing to write."""
    from crosscheck.services.marking.scoring import Stale, marking_state

    organiser = factory.user("org", role=Role.ORGANISER)
    expert = factory.user("exp", school=factory.school("500102"))
    campaign = factory.campaign("c1")
    a = factory.assignment(factory.paper(campaign, factory.school("500101")), expert)
    factory.commit()
    read_before = marking_state(factory.s, expert, a.id)
    lifecycle.close(factory.s, campaign, Actor(organiser), confirmed=True)
    factory.commit()
    assert factory.s.get(type(a), a.id).version == read_before.version + 1
    from crosscheck.services.marking import scoring

    with pytest.raises(Stale):  # the version-guarded UPDATE of the old read matches no row
        scoring._bump_version(factory.s, read_before, comment="x")
    factory.s.rollback()
    with pytest.raises(Frozen):  # and a fresh read says why
        save_scores(factory.s, expert, a.id, {"1": 1}, None, read_before.version + 1)


def test_the_marks_job_confirmed_before_the_close_refuses_with_the_reason(closed):
    from crosscheck.services.marks.uploads import run_import

    closed.upload.status = UploadStatus.IMPORTING
    closed.s.commit()
    assert run_import(closed.s, _factory(closed), closed.upload.id, closed.data_dir) is None
    closed.s.expire_all()
    upload = closed.s.get(MarksUpload, closed.upload.id)
    assert upload.status == UploadStatus.FAILED and "завершена: баллы заморожены" in upload.error


def _factory(w):
    from sqlalchemy.orm import sessionmaker

    return sessionmaker(bind=w.s.get_bind())


def test_closing_with_open_work_needs_the_confirmation(factory):
    organiser = factory.user("org", role=Role.ORGANISER)
    campaign = factory.campaign("c1")
    factory.paper(campaign, factory.school("500101"))
    factory.commit()
    work = lifecycle.open_work(factory.s, campaign)
    assert work.unassigned == 1
    assert work.lines() == ["1 работа не распределена: они останутся без перепроверки, в протоколах — только "
                            "баллы школы."]
    with pytest.raises(LifecycleError, match="незавершённая работа"):
        lifecycle.close(factory.s, campaign, Actor(organiser))
    assert campaign.status != CampaignStatus.CLOSED
    lifecycle.close(factory.s, campaign, Actor(organiser), confirmed=True)
    assert campaign.status == CampaignStatus.CLOSED and campaign.closed_by_id == organiser.id
    with pytest.raises(LifecycleError, match="уже завершена"):
        lifecycle.close(factory.s, campaign, Actor(organiser), confirmed=True)


def test_a_finished_campaign_closes_without_questions_and_is_audited(factory):
    organiser = factory.user("org", role=Role.ORGANISER)
    campaign = factory.campaign("c1")
    paper = factory.paper(campaign, factory.school("500101"))
    paper.status = PaperStatus.DONE
    factory.commit()
    assert not lifecycle.open_work(factory.s, campaign).any
    lifecycle.close(factory.s, campaign, Actor(organiser))
    factory.commit()
    event = factory.s.scalar(select(AuditEvent).where(AuditEvent.action == "campaign.close"))
    assert event.before == {"status": "preparing"} and event.after["status"] == "closed"
    assert event.actor_id == organiser.id


def test_reopening_needs_a_reason_and_restores_the_marking(closed):
    with pytest.raises(LifecycleError, match="Причина"):
        lifecycle.reopen(closed.s, closed.campaign, Actor(closed.organiser), "  ")
    lifecycle.reopen(closed.s, closed.campaign, Actor(closed.organiser), "ошибка в баллах ОО 500101")
    closed.s.commit()
    assert closed.campaign.status == CampaignStatus.MARKING and closed.campaign.closed_at is None
    event = closed.s.scalar(select(AuditEvent).where(AuditEvent.action == "campaign.reopen"))
    assert event.after == {"status": "marking", "reason": "ошибка в баллах ОО 500101"}
    # the expert's draft can be saved again
    version = closed.s.get(type(closed.draft), closed.draft.id).version
    saved = save_scores(closed.s, closed.expert, closed.draft.id, {"1": 1}, None, version)
    assert saved.version == version + 1


def test_archive_only_a_closed_campaign_and_not_reopen_it_while_archived(factory):
    organiser = factory.user("org", role=Role.ORGANISER)
    campaign = factory.campaign("c1")
    factory.commit()
    with pytest.raises(LifecycleError, match="только завершённую"):
        lifecycle.archive(factory.s, campaign, Actor(organiser))
    lifecycle.close(factory.s, campaign, Actor(organiser))
    lifecycle.archive(factory.s, campaign, Actor(organiser))
    with pytest.raises(LifecycleError, match="в архиве"):
        lifecycle.reopen(factory.s, campaign, Actor(organiser), "причина")
    lifecycle.unarchive(factory.s, campaign, Actor(organiser))
    assert campaign.archived_at is None and campaign.status == CampaignStatus.CLOSED
    actions = list(factory.s.scalars(select(AuditEvent.action).where(AuditEvent.campaign_id == campaign.id)
                                     .order_by(AuditEvent.id)))
    assert actions[-3:] == ["campaign.close", "campaign.archive", "campaign.unarchive"]


def test_closing_publishes_the_final_set_and_a_reopening_keeps_it_as_an_earlier_version(closed):
    from crosscheck.services.reports import publish
    from crosscheck.services.reports.runs import start

    ids = publish.publish(closed.s, closed.campaign, closed.organiser)
    assert publish.publish(closed.s, closed.campaign, closed.organiser) == ids  # asked twice: one set
    closed.s.commit()
    runs = [closed.s.get(ReportRun, i) for i in ids]
    assert sorted((r.kind, r.school_code) for r in runs) == [("protocol", "500101"), ("summary", ""), ("xlsx", "")]
    for run_id in ids:
        start(closed.s, run_id)  # no REDIS_URL: the report job runs at once
    closed.s.expire_all()
    first_close = closed.campaign.closed_at
    protocol = next(r for r in runs if r.kind == "protocol")
    first_file = closed.data_dir / "reports" / "c1" / publish.folder(first_close) / "protocol-500101.pdf"
    assert first_file.read_bytes().startswith(b"%PDF")

    lifecycle.reopen(closed.s, closed.campaign, Actor(closed.organiser), "исправить баллы")
    lifecycle.close(closed.s, closed.campaign, Actor(closed.organiser), confirmed=True)
    again = publish.publish(closed.s, closed.campaign, closed.organiser)
    closed.s.commit()
    assert set(again).isdisjoint(ids)
    [current, earlier] = publish.publications(closed.s, closed.campaign)
    assert current.current and not earlier.current and earlier.published_at == first_close
    assert protocol in earlier.runs and earlier.done
    assert first_file.is_file()  # the earlier version's file stays where it was


def test_the_command_line_exits_non_zero_with_the_reason(closed, run):
    result = run("assign", "c1")
    assert result.exit_code == 1
    assert "Кампания «Тестовая кампания» завершена: баллы заморожены" in result.output
    closed.s.expire_all()
    assert closed.s.scalar(select(func.count()).select_from(AuditEvent)
                           .where(AuditEvent.action == "assignment.run")) == 0


def test_a_scan_batch_closed_under_its_job_fails_with_the_reason():
    from crosscheck.jobs.scans import failure_message

    assert failure_message(CampaignClosed("Весна 2026"), "ОО 500101.pdf").startswith(
        "Файл «ОО 500101.pdf»: Кампания «Весна 2026» завершена: баллы заморожены")
