"""Russian wording shared by the pure modules and the pages: the noun form after a number."""
from __future__ import annotations


def plural(n: int, one: str, few: str, many: str) -> str:
    """The form for ``n``: plural(1, "работа", "работы", "работ") → "работа", 3 → "работы",
    11 → "работ", 21 → "работа"."""
    n = abs(int(n))
    if n % 10 == 1 and n % 100 != 11:
        return one
    if n % 10 in (2, 3, 4) and n % 100 not in (12, 13, 14):
        return few
    return many


def counted(n: int, one: str, few: str, many: str) -> str:
    """The number with its noun: counted(3, "работа", "работы", "работ") → "3 работы"."""
    return f"{n} {plural(n, one, few, many)}"
