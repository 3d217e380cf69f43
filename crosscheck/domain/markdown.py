"""Criteria text as a tiny, safe markdown subset (the wizard's preview and the expert's
scoring screen render the same way).

Everything the author typed is HTML-escaped first; the only markup in the result is what this
module writes itself: paragraphs, line breaks, ``-``/``*`` bullet lists, ``1.`` numbered lists,
``**bold**``, ``*italic*`` / ``_italic_`` and ```code```. No links, images or raw HTML, ever —
``<img onerror=…>`` in a criterion is shown as the text it is.
"""
from __future__ import annotations

import html
import re

_BULLET = re.compile(r"^\s*[-*•]\s+(.*)$")
_NUMBER = re.compile(r"^\s*(\d{1,3})[.)]\s+(.*)$")
_CODE = re.compile(r"`([^`\n]+)`")
_BOLD = re.compile(r"\*\*(?=\S)(.+?)(?<=\S)\*\*")
_ITALIC = re.compile(r"(?<![\w*])[*_](?=\S)(.+?)(?<=\S)[*_](?![\w*])")


def _inline(text: str) -> str:
    """One line of text, escaped, with code, bold and italic."""
    parts = _CODE.split(text)
    out = []
    for i, part in enumerate(parts):
        if i % 2:
            out.append(f"<code>{html.escape(part, quote=True)}</code>")
            continue
        escaped = html.escape(part, quote=True)
        escaped = _BOLD.sub(r"<strong>\1</strong>", escaped)
        escaped = _ITALIC.sub(r"<em>\1</em>", escaped)
        out.append(escaped)
    return "".join(out)


def render(text: str | None) -> str:
    """The criteria as HTML (a string safe to insert: only this module's tags)."""
    blocks: list[str] = []
    paragraph: list[str] = []
    items: list[str] = []
    kind = ""  # "ul" | "ol" while a list is open

    def close_paragraph() -> None:
        if paragraph:
            blocks.append("<p>" + " <br>".join(_inline(line) for line in paragraph) + "</p>")
            paragraph.clear()

    def close_list() -> None:
        nonlocal kind
        if items:
            blocks.append(f"<{kind}>" + "".join(f"<li>{item}</li>" for item in items) + f"</{kind}>")
            items.clear()
        kind = ""

    for line in (text or "").replace("\r\n", "\n").split("\n"):
        bullet, number = _BULLET.match(line), _NUMBER.match(line)
        if not line.strip():
            close_paragraph()
            close_list()
        elif bullet or number:
            close_paragraph()
            wanted = "ul" if bullet else "ol"
            if kind != wanted:
                close_list()
                kind = wanted
            items.append(_inline((bullet or number).group(1 if bullet else 2).strip()))
        elif items and line.startswith((" ", "\t")):
            items[-1] += " <br>" + _inline(line.strip())  # a continued list item
        else:
            close_list()
            paragraph.append(line.strip())
    close_paragraph()
    close_list()
    return "".join(blocks)
