"""A paper template drafted from a results form's header (SPEC §1, «A template from a
results form»): pure functions over header cells; ``services/campaigns/drafts.py`` reads the
file (for the command line and the organiser's «Шаблоны» page).

The tasks are the form's `LABEL (Nб)` columns in form order; the grades come from the
organiser (``--grades 3:A,4:B,5:C``) or from a shipped conversion scale (domain/scales.py);
the masks are defaults for the VPR title page, to be adjusted on a real scanned page.
"""
from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from .forms import TASK_HEADER, text
from .scales import Scale, slug_part, subject_code
from .template import GRADE_KEYS, MAX_LENGTHS

#: A hint only: a VPR paper is usually printed on two sheets folded into four pages.
DEFAULT_PAGES = 4
#: Fractions of the page: the participant code boxes top right (some papers repeat them on
#: every page, so every page), and the teacher's score table in the lower part of the title page.
DEFAULT_MASKS = (
    {"page": "*", "box": [0.55, 0.0, 1.0, 0.10]},
    {"page": 1, "box": [0.03, 0.78, 0.97, 0.98]},
)
#: The handwritten participant code boxes, top right of the title page: the region a reader of
#: real St Petersburg VPR title pages uses (x 1489–2400 of 2400 px, y 0–400 of ~3400 px;
#: shared/vpr/title_page_labels.yaml), five digits. To be adjusted on a real scanned page.
DEFAULT_IDENTITY = {"page": 1, "box": [0.62, 0.0, 1.0, 0.12], "digits": 5}
_GRADES_ITEM = re.compile(r"^\s*([345])\s*:\s*(\d{1,4})\s*$")


class DraftError(ValueError):
    """Why no template can be drafted (one Russian line)."""


def form_tasks(header: Sequence[object]) -> list[tuple[str, int]]:
    """(label, max) of every `LABEL (Nб)` column, in form order."""
    tasks: list[tuple[str, int]] = []
    seen: set[str] = set()
    for cell in header:
        match = TASK_HEADER.match(" ".join(text(cell).split()))
        if not match:
            continue
        label, max_score = match.group("label").strip(), int(match.group("max"))
        if label in seen:
            raise DraftError(f"задание «{label}» встречается в заголовке дважды")
        if len(label) > MAX_LENGTHS["label"]:
            raise DraftError(f"метка задания «{label[:40]}» длиннее {MAX_LENGTHS['label']} символов")
        if max_score < 1:
            raise DraftError(f"у задания «{label}» максимальный балл 0")
        seen.add(label)
        tasks.append((label, max_score))
    return tasks


def parse_grades_option(value: str) -> dict[str, int]:
    """``3:10,4:16,5:21`` → {"3": 10, "4": 16, "5": 21}; all three grades, each once."""
    grades: dict[str, int] = {}
    for item in value.split(","):
        match = _GRADES_ITEM.match(item)
        if not match or match.group(1) in grades:
            raise DraftError(f"--grades: ожидается «3:A,4:B,5:C» (минимальный первичный балл для каждой "
                             f"отметки), получено «{value}»")
        grades[match.group(1)] = int(match.group(2))
    if set(grades) != set(GRADE_KEYS):
        raise DraftError(f"--grades: нужны пороги для отметок 3, 4 и 5, получено «{value}»")
    return grades


def template_name(subject: str, grade: int, year: int | None) -> str:
    """``vpr-<subject code or transliteration>-<grade>[-<year>]``, a valid template slug."""
    part = subject_code(subject) or slug_part(subject) or "subject"
    suffix = f"-{grade}" + (f"-{year}" if year is not None else "")
    return f"vpr-{part[:MAX_LENGTHS['name'] - 4 - len(suffix)].strip('-')}{suffix}"


def scale_grades(scale: Scale, max_total: int) -> dict[str, int]:
    """The scale's grade minimums, if it is a scale for a paper of this total."""
    if scale.max_primary != max_total:
        raise DraftError(f"шкала перевода {scale.year} года рассчитана на {scale.max_primary} первичных баллов, "
                         f"а сумма максимумов заданий формы — {max_total}; укажите пороги в --grades")
    return dict(scale.minimums)


def draft_template(tasks: Sequence[tuple[str, int]], *, subject: str, grade: int, year: int | None,
                   grades: dict[str, int]) -> dict[str, Any]:
    """The template document (SPEC §1), keys in the order the SPEC shows them."""
    subject = " ".join(subject.split())
    return {
        "name": template_name(subject, grade, year),
        "title": f"ВПР. {subject}. {grade} класс",
        "subject": subject,
        "grade_level": grade,
        "pages": DEFAULT_PAGES,
        "tasks": [{"label": label, "max": max_score,
                   "criteria": f"Задание {label}: максимум {max_score} б. Впишите критерии оценивания "
                               f"из КИМ ВПР."}
                  for label, max_score in tasks],
        "grades": {key: grades[key] for key in GRADE_KEYS},
        "masks": [dict(m, box=list(m["box"])) for m in DEFAULT_MASKS],
        "identity": dict(DEFAULT_IDENTITY, box=list(DEFAULT_IDENTITY["box"])),
    }
