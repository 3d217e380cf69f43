"""Paper template validation (SPEC §1): a document in, a frozen spec or every error out.

Each error names the key it is about (``tasks[3].max``), so an organiser can find
the line in their YAML without reading code.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

TOP_KEYS = {"name", "title", "subject", "grade_level", "pages", "tasks", "grades", "masks", "identity", "discrepancy"}
REQUIRED_TOP = ("name", "title", "subject", "grade_level", "pages", "tasks", "grades")
TASK_KEYS = {"label", "max", "criteria"}
MASK_KEYS = {"page", "box"}
IDENTITY_KEYS = {"page", "box", "digits"}
MAX_IDENTITY_DIGITS = 10  # the participant codes crosscheck accepts (SPEC §2)
GRADE_KEYS = ("3", "4", "5")
DISCREPANCY_DEFAULTS = {"task_threshold": 2, "total_threshold": 3, "grade_change": True, "double_tolerance": 1}
SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,99}$")


class TemplateError(ValueError):
    def __init__(self, errors: list[str]):
        self.errors = errors
        super().__init__("; ".join(errors))


@dataclass(frozen=True)
class TaskSpec:
    label: str
    max: int
    criteria: str = ""


@dataclass(frozen=True)
class MaskSpec:
    page: int | None  # None = every page ("*")
    box: tuple[float, float, float, float]


@dataclass(frozen=True)
class IdentitySpec:
    """Where the pupil writes the participant code by hand (SPEC §1, scans without covers)."""
    page: int
    box: tuple[float, float, float, float]
    digits: int = 5


@dataclass(frozen=True)
class TemplateSpec:
    name: str
    title: str
    subject: str
    grade_level: int
    pages: int
    tasks: tuple[TaskSpec, ...]
    grades: dict[str, int]
    masks: tuple[MaskSpec, ...] = ()
    discrepancy: dict[str, Any] = field(default_factory=lambda: dict(DISCREPANCY_DEFAULTS))
    identity: IdentitySpec | None = None

    @property
    def all_masks(self) -> tuple[MaskSpec, ...]:
        """The masks an expert's page gets: the template's, plus the identity box, which is
        always masked as well (SPEC §1)."""
        if self.identity is None:
            return self.masks
        return self.masks + (MaskSpec(page=self.identity.page, box=self.identity.box),)

    @property
    def max_total(self) -> int:
        return sum(t.max for t in self.tasks)

    def to_document(self) -> dict[str, Any]:
        """The canonical document: what we store and what `to_document` round-trips."""
        return {
            "name": self.name, "title": self.title, "subject": self.subject,
            "grade_level": self.grade_level, "pages": self.pages,
            "tasks": [{"label": t.label, "max": t.max, "criteria": t.criteria} for t in self.tasks],
            "grades": dict(self.grades),
            "masks": [{"page": "*" if m.page is None else m.page, "box": list(m.box)} for m in self.masks],
            **({"identity": {"page": self.identity.page, "box": list(self.identity.box),
                             "digits": self.identity.digits}} if self.identity is not None else {}),
            "discrepancy": dict(self.discrepancy),
        }


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _unknown(errors: list[str], where: str, data: dict, allowed: set[str] | tuple[str, ...]) -> None:
    for key in data:
        if str(key) not in allowed:
            errors.append(f"{where}{key}: неизвестный ключ")


def _int_at_least(errors: list[str], key: str, value: Any, low: int) -> int | None:
    if not _is_int(value) or value < low:
        errors.append(f"{key}: должно быть целым числом не меньше {low}")
        return None
    return value


# The longest text each key may hold (the database columns it is stored in).
MAX_LENGTHS = {"name": 100, "title": 300, "subject": 200, "label": 32}


def _text(errors: list[str], key: str, value: Any, *, required: bool = True) -> str:
    if value is None and not required:
        return ""
    if not isinstance(value, str) or (required and not value.strip()):
        errors.append(f"{key}: нужна непустая строка")
        return ""
    text = value.strip() if required else value
    limit = MAX_LENGTHS.get(key.rsplit(".", 1)[-1])
    if limit is not None and len(text) > limit:
        errors.append(f"{key}: длиннее {limit} символов")
        return ""
    return text


def parse_template(doc: Any) -> TemplateSpec:
    """Validate a loaded YAML/JSON document; raise TemplateError listing every problem."""
    if not isinstance(doc, dict):
        raise TemplateError(["шаблон: ожидается словарь ключей (YAML/JSON-объект)"])
    errors: list[str] = []
    _unknown(errors, "", doc, TOP_KEYS)
    for key in REQUIRED_TOP:
        if key not in doc:
            errors.append(f"{key}: обязательный ключ отсутствует")
    name = _text(errors, "name", doc.get("name", "x")) if "name" in doc else ""
    if name and not SLUG_RE.match(name):
        errors.append("name: только строчные латинские буквы, цифры и дефис (например vpr-math-5)")
    title = _text(errors, "title", doc["title"]) if "title" in doc else ""
    subject = _text(errors, "subject", doc["subject"]) if "subject" in doc else ""
    grade_level = _int_at_least(errors, "grade_level", doc["grade_level"], 1) if "grade_level" in doc else None
    pages = _int_at_least(errors, "pages", doc["pages"], 1) if "pages" in doc else None
    tasks = _parse_tasks(errors, doc.get("tasks")) if "tasks" in doc else ()
    max_total = sum(t.max for t in tasks)
    grades = _parse_grades(errors, doc.get("grades"), max_total) if "grades" in doc else {}
    masks = _parse_masks(errors, doc.get("masks") or [])
    identity = _parse_identity(errors, doc["identity"], pages) if doc.get("identity") is not None else None
    discrepancy = _parse_discrepancy(errors, doc.get("discrepancy") or {})
    if errors:
        raise TemplateError(errors)
    return TemplateSpec(name=name, title=title, subject=subject, grade_level=grade_level or 0,
                        pages=pages or 0, tasks=tasks, grades=grades, masks=masks, discrepancy=discrepancy,
                        identity=identity)


def _parse_tasks(errors: list[str], raw: Any) -> tuple[TaskSpec, ...]:
    if not isinstance(raw, list) or not raw:
        errors.append("tasks: нужен непустой список заданий")
        return ()
    tasks: list[TaskSpec] = []
    seen: set[str] = set()
    for i, item in enumerate(raw, start=1):
        where = f"tasks[{i}]"
        if not isinstance(item, dict):
            errors.append(f"{where}: ожидается словарь с ключами label, max, criteria")
            continue
        _unknown(errors, f"{where}.", item, TASK_KEYS)
        label = item.get("label")
        if _is_int(label):
            label = str(label)
        label = _text(errors, f"{where}.label", label)
        if label and label in seen:
            errors.append(f"{where}.label: задание «{label}» уже есть в шаблоне")
        seen.add(label)
        max_score = _int_at_least(errors, f"{where}.max", item.get("max"), 1)
        criteria = _text(errors, f"{where}.criteria", item.get("criteria"), required=False)
        if label and max_score:
            tasks.append(TaskSpec(label=label, max=max_score, criteria=criteria.strip()))
    return tuple(tasks)


def _parse_grades(errors: list[str], raw: Any, max_total: int) -> dict[str, int]:
    if not isinstance(raw, dict):
        errors.append('grades: нужен словарь порогов {"3": …, "4": …, "5": …}')
        return {}
    raw = {str(k): v for k, v in raw.items()}
    _unknown(errors, "grades.", raw, GRADE_KEYS)
    grades: dict[str, int] = {}
    for key in GRADE_KEYS:
        if key not in raw:
            errors.append(f"grades.{key}: обязательный порог отсутствует")
            continue
        value = _int_at_least(errors, f"grades.{key}", raw[key], 0)
        if value is not None:
            grades[key] = value
    if len(grades) == 3:
        if not grades["3"] < grades["4"] < grades["5"]:
            errors.append("grades: пороги должны возрастать: «3» < «4» < «5»")
        if max_total and grades["5"] > max_total:
            errors.append(f"grades.5: порог {grades['5']} больше максимального первичного балла {max_total}")
    return grades


def _box(errors: list[str], where: str, box: Any) -> tuple[float, float, float, float] | None:
    if not (isinstance(box, list) and len(box) == 4 and all(_is_number(v) for v in box)):
        errors.append(f"{where}.box: нужны четыре числа [x0, y0, x1, y1]")
        return None
    x0, y0, x1, y1 = (float(v) for v in box)
    if not all(0.0 <= v <= 1.0 for v in (x0, y0, x1, y1)):
        errors.append(f"{where}.box: координаты должны быть долями страницы в пределах [0, 1]")
        return None
    if x0 >= x1 or y0 >= y1:
        errors.append(f"{where}.box: нужно x0 < x1 и y0 < y1")
        return None
    return (x0, y0, x1, y1)


def _parse_identity(errors: list[str], raw: Any, pages: int | None) -> IdentitySpec | None:
    if not isinstance(raw, dict):
        errors.append("identity: ожидается словарь с ключами page, box, digits")
        return None
    _unknown(errors, "identity.", raw, IDENTITY_KEYS)
    page = raw.get("page", 1)
    if not _is_int(page) or page < 1 or (pages and page > pages):
        errors.append(f"identity.page: номер страницы от 1 до {pages or 'числа страниц'}")
        return None
    digits = raw.get("digits", 5)
    if not _is_int(digits) or not 1 <= digits <= MAX_IDENTITY_DIGITS:
        errors.append(f"identity.digits: число клеток кода от 1 до {MAX_IDENTITY_DIGITS}")
        return None
    box = _box(errors, "identity", raw.get("box"))
    return IdentitySpec(page=page, box=box, digits=digits) if box is not None else None


def _parse_masks(errors: list[str], raw: Any) -> tuple[MaskSpec, ...]:
    if not isinstance(raw, list):
        errors.append("masks: нужен список прямоугольников")
        return ()
    masks: list[MaskSpec] = []
    for i, item in enumerate(raw, start=1):
        where = f"masks[{i}]"
        if not isinstance(item, dict):
            errors.append(f"{where}: ожидается словарь с ключами page, box")
            continue
        _unknown(errors, f"{where}.", item, MASK_KEYS)
        page = item.get("page")
        if page == "*":
            page = None
        elif not _is_int(page) or page < 1:
            errors.append(f'{where}.page: номер страницы (1, 2, …) или "*"')
            continue
        box = item.get("box")
        if not (isinstance(box, list) and len(box) == 4 and all(_is_number(v) for v in box)):
            errors.append(f"{where}.box: нужны четыре числа [x0, y0, x1, y1]")
            continue
        x0, y0, x1, y1 = (float(v) for v in box)
        if not all(0.0 <= v <= 1.0 for v in (x0, y0, x1, y1)):
            errors.append(f"{where}.box: координаты должны быть долями страницы в пределах [0, 1]")
        elif x0 >= x1 or y0 >= y1:
            errors.append(f"{where}.box: нужно x0 < x1 и y0 < y1")
        else:
            masks.append(MaskSpec(page=page, box=(x0, y0, x1, y1)))
    return tuple(masks)


def _parse_discrepancy(errors: list[str], raw: Any) -> dict[str, Any]:
    if not isinstance(raw, dict):
        errors.append("discrepancy: нужен словарь настроек")
        return dict(DISCREPANCY_DEFAULTS)
    _unknown(errors, "discrepancy.", raw, set(DISCREPANCY_DEFAULTS))
    result = dict(DISCREPANCY_DEFAULTS)
    for key, low in (("task_threshold", 1), ("total_threshold", 1), ("double_tolerance", 0)):
        if key in raw:
            value = _int_at_least(errors, f"discrepancy.{key}", raw[key], low)
            if value is not None:
                result[key] = value
    if "grade_change" in raw:
        if not isinstance(raw["grade_change"], bool):
            errors.append("discrepancy.grade_change: ожидается true или false")
        else:
            result["grade_change"] = raw["grade_change"]
    return result
