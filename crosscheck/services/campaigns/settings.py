"""A campaign's settings page (issue 15): name, deadline, rechecks per paper, the tolerance of
two rechecks and the same-municipality exclusion, edited by organisers with optimistic locking.

The page carries the ``Campaign.settings_version`` it was read at; the change is one
``UPDATE … WHERE settings_version = <read>``, so of two organisers saving from the same
version the second is refused (:class:`StaleSettings`) instead of silently undoing the first.
Rechecks per paper and the tolerance change only while nothing is distributed; the tolerance
lives in the template (SPEC §1 ``discrepancy.double_tolerance``), so it changes in place only
when no other campaign uses that template. Every change is audited (``campaign.edit``).
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import exists, select, update
from sqlalchemy.orm import Session

from ...domain.template import parse_template
from ...models import Assignment, Campaign, Paper
from ..audit.trail import Actor, record
from .store import canonical_source
from .wizard import MOSCOW, deadline_day, deadline_moment


class SettingsError(ValueError):
    def __init__(self, errors: list[str]):
        self.errors = errors
        super().__init__("; ".join(errors))


class StaleSettings(ValueError):
    """The settings were changed since the page was read."""


@dataclass(frozen=True)
class SettingsView:
    version: int
    name: str
    deadline: date | None  # the day (Moscow)
    per_paper: int
    double_tolerance: int
    exclude_same_municipality: bool
    distributed: bool  # some paper has work: rechecks per paper and tolerance are fixed
    shared_with: list[str]  # other campaigns of the same template: tolerance is fixed


def distributed(session: Session, campaign: Campaign) -> bool:
    return bool(session.scalar(select(exists().where(Assignment.paper_id == Paper.id,
                                                     Paper.campaign_id == campaign.id))))


def _shared_with(session: Session, campaign: Campaign) -> list[str]:
    return list(session.scalars(select(Campaign.slug).where(Campaign.template_id == campaign.template_id,
                                                            Campaign.id != campaign.id).order_by(Campaign.slug)))


def settings_view(session: Session, campaign: Campaign) -> SettingsView:
    day = campaign.deadline.astimezone(MOSCOW).date() if campaign.deadline else None
    return SettingsView(version=campaign.settings_version, name=campaign.name, deadline=day,
                        per_paper=campaign.per_paper, double_tolerance=campaign.template.double_tolerance,
                        exclude_same_municipality=campaign.exclude_same_municipality,
                        distributed=distributed(session, campaign), shared_with=_shared_with(session, campaign))


def _int(text: Any) -> int | None:
    text = str(text if text is not None else "").strip()
    return int(text) if text.isdigit() and len(text) <= 6 else None


def update_settings(session: Session, campaign: Campaign, *, version: Any, name: Any, deadline: Any,
                    per_paper: Any, double_tolerance: Any, exclude_same_municipality: bool,
                    actor: Actor | None = None) -> list[str]:
    """Apply the page's values; the names of the fields that changed (empty: nothing did).
    Raises SettingsError (every bad field named) or StaleSettings (someone saved first)."""
    current = settings_view(session, campaign)
    read_version = _int(version)
    if read_version is None:
        raise SettingsError(["Обновите страницу настроек и попробуйте снова"])
    errors: list[str] = []
    wanted: dict[str, Any] = {}
    name_text = " ".join(str(name or "").split())
    if not name_text:
        errors.append("Название кампании: укажите название")
    elif len(name_text) > 300:
        errors.append("Название кампании: длиннее 300 символов")
    wanted["name"] = name_text
    day = None
    if str(deadline or "").strip():
        try:
            day = deadline_day(str(deadline))
        except ValueError:
            errors.append("Срок проверки: дата в формате ГГГГ-ММ-ДД")
    wanted["deadline"] = day
    per = _int(per_paper)
    if per not in (1, 2):
        errors.append("Перепроверок на работу: 1 или 2")
    wanted["per_paper"] = per
    tolerance = _int(double_tolerance)
    if tolerance is None or tolerance > 100:
        errors.append("Допуск расхождения двух перепроверок: целое число от 0 (баллов по заданию)")
    wanted["double_tolerance"] = tolerance
    wanted["exclude_same_municipality"] = bool(exclude_same_municipality)
    if errors:
        raise SettingsError(errors)
    before = {"name": current.name, "deadline": current.deadline, "per_paper": current.per_paper,
              "double_tolerance": current.double_tolerance,
              "exclude_same_municipality": current.exclude_same_municipality}
    changed = [key for key in before if wanted[key] != before[key]]
    if read_version != current.version:
        raise StaleSettings("Настройки изменил другой организатор, пока была открыта эта страница; ваши изменения "
                            "не сохранены — обновите страницу и внесите их снова")
    if not changed:
        return []
    if current.distributed:
        for key, label in (("per_paper", "Перепроверок на работу"),
                           ("double_tolerance", "Допуск расхождения двух перепроверок")):
            if key in changed:
                errors.append(f"{label}: работы уже распределены, менять нельзя")
    if "double_tolerance" in changed and current.shared_with:
        errors.append("Допуск расхождения двух перепроверок: шаблон «" + campaign.template.name + "» используют и "
                      "другие кампании (" + ", ".join(current.shared_with) + "), менять его здесь нельзя")
    if errors:
        raise SettingsError(errors)

    values: dict[str, Any] = {"settings_version": read_version + 1}
    for key in ("name", "per_paper", "exclude_same_municipality"):
        if key in changed:
            values[key] = wanted[key]
    if "deadline" in changed:
        values["deadline"] = deadline_moment(day) if day else None
    result = session.execute(update(Campaign).where(Campaign.id == campaign.id,
                                                    Campaign.settings_version == read_version)
                             .values(**values).execution_options(synchronize_session=False))
    if result.rowcount != 1:
        raise StaleSettings("Настройки изменил другой организатор, пока была открыта эта страница; ваши изменения "
                            "не сохранены — обновите страницу и внесите их снова")
    if "double_tolerance" in changed:
        template = campaign.template
        doc = json.loads(template.source)
        doc.setdefault("discrepancy", {})["double_tolerance"] = tolerance
        template.double_tolerance = tolerance
        template.source = canonical_source(parse_template(doc))
    session.flush()
    session.refresh(campaign)

    def shown(key: str, value: Any) -> Any:
        return value.isoformat() if isinstance(value, (date, datetime)) else value

    record(session, actor, "campaign.edit", "campaign", campaign.id, campaign_id=campaign.id,
           before={k: shown(k, before[k]) for k in changed}, after={k: shown(k, wanted[k]) for k in changed})
    return changed


def bump_version(session: Session, campaign: Campaign) -> None:
    """Another page changed a setting this page shows (the console's deadline and switches)."""
    campaign.settings_version = (campaign.settings_version or 1) + 1
