"""The printable credentials sheet: one slip per person (login, temporary password, the
site's address, «смените пароль при первом входе»), cut along the dashed lines.

Built in memory for the one response that shows the passwords and never written anywhere
(the passwords exist in clear only there); the fonts are the protocols' (``pdf.register_fonts``).
"""
from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import KeepTogether, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from .pdf import SANS, SANS_BOLD, register_fonts

TITLE = "Данные для входа в систему перепроверки ВПР"
CHANGE = "Смените пароль при первом входе: система сама откроет страницу смены пароля."


@dataclass(frozen=True)
class Slip:
    full_name: str
    login: str
    password: str


def credentials_pdf(slips: Sequence[Slip], site_url: str) -> bytes:
    register_fonts()
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(buffer, pagesize=A4, leftMargin=15 * mm, rightMargin=15 * mm, topMargin=12 * mm,
                            bottomMargin=12 * mm, title=TITLE, author="crosscheck", subject="Учётные записи")
    small = ParagraphStyle("slip", fontName=SANS, fontSize=10, leading=13)
    name = ParagraphStyle("slip-name", fontName=SANS_BOLD, fontSize=12, leading=15)
    big = ParagraphStyle("slip-big", fontName=SANS_BOLD, fontSize=14, leading=18)
    story = []
    for slip in slips:
        rows = [
            [Paragraph(escape(slip.full_name), name), ""],
            [Paragraph("Адрес сайта:", small), Paragraph(escape(site_url), small)],
            [Paragraph("Логин:", small), Paragraph(escape(slip.login), big)],
            [Paragraph("Временный пароль:", small), Paragraph(escape(slip.password), big)],
            [Paragraph(escape(CHANGE), small), ""],
        ]
        table = Table(rows, colWidths=[45 * mm, None])
        table.setStyle(TableStyle([
            ("SPAN", (0, 0), (1, 0)), ("SPAN", (0, 4), (1, 4)),
            ("BOX", (0, 0), (-1, -1), 0.8, colors.HexColor("#555555"), None, (3, 3)),
            ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
            ("TOPPADDING", (0, 0), (-1, -1), 3), ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
        ]))
        story.append(KeepTogether([table, Spacer(1, 6 * mm)]))
    doc.build(story)
    return buffer.getvalue()
