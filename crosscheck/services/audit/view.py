"""The audit trail as a person reads it: Russian action names, what changed field by field
(«Задание 5: 1 → 0»), papers by cipher and people by login instead of database ids.

Names are resolved for a whole page of events at once: one query per kind of object
(papers, people, assignments, pages, schools, scan files, conflicts, campaigns), never one
per row. The CSV export (``search.export_csv``) keeps the raw form.
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from ...models import Assignment, AuditEvent, Campaign, Conflict, Page, Paper, ScanBatch, School, User
from .wording import ENTITY_LABELS, ENTITY_VALUE_LABELS, FIELD_LABELS, HIDDEN_FIELDS, VALUE_LABELS, action_label, actor_label

MOSCOW = ZoneInfo("Europe/Moscow")
DASH = "—"
_CODE = re.compile(r"^[a-z_]+(\.[a-z_]+)?$")


@dataclass(frozen=True)
class AuditRow:
    at: datetime
    actor: str
    action: str  # Russian
    code: str  # the raw action code (the filter's value)
    subject: str  # the object acted on, by cipher, login, code or file name
    changes: list[str] = field(default_factory=list)


# --- names, resolved in bulk ------------------------------------------------------------

_ID_FIELDS = {"paper_id": "paper", "expert_id": "user", "school_id": "school", "for": "page", "replaced_by": "page"}


def _ints(values: Iterable[object]) -> set[int]:
    return {v for v in values if isinstance(v, int) and not isinstance(v, bool)}


class Names:
    """Readable names of every object a page of events mentions (one query per kind)."""

    def __init__(self, session: Session, events: Sequence[AuditEvent]):
        wanted: dict[str, set[int]] = {kind: set() for kind in ENTITY_LABELS}
        for e in events:
            if e.entity_type in wanted and e.entity_id is not None:
                wanted[e.entity_type].add(e.entity_id)
            for payload in (e.before, e.after):
                for key, kind in _ID_FIELDS.items():
                    if isinstance(payload, dict) and key in payload:
                        wanted[kind] |= _ints([payload[key]])
        self.assignments: dict[int, tuple[str, str, str, int]] = {}
        if wanted["assignment"]:
            self.assignments = {i: (cipher, login, kind.value, rnd) for i, cipher, login, kind, rnd in session.execute(
                select(Assignment.id, Paper.cipher, User.login, Assignment.kind, Assignment.round)
                .join(Paper, Assignment.paper_id == Paper.id).join(User, Assignment.expert_id == User.id)
                .where(Assignment.id.in_(wanted["assignment"])))}
        self.pages: dict[int, tuple[int | None, str | None, int, str | None]] = {}
        if wanted["page"]:
            self.pages = {i: (position, cipher, index, filename) for i, position, cipher, index, filename in
                          session.execute(
                              select(Page.id, Page.position, Paper.cipher, Page.source_index, ScanBatch.filename)
                              .outerjoin(Paper, Page.paper_id == Paper.id)
                              .outerjoin(ScanBatch, Page.batch_id == ScanBatch.id)
                              .where(Page.id.in_(wanted["page"])))}
        self.conflicts: dict[int, tuple[str, str]] = {}
        if wanted["conflict"]:
            self.conflicts = {i: (login, code) for i, login, code in session.execute(
                select(Conflict.id, User.login, School.code).join(User, Conflict.user_id == User.id)
                .join(School, Conflict.school_id == School.id).where(Conflict.id.in_(wanted["conflict"])))}
        self.papers = self._map(session, Paper.id, Paper.cipher, wanted["paper"])
        self.users = self._map(session, User.id, User.login, wanted["user"])
        self.schools = self._map(session, School.id, School.code, wanted["school"])
        self.batches = self._map(session, ScanBatch.id, ScanBatch.filename, wanted["scan_batch"])
        self.campaigns = self._map(session, Campaign.id, Campaign.slug, wanted["campaign"])

    @staticmethod
    def _map(session: Session, key, value, ids: set[int]) -> dict[int, str]:
        return dict(session.execute(select(key, value).where(key.in_(ids))).all()) if ids else {}

    def paper(self, paper_id: object) -> str:
        """The paper's cipher."""
        return self.papers.get(paper_id) or _unknown("работа", paper_id)

    def user(self, user_id: object) -> str:
        """The person's login."""
        return self.users.get(user_id) or _unknown("пользователь", user_id)

    def school(self, school_id: object) -> str:
        """The school's code."""
        return self.schools.get(school_id) or _unknown("ОО", school_id)

    def page(self, page_id: object) -> str:
        if page_id not in self.pages:
            return _unknown("страница", page_id)
        position, cipher, index, filename = self.pages[page_id]
        if cipher is not None and position is not None:
            return f"страница {position} работы {cipher}"
        where = f"«{filename}», " if filename else ""
        return f"страница скана ({where}стр. {index} файла)"

    def subject(self, e: AuditEvent) -> str:
        i, kind = e.entity_id, e.entity_type
        if kind == "assignment" and i in self.assignments:
            cipher, login, work, rnd = self.assignments[i]
            what = "третья проверка" if work == "review" else f"перепроверка {rnd}"
            return f"работа {cipher}: {what}, {login}"
        if kind == "paper" and i in self.papers:
            return f"работа {self.papers[i]}"
        if kind == "user" and i in self.users:
            return f"пользователь {self.users[i]}"
        if kind == "page":
            return self.page(i)
        if kind == "school" and i in self.schools:
            return f"ОО {self.schools[i]}"
        if kind == "campaign" and i in self.campaigns:
            return f"кампания {self.campaigns[i]}"
        if kind == "scan_batch" and i in self.batches:
            return f"файл сканов «{self.batches[i]}»"
        if kind == "conflict" and i in self.conflicts:
            login, code = self.conflicts[i]
            return f"конфликт интересов: {login} — ОО {code}"
        return _unknown(ENTITY_LABELS.get(kind, kind).lower(), i)


def _unknown(what: str, ident: object) -> str:
    return f"{what} (нет в базе)" if ident is not None else what


# --- what changed ----------------------------------------------------------------------

def _task_order(label: str) -> tuple:
    return tuple(int(p) if p.isdigit() else p for p in re.split(r"[.\s]", str(label)))


def _score(value: object) -> str:
    return DASH if value is None else str(value)


def _score_changes(before: object, after: object) -> list[str]:
    old = before if isinstance(before, dict) else {}
    new = after if isinstance(after, dict) else {}
    if not old and not new:
        return []
    if not old:  # the first scores of a recheck or a paper: one line, every task
        return ["Баллы: " + ", ".join(f"{label}: {_score(new[label])}" for label in sorted(new, key=_task_order))]
    return [f"Задание {label}: {_score(old.get(label))} → {_score(new.get(label))}"
            for label in sorted(set(old) | set(new), key=_task_order) if old.get(label) != new.get(label)]


class Formatter:
    def __init__(self, names: Names, entity_type: str = ""):
        self.names = names
        self.entity_type = entity_type

    def value(self, key: str, value: object) -> str:
        if value is None or value == "":
            return DASH
        if isinstance(value, bool):
            return "да" if value else "нет"
        if key == "paper_id":
            return self.names.paper(value)
        if key == "expert_id":
            return self.names.user(value)
        if key == "school_id":
            return self.names.school(value)
        if key in ("for", "replaced_by"):
            return self.names.page(value)
        if key in ("deadline", "expires_at") and isinstance(value, str):
            return _moment(value)
        if key.endswith("sha256") and isinstance(value, str):
            return value[:12] + "…"
        if key == "reason" and isinstance(value, str) and _CODE.match(value):
            return action_label(value)
        if key in ("comment", "note", "name", "reason", "message") and isinstance(value, str):
            return f"«{value}»"
        if isinstance(value, list):
            return (" " if key == "warnings" else ", ").join(self.value(key, v) for v in value) or DASH  # sentences
        if isinstance(value, dict):
            return ", ".join(f"{k}: {self.value(k, v)}" for k, v in value.items()) or DASH
        if isinstance(value, str):
            labels = ENTITY_VALUE_LABELS.get((self.entity_type, key)) or VALUE_LABELS.get(key, {})
            return labels.get(value, value)
        return str(value)

    def changes(self, before: dict | None, after: dict | None) -> list[str]:
        old, new = before or {}, after or {}
        if not isinstance(old, dict) or not isinstance(new, dict):
            return []
        keys = list(new) + [k for k in old if k not in new]
        if "message" in keys and "reason" in new and isinstance(new["reason"], str) and _CODE.match(new["reason"]):
            keys.remove("reason")  # a refusal's code: its message says the same in Russian
        lines = []
        for key in keys:
            if key in HIDDEN_FIELDS:
                continue
            if key == "scores":
                lines += _score_changes(old.get("scores"), new.get("scores"))
                continue
            title = FIELD_LABELS.get(key, key)
            if key in old and key in new:
                if old[key] != new[key]:
                    lines.append(f"{title}: {self.value(key, old[key])} → {self.value(key, new[key])}")
            elif key in new:
                lines.append(f"{title}: {self.value(key, new[key])}")
            else:
                lines.append(f"{title}: {self.value(key, old[key])} → {DASH}")
        return lines


def _moment(text: str) -> str:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return text
    if moment.tzinfo is not None:
        moment = moment.astimezone(MOSCOW)
    return moment.strftime("%d.%m.%Y %H:%M")


def readable(session: Session, events: Sequence[AuditEvent]) -> list[AuditRow]:
    """A page of events as the audit page shows them (names resolved in bulk)."""
    names = Names(session, events)
    return [AuditRow(at=e.at, actor=actor_label(e.actor_label, e.actor_id is not None), action=action_label(e.action),
                     code=e.action, subject=names.subject(e),
                     changes=Formatter(names, e.entity_type).changes(e.before, e.after))
            for e in events]


def action_choices(codes: Iterable[str]) -> list[tuple[str, str]]:
    """The filter's options: (code, Russian name), by name."""
    return sorted(((c, action_label(c)) for c in codes), key=lambda pair: pair[1])
