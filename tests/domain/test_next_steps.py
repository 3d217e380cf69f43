"""The organiser's «what next» per campaign, from counts alone."""
from __future__ import annotations

from crosscheck.domain.next_steps import CampaignFacts, next_steps


def facts(**kw) -> CampaignFacts:
    base = dict(papers=40, unassigned=0, review=0, done=0, schools_without_marks=0, unidentified_pages=0,
                held_back=0, without_scans=0, open_problems=0, reviews_unassigned=0)
    return CampaignFacts(**(base | kw))


def test_an_empty_campaign_asks_for_the_marks_first():
    [step] = next_steps(facts(papers=0))
    assert step.where == "marks" and "Загрузите первичные баллы" in step.text


def test_what_blocks_comes_first_with_its_count_in_russian():
    steps = next_steps(facts(schools_without_marks=3, unidentified_pages=12, unassigned=40, open_problems=5,
                             without_scans=21, held_back=1, reviews_unassigned=2))
    assert [s.where for s in steps] == ["marks", "unidentified", "doubts", "problems", "scans", "assign", "reviews"]
    texts = [s.text for s in steps]
    assert texts[0] == "Нет первичных баллов у 3 школ."
    assert texts[1] == "12 страниц ждут в очереди нераспознанных."
    assert texts[2] == "1 работа задержана: проверьте положение страниц."
    assert texts[3] == "5 сообщений экспертов ждут решения."
    assert texts[4] == "Ждём сканы 21 работы."
    assert texts[5] == "40 работ не распределено между экспертами."
    assert texts[6].startswith("2 третьи проверки некому назначить")


def test_a_finished_campaign_says_it_may_be_closed_and_a_closed_one_says_nothing():
    [step] = next_steps(facts(done=40))
    assert step.where == "close" and step.text.startswith("Все работы проверены — можно завершить кампанию")
    assert next_steps(facts(done=40, closed=True)) == []


def test_a_passed_deadline_counts_what_is_unfinished():
    steps = next_steps(facts(done=30, deadline_passed=True))
    assert [s.text for s in steps] == ["Срок проверки прошёл, не завершено 10 работ."]
    assert next_steps(facts(done=38)) == []  # marking under way, nothing for the organiser to do


def test_title_pages_waiting_for_a_person_come_before_the_unidentified_queue():
    steps = next_steps(facts(pending_titles=3, unidentified_pages=1))
    assert [s.where for s in steps][:2] == ["titles", "unidentified"]
    assert steps[0].text == "3 титульных листа ждут подтверждения кода участника." and steps[0].urgent
