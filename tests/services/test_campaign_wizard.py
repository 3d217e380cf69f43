"""services/campaigns/wizard.py and settings.py (issue 15): the «Новая кампания» wizard's
library lookup, a template copied from an earlier campaign, validation that names the field in
Russian, one campaign however often «Создать» is pressed, and a stale settings edit refused."""
from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from crosscheck.domain.scales import shipped_scales
from crosscheck.models import AuditEvent, Campaign, PaperTemplate
from crosscheck.services.audit.trail import Actor
from crosscheck.services.audit.wording import ACTION_LABELS, FIELD_LABELS
from crosscheck.services.campaigns.settings import SettingsError, StaleSettings, settings_view, update_settings
from crosscheck.services.campaigns.store import stored_spec
from crosscheck.services.campaigns.wizard import (Draft, WizardError, check, create, start_from_campaign,
                                                  start_from_form, start_from_library)
from tests.test_template_from_form import RUSSIAN_4, results_form

NEXT_MONTH = (date.today() + timedelta(days=30)).isoformat()


@pytest.fixture
def organiser(factory):
    user = factory.user("org", role="organiser")
    factory.commit()
    return Actor(user)


def library_draft(db, **changes) -> Draft:
    draft = start_from_library(db, "Русский язык", "4", "2026", scales=shipped_scales())
    for key, value in changes.items():
        setattr(draft, key, value)
    return draft


# --- step 1: where the tasks come from --------------------------------------------------------

def test_the_library_gives_the_2026_russian_paper_with_its_scale_and_source(db):
    draft = library_draft(db)
    assert [t["label"] for t in draft.tasks] == [str(n) for n in range(1, 13)]
    assert [t["max"] for t in draft.tasks] == [2, 1, 2, 3, 2, 1, 1, 2, 3, 3, 1, 3] and draft.max_total == 24
    assert draft.grades == {"3": 10, "4": 16, "5": 21}
    assert "Русский язык, 4 класс, 2026 год: 12 заданий, 24 балла" in draft.source_note and "vpr-ege.ru" in draft.source_note
    assert "шкала перевода 2026 года" in draft.source_note
    assert draft.slug == "vpr-russian-4-2026" and draft.name == "Перепроверка ВПР, русский язык, 4 класс, 2026"
    assert draft.identity and draft.identity["digits"] == 5 and draft.masks


def test_the_library_without_a_scale_leaves_the_thresholds_to_the_organiser(db):
    draft = start_from_library(db, "математика", 4, 2023, scales=shipped_scales())
    assert len(draft.tasks) == 15 and draft.max_total == 20 and draft.tasks[4]["label"] == "5.1"
    assert draft.grades == {} and "шкала перевода" in draft.source_note and "не найдена" in draft.source_note


def test_a_year_the_library_lacks_is_refused_with_the_years_it_has(db):
    with pytest.raises(WizardError) as refused:
        start_from_library(db, "Математика", 4, 2026, scales=shipped_scales())
    assert refused.value.errors == ["Библиотека: нет списка заданий для «Математика», 4 класс, 2026 год; "
                                    "есть годы: 2025, 2023, 2018 — укажите один из них"]
    with pytest.raises(WizardError) as refused:
        start_from_library(db, "Химия", 9, 2026, scales=shipped_scales())
    assert "загрузите форму сбора результатов" in refused.value.errors[0]


def test_step_one_names_its_fields(db):
    with pytest.raises(WizardError) as refused:
        start_from_library(db, " ", "12", "26", scales=shipped_scales())
    assert refused.value.errors == ["Предмет: укажите предмет, например «Математика»", "Класс: число от 1 до 11",
                                    "Год: четыре цифры, например 2026"]


def test_an_uploaded_form_gives_its_tasks_through_the_from_form_code(db, tmp_path):
    data = open(results_form(tmp_path / "rus4.xlsx", *RUSSIAN_4), "rb").read()
    draft = start_from_form(db, "Протокол.xlsx", data, "Русский язык", 4, 2026, scales=shipped_scales())
    assert draft.source_kind == "form" and "«Протокол.xlsx»" in draft.source_note
    assert len(draft.tasks) == 12 and draft.grades == {"3": 10, "4": 16, "5": 21}
    with pytest.raises(WizardError) as refused:
        start_from_form(db, "пусто.csv", "Фамилия;Имя\nА;Б\n".encode(), "Русский язык", 4, 2026, scales=[])
    assert refused.value.errors[0].startswith("Форма сбора результатов: пусто.csv: ")


def test_a_template_is_copied_from_an_earlier_campaign_with_its_criteria_scale_masks_and_rules(db, factory,
                                                                                              organiser):
    earlier = create(db, library_draft(db, slug="rus4-2025", per_paper="2",
                                       tasks=[{"label": "1", "max": 2, "criteria": "**2 балла** — без ошибок"},
                                              {"label": "2", "max": 22, "criteria": "- пункт"}],
                                       discrepancy={"task_threshold": 3, "total_threshold": 4, "grade_change": False,
                                                    "double_tolerance": 2},
                                       masks=[{"page": "*", "box": [0.5, 0.0, 1.0, 0.1]}],
                                       exclude_same_municipality=True), actor=organiser).campaign
    db.commit()
    draft = start_from_campaign(db, "rus4-2025", "Русский язык", 4, 2026)
    assert draft.source_kind == "campaign" and "rus4-2025" in draft.source_note
    assert draft.tasks == [{"label": "1", "max": 2, "criteria": "**2 балла** — без ошибок"},
                           {"label": "2", "max": 22, "criteria": "- пункт"}]
    assert draft.grades == {"3": 10, "4": 16, "5": 21} and draft.masks == [{"page": "*", "box": [0.5, 0.0, 1.0, 0.1]}]
    assert draft.discrepancy == {"task_threshold": 3, "total_threshold": 4, "grade_change": False,
                                 "double_tolerance": 2}
    assert draft.per_paper == 2 and draft.exclude_same_municipality is True
    assert draft.slug == "vpr-russian-4-2026"
    copy = create(db, draft, actor=organiser).campaign
    db.commit()
    assert stored_spec(copy.template).to_document() | {"name": "x"} == \
        stored_spec(earlier.template).to_document() | {"name": "x"}
    with pytest.raises(WizardError) as refused:
        start_from_campaign(db, "no-such", "Русский язык", 4, 2026)
    assert refused.value.errors == ["Прежняя кампания: выберите кампанию, шаблон которой скопировать"]


# --- validation -----------------------------------------------------------------------------

def errors_of(db, draft) -> list[str]:
    with pytest.raises(WizardError) as refused:
        check(db, draft)
    return refused.value.errors


def test_no_tasks_and_a_scale_that_does_not_increase_are_named(db):
    draft = library_draft(db, tasks=[], grades={"3": "10", "4": "10", "5": "9"})
    assert errors_of(db, draft) == ["Задания: не добавлено ни одного задания",
                                    "Шкала отметок: порог «4» должен быть больше порога «3»",
                                    "Шкала отметок: порог «5» должен быть больше порога «4»"]


def test_bad_tasks_settings_and_a_taken_code_are_named_field_by_field(db, factory):
    factory.campaign("vpr-russian-4-2026", name="Прошлогодняя")
    factory.commit()
    assert library_draft(db).slug == "vpr-russian-4-2026-2"  # the code suggested is a free one
    draft = library_draft(db, title="", pages="0", name=" ", per_paper="3", deadline="15.05.2026",
                          slug="vpr-russian-4-2026",
                          grades={"3": "10", "4": "", "5": "99"},
                          tasks=[{"label": "1", "max": "2", "criteria": ""}, {"label": "1", "max": "0", "criteria": ""},
                                 {"label": "", "max": "x", "criteria": ""}])
    assert errors_of(db, draft) == [
        "Название работы: укажите, например «ВПР. Математика. 4 класс»",
        "Страниц в работе: целое число от 1 до 100",
        "Задание 2 («1»): такой номер уже есть у задания 1",
        "Задание 2 («1»): максимальный балл — целое число от 1 до 100",
        "Задание 3: укажите номер задания, как в форме сбора результатов («1», «5.1», «10К1»)",
        "Задание 3: максимальный балл — целое число от 1 до 100",
        "Шкала отметок: укажите порог «4» (наименьший первичный балл для отметки «4»)",
        "Шкала отметок: порог «5» (99) больше максимального первичного балла 2",
        "Название кампании: укажите название",
        "Код кампании: уже занят (кампания «Прошлогодняя»); выберите другой код",
        "Перепроверок на работу: 1 или 2",
        "Срок проверки: дата в формате ГГГГ-ММ-ДД",
    ]
    assert errors_of(db, library_draft(db, slug="Не латиница")) == [
        "Код кампании: только строчные латинские буквы, цифры и дефис, до 64 знаков (например vpr-math-4-2026)"]
    assert errors_of(db, library_draft(db, deadline="2020-05-15")) == ["Срок проверки: 15.05.2020 уже прошёл"]
    assert errors_of(db, library_draft(db, masks=[{"page": 1, "box": [0.5, 0.5, 1.5, 0.6]}])) == [
        "Шаблон: masks[1].box: координаты должны быть долями страницы в пределах [0, 1]"]


def test_nothing_is_half_saved_when_the_draft_is_refused(db, organiser):
    with pytest.raises(WizardError):
        create(db, library_draft(db, grades={"3": 5, "4": 4, "5": 3}), actor=organiser)
    db.rollback()
    assert db.scalar(select(func.count(PaperTemplate.id))) == 0 and db.scalar(select(func.count(Campaign.id))) == 0


# --- creation -------------------------------------------------------------------------------

def test_the_wizard_creates_template_and_campaign_with_every_setting_audited(db, organiser):
    draft = library_draft(db, per_paper="2", deadline=NEXT_MONTH, exclude_same_municipality=True,
                          teacher_views=False, discrepancy={"task_threshold": 2, "total_threshold": 3,
                                                            "grade_change": True, "double_tolerance": "0"})
    draft.tasks[0]["criteria"] = "2 балла — **без ошибок**"
    made = create(db, draft, actor=organiser)
    db.commit()
    campaign = made.campaign
    assert made.created and campaign.slug == "vpr-russian-4-2026" and campaign.per_paper == 2
    assert campaign.exclude_same_municipality is True and campaign.teacher_views is False
    assert campaign.deadline is not None and campaign.wizard_token == draft.token
    template = campaign.template
    assert template.name == "vpr-russian-4-2026" and template.double_tolerance == 0 and template.max_total == 24
    assert template.grades == {"3": 10, "4": 16, "5": 21} and template.tasks[0].criteria == "2 балла — **без ошибок**"
    events = {e.action: e for e in db.scalars(select(AuditEvent))}
    assert set(events) == {"template.create", "campaign.create"}
    after = events["campaign.create"].after
    assert after["per_paper"] == 2 and after["exclude_same_municipality"] is True and after["deadline"]
    for event in events.values():
        assert event.action in ACTION_LABELS and set(event.after) <= set(FIELD_LABELS)


def test_pressing_create_twice_makes_one_campaign(db, organiser):
    draft = library_draft(db)
    first = create(db, draft, actor=organiser)
    db.commit()
    again = Draft.from_dict(json.loads(json.dumps(draft.as_dict())))  # the same page sent again
    second = create(db, again, actor=organiser)
    db.commit()
    assert first.created and not second.created and second.campaign.id == first.campaign.id
    assert db.scalar(select(func.count(Campaign.id))) == 1
    assert db.scalar(select(func.count(AuditEvent.id)).where(AuditEvent.action == "campaign.create")) == 1


def test_a_new_wizard_run_with_the_same_code_is_refused_not_merged(db, organiser):
    create(db, library_draft(db), actor=organiser)
    db.commit()
    assert errors_of(db, library_draft(db, slug="vpr-russian-4-2026"))[0].startswith("Код кампании: уже занят")


def test_a_template_name_taken_by_another_template_gets_a_free_one(db, organiser):
    create(db, library_draft(db, slug="rus"), actor=organiser)
    db.commit()
    other = library_draft(db, slug="rus-2")
    other.tasks[0]["criteria"] = "другие критерии"
    campaign = create(db, other, actor=organiser).campaign
    assert campaign.template.name == "rus-2"
    db.commit()
    third = library_draft(db, slug="rus-3")  # identical to the first campaign's template, another code
    assert create(db, third, actor=organiser).campaign.template.name == "rus-3"


# --- the settings page ------------------------------------------------------------------------

def settings_of(campaign, **changes):
    values = {"version": campaign.settings_version, "name": campaign.name, "deadline": "", "per_paper": campaign.per_paper,
              "double_tolerance": campaign.template.double_tolerance,
              "exclude_same_municipality": campaign.exclude_same_municipality}
    values.update(changes)
    return values


def test_two_organisers_editing_at_once_the_second_is_refused(db, organiser, factory):
    campaign = create(db, library_draft(db), actor=organiser).campaign
    db.commit()
    seen_by_first, seen_by_second = settings_of(campaign), settings_of(campaign)
    assert update_settings(db, campaign, actor=organiser, **(seen_by_first | {"name": "Новое название",
                                                                              "deadline": NEXT_MONTH})) == \
        ["name", "deadline"]
    db.commit()
    with pytest.raises(StaleSettings) as stale:
        update_settings(db, campaign, actor=organiser, **(seen_by_second | {"per_paper": "2"}))
    assert "Настройки изменил другой организатор" in str(stale.value) and "обновите страницу" in str(stale.value)
    db.rollback()
    db.refresh(campaign)
    assert campaign.name == "Новое название" and campaign.per_paper == 1 and campaign.settings_version == 2
    event = db.scalar(select(AuditEvent).where(AuditEvent.action == "campaign.edit"))
    assert event.before == {"name": campaign.name.replace("Новое название", "Перепроверка ВПР, русский язык, 4 класс, 2026"),
                            "deadline": None}
    assert event.after["name"] == "Новое название" and event.after["deadline"] == NEXT_MONTH
    assert set(event.after) <= set(FIELD_LABELS) and "campaign.edit" in ACTION_LABELS


def test_tolerance_and_rechecks_change_until_work_is_distributed(db, organiser, factory):
    campaign = create(db, library_draft(db), actor=organiser).campaign
    db.commit()
    assert update_settings(db, campaign, actor=organiser, **settings_of(campaign, per_paper="2",
                                                                        double_tolerance="2")) == \
        ["per_paper", "double_tolerance"]
    db.commit()
    assert campaign.per_paper == 2 and campaign.template.double_tolerance == 2
    assert stored_spec(campaign.template).discrepancy["double_tolerance"] == 2
    expert = factory.user("exp", school=factory.school("500102"))
    factory.assignment(factory.paper(campaign, factory.school("500101")), expert)
    factory.commit()
    assert settings_view(db, campaign).distributed
    with pytest.raises(SettingsError) as refused:
        update_settings(db, campaign, actor=organiser, **settings_of(campaign, per_paper="1", double_tolerance="1"))
    assert refused.value.errors == ["Перепроверок на работу: работы уже распределены, менять нельзя",
                                    "Допуск расхождения двух перепроверок: работы уже распределены, менять нельзя"]
    db.rollback()
    assert update_settings(db, campaign, actor=organiser, **settings_of(campaign, name="Можно")) == ["name"]


def test_settings_name_their_bad_fields(db, organiser):
    campaign = create(db, library_draft(db), actor=organiser).campaign
    db.commit()
    with pytest.raises(SettingsError) as refused:
        update_settings(db, campaign, actor=organiser, **settings_of(campaign, name="", deadline="завтра",
                                                                     per_paper="5", double_tolerance="-1"))
    assert refused.value.errors == ["Название кампании: укажите название", "Срок проверки: дата в формате ГГГГ-ММ-ДД",
                                    "Перепроверок на работу: 1 или 2",
                                    "Допуск расхождения двух перепроверок: целое число от 0 (баллов по заданию)"]
