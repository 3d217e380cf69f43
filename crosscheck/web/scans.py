"""Organiser pages for scans: cover sheets, uploads with progress, the unidentified queue,
the papers held back with pages in doubt (the paper viewer), and the organiser-only view of
original pages and masked renders."""
from __future__ import annotations

import io
import tempfile
from pathlib import Path

from flask import (Blueprint, abort, current_app, flash, jsonify, redirect, render_template, request, send_file,
                   url_for)
from flask_login import current_user
from sqlalchemy import select

from ..extensions import session
from ..models import BatchStatus, Page, PaperStatus, PendingTitle, Role, ScanBatch, School
from ..services.audit.trail import Actor
from ..services.distribution.reviews import assign_review
from ..services.scans.covers import CoversError, write_school_covers
from ..services.scans.renders import RENDER_WIDTHS
from ..services.scans.batches import ScanUploadError, register_upload, settle_abandoned, start_import
from ..services.scans.doubts import (ConfirmError, Decision, confirm_pages, held_back_papers, is_held_back,
                                     paper_by_cipher, placed_pages)
from ..services.scans.titles import ConfirmError as CodeError
from ..services.scans.titles import confirm as confirm_code
from ..services.scans.titles import crop_image, pending_titles, title_facts
from ..services.scans.unidentified import QueueError, attach, discard, find_paper, waiting
from .access import roles_required
from .downloads import attachment_name
from .ids import db_int
from .images import send_stored_jpeg
from .limits import MB, body_limit
from .organiser import campaign_or_404, of_campaign_or_404

bp = Blueprint("scans", __name__, url_prefix="/organiser/campaigns")


@bp.route("/<slug>/covers/<school_code>.pdf")
@roles_required(Role.ORGANISER)
def covers(slug: str, school_code: str):
    campaign_or_404(slug)
    buf = io.BytesIO()
    try:
        write_school_covers(session(), slug, school_code, buf)
    except CoversError as exc:
        flash(str(exc), "error")
        return redirect(url_for("organiser.campaign", slug=slug))
    buf.seek(0)
    return send_file(buf, mimetype="application/pdf", as_attachment=True,
                     download_name=attachment_name(f"covers-{slug}-{school_code}.pdf"))


NO_QUEUE = ("Сканы не загружены: в рабочем режиме файл сканов обрабатывается очередью задач, а она не настроена "
            "(REDIS_URL). Администратор может загрузить файл на сервере командой «crosscheck scans import».")


@bp.route("/<slug>/scans", methods=["POST"])
@body_limit(lambda cfg: cfg.max_upload_mb * MB)
@roles_required(Role.ORGANISER)
def upload(slug: str):
    campaign = campaign_or_404(slug)
    upload_file = request.files.get("scan")
    if upload_file is None or not upload_file.filename:
        flash("Выберите файл сканов (PDF или TIFF).", "error")
        return redirect(url_for("organiser.campaign", slug=slug))
    cfg = current_app.config["CROSSCHECK"]
    if cfg.production and not cfg.redis_url:
        # An import takes minutes; inline it would hold a web worker (and its request) that long.
        flash(NO_QUEUE, "error")
        return redirect(url_for("organiser.campaign", slug=slug))
    with tempfile.TemporaryDirectory(dir=cfg.data_dir) as tmp:
        # Never the organiser's name on disk: it may be too long for the file system, or hold
        # anything (a NUL). The pipeline tells PDF from TIFF by content, not by extension.
        source = Path(tmp) / "upload"
        upload_file.save(source)
        school_code = (request.form.get("school") or "").strip()
        school = session().scalar(select(School).where(School.code == school_code)) if school_code else None
        if school_code and school is None:
            flash(f"ОО «{school_code[:64]}» не найдена: файл не загружен.", "error")
            return redirect(url_for("organiser.campaign", slug=slug))
        try:
            reg = register_upload(session(), campaign, source, upload_file.filename, cfg.data_dir,
                                  Actor(current_user), max_pages=cfg.max_scan_pages, school=school)
        except ScanUploadError as exc:
            session().rollback()
            flash(str(exc), "error")
            return redirect(url_for("organiser.campaign", slug=slug))
        session().commit()
    batch_id, name = reg.batch.id, reg.batch.filename
    if not reg.needs_run:
        flash(f"Файл «{name}» уже был загружен: ничего не добавлено." if reg.batch.status == BatchStatus.DONE
              else f"Файл «{name}» уже загружен и обрабатывается.", "info")
        return redirect(url_for("organiser.campaign", slug=slug))
    try:
        handle = start_import(session(), reg.batch)
    except ScanUploadError as exc:
        flash(str(exc), "error")
        return redirect(url_for("organiser.campaign", slug=slug))
    except Exception:  # noqa: BLE001 - an inline run failed: the batch carries the reason
        session().rollback()
        batch = session().get(ScanBatch, batch_id)
        flash(batch.error if batch is not None and batch.error else f"Файл «{name}» не удалось обработать.", "error")
        return redirect(url_for("organiser.campaign", slug=slug))
    flash(f"Файл «{name}» {'обработан' if handle.inline else 'поставлен в очередь на обработку'}.", "info")
    return redirect(url_for("organiser.campaign", slug=slug))


@bp.route("/<slug>/scans/<int:batch_id>.json")
@roles_required(Role.ORGANISER, Role.OBSERVER)
def progress(slug: str, batch_id: int):
    campaign = campaign_or_404(slug)
    batch = of_campaign_or_404(ScanBatch, batch_id, campaign)
    settle_abandoned(session(), [batch])
    return jsonify({"status": batch.status.value, "pages_done": batch.pages_done,
                    "pages_total": batch.pages_total, "error": batch.error, "report": batch.report})


@bp.route("/<slug>/unidentified")
@roles_required(Role.ORGANISER)
def unidentified(slug: str):
    campaign = campaign_or_404(slug)
    # ``?cipher=…`` (from an expert's problem report): the attach forms come filled in for that paper
    target = paper_by_cipher(session(), campaign, request.args.get("cipher", "")[:64]) \
        if request.args.get("cipher") else None
    return render_template("scans/unidentified.html", campaign=campaign, pages=waiting(session(), campaign),
                           target=target)


def _page_of(campaign, page_id: int) -> Page:
    return of_campaign_or_404(Page, page_id, campaign)


@bp.route("/<slug>/unidentified/<int:page_id>/attach", methods=["POST"])
@roles_required(Role.ORGANISER)
def attach_page(slug: str, page_id: int):
    campaign = campaign_or_404(slug)
    page = _page_of(campaign, page_id)
    try:
        paper = find_paper(session(), campaign, request.form.get("school", ""), request.form.get("participant", ""))
        position = request.form.get("position", type=db_int) or 0
        attach(session(), current_app.config["CROSSCHECK"].data_dir, campaign, page, paper, position,
               replace=request.form.get("replace") == "1", actor=Actor(current_user))
        session().commit()
        flash(f"Страница прикреплена к работе участника {paper.participant_code} как страница {position}.", "info")
        if is_held_back(session(), paper):
            flash(f"Работа {paper.cipher} задержана: {page.doubt or 'положение её страниц под сомнением.'} "
                  "Подтвердите её страницы в разделе «Работы с сомнительными страницами».", "error")
    except QueueError as exc:
        session().rollback()
        flash(f"Страница не прикреплена: {exc}.", "error")
    return redirect(url_for(".unidentified", slug=slug))


@bp.route("/<slug>/unidentified/<int:page_id>/discard", methods=["GET", "POST"])
@roles_required(Role.ORGANISER)
def discard_page(slug: str, page_id: int):
    campaign = campaign_or_404(slug)
    page = _page_of(campaign, page_id)
    if request.method == "GET":
        return render_template("scans/discard_confirm.html", campaign=campaign, page=page)
    try:
        discard(session(), campaign, page, Actor(current_user))
        session().commit()
        flash("Страница убрана из очереди (остаётся в журнале и в архиве сканов).", "info")
    except QueueError as exc:
        session().rollback()
        flash(str(exc), "error")
    return redirect(url_for(".unidentified", slug=slug))


@bp.route("/pages/<int:page_id>/original")
@roles_required(Role.ORGANISER)
def original(page_id: int):
    """An original scan: organisers only, never experts, reviewers or observers."""
    page = session().get(Page, page_id)
    if page is None:
        abort(404)
    width = request.args.get("w", type=db_int)
    return send_stored_jpeg(page.original_sha256, width if width in RENDER_WIDTHS else None)


# --- papers held back: pages in doubt, confirmed in the paper viewer ---------------------

@bp.route("/<slug>/doubts")
@roles_required(Role.ORGANISER)
def doubts(slug: str):
    campaign = campaign_or_404(slug)
    return render_template("scans/doubts.html", campaign=campaign, papers=held_back_papers(session(), campaign))


def _paper_of(campaign, cipher: str):
    paper = paper_by_cipher(session(), campaign, cipher)
    if paper is None:
        abort(404)
    return paper


# The turns offered for a page, as the organiser sees them: degrees counter-clockwise (the
# pipeline's convention), a short label and what it means.
TURN_CHOICES = [(0, "как есть", "оставить как есть"), (180, "180°", "перевернуть на 180°"),
                (270, "↻ 90°", "повернуть на 90° по часовой стрелке"),
                (90, "↺ 90°", "повернуть на 90° против часовой стрелки")]


def _viewer(campaign, paper, chosen: dict[int, tuple[str, str]] | None = None, status: int = 200):
    pages = placed_pages(session(), paper)
    files = dict(session().execute(select(ScanBatch.id, ScanBatch.filename).where(
        ScanBatch.id.in_({p.batch_id for p in pages if p.batch_id}))).all())
    return render_template("scans/doubt_paper.html", campaign=campaign, paper=paper, pages=pages, files=files,
                           held=is_held_back(session(), paper), chosen=chosen or {}, turns=TURN_CHOICES), status


@bp.route("/<slug>/doubts/<cipher>")
@roles_required(Role.ORGANISER)
def doubt_paper(slug: str, cipher: str):
    campaign = campaign_or_404(slug)
    return _viewer(campaign, _paper_of(campaign, cipher))


@bp.route("/<slug>/doubts/<cipher>/confirm", methods=["POST"])
@roles_required(Role.ORGANISER)
def confirm_paper(slug: str, cipher: str):
    campaign = campaign_or_404(slug)
    paper = _paper_of(campaign, cipher)
    chosen = {}
    for page in placed_pages(session(), paper):
        chosen[page.id] = (request.form.get(f"position-{page.id}", ""), request.form.get(f"turn-{page.id}", "0"))
    try:
        decisions = [Decision(page_id, int(position), int(turn)) for page_id, (position, turn) in chosen.items()]
    except ValueError:
        flash("Укажите для каждой страницы её место в работе и поворот.", "error")
        return _viewer(campaign, paper, chosen, 400)
    try:
        confirm_pages(session(), current_app.config["CROSSCHECK"].data_dir, campaign, paper, decisions,
                      Actor(current_user))
        if paper.status == PaperStatus.REVIEW:
            assign_review(session(), paper)  # a third check that waited for the pages
        session().commit()
    except ConfirmError as exc:
        session().rollback()
        flash(f"Страницы не подтверждены: {exc}.", "error")
        return _viewer(campaign, paper, chosen, 400)
    flash(f"Страницы работы {cipher} подтверждены: маски наложены заново, работа доступна для распределения.",
          "info")
    return redirect(url_for(".doubts", slug=slug))


@bp.route("/pages/<int:page_id>/masked")
@roles_required(Role.ORGANISER)
def masked(page_id: int):
    """The masked render of a page as the organiser checks it (a page in doubt: masked everywhere)."""
    page = session().get(Page, page_id)
    if page is None or not page.masked_sha256:
        abort(404)
    width = request.args.get("w", type=db_int)
    return send_stored_jpeg(page.masked_sha256, width if width in RENDER_WIDTHS else None)


# --- the confirmation queue: title pages whose handwritten code a person confirms ---------

def _title_of(campaign, item_id: int) -> PendingTitle:
    return of_campaign_or_404(PendingTitle, item_id, campaign)


@bp.route("/<slug>/titles")
@roles_required(Role.ORGANISER)
def titles(slug: str):
    """One pending title page at a time, keyboard first: ``?after=ID`` the one after it (the
    first again past the end), ``?before=ID`` the one before it (the last before the first)."""
    campaign = campaign_or_404(slug)
    waiting_items = pending_titles(session(), campaign)
    after = request.args.get("after", type=db_int)
    before = request.args.get("before", type=db_int)
    item = None
    if waiting_items:
        if before is not None:
            earlier = [i for i in waiting_items if i.id < before]
            item = (earlier or waiting_items)[-1]
        else:
            later = [i for i in waiting_items if after is None or i.id > after]
            item = (later or waiting_items)[0]
    position = waiting_items.index(item) + 1 if item is not None else 0
    return render_template("scans/titles.html", campaign=campaign, item=item, total=len(waiting_items),
                           position=position, facts=title_facts(session(), campaign, item) if item else None)


@bp.route("/<slug>/titles/<int:item_id>/crop.png")
@roles_required(Role.ORGANISER)
def title_crop(slug: str, item_id: int):
    """The code box of a pending title page, cut from the original scan: organisers only."""
    campaign = campaign_or_404(slug)
    item = _title_of(campaign, item_id)
    try:
        data = crop_image(current_app.config["CROSSCHECK"].data_dir, item)
    except FileNotFoundError:
        abort(404)
    response = send_file(io.BytesIO(data), mimetype="image/png", max_age=0)
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.route("/<slug>/titles/<int:item_id>/confirm", methods=["POST"])
@roles_required(Role.ORGANISER)
def confirm_title(slug: str, item_id: int):
    campaign = campaign_or_404(slug)
    item = _title_of(campaign, item_id)
    code = (request.form.get("participant") or "").strip()[:64]
    try:
        paper = confirm_code(session(), campaign, item, code, Actor(current_user))
        session().commit()
    except CodeError as exc:
        session().rollback()
        flash(f"Код не подтверждён: {exc}.", "error")
        return redirect(url_for(".titles", slug=slug, after=item_id - 1))
    flash(f"Страница {item.file_page} файла «{item.batch.filename}»: работа участника {paper.participant_code} "
          "размещена вместе со следующими страницами.", "info")
    return redirect(url_for(".titles", slug=slug, after=item_id))
