"""Creating campaigns from paper templates (SPEC §1, §4 `campaign create`)."""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session

from ...domain.template import SLUG_RE, TemplateError, TemplateSpec, parse_template
from ...models import Campaign, PaperTemplate, Subject, TemplateTask
from ..audit.trail import Actor, record


class CampaignError(ValueError):
    pass


def load_template_file(path: str | Path) -> TemplateSpec:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise TemplateError([f"{path.name}: не удаётся прочитать файл ({exc})"]) from exc
    try:
        doc = json.loads(text) if path.suffix.lower() == ".json" else yaml.safe_load(text)
    except (yaml.YAMLError, json.JSONDecodeError) as exc:
        raise TemplateError([f"{path.name}: синтаксическая ошибка ({exc})"]) from exc
    return parse_template(doc)


def canonical_source(spec: TemplateSpec) -> str:
    return json.dumps(spec.to_document(), ensure_ascii=False, sort_keys=True)


def _subject(session: Session, name: str) -> Subject:
    subject = session.scalar(select(Subject).where(Subject.name == name))
    if subject is None:
        subject = Subject(name=name)
        session.add(subject)
        session.flush()
    return subject


def store_template(session: Session, spec: TemplateSpec) -> PaperTemplate:
    """The stored template for this spec: reused when identical, refused when the name
    is taken by a different one (marks already refer to the stored tasks)."""
    source = canonical_source(spec)
    existing = session.scalar(select(PaperTemplate).where(PaperTemplate.name == spec.name))
    if existing is not None:
        if existing.source != source:
            raise CampaignError(f"шаблон «{spec.name}» уже есть и отличается от этого файла; "
                                "дайте новому шаблону другое имя (name)")
        return existing
    d = spec.discrepancy
    template = PaperTemplate(
        name=spec.name, title=spec.title, subject=_subject(session, spec.subject),
        grade_level=spec.grade_level, pages=spec.pages,
        grade3_min=spec.grades["3"], grade4_min=spec.grades["4"], grade5_min=spec.grades["5"],
        # the identity box is masked like any mask (SPEC §1); where it is stays in ``source``
        masks=[{"page": "*" if m.page is None else m.page, "box": list(m.box)} for m in spec.all_masks],
        task_threshold=d["task_threshold"],
        total_threshold=d["total_threshold"], grade_change=d["grade_change"],
        double_tolerance=d["double_tolerance"], source=source,
        tasks=[TemplateTask(position=i, label=t.label, max_score=t.max, criteria=t.criteria)
               for i, t in enumerate(spec.tasks, start=1)],
    )
    session.add(template)
    session.flush()
    return template


def save_template(session: Session, spec: TemplateSpec, *, actor: Actor | None = None) -> tuple[PaperTemplate, bool]:
    """:func:`store_template`, audited when a new template is stored; ``True`` when it is new."""
    known = session.scalar(select(PaperTemplate.id).where(PaperTemplate.name == spec.name)) is not None
    template = store_template(session, spec)
    if not known:
        record(session, actor, "template.create", "template", template.id,
               after={"name": spec.name, "title": spec.title, "tasks": len(spec.tasks), "max_total": spec.max_total,
                      "grades": dict(spec.grades)})
    return template, not known


def get_template(session: Session, name: str) -> PaperTemplate | None:
    return session.scalar(select(PaperTemplate).where(PaperTemplate.name == name))


def template_campaigns(session: Session, template: PaperTemplate) -> list[Campaign]:
    return list(session.scalars(select(Campaign).where(Campaign.template_id == template.id).order_by(Campaign.slug)))


def stored_spec(template: PaperTemplate) -> TemplateSpec:
    """The spec a stored template was made from (its canonical source)."""
    return parse_template(json.loads(template.source))


def create_campaign(session: Session, slug: str, spec: TemplateSpec, name: str, *, per_paper: int = 1,
                    actor: Actor | None = None, settings: dict[str, Any] | None = None,
                    wizard_token: str | None = None) -> Campaign:
    """A campaign from a template (stored or reused). ``settings``: the «Новая кампания»
    wizard's deadline, exclude_same_municipality and teacher_views, set and audited with it."""
    if not SLUG_RE.match(slug or ""):
        raise CampaignError(f"CAMPAIGN «{slug}»: только строчные латинские буквы, цифры и дефис")
    if per_paper not in (1, 2):
        raise CampaignError("--per-paper: допустимо 1 или 2")
    if not name.strip():
        raise CampaignError("--name: нужно название кампании")
    if session.scalar(select(Campaign).where(Campaign.slug == slug)) is not None:
        raise CampaignError(f"кампания «{slug}» уже существует")
    template = store_template(session, spec)
    settings = dict(settings or {})
    campaign = Campaign(slug=slug, name=name.strip(), template=template, per_paper=per_paper,
                        created_by_id=actor.user.id if actor and actor.user else None, wizard_token=wizard_token,
                        **settings)
    session.add(campaign)
    session.flush()
    audited = {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in settings.items()}
    record(session, actor, "campaign.create", "campaign", campaign.id, campaign_id=campaign.id,
           after={"slug": slug, "name": campaign.name, "template": spec.name, "per_paper": per_paper, **audited})
    return campaign


def get_campaign(session: Session, slug: str) -> Campaign:
    campaign = session.scalar(select(Campaign).where(Campaign.slug == slug))
    if campaign is None:
        raise CampaignError(f"кампания «{slug}» не найдена")
    return campaign


@dataclass(frozen=True)
class TemplateSummary:
    name: str
    title: str
    subject: str
    grade: int
    tasks: int
    max_total: int
    campaigns: list[str]


def template_summaries(s: Session) -> list[TemplateSummary]:
    """Every stored paper template with the campaigns using it (`crosscheck templates list`)."""
    used: dict[int, list[str]] = {}
    for template_id, slug in s.execute(select(Campaign.template_id, Campaign.slug).order_by(Campaign.slug)):
        used.setdefault(template_id, []).append(slug)
    return [TemplateSummary(name=t.name, title=t.title, subject=t.subject.name, grade=t.grade_level,
                            tasks=len(t.tasks), max_total=sum(task.max_score for task in t.tasks),
                            campaigns=used.get(t.id, []))
            for t in s.scalars(select(PaperTemplate).order_by(PaperTemplate.name))]
