"""File names for downloads (Content-Disposition) built from data: a school code, a slug.

Werkzeug refuses a header value with CR or LF (a 500 for a school code imported with a line
break in it) and writes a non-ASCII name as ``filename*=UTF-8''…`` (RFC 5987) beside an
ASCII ``filename=`` fallback. What is left to us: no control characters, quotes, slashes or
semicolons in the name, and a sane length.
"""
from __future__ import annotations

import re

UNSAFE = re.compile(r'[\x00-\x1f\x7f"\\/;]+')
MAX_NAME = 150


def attachment_name(name: str) -> str:
    """``name`` with every unsafe run replaced by "_" and cut to MAX_NAME (keeping its extension)."""
    cleaned = UNSAFE.sub("_", name).strip(" .") or "file"
    if len(cleaned) > MAX_NAME:
        stem, dot, ext = cleaned.rpartition(".")
        ext = ext if dot and len(ext) <= 8 else ""
        cleaned = cleaned[:MAX_NAME - len(ext) - 1].rstrip(" .") + (f".{ext}" if ext else "")
    return cleaned
