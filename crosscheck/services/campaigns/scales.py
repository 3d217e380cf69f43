"""The conversion scales an administrator imported (a CSV in the data directory), beside the
ones shipped with crosscheck: read, listed, and extended all-or-nothing. Shared by
`crosscheck scales import|list`, `template from-form` and the organiser's «Шаблоны» page.

The caller names the data directory (the command line's environment, the app's config).
"""
from __future__ import annotations

import fcntl
import os
from pathlib import Path

from sqlalchemy.orm import Session

from ...config import make_data_dir
from ...domain.scales import Scale, ScaleMerge, known_scales, merge_scales, parse_scales, scales_csv, validate_scales
from ..audit.trail import Actor, record

SCALES_FILE = "scales.csv"  # the administrator's imported scales, in the data directory


class ScalesFileError(RuntimeError):
    """The imported scales file cannot be read or written (one Russian line)."""


def scales_path(data_dir: Path) -> Path:
    return Path(data_dir) / SCALES_FILE


def imported_scales_text(data_dir: Path) -> str | None:
    """The administrator's scales CSV, or None when nothing was imported."""
    path = scales_path(data_dir)
    try:
        return path.read_text(encoding="utf-8") if path.exists() else None
    except (OSError, UnicodeDecodeError) as exc:
        raise ScalesFileError(f"{path}: не удаётся прочитать импортированные шкалы ({exc})") from exc


def all_scales(data_dir: Path) -> list[tuple[Scale, bool]]:
    """Every conversion scale, ``True`` for an imported one: the imported first, then the shipped."""
    return known_scales(imported_scales_text(data_dir))


def lookup_scales(data_dir: Path) -> list[Scale]:
    """The scales a template's thresholds are looked up in (imported rows win)."""
    return [scale for scale, _imported in all_scales(data_dir)]


def listed_scales(data_dir: Path) -> list[tuple[Scale, bool]]:
    """:func:`all_scales` in the order `scales list` shows them: subject, grade, year."""
    return sorted(all_scales(data_dir), key=lambda item: (item[0].subject, item[0].grade, item[0].year))


def import_scales(data_dir: Path, text: str) -> ScaleMerge:
    """Check every row of ``text`` (ScaleImportError lists each bad row and column; nothing is
    written), merge it into the imported file (same subject, grade and year replaces) and
    write that file atomically when anything changed (an OSError when it cannot be)."""
    new = validate_scales(text)
    path = scales_path(data_dir)
    make_data_dir(path.parent)
    with open(path.with_name(path.name + ".lock"), "a") as lock:  # two imports at once: one after the other
        fcntl.flock(lock, fcntl.LOCK_EX)
        merge = merge_scales(parse_scales(imported_scales_text(data_dir) or ""), new)
        if merge.changed:
            tmp = path.with_name(path.name + ".tmp")
            tmp.write_text(scales_csv(merge.scales), encoding="utf-8")
            os.replace(tmp, path)
    return merge


def scale_text(scale: Scale) -> str:
    """«3/4/5 10/16/21 из 24 (source)»: a scale in one phrase."""
    m = scale.minimums
    return f"3/4/5 {m['3']}/{m['4']}/{m['5']} из {scale.max_primary} ({scale.source})"


def record_import(session: Session, actor: Actor, filename: str, merge: ScaleMerge) -> None:
    """The audit event of an import that changed the scales."""
    def key(s: Scale) -> str:
        return f"{s.subject}-{s.grade}-{s.year}"

    record(session, actor, "scales.import", "scales", None,
           before={key(new): scale_text(old) for old, new in merge.replaced} or None,
           after={"file": filename, "added": [key(s) for s in merge.added],
                  "replaced": {key(new): scale_text(new) for _old, new in merge.replaced},
                  "unchanged": len(merge.unchanged)})
