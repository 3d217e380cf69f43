"""The organiser's campaign pages: overview and loading the schools' original marks."""
from __future__ import annotations

from zoneinfo import ZoneInfo

from flask import Blueprint, abort, current_app, flash, redirect, render_template, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import SelectField
from wtforms.validators import Length

from ..extensions import session
from ..filenames import shown_name
from ..imports.limits import MAX_FILE_BYTES
from ..imports.tabular import RowError, too_big
from ..models import MarksUpload, Role, School
from ..services.campaigns.progress import campaigns_by_slug, school_rows
from ..services.marking.problems import open_count, report_count
from ..services.marks import uploads
from ..services.marks.importer import MarksPreview
from ..services.campaigns.overview import campaign_summaries
from ..services.scans.batches import batches, unidentified_count
from ..services.scans.status import scan_status
from ..services.scans.titles import pending_count, school_codes
from ..services.scans.doubts import held_back_count
from .access import roles_required
from .limits import MB, body_limit

bp = Blueprint("organiser", __name__, url_prefix="/organiser/campaigns")
UPLOAD_LABELS = {"queued": "Ждёт проверки", "checking": "Проверяется", "ready": "Проверен, ждёт подтверждения",
                 "rejected": "Отклонён: есть ошибки", "importing": "Загружается", "imported": "Загружен",
                 "failed": "Ошибка", "cancelled": "Отменён"}
BATCH_LABELS = {"queued": "В очереди", "running": "Обрабатывается", "done": "Готово", "failed": "Ошибка"}


class MarksForm(FlaskForm):
    file = FileField("Файл формы сбора результатов (XLSX или CSV)", validators=[FileRequired("Выберите файл")])
    school = SelectField("Школа (если в файле нет столбца «Код ОО»)", choices=[], validate_choice=False,
                         validators=[Length(max=School.__table__.c.code.type.length,
                                            message="Неизвестная школа")])


def campaign_or_404(slug: str):
    campaign = campaigns_by_slug(session(), slug)
    if campaign is None:
        abort(404)
    return campaign


def of_campaign_or_404(model, row_id: int, campaign):
    """The ``model`` row ``row_id`` when it belongs to ``campaign``; 404 otherwise (another
    campaign's id in this campaign's URL is as unknown as a missing one)."""
    row = session().get(model, row_id)
    if row is None or row.campaign_id != campaign.id:
        abort(404)
    return row


def _marks_form() -> MarksForm:
    from sqlalchemy import select

    form = MarksForm()
    form.school.choices = [("", "— из файла —")] + [
        (s.code, f"{s.code} · {s.name}") for s in session().scalars(select(School).order_by(School.code))]
    return form


@bp.route("/<slug>/")
@roles_required(Role.ORGANISER)
def campaign(slug: str):
    c = campaign_or_404(slug)
    summary = next(s for s in campaign_summaries(session()) if s.campaign.id == c.id)
    return render_template("organiser/campaign.html", campaign=c, summary=summary,
                           schools=school_rows(session(), c), marks_form=_marks_form(),
                           open_problems=open_count(session(), c), any_problems=report_count(session(), c),
                           moscow=ZoneInfo("Europe/Moscow"), scan_batches=batches(session(), c),
                           unidentified=unidentified_count(session(), c), held_back=held_back_count(session(), c),
                           pending_titles=pending_count(session(), c), schools_all=school_codes(session(), c),
                           batch_labels=BATCH_LABELS, marks_uploads=uploads.uploads_of(session(), c),
                           upload_labels=UPLOAD_LABELS, scan_status=scan_status(session(), c, papers=False))


@bp.route("/<slug>/marks", methods=["POST"])
@body_limit(lambda cfg: cfg.max_table_upload_mb * MB)
@roles_required(Role.ORGANISER)
def upload_marks(slug: str):
    """Store the file and check it in the background; nothing is imported before the
    organiser has seen the preview and confirmed it."""
    c = campaign_or_404(slug)
    form = _marks_form()
    if not form.validate_on_submit():
        for errors in form.errors.values():
            for error in errors:
                flash(error, "error")
        return redirect(url_for(".campaign", slug=slug))
    upload = form.file.data
    name = shown_name(upload.filename or "", "marks.xlsx")
    data = upload.read(MAX_FILE_BYTES + 1)  # no more than the reader accepts ever sits in memory
    if len(data) > MAX_FILE_BYTES:
        flash(too_big(name), "error")
        return redirect(url_for(".campaign", slug=slug))
    try:
        staged = uploads.stage(session(), c, name, data, form.school.data or None, current_user,
                               current_app.config["CROSSCHECK"].data_dir)
    except uploads.UploadError as exc:
        session().rollback()
        flash(str(exc), "error")
        return redirect(url_for(".campaign", slug=slug))
    session().commit()
    upload_id = staged.id
    uploads.start(session(), upload_id, "check_marks_upload")
    return redirect(url_for(".marks_upload", slug=slug, upload_id=upload_id))


def _upload_or_404(c, upload_id: int) -> MarksUpload:
    return of_campaign_or_404(MarksUpload, upload_id, c)


@bp.route("/<slug>/marks/<int:upload_id>")
@roles_required(Role.ORGANISER)
def marks_upload(slug: str, upload_id: int):
    c = campaign_or_404(slug)
    upload = _upload_or_404(c, upload_id)
    preview = MarksPreview.from_json(upload.preview) if upload.preview else None
    return render_template("organiser/marks_upload.html", campaign=c, upload=upload, preview=preview,
                           statuses=UPLOAD_LABELS, live=upload.status in uploads.LIVE,
                           errors=[RowError(*e) for e in upload.errors or []])


@bp.route("/<slug>/marks/<int:upload_id>/confirm", methods=["POST"])
@roles_required(Role.ORGANISER)
def confirm_marks(slug: str, upload_id: int):
    c = campaign_or_404(slug)
    upload = _upload_or_404(c, upload_id)
    if not uploads.confirm(session(), upload, current_user):
        session().rollback()
        flash("Этот файл сейчас нельзя загрузить: " + UPLOAD_LABELS[upload.status.value].lower() + ".", "error")
        return redirect(url_for(".marks_upload", slug=slug, upload_id=upload_id))
    session().commit()
    uploads.start(session(), upload_id, "import_marks_upload")
    return redirect(url_for(".marks_upload", slug=slug, upload_id=upload_id))


@bp.route("/<slug>/marks/<int:upload_id>/cancel", methods=["POST"])
@roles_required(Role.ORGANISER)
def cancel_marks(slug: str, upload_id: int):
    c = campaign_or_404(slug)
    upload = _upload_or_404(c, upload_id)
    if uploads.cancel(session(), upload, current_user, current_app.config["CROSSCHECK"].data_dir):
        session().commit()
        flash(f"Файл «{upload.file_name}» отменён: баллы из него не загружены.", "info")
        return redirect(url_for(".campaign", slug=slug))
    session().rollback()
    flash("Этот файл уже нельзя отменить: " + UPLOAD_LABELS[upload.status.value].lower() + ".", "error")
    return redirect(url_for(".marks_upload", slug=slug, upload_id=upload_id))
