"""The organiser's campaign pages: overview and loading the schools' original marks."""
from __future__ import annotations

from zoneinfo import ZoneInfo

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import SelectField
from wtforms.validators import Length

from ..extensions import session
from ..filenames import shown_name
from ..imports.limits import MAX_FILE_BYTES
from ..imports.tabular import ImportRejected, TableReadError, too_big
from ..models import Role, School
from ..services.audit.trail import Actor
from ..services.campaigns.progress import campaigns_by_slug, school_rows
from ..services.distribution.console import problem_assignments
from ..services.marking.scoring import PROBLEM_LABELS
from ..services.marks.importer import import_marks
from ..services.campaigns.overview import campaign_summaries
from ..services.scans.batches import batches, unidentified_count
from ..services.scans.doubts import held_back_count
from .access import roles_required
from .limits import MB, body_limit

bp = Blueprint("organiser", __name__, url_prefix="/organiser/campaigns")
SHOWN_ERRORS = 1000  # a page lists this many bad rows of a rejected file, then says how many more
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
                           problems=problem_assignments(session(), c), problem_labels=PROBLEM_LABELS,
                           moscow=ZoneInfo("Europe/Moscow"), scan_batches=batches(session(), c),
                           unidentified=unidentified_count(session(), c), held_back=held_back_count(session(), c),
                           batch_labels=BATCH_LABELS)


@bp.route("/<slug>/marks", methods=["POST"])
@body_limit(lambda cfg: cfg.max_table_upload_mb * MB)
@roles_required(Role.ORGANISER)
def upload_marks(slug: str):
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
        result = import_marks(session(), c, name, school_code=form.school.data or None,
                              actor=Actor(current_user), data=data)
    except ImportRejected as exc:
        session().rollback()
        return render_template("organiser/import_errors.html", campaign=c, filename=name,
                               errors=exc.errors[:SHOWN_ERRORS], total=len(exc.errors)), 400
    except TableReadError as exc:
        session().rollback()
        flash(str(exc), "error")
        return redirect(url_for(".campaign", slug=slug))
    session().commit()
    flash(f"Файл «{name}» загружен. {result.summary()}", "info")
    if result.withdrawn:
        flash(f"Снято назначений, которые правила конфликта интересов больше не допускают: "
              f"{len(result.withdrawn)} (см. журнал, «assignment.withdrawn_by_gate»).", "info")
    return redirect(url_for(".campaign", slug=slug))
