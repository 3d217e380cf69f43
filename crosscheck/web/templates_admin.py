"""The organiser's «Шаблоны» page: stored paper templates, conversion scales (listed and
imported from a CSV), a new template drafted from a school's results form, and a campaign
created from a template — the web way of `templates list`, `scales list|import`,
`template from-form` and `campaign create`.

The draft between the upload and the save lives in the edit form itself (tasks, thresholds,
the scale that gave them, as visible and hidden fields): the uploaded file is read once and
never kept.

«Маски на странице» (issue 15): an organiser uploads a scanned title page (and a content page),
draws the masks and the identity box over it in ``static/masks.js``, previews the page masked by
the pipeline's own code and saves (``services/campaigns/masks.py`` decides: the template updated
in place, or refused once pages are rendered and saved as a new template). The uploaded pages
live in ``services/scans/mask_pages.py``'s swept temporary area and are served to organisers only.
"""
from __future__ import annotations

import json
import re
from datetime import UTC, datetime

from flask import (Blueprint, Response, abort, current_app, flash, jsonify, redirect, render_template, request,
                   send_file, url_for)
from flask_login import current_user
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import FieldList, Form, FormField, HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from ..domain.scales import SUBJECT_CODES, ScaleImportError
from ..domain.template import GRADE_KEYS, MAX_LENGTHS, SLUG_RE, TemplateError, parse_template
from ..domain.template_draft import draft_template
from ..extensions import session
from ..filenames import shown_name
from ..imports.limits import MAX_FILE_BYTES
from ..imports.tabular import too_big
from ..models import Role
from ..services.audit.trail import Actor
from ..services.campaigns.drafts import (FormDraftError, edited_document, form_tasks_from_file, match_scale,
                                         scale_source, template_yaml)
from ..services.campaigns.scales import ScalesFileError, import_scales, listed_scales, lookup_scales, record_import, \
    scale_text
from ..services.campaigns.masks import MasksRefused, mask_document, rendered_pages, save_masks, spec_with_masks
from ..services.campaigns.store import (CampaignError, create_campaign, get_campaign, get_template, save_template,
                                        stored_spec, template_campaigns, template_summaries)
from ..services.scans import mask_pages
from .access import roles_required
from .limits import MB, body_limit

bp = Blueprint("templates_admin", __name__, url_prefix="/organiser/templates")

MAX_TASKS = 200  # a VPR paper has up to ~20; a form with more task columns is not a results form
MAX_CRITERIA = 20000  # characters of one task's criteria
MAX_MASKS_JSON = 100_000  # the mask editor's JSON (a template has a handful of boxes)
GRADE_CHOICES = [(str(n), str(n)) for n in range(1, 12)]
SUBJECTS = sorted(name.capitalize() for name in SUBJECT_CODES if name != "русский")  # the page's suggestions
SPEC_KEY = re.compile(r"^(?P<key>[a-z_]+(?:\[\d+\])?(?:\.[a-z0-9_]+)?)(?=[:.\[]|$)")


# --- forms ---------------------------------------------------------------------------------

class ScalesForm(FlaskForm):
    file = FileField("Файл шкал перевода (CSV в кодировке UTF-8)", validators=[FileRequired("Выберите файл")])


class FromFormForm(FlaskForm):
    file = FileField("Форма сбора результатов школы (XLSX или CSV)", validators=[FileRequired("Выберите файл")])
    subject = StringField("Предмет", validators=[DataRequired("Укажите предмет"),
                                                 Length(max=MAX_LENGTHS["subject"], message="Слишком длинно")])
    grade = SelectField("Класс", choices=GRADE_CHOICES, default="4")
    year = StringField("Год", validators=[Optional(), Length(max=4)], default=lambda: str(datetime.now(UTC).year))


class TaskForm(Form):  # a sub-form: the CSRF token is the enclosing form's
    label = HiddenField(validators=[Length(max=MAX_LENGTHS["label"])])
    max = HiddenField(validators=[Length(max=4)])
    criteria = TextAreaField("Критерии оценивания", validators=[Length(max=MAX_CRITERIA,
                                                                       message="Слишком длинный текст")])


class DraftForm(FlaskForm):
    form_name = HiddenField(validators=[Length(max=200)])
    year = HiddenField(validators=[Length(max=4)])
    scale_note = HiddenField(validators=[Length(max=2000)])  # which scale gave the thresholds
    scale_grades = HiddenField(validators=[Length(max=40)])  # its minimums «10,16,21»
    scale_problem = HiddenField(validators=[Length(max=2000)])  # a scale found for another total
    name = StringField("Имя шаблона (латиницей, для системы)", validators=[Length(max=200)])
    title = StringField("Название", validators=[Length(max=1000)])
    subject = StringField("Предмет", validators=[Length(max=1000)])
    grade_level = StringField("Класс", validators=[Length(max=10)])
    pages = StringField("Страниц в работе", validators=[Length(max=10)])
    grade3 = StringField("Отметка «3» — от", validators=[Length(max=10)])
    grade4 = StringField("Отметка «4» — от", validators=[Length(max=10)])
    grade5 = StringField("Отметка «5» — от", validators=[Length(max=10)])
    tasks = FieldList(FormField(TaskForm), min_entries=0, max_entries=MAX_TASKS)


class CampaignForm(FlaskForm):
    slug = StringField("Код кампании (латиницей, в адресах)", validators=[DataRequired("Укажите код кампании"),
                                                                       Length(max=100, message="Слишком длинно")])
    name = StringField("Название кампании", validators=[DataRequired("Укажите название кампании"),
                                                        Length(max=300, message="Слишком длинно")])
    per_paper = SelectField("Перепроверок на работу", choices=[("1", "1"), ("2", "2")], default="1")


# --- pages ---------------------------------------------------------------------------------

def _data_dir():
    return current_app.config["CROSSCHECK"].data_dir


def _index(status: int = 200, *, scales_form: ScalesForm | None = None, from_form: FromFormForm | None = None,
           scale_errors: list[str] | None = None, scale_file: str = "", draft_errors: list[str] | None = None):
    try:
        scales, scales_problem = listed_scales(_data_dir()), None
    except ScalesFileError as exc:
        scales, scales_problem = [], str(exc)
    from_form = from_form or FromFormForm(formdata=None)
    return render_template("templates_admin/index.html", templates=template_summaries(session()), scales=scales,
                           scales_problem=scales_problem, scales_form=scales_form or ScalesForm(formdata=None),
                           from_form=from_form, subjects=SUBJECTS, scale_errors=scale_errors or [],
                           scale_file=scale_file, draft_errors=draft_errors or []), status


@bp.route("/")
@roles_required(Role.ORGANISER)
def index():
    return _index()


def _form_errors(form: FlaskForm) -> list[str]:
    return [error for errors in form.errors.values() for error in errors if isinstance(error, str)]


def _read_upload(upload, default: str) -> tuple[str, bytes | None]:
    name = shown_name(upload.filename or "", default)
    data = upload.read(MAX_FILE_BYTES + 1)  # no more than the reader accepts ever sits in memory
    return name, (None if len(data) > MAX_FILE_BYTES else data)


@bp.route("/scales", methods=["POST"])
@body_limit(lambda cfg: cfg.max_table_upload_mb * MB)
@roles_required(Role.ORGANISER)
def upload_scales():
    form = ScalesForm()
    if not form.validate_on_submit():
        return _index(400, scales_form=form, scale_errors=_form_errors(form))
    name, data = _read_upload(form.file.data, "scales.csv")
    problem = None
    if data is None:
        problem = too_big(name)
    elif data[:4] == b"PK\x03\x04":
        problem = f"{name}: это файл XLSX; сохраните шкалы как CSV (UTF-8) со столбцами исходного файла шкал"
    else:
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            problem = f"{name}: файл не в кодировке UTF-8; сохраните его как «CSV UTF-8»"
    if problem:
        return _index(400, scales_form=form, scale_errors=[problem], scale_file=name)
    try:
        merge = import_scales(_data_dir(), text)
    except ScaleImportError as exc:
        return _index(400, scales_form=form, scale_errors=exc.errors, scale_file=name)
    except (ScalesFileError, OSError) as exc:
        current_app.logger.exception("scales import failed")
        return _index(500, scales_form=form, scale_errors=[f"шкалы не записаны: {exc}"], scale_file=name)
    if merge.changed:
        record_import(session(), Actor(current_user), name, merge)
        session().commit()
    flash(f"Шкалы перевода из «{name}»: добавлено {len(merge.added)}, заменено {len(merge.replaced)}, "
          f"без изменений {len(merge.unchanged)}.", "info")
    for old, new in merge.replaced:
        flash(f"Заменена шкала {new.subject}, {new.grade} класс, {new.year} год: {scale_text(old)} → "
              f"{scale_text(new)}", "info")
    return redirect(url_for(".index") + "#scales")


def _year(value: str | None) -> int | None:
    value = (value or "").strip()
    return int(value) if value.isdigit() and 2000 <= int(value) <= 2100 else None


@bp.route("/from-form", methods=["POST"])
@body_limit(lambda cfg: cfg.max_table_upload_mb * MB)
@roles_required(Role.ORGANISER)
def from_form():
    """A school's results form in, the pre-filled edit page out (nothing stored)."""
    form = FromFormForm()
    errors = _form_errors(form) if not form.validate_on_submit() else []
    if not errors and form.year.data and _year(form.year.data) is None:
        errors.append("Год — четыре цифры, например 2026")
    if errors:
        return _index(400, from_form=form, draft_errors=errors)
    name, data = _read_upload(form.file.data, "form.xlsx")
    if data is None:
        return _index(400, from_form=form, draft_errors=[too_big(name)])
    try:
        tasks = form_tasks_from_file(name, data)
        scales = lookup_scales(_data_dir())
    except (FormDraftError, ScalesFileError) as exc:
        return _index(400, from_form=form, draft_errors=[str(exc)])
    if len(tasks) > MAX_TASKS:
        return _index(400, from_form=form, draft_errors=[f"{name}: столбцов заданий больше {MAX_TASKS}"])
    subject = " ".join(form.subject.data.split())
    grade, year = int(form.grade.data), _year(form.year.data)
    match = match_scale(subject, grade, year, tasks, scales)
    grades = match.grades or {}
    doc = draft_template(tasks, subject=subject, grade=grade, year=year,
                         grades=match.grades or dict.fromkeys(GRADE_KEYS))  # names, titles, criteria as the CLI
    data = {
        "form_name": name, "year": str(year or ""),
        "scale_note": scale_source(match.scale) if match.grades else "",
        "scale_grades": ",".join(str(grades[k]) for k in GRADE_KEYS) if match.grades else "",
        "scale_problem": (match.problem or "").split("; укажите")[0],  # the CLI's advice names its option
        "name": doc["name"], "title": doc["title"], "subject": doc["subject"], "grade_level": str(doc["grade_level"]),
        "pages": str(doc["pages"]),
        "grade3": str(grades.get("3", "")), "grade4": str(grades.get("4", "")), "grade5": str(grades.get("5", "")),
        "tasks": [{"label": t["label"], "max": str(t["max"]), "criteria": t["criteria"]} for t in doc["tasks"]],
    }
    draft = DraftForm(formdata=None, data=data)
    return _edit(draft, scale=match.scale, scale_problem=match.problem)


def _edit(form: DraftForm, status: int = 200, *, errors: list[str] | None = None, scale=None,
          scale_problem: str | None = None):
    errors = errors or []
    by_key: dict[str, list[str]] = {}  # "name", "grades.5", "tasks[2]" → its messages, shown beside the field
    for error in errors:
        match = SPEC_KEY.match(error)
        if match:
            key = match.group("key")
            by_key.setdefault(key.split(".")[0] if key.startswith("tasks[") else key, []).append(error)
    maxima = [t.form.max.data for t in form.tasks]
    return render_template("templates_admin/draft.html", form=form, errors=errors, by_key=by_key,
                           total=sum(int(m) for m in maxima if str(m).isdigit()), scale=scale,
                           scale_problem=scale_problem), status


def _number(value: str | None):
    """A typed number as the SPEC's validation wants it: an int, None when empty, else the text."""
    value = (value or "").strip()
    if not value:
        return None
    return int(value) if value.isdigit() and len(value) <= 6 else value


def _document(form: DraftForm) -> dict:
    tasks = [((t.form.label.data or "").strip(), _number(t.form.max.data),
              (t.form.criteria.data or "").replace("\r\n", "\n")) for t in form.tasks]
    return edited_document(name=(form.name.data or "").strip(), title=form.title.data or "",
                           subject=form.subject.data or "", grade_level=_number(form.grade_level.data),
                           pages=_number(form.pages.data), tasks=tasks,
                           grades={k: _number(getattr(form, f"grade{k}").data) for k in GRADE_KEYS})


def _grades_source(form: DraftForm, doc: dict) -> str:
    typed = ",".join(str(doc["grades"].get(k, "")) for k in GRADE_KEYS)
    if form.scale_note.data and typed == form.scale_grades.data:
        return form.scale_note.data
    return "указаны организатором на странице «Шаблоны»"


@bp.route("/draft", methods=["POST"])
@roles_required(Role.ORGANISER)
def save_draft():
    """Save the edited draft (button «save») or download it as YAML (button «yaml»)."""
    form = DraftForm()
    if not form.validate_on_submit():
        return _edit(form, 400, errors=_form_errors(form) or ["Форма заполнена неверно; загрузите форму сбора "
                                                             "результатов заново"])
    if not form.tasks.entries:
        return _edit(form, 400, errors=["tasks: нет ни одного задания; загрузите форму сбора результатов заново"])
    doc = _document(form)
    try:
        spec = parse_template(doc)
    except TemplateError as exc:
        return _edit(form, 400, errors=list(exc.errors))
    if request.form.get("action") == "yaml":
        text = template_yaml(doc, form_name=form.form_name.data or "", grades_source=_grades_source(form, doc),
                             made_by="страница «Шаблоны» crosscheck")
        return Response(text, mimetype="application/x-yaml; charset=utf-8",
                        headers={"Content-Disposition": f'attachment; filename="{spec.name}.yaml"'})
    try:
        template, created = save_template(session(), spec, actor=Actor(current_user))
    except CampaignError as exc:
        session().rollback()
        return _edit(form, 400, errors=[f"name: {exc}"])
    session().commit()
    flash(f"Шаблон «{spec.name}» сохранён: заданий {len(spec.tasks)}, максимальный первичный балл {spec.max_total}."
          if created else f"Такой шаблон уже есть: «{spec.name}».", "info")
    return redirect(url_for(".template", template_name=template.name))


# --- one stored template and a campaign from it --------------------------------------------

def _template_or_404(template_name: str):
    if not SLUG_RE.match(template_name):
        abort(404)
    template = get_template(session(), template_name)
    if template is None:
        abort(404)
    return template


def _template_page(template, form: CampaignForm, status: int = 200, errors: list[str] | None = None, *,
                   mask_errors: list[str] | None = None):
    campaigns = template_campaigns(session(), template)
    upload = MaskPagesForm(formdata=None)
    upload.content_position.choices = _position_choices(template)
    return render_template("templates_admin/template.html", template=template, form=form, campaigns=campaigns,
                           errors=errors or [], masks=mask_document(stored_spec(template)), upload=upload,
                           mask_errors=mask_errors or [],
                           pages=mask_pages.editor_pages(*_editor_key(template))), status


@bp.route("/<template_name>/")
@roles_required(Role.ORGANISER)
def template(template_name: str):
    t = _template_or_404(template_name)
    try:  # the template's name is offered as the campaign's code unless a campaign has it already
        get_campaign(session(), t.name)
        slug = ""
    except CampaignError:
        slug = t.name
    form = CampaignForm(formdata=None, data={"slug": slug, "name": t.title, "per_paper": "1"})
    return _template_page(t, form)


@bp.route("/<template_name>/campaign", methods=["POST"])
@roles_required(Role.ORGANISER)
def new_campaign(template_name: str):
    t = _template_or_404(template_name)
    form = CampaignForm()
    if not form.validate_on_submit():
        return _template_page(t, form, 400, _form_errors(form))
    slug = form.slug.data.strip()
    try:
        campaign = create_campaign(session(), slug, stored_spec(t), form.name.data, per_paper=int(form.per_paper.data),
                                   actor=Actor(current_user))
    except (CampaignError, TemplateError) as exc:
        session().rollback()
        message = str(exc).replace("CAMPAIGN ", "Код кампании ").replace("--name", "Название").replace(
            "--per-paper", "Перепроверок на работу")
        return _template_page(t, form, 400, [message])
    session().commit()
    flash(f"Кампания «{campaign.name}» создана по шаблону «{t.name}».", "info")
    return redirect(url_for("organiser.campaign", slug=campaign.slug))


# --- masks drawn on a real page (issue 15) ---------------------------------------------------

class MaskPagesForm(FlaskForm):
    title_page = FileField("Титульная страница (скан: JPEG, PNG или PDF — берётся первая страница)")
    content_page = FileField("Страница с заданиями (необязательно)")
    content_position = SelectField("Её номер в работе", default="2")


class MasksForm(FlaskForm):
    masks_json = HiddenField(validators=[Length(max=MAX_MASKS_JSON)])
    new_name = StringField("Имя нового шаблона (латиницей)", validators=[Optional(), Length(max=100)])


MASK_KEY = re.compile(r"^(?P<key>masks\[(?P<i>\d+)\](?:\.(?P<f>page|box))?|identity(?:\.(?P<g>page|box|digits))?)"
                      r"(?P<rest>:.*)$", re.S)
MASK_FIELDS = {None: "", "page": ", страница", "box": ", координаты", "digits": ", число цифр"}


def mask_error_ru(error: str) -> str:
    """«masks[2].box: …» → «Маска 2, координаты: …»; «identity.digits: …» → «Поле кода участника, число цифр: …»."""
    match = MASK_KEY.match(error)
    if not match:
        return error
    if match.group("i"):
        where = f"Маска {match.group('i')}{MASK_FIELDS[match.group('f')]}"
    else:
        where = f"Поле кода участника{MASK_FIELDS[match.group('g')]}"
    return where + match.group("rest")


def _editor_key(t) -> tuple:
    return _data_dir(), current_user.id, t.id


def _position_choices(t) -> list[tuple[str, str]]:
    return [(str(n), f"страница {n}") for n in range(2, max(t.pages, 2) + 1)]


def _masks_from_form(raw: str | None):
    """(masks, identity) from the editor's JSON, or a Russian error."""
    try:
        data = json.loads(raw or "")
    except ValueError:
        return None, None, "Маски не получены: обновите страницу редактора и попробуйте снова"
    if not isinstance(data, dict) or not isinstance(data.get("masks"), list):
        return None, None, "Маски не получены: обновите страницу редактора и попробуйте снова"
    return data["masks"], data.get("identity"), None


def _masks_editor(t, status: int = 200, *, errors: list[str] | None = None, form: MasksForm | None = None,
                  masks: dict | None = None, refused: bool = False):
    key = _editor_key(t)
    pages = mask_pages.editor_pages(*key)
    current = masks or mask_document(stored_spec(t))
    images = {slot: {"url": url_for(".masks_page_image", template_name=t.name, slot=slot, v=p.stamp),
                     "position": p.position, "width": p.width, "height": p.height, "name": p.name}
              for slot, p in pages.items()}
    data = {"masks": current["masks"], "identity": current["identity"], "pages": t.pages, "images": images,
            "preview": url_for(".masks_preview", template_name=t.name)}
    form = form or MasksForm(formdata=None, data={"masks_json": json.dumps(current, ensure_ascii=False)})
    rendered = rendered_pages(session(), t)
    refused = refused or bool(rendered)  # only a new template can take other masks then
    return render_template("templates_admin/masks.html", template=t, data=data, form=form, pages=pages,
                           errors=errors or [], refused=refused, rendered=rendered,
                           suggested=_suggested_name(t) if refused else ""), status


def _suggested_name(t) -> str:
    for n in range(2, 100):
        name = f"{t.name[:95]}-m{n}"
        if get_template(session(), name) is None:
            return name
    return ""


@bp.route("/<template_name>/masks")
@roles_required(Role.ORGANISER)
def masks_editor(template_name: str):
    return _masks_editor(_template_or_404(template_name))


@bp.route("/<template_name>/masks/pages", methods=["POST"])
@body_limit(lambda cfg: cfg.max_table_upload_mb * MB)
@roles_required(Role.ORGANISER)
def masks_upload(template_name: str):
    """One title page and optionally one content page, kept for this editing session only."""
    t = _template_or_404(template_name)
    form = MaskPagesForm()
    form.content_position.choices = _position_choices(t)
    errors = _form_errors(form) if not form.validate_on_submit() else []
    uploads = [(slot, f.data) for slot, f in (("title", form.title_page), ("content", form.content_page))
               if f.data and getattr(f.data, "filename", "")]
    if not errors and not uploads:
        errors = ["Выберите скан титульной страницы (JPEG, PNG или PDF)"]
    for slot, upload in uploads if not errors else []:
        name = shown_name(upload.filename or "", f"{slot}.jpg")
        data = upload.read(mask_pages.MAX_PAGE_BYTES + 1)
        position = 1 if slot == "title" else int(form.content_position.data or 2)
        try:
            mask_pages.store_page(*_editor_key(t), slot, name, data, position)
        except mask_pages.MaskPageError as exc:
            errors.append(str(exc))
    if errors:
        return _template_page(t, CampaignForm(formdata=None, data={"name": t.title}), 400, mask_errors=errors)
    return redirect(url_for(".masks_editor", template_name=t.name))


@bp.route("/<template_name>/masks/pages/<slot>.jpg")
@roles_required(Role.ORGANISER)
def masks_page_image(template_name: str, slot: str):
    """An uploaded page of this organiser's editing session (never anyone else's)."""
    t = _template_or_404(template_name)
    path = mask_pages.page_file(*_editor_key(t), slot)
    if path is None:
        abort(404)
    return send_file(path, mimetype="image/jpeg")


@bp.route("/<template_name>/masks/preview", methods=["POST"])
@roles_required(Role.ORGANISER)
def masks_preview(template_name: str):
    """The uploaded page masked by the pipeline's own code with the masks being edited (JSON)."""
    t = _template_or_404(template_name)
    form = MasksForm()
    if not form.validate_on_submit():
        return jsonify({"errors": _form_errors(form) or ["Обновите страницу и попробуйте снова"]}), 400
    slot = request.form.get("slot", "title")
    masks, identity, problem = _masks_from_form(form.masks_json.data)
    if problem:
        return jsonify({"errors": [problem]}), 400
    try:
        spec = spec_with_masks(t, masks, identity)
        shown = mask_pages.preview(*_editor_key(t), slot, spec)
    except TemplateError as exc:
        return jsonify({"errors": [mask_error_ru(e) for e in exc.errors]}), 400
    except mask_pages.MaskPageError as exc:
        return jsonify({"errors": [str(exc)]}), 400
    sha = shown.path.stem
    return jsonify({"url": url_for(".masks_preview_image", template_name=t.name, sha256=sha),
                    "doubt": shown.doubt, "turn": shown.turn})


@bp.route("/<template_name>/masks/preview/<sha256>.jpg")
@roles_required(Role.ORGANISER)
def masks_preview_image(template_name: str, sha256: str):
    t = _template_or_404(template_name)
    path = mask_pages.preview_file(*_editor_key(t), sha256)
    if path is None:
        abort(404)
    return send_file(path, mimetype="image/jpeg")


@bp.route("/<template_name>/masks", methods=["POST"])
@roles_required(Role.ORGANISER)
def save_masks_view(template_name: str):
    """«Сохранить маски»: the template updated, or refused once pages were rendered (then a new template)."""
    t = _template_or_404(template_name)
    form = MasksForm()
    if not form.validate_on_submit():
        return _masks_editor(t, 400, errors=_form_errors(form) or ["Обновите страницу и попробуйте снова"],
                             form=form)
    masks, identity, problem = _masks_from_form(form.masks_json.data)
    if problem:
        return _masks_editor(t, 400, errors=[problem], form=form)
    edited = {"masks": masks, "identity": identity}
    new_name = (form.new_name.data or "").strip() or None
    if new_name and not SLUG_RE.match(new_name):
        return _masks_editor(t, 400, errors=["Имя нового шаблона: только строчные латинские буквы, цифры и дефис"],
                             form=form, masks=edited, refused=True)
    try:
        saved = save_masks(session(), t, masks, identity, actor=Actor(current_user), new_name=new_name)
    except TemplateError as exc:
        session().rollback()
        return _masks_editor(t, 400, errors=[mask_error_ru(e) for e in exc.errors], form=form, masks=edited,
                             refused=bool(new_name))
    except MasksRefused as exc:
        session().rollback()
        return _masks_editor(t, 409, errors=[str(exc)], form=form, masks=edited, refused=True)
    except CampaignError as exc:
        session().rollback()
        return _masks_editor(t, 400, errors=[f"Имя нового шаблона: {exc}"], form=form, masks=edited, refused=True)
    session().commit()
    mask_pages.discard(*_editor_key(t))
    if saved.created:
        flash(f"Маски сохранены в новом шаблоне «{saved.template.name}».", "info")
    elif saved.changed:
        flash(f"Маски шаблона «{t.name}» сохранены.", "info")
    else:
        flash("Маски не изменились.", "info")
    return redirect(url_for(".template", template_name=saved.template.name) + "#masks")
