"""The read-only paper viewer: one paper's pages, its rechecks and third checks side by side per
task, and its history. Opened from «Работы» and from the analytics school page by the cipher.

Organisers open any paper, with original scans (``scans.original``) and everything about it;
reviewers only the papers their analytics lists them (``services/reports/paper.py``), with
masked renders served here after the same check, and no names. Observers read progress only
and open no paper; experts never (the one failure this product must not have: a paper's
identity reaching an expert). A paper the reader may not open answers 404, like a missing one.
"""
from __future__ import annotations

from flask import Blueprint, abort, render_template, request
from flask_login import current_user

from ..extensions import session
from ..models import Role
from ..services.reports.paper import masked_page, paper_view
from ..services.scans.renders import RENDER_WIDTHS
from .access import roles_required
from .analytics import campaign_or_404
from .ids import db_int
from .images import send_stored_jpeg

bp = Blueprint("papers", __name__, url_prefix="/campaigns")
VIEWERS = (Role.ORGANISER, Role.REVIEWER)

ACTION_LABELS = {
    "paper.create": "Работа создана (загружены баллы школы)",
    "paper.marks_update": "Баллы школы изменены",
    "paper.status": "Статус работы изменён",
    "paper.release": "Работа выпущена после проверки страниц",
    "review.unassigned": "Третья проверка не назначена",
    "assignment.create": "Назначена проверка",
    "assignment.supersede": "Проверка переназначена или снята",
    "assignment.withdrawn_by_gate": "Проверка снята по правилам конфликта интересов",
    "marks.save": "Баллы сохранены (черновик)",
    "marks.submit": "Проверка сдана",
    "marks.problem": "Эксперт сообщил о проблеме",
    "page.attach": "Страница прикреплена",
    "page.confirm": "Страница подтверждена",
    "page.detach": "Страница откреплена",
    "page.discard": "Страница убрана",
    "page.make_room": "Страница сдвинута",
    "page.replace": "Страница заменена",
    "scan.confirm_code": "Код участника на титульном листе подтверждён вручную",
}


@bp.app_template_global()
def may_open_papers() -> bool:
    """Whether the reader's ciphers are links to the viewer (observers and experts: never)."""
    return current_user.is_authenticated and current_user.role in VIEWERS


@bp.route("/<slug>/papers/<cipher>")
@roles_required(*VIEWERS)
def paper(slug: str, cipher: str):
    campaign = campaign_or_404(slug)
    view = paper_view(session(), current_user, campaign, cipher)
    if view is None:
        abort(404)
    return render_template("papers/paper.html", campaign=campaign, v=view, actions=ACTION_LABELS)


@bp.route("/<slug>/papers/<cipher>/pages/<int:position>")
@roles_required(*VIEWERS)
def page_image(slug: str, cipher: str, position: int):
    """The masked render of a page of a paper the reader may open (never an original)."""
    campaign = campaign_or_404(slug)
    masked = masked_page(session(), current_user, campaign, cipher, position)
    if masked is None:
        abort(404)
    width = request.args.get("w", type=db_int)
    if width is not None and width not in RENDER_WIDTHS:
        abort(400)
    return send_stored_jpeg(masked, width)
