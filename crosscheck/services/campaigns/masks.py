"""A stored template's masks and identity box changed in the mask editor (issue 15).

The storage rule (no migrations): the masks live in ``PaperTemplate.masks`` (what the pipeline
renders, the identity box included) and in the canonical ``PaperTemplate.source``.

- While no page of any campaign using the template has a masked render (and no scan file of
  such a campaign is queued or being processed, which would render with the masks read at its
  start), the stored template is **updated** in place: same name, same tasks, new masks.
- Once pages have been rendered, the update is **refused** with a message that names the
  campaigns and their page counts: a page already masked would otherwise keep the old masks
  silently. The organiser may save the new masks as a **new template** (a new name, via
  :func:`store_template`) for new campaigns instead.

Every change is audited (``template.masks``, or ``template.create`` for a new template).
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ...domain.template import TemplateSpec, parse_template
from ...models import BatchStatus, Campaign, Page, PaperTemplate, ScanBatch
from ..audit.trail import Actor, record
from .store import CampaignError, canonical_source, get_template, save_template, stored_spec


class MasksRefused(ValueError):
    """The masks cannot be changed in place: pages were already rendered with the old ones."""


@dataclass(frozen=True)
class Rendered:
    campaign: str  # its slug
    pages: int     # pages with a masked render
    scans_running: int  # scan files queued or being processed


def mask_document(spec: TemplateSpec) -> dict[str, Any]:
    """The editor's part of a template: ``{"masks": [...], "identity": {...} | None}``."""
    doc = spec.to_document()
    return {"masks": doc["masks"], "identity": doc.get("identity")}


def spec_with_masks(template: PaperTemplate, masks: Any, identity: Any, *, name: str | None = None) -> TemplateSpec:
    """The stored template with other masks (and identity box, None for none), validated by
    :func:`parse_template` (TemplateError naming the key)."""
    doc = stored_spec(template).to_document()
    doc["masks"] = masks
    doc.pop("identity", None)
    if identity is not None:
        doc["identity"] = identity
    if name is not None:
        doc["name"] = name
    return parse_template(doc)


def rendered_pages(session: Session, template: PaperTemplate) -> list[Rendered]:
    """Campaigns of the template with pages already masked (or scans still being masked)."""
    pages = dict(session.execute(
        select(Campaign.slug, func.count(Page.id)).join(Page, Page.campaign_id == Campaign.id)
        .where(Campaign.template_id == template.id, Page.masked_sha256.is_not(None))
        .group_by(Campaign.slug)).all())
    running = dict(session.execute(
        select(Campaign.slug, func.count(ScanBatch.id)).join(ScanBatch, ScanBatch.campaign_id == Campaign.id)
        .where(Campaign.template_id == template.id,
               ScanBatch.status.in_((BatchStatus.QUEUED, BatchStatus.RUNNING)))
        .group_by(Campaign.slug)).all())
    return [Rendered(slug, pages.get(slug, 0), running.get(slug, 0)) for slug in sorted(set(pages) | set(running))]


def refusal(template: PaperTemplate, rendered: list[Rendered]) -> str:
    parts = []
    for r in rendered:
        what = []
        if r.pages:
            what.append(f"замаскировано страниц: {r.pages}")
        if r.scans_running:
            what.append(f"обрабатывается файлов сканов: {r.scans_running}")
        parts.append(f"«{r.campaign}» ({', '.join(what)})")
    return (f"Маски шаблона «{template.name}» не изменены: по нему уже есть сканы — кампания "
            f"{'; '.join(parts)}. Эти страницы уже видны экспертам с прежними масками, и новые маски их не "
            "изменят. Сохраните новые маски как новый шаблон (укажите его имя) — для новых кампаний.")


@dataclass(frozen=True)
class MasksSaved:
    template: PaperTemplate
    created: bool    # a new template was stored
    changed: bool    # anything changed at all


def save_masks(session: Session, template: PaperTemplate, masks: Any, identity: Any, *,
               actor: Actor | None = None, new_name: str | None = None) -> MasksSaved:
    """Store the edited masks: the template updated in place, or (``new_name``) a new template.
    Raises TemplateError (invalid masks, key named), MasksRefused (pages already rendered) or
    CampaignError (the new name is taken)."""
    if new_name:
        if get_template(session, new_name) is not None:
            raise CampaignError(f"шаблон «{new_name}» уже есть; выберите другое имя")
        spec = spec_with_masks(template, masks, identity, name=new_name)
        stored, created = save_template(session, spec, actor=actor)
        record(session, actor, "template.masks", "template", stored.id,
               after={"template": stored.name, "copied_from": template.name, **_audited(spec)})
        return MasksSaved(stored, created, True)
    spec = spec_with_masks(template, masks, identity)
    source = canonical_source(spec)
    if source == template.source:
        return MasksSaved(template, False, False)
    rendered = rendered_pages(session, template)
    if rendered:
        raise MasksRefused(refusal(template, rendered))
    before = _audited(stored_spec(template))
    template.masks = [{"page": "*" if m.page is None else m.page, "box": list(m.box)} for m in spec.all_masks]
    template.source = source
    session.flush()
    record(session, actor, "template.masks", "template", template.id,
           before=before, after={"template": template.name, **_audited(spec)})
    return MasksSaved(template, False, True)


def _audited(spec: TemplateSpec) -> dict[str, Any]:
    doc = mask_document(spec)
    return {"masks": json.loads(json.dumps(doc["masks"])), "identity": doc["identity"]}
