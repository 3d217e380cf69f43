"""Errors raised for input the pipeline refuses as a whole.

Organisers read these messages in the web UI, so the message is Russian and
names the file; ``code`` is a stable English identifier for programs and logs.
"""
from __future__ import annotations

from pathlib import Path


class ScanInputError(Exception):
    """The scan file cannot be imported at all (empty, corrupt, encrypted ...).

    Attributes:
        code: stable machine-readable reason, e.g. ``"empty_file"``.
        path: the offending file.
        detail_ru: what is wrong, in Russian, without the file name.
        page: 1-based page number when the problem is on one page, else None.
    """

    def __init__(self, code: str, path: str | Path, detail_ru: str, page: int | None = None):
        self.code = code
        self.path = str(path)
        self.detail_ru = detail_ru
        self.page = page
        super().__init__(self.message_ru)

    @property
    def message_ru(self) -> str:
        """One line for the organiser: «file»[, страница N]: what is wrong."""
        return self.message_for(Path(self.path).name)

    def message_for(self, name: str) -> str:
        """The same line naming the file ``name``: the name the organiser gave the file, when
        the pipeline reads it under another (an upload stored by its hash)."""
        where = f"«{name}»"
        if self.page is not None:
            where += f", страница {self.page}"
        return f"Файл {where}: {self.detail_ru}"

    def __repr__(self) -> str:
        return f"ScanInputError(code={self.code!r}, path={self.path!r}, page={self.page!r})"
