"""The command line (SPEC §4). Thin: parse arguments, call a service, commit, report.

The `crosscheck` group and its commands; glue too long for a command sits beside it
(`scans.py`). May import everything below it: services, jobs, models, db, config."""
from __future__ import annotations

import sys
from contextlib import contextmanager
from pathlib import Path

import click

from ..imports.tabular import ImportRejected, TableReadError
from ..domain.lifecycle import CampaignClosed


class CliFailure(click.ClickException):
    """Exit 1 with the reason on stderr (one line; imports add one line per bad row)."""

    def __init__(self, message: str, details: list[str] | None = None):
        super().__init__(message)
        self.details = details or []

    def show(self, file=None) -> None:
        for line in self.details:
            click.echo(line, err=True)
        click.echo(f"crosscheck: {self.format_message()}", err=True)


def rejected(exc: ImportRejected) -> CliFailure:
    """An all-or-nothing import refused: every bad row, then the one-line reason."""
    return CliFailure(f"{exc.filename}: {len(exc.errors)} ошибок, ничего не записано", [str(e) for e in exc.errors])


@contextmanager
def app_session():
    """An app context and its session; commits when the block succeeds, rolls back otherwise."""
    from .. import create_app
    from ..extensions import session

    app = create_app()
    with app.app_context():
        s = session()
        try:
            yield s
            s.commit()
        except CampaignClosed as exc:  # the lifecycle guard: a non-zero exit with the reason
            s.rollback()
            raise CliFailure(exc.message) from None
        except Exception:
            s.rollback()
            raise


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def main() -> None:
    """crosscheck — перекрёстная перепроверка работ ВПР."""


# --- db -------------------------------------------------------------------------------

@main.group()
def db() -> None:
    """База данных."""


@db.command("upgrade")
def db_upgrade() -> None:
    """Create or migrate the database (Alembic)."""
    from ..config import Config, make_data_dir
    from ..migrate import upgrade

    cfg = Config.from_env()
    make_data_dir(cfg.data_dir)
    upgrade(cfg.database_url)
    click.echo("база данных в актуальном состоянии")


@main.command()
@click.option("--burst", is_flag=True, help="exit when the queue is empty")
@click.option("--nice", "niceness", type=click.IntRange(0, 19), default=10, show_default=True,
              envvar="CROSSCHECK_WORKER_NICE",
              help="CPU priority offset: on a machine shared with the web server, scan imports "
                   "yield the CPU to experts' requests (0: same priority)")
def worker(burst: bool, niceness: int) -> None:
    """Run an RQ worker for crosscheck's queue (needs REDIS_URL)."""
    import os

    from redis import Redis
    from rq import Worker

    from ..config import Config
    from ..jobs import QUEUE_NAME
    from ..jobs.runner import _app

    cfg = Config.from_env()
    if not cfg.redis_url:
        raise CliFailure("REDIS_URL не задан: без очереди задачи выполняются сразу, воркер не нужен")
    if niceness:
        os.nice(niceness)  # inherited by the job's children (poppler)
    with _app().app_context():
        connection = Redis.from_url(cfg.redis_url)
        Worker([QUEUE_NAME], connection=connection).work(burst=burst, with_scheduler=False)


# --- imports ----------------------------------------------------------------------------

def _run_import(func, path: str, what: str):
    from ..services.audit.trail import Actor

    try:
        with app_session() as s:
            result = func(s, path, Actor.cli())
    except ImportRejected as exc:
        raise rejected(exc) from exc
    except TableReadError as exc:
        raise CliFailure(str(exc)) from exc
    click.echo(f"{what}: {result.summary()}")
    _report_withdrawn(result.withdrawn)
    return result


def _report_withdrawn(withdrawn) -> None:
    """What the gate took back after a change of people (services/distribution/regate.py)."""
    click.echo(f"снято назначений, которые правила конфликта интересов больше не допускают: {len(withdrawn)}")
    for w in withdrawn:
        click.echo(f"  {w.describe()}")
    campaigns = sorted({w.campaign for w in withdrawn if w.kind == "recheck"})
    for slug in campaigns:
        click.echo(f"перепроверки ждут распределения: crosscheck assign {slug}")


@main.group()
def schools() -> None:
    """Образовательные организации."""


@schools.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
def schools_import(file: str) -> None:
    """Import schools: code, name, municipality."""
    from ..services.people.imports import import_schools

    _run_import(import_schools, file, "ОО")


@main.group()
def users() -> None:
    """Пользователи."""


@users.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--passwords-out", type=click.Path(dir_okay=False), default=None,
              help="where to write generated passwords (CSV: login;password)")
def users_import(file: str, passwords_out: str | None) -> None:
    """Import users: login, full_name, role, school_code, subjects, password."""
    from ..services.people.imports import import_users

    result = _run_import(import_users, file, "пользователи")
    if result.generated_passwords:
        out = Path(passwords_out or f"{Path(file).stem}-passwords.csv")
        _write_passwords(out, result.generated_passwords)
        click.echo(f"сгенерированные пароли ({len(result.generated_passwords)}) записаны в {out}")


def _write_passwords(out: Path, passwords: dict[str, str]) -> None:
    import csv

    from ..imports.formulas import safe_row

    out.parent.mkdir(parents=True, exist_ok=True)
    with open(out, "w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, delimiter=";", lineterminator="\n")
        writer.writerow(["login", "password"])
        for login, password in sorted(passwords.items()):
            writer.writerow(safe_row([login, password]))  # a login «=…» stays text in a spreadsheet
    out.chmod(0o600)


def _user_or_fail(s, login: str):
    from ..services.people.accounts import find_user

    user = find_user(s, login)
    if user is None:
        raise CliFailure(f"пользователь «{login}» не найден")
    return user


@users.command("token")
@click.argument("login")
@click.option("--days", type=click.IntRange(1, 3650), default=None,
              help="days the token stays valid (default: CROSSCHECK_TOKEN_DAYS, 30)")
@click.option("--revoke", is_flag=True, help="revoke every token of LOGIN instead of issuing one")
def users_token(login: str, days: int | None, revoke: bool) -> None:
    """Print a new API token for LOGIN (last line of stdout); with --revoke, revoke them all."""
    from flask import current_app

    from ..services.people.accounts import issue_token, revoke_tokens

    with app_session() as s:
        user = _user_or_fail(s, login)
        if revoke:
            count = revoke_tokens(s, user)
        else:
            days = days or current_app.config["CROSSCHECK"].token_days
            token = issue_token(s, user, days=days)
    if revoke:
        click.echo(f"отозвано токенов пользователя {user.login}: {count}")
        return
    click.echo(f"токен для {user.login} на {days} дн. (показывается один раз):")
    click.echo(token)


@users.command("deactivate")
@click.argument("login")
def users_deactivate(login: str) -> None:
    """Deactivate LOGIN: sessions end at once, API tokens are revoked, logging in is refused."""
    from ..services.people.accounts import set_active

    with app_session() as s:
        user = _user_or_fail(s, login)
        changed = set_active(s, user, False)
    click.echo(f"пользователь {user.login} {'отключён' if changed else 'уже был отключён'}")


@users.command("activate")
@click.argument("login")
def users_activate(login: str) -> None:
    """Allow a deactivated LOGIN to log in again (new API tokens are needed)."""
    from ..services.people.accounts import set_active

    with app_session() as s:
        user = _user_or_fail(s, login)
        changed = set_active(s, user, True)
    click.echo(f"пользователь {user.login} {'включён' if changed else 'уже был включён'}")


@main.group()
def conflicts() -> None:
    """Заявленные конфликты интересов."""


@conflicts.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
def conflicts_import(file: str) -> None:
    """Import declared conflicts: login, school_code, reason."""
    from ..services.people.imports import import_conflicts

    _run_import(import_conflicts, file, "конфликты интересов")


# --- campaigns --------------------------------------------------------------------------

@main.group()
def campaign() -> None:
    """Кампании перепроверки."""


@campaign.command("create")
@click.argument("slug")
@click.option("--template", "template_file", required=True, type=click.Path(exists=True, dir_okay=False))
@click.option("--name", required=True)
@click.option("--per-paper", type=click.IntRange(1, 2), default=1, show_default=True,
              help="rechecks per paper")
def campaign_create(slug: str, template_file: str, name: str, per_paper: int) -> None:
    """Create campaign SLUG from a paper template (YAML or JSON)."""
    from ..domain.template import TemplateError
    from ..services.audit.trail import Actor
    from ..services.campaigns.store import CampaignError, create_campaign, load_template_file

    try:
        spec = load_template_file(template_file)
        with app_session() as s:
            create_campaign(s, slug, spec, name, per_paper=per_paper, actor=Actor.cli())
    except TemplateError as exc:
        raise CliFailure(f"{Path(template_file).name}: шаблон отклонён: {exc}", list(exc.errors)) from exc
    except CampaignError as exc:
        raise CliFailure(str(exc)) from exc
    click.echo(f"кампания «{slug}» создана: {name} ({len(spec.tasks)} заданий, проверок на работу: {per_paper})")



@main.group()
def template() -> None:
    """Шаблоны работ."""


@template.command("from-form")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--subject", required=True, help="subject as the title page writes it, e.g. «Русский язык»")
@click.option("--grade", required=True, type=click.IntRange(1, 11), help="school grade (класс)")
@click.option("--year", type=click.IntRange(2000, 2100), default=None,
              help="year of the paper: picks a shipped conversion scale when there is one")
@click.option("--grades", "grades_option", default=None, metavar="3:A,4:B,5:C",
              help="lowest primary score for grades 3, 4 and 5 (else the shipped scale for --year)")
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False))
def template_from_form(file: str, subject: str, grade: int, year: int | None, grades_option: str | None,
                       output: str) -> None:
    """Write a paper template from a results form's task columns «LABEL (Nб)» (SPEC §1)."""
    from ..domain.template import TemplateError
    from ..domain.template_draft import DraftError, parse_grades_option
    from ..services.campaigns.drafts import FormDraftError, draft_from_tasks, form_tasks_from_file, scale_source, \
        template_yaml

    name = Path(file).name
    try:
        tasks = form_tasks_from_file(file)
        grades = parse_grades_option(grades_option) if grades_option is not None else None
        scales = _known_scales() if grades is None else []
        draft = draft_from_tasks(tasks, subject=subject, grade=grade, year=year, grades=grades, scales=scales,
                                 form_name=name)
    except FormDraftError as exc:
        raise CliFailure(str(exc)) from exc
    except DraftError as exc:
        raise CliFailure(f"{name}: {exc}") from exc
    except TemplateError as exc:
        raise CliFailure(f"шаблон не составлен: {exc}", list(exc.errors)) from exc
    source = "--grades" if draft.scale is None else scale_source(draft.scale)
    spec, grades = draft.spec, draft.grades
    try:
        Path(output).write_text(template_yaml(draft.doc, form_name=name, grades_source=source), encoding="utf-8")
    except OSError as exc:
        raise CliFailure(f"{output}: не удаётся записать файл ({exc.strerror})") from exc
    click.echo(f"шаблон «{spec.name}» записан в {output}: заданий {len(spec.tasks)}, максимальный первичный балл "
               f"{spec.max_total}, пороги 3/4/5: {grades['3']}/{grades['4']}/{grades['5']} ({source})")


@main.group("templates")
def templates_group() -> None:
    """Шаблоны работ в базе данных."""


@templates_group.command("list")
def templates_list() -> None:
    """List the paper templates stored in the database and the campaigns using them."""
    from ..services.campaigns.store import template_summaries

    with app_session() as s:
        rows = template_summaries(s)
    if not rows:
        click.echo("шаблонов в базе данных нет (их добавляет crosscheck campaign create)")
        return
    click.echo(f"шаблонов: {len(rows)}")
    for row in rows:
        campaigns = ", ".join(row.campaigns) if row.campaigns else "нет"
        click.echo(f"  {row.name}: «{row.title}», {row.subject}, {row.grade} класс, заданий {row.tasks}, "
                   f"максимальный балл {row.max_total}; кампании: {campaigns}")


# --- conversion scales ---------------------------------------------------------------------

def _known_scales():
    """Every conversion scale for a lookup: the administrator's imported ones first, then the shipped."""
    from ..config import data_dir_from_env
    from ..services.campaigns.scales import ScalesFileError, lookup_scales

    try:
        return lookup_scales(data_dir_from_env())
    except ScalesFileError as exc:
        raise CliFailure(str(exc)) from exc


@main.group()
def scales() -> None:
    """Шкалы перевода первичных баллов в отметки."""


@scales.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
def scales_import(file: str) -> None:
    """Import conversion scales (the shipped file's columns) into the data directory."""
    from ..config import data_dir_from_env
    from ..domain.scales import ScaleImportError
    from ..services.campaigns.scales import ScalesFileError, import_scales, scales_path

    name = Path(file).name
    try:
        text = Path(file).read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise CliFailure(f"{name}: не удаётся прочитать файл как CSV в UTF-8 ({exc})") from exc
    data_dir = data_dir_from_env()
    try:
        merge = import_scales(data_dir, text)
    except ScaleImportError as exc:
        raise CliFailure(f"{name}: {len(exc.errors)} ошибок, ничего не записано", exc.errors) from exc
    except ScalesFileError as exc:
        raise CliFailure(str(exc)) from exc
    path = scales_path(data_dir)
    for old, scale in merge.replaced:
        click.echo(f"  заменена шкала {scale.subject}, {scale.grade} класс, {scale.year} год: "
                   f"3/4/5 {old.minimums['3']}/{old.minimums['4']}/{old.minimums['5']} из {old.max_primary} "
                   f"({old.source}) → {scale.minimums['3']}/{scale.minimums['4']}/{scale.minimums['5']} "
                   f"из {scale.max_primary} ({scale.source})")
    click.echo(f"шкалы перевода: добавлено {len(merge.added)}, заменено {len(merge.replaced)}, "
               f"без изменений {len(merge.unchanged)}"
               + (f"; файл {path}" if merge.changed else "; ничего не изменилось"))


@scales.command("list")
def scales_list() -> None:
    """List every known conversion scale: shipped with crosscheck or imported."""
    from ..config import data_dir_from_env
    from ..services.campaigns.scales import ScalesFileError, listed_scales

    try:
        known = listed_scales(data_dir_from_env())
    except ScalesFileError as exc:
        raise CliFailure(str(exc)) from exc
    click.echo(f"шкал перевода: {len(known)}")
    for scale, imported in known:
        m = scale.minimums
        click.echo(f"  {scale.subject}, {scale.grade} класс, {scale.year}: 3 от {m['3']}, 4 от {m['4']}, "
                   f"5 от {m['5']} (из {scale.max_primary}); {'импортирована' if imported else 'встроена'}; "
                   f"источник: {scale.source}")


# --- papers in -------------------------------------------------------------------------

@main.group()
def marks() -> None:
    """Первичные баллы (школьная проверка)."""


@marks.command("import")
@click.argument("campaign_slug", metavar="CAMPAIGN")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--school", "school_code", default=None, help="school code when the file names no school (no «Код ОО» / «ОО» column); "
              "the municipal export names each row's school itself")
def marks_import(campaign_slug: str, file: str, school_code: str | None) -> None:
    """Import original marks: a school's results form or the municipal export (many schools)."""
    from ..services.audit.trail import Actor
    from ..services.campaigns.store import CampaignError, get_campaign
    from ..services.marks.importer import import_marks

    try:
        with app_session() as s:
            result = import_marks(s, get_campaign(s, campaign_slug), file, school_code=school_code,
                                  actor=Actor.cli())
    except ImportRejected as exc:
        raise rejected(exc) from exc
    except (TableReadError, CampaignError) as exc:
        raise CliFailure(str(exc)) from exc
    click.echo(result.summary())
    for name in sorted(result.unlinked_markers):
        click.echo(f"  не найден пользователь для эксперта первичной проверки: {name}")
    if result.withdrawn:
        _report_withdrawn(result.withdrawn)


@main.command()
@click.argument("campaign_slug", metavar="CAMPAIGN")
@click.option("--school", "school_code", required=True, help="school code")
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False), help="PDF to write")
def covers(campaign_slug: str, school_code: str, output: str) -> None:
    """Print cover sheets (QR + participant code) for one school's papers."""
    from ..services.campaigns.store import CampaignError
    from ..services.scans.covers import CoversError, write_school_covers

    try:
        with app_session() as s:
            count = write_school_covers(s, campaign_slug, school_code, Path(output))
    except (CampaignError, CoversError) as exc:
        raise CliFailure(str(exc)) from exc
    click.echo(f"обложек: {count}, файл: {output}")


@main.group()
def scans() -> None:
    """Сканы работ."""


@scans.command("import")
@click.argument("campaign_slug", metavar="CAMPAIGN")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--wait", is_flag=True, help="with a queue: wait until the import is done")
@click.option("--school", "school_code", default=None,
              help="school code: also read title pages without covers (handwritten participant codes)")
def scans_import(campaign_slug: str, file: str, wait: bool, school_code: str | None) -> None:
    """Import a scanned PDF/TIFF: covers (and, with --school, title pages) split it into papers (SPEC §3)."""
    from ..services.campaigns.store import CampaignError
    from .scans import import_file

    try:
        outcome = import_file(campaign_slug, Path(file), wait=wait, school_code=school_code)
    except CampaignError as exc:
        raise CliFailure(str(exc)) from exc
    for line in outcome.lines:
        click.echo(line)
    if outcome.failed:
        raise CliFailure(outcome.failed)


@scans.command("status")
@click.argument("campaign_slug", metavar="CAMPAIGN")
@click.option("--json", "as_json", is_flag=True, help="print JSON (SPEC §3)")
def scans_status(campaign_slug: str, as_json: bool) -> None:
    """What the imports made of the pages: batches, papers and how they were identified, pending title pages."""
    import json

    from ..services.campaigns.store import CampaignError, get_campaign
    from ..services.scans.status import scan_status
    from ..services.scans.titles import pending_titles

    try:
        with app_session() as s:
            campaign = get_campaign(s, campaign_slug)
            st = scan_status(s, campaign)
            data = st.as_json()
            why = {(i.batch.filename, i.file_page): i.reason for i in pending_titles(s, campaign)}
    except CampaignError as exc:
        raise CliFailure(str(exc)) from exc
    if as_json:
        click.echo(json.dumps(data, ensure_ascii=False))
        return
    for b in st.batches:  # the campaign page's «Как разложены сканы», as text
        school = f" (ОО {b.school})" if b.school else ""
        if b.by is None:
            click.echo(f"{b.file}{school}: {b.status}, обработано страниц {b.pages_done} из {b.pages}"
                       + (f" — {b.error}" if b.error else ""))
            continue
        click.echo(f"{b.file}{school}: {b.status}, страниц {b.pages}, пустых {b.blank}, титульных листов "
                   f"{b.title_pages}; работ по обложке {b.by['qr']}, по коду {b.by['code']}, вручную "
                   f"{b.by['person']}; ждут подтверждения кода {b.pending}, нераспознанных {b.unidentified}")
    click.echo(f"работ со сканами: {st.scanned} из {st.papers_total} (по обложке {st.by['qr']}, по коду "
               f"{st.by['code']}, подтверждено человеком {st.by['person']})")
    for item in data["pending"]:
        cands = ", ".join(f"{c['participant']} ({c['confidence']:.2f})" for c in item["candidates"]) or "—"
        reason = why.get((item["file"], item["file_page"]))
        click.echo(f"ждёт подтверждения: {item['file']}, стр. {item['file_page']}: {cands}"
                   + (f" — {reason}" if reason else ""))


@scans.command("confirm")
@click.argument("campaign_slug", metavar="CAMPAIGN")
@click.option("--file", "filename", required=True, help="the scan file's name as imported")
@click.option("--page", "file_page", required=True, type=int, help="the title page (1-based in the file)")
@click.option("--participant", required=True, help="the participant code")
def scans_confirm(campaign_slug: str, filename: str, file_page: int, participant: str) -> None:
    """Confirm whose paper a pending title page is; the pages after it go with it."""
    from ..services.audit.trail import Actor
    from ..services.campaigns.store import CampaignError, get_campaign
    from ..services.scans.titles import ConfirmError, confirm, find_pending

    try:
        with app_session() as s:
            campaign = get_campaign(s, campaign_slug)
            item = find_pending(s, campaign, filename, file_page)
            paper = confirm(s, campaign, item, participant, Actor.cli())
            pages = s.scalar(_count_pages(paper.id))
    except (CampaignError, ConfirmError) as exc:
        raise CliFailure(str(exc)) from exc
    click.echo(f"подтверждено: стр. {file_page} файла «{filename}» — участник {participant.strip()}, "
               f"страниц размещено: {pages}")


def _count_pages(paper_id: int):
    from sqlalchemy import func, select

    from ..models import Page, PageStatus

    return select(func.count()).select_from(Page).where(Page.paper_id == paper_id, Page.status == PageStatus.PLACED)


# --- distribution of work -------------------------------------------------------------

@main.command()
@click.argument("campaign_slug", metavar="CAMPAIGN")
@click.option("--seed", type=int, default=0, show_default=True, help="tie-breaking seed (deterministic)")
def assign(campaign_slug: str, seed: int) -> None:
    """Assign every unassigned recheck to experts (SPEC §5) and print the loads."""
    from collections import Counter

    from ..services.distribution.assignment import run_assignment
    from ..services.audit.trail import Actor
    from ..services.campaigns.store import CampaignError, get_campaign

    try:
        with app_session() as s:
            campaign = get_campaign(s, campaign_slug)
            plan = run_assignment(s, campaign, Actor.cli(), seed=seed)
            from ..services.distribution.assignment import expert_names

            names = expert_names(s)
    except CampaignError as exc:
        raise CliFailure(str(exc)) from exc
    loads = {k: v for k, v in plan.loads.items()}
    click.echo(f"назначено перепроверок: {len(plan.new)}; не назначено: {len(plan.unassigned)}")
    if loads:
        values = list(loads.values())
        click.echo(f"нагрузка экспертов: макс. {max(values)}, мин. {min(values)} (экспертов: {len(values)})")
        for expert_id, load in sorted(loads.items(), key=lambda kv: (-kv[1], kv[0])):
            click.echo(f"  {names.get(expert_id, expert_id)}: {load}")
    reasons = Counter(u.reason.message for u in plan.unassigned)
    for message, count in reasons.most_common():
        click.echo(f"  не назначено {count}: {message}")


@main.command()
@click.argument("campaign_slug", metavar="CAMPAIGN")
@click.option("--json", "as_json", is_flag=True, required=True, help="print JSON (the only format)")
def assignments(campaign_slug: str, as_json: bool) -> None:
    """Print the campaign's live assignments: [{"cipher", "expert", "round", "status"}]."""
    import json

    from ..services.distribution.assignment import assignments_json
    from ..services.campaigns.store import CampaignError, get_campaign

    try:
        with app_session() as s:
            data = assignments_json(s, get_campaign(s, campaign_slug))
    except CampaignError as exc:
        raise CliFailure(str(exc)) from exc
    click.echo(json.dumps(data, ensure_ascii=False, indent=1))


# --- reports --------------------------------------------------------------------------

@main.command()
@click.argument("campaign_slug", metavar="CAMPAIGN")
@click.option("--format", "fmt", type=click.Choice(["json", "xlsx"]), required=True, help="report format")
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False), help="file to write")
def report(campaign_slug: str, fmt: str, output: str) -> None:
    """Write the campaign's discrepancy report (SPEC §7) as JSON or XLSX."""
    from ..services.campaigns.store import CampaignError, get_campaign
    from ..services.reports.audience import FULL
    from ..services.reports.files import write_atomically, write_report

    target = Path(output)
    try:
        with app_session() as s:
            campaign = get_campaign(s, campaign_slug)
            # the command line is the organiser's: the full report
            write_atomically(target, lambda tmp: write_report(s, campaign, fmt, tmp, audience=FULL))
    except CampaignError as exc:
        raise CliFailure(str(exc)) from exc
    except OSError as exc:
        raise CliFailure(f"{output}: {exc.strerror or exc}") from exc
    click.echo(f"отчёт записан: {target}")


@main.command()
@click.argument("campaign_slug", metavar="CAMPAIGN")
@click.option("--json", "as_json", is_flag=True, required=True, help="JSON (the only format)")
@click.option("-o", "--output", type=click.Path(dir_okay=False), default=None,
              help="file to write (default: standard output)")
def screen(campaign_slug: str, as_json: bool, output: str | None) -> None:
    """Screen the schools' original marks for signs of non-objective marking (SPEC §8)."""
    import json

    from ..domain.screening import DISCLAIMER
    from ..services.campaigns.store import CampaignError, get_campaign
    from ..services.reports.files import write_atomically
    from ..services.screening.screen import screen_campaign

    try:
        with app_session() as s:
            result = screen_campaign(s, get_campaign(s, campaign_slug))
            text = json.dumps(result.as_dict(), ensure_ascii=False, indent=1)
            if output:
                target = Path(output)
                write_atomically(target, lambda tmp: tmp.write_text(text + "\n", encoding="utf-8"))
    except CampaignError as exc:
        raise CliFailure(str(exc)) from exc
    except OSError as exc:
        raise CliFailure(f"{output}: {exc.strerror or exc}") from exc
    for note in result.notes:  # on stderr: standard output stays one JSON document
        click.echo(f"crosscheck: {note}", err=True)
    if not output:
        click.echo(text)
        return
    schools = result.screening.schools
    click.echo(f"скрининг записан: {output} (школ: {len(schools)}, отмечено: {len(result.screening.flagged)})")
    click.echo(DISCLAIMER)


@main.command()
@click.argument("campaign_slug", metavar="CAMPAIGN")
@click.option("--per-school", type=int, default=None, metavar="N",
              help="N papers from every school (all where it has fewer), spread over its classes")
@click.option("--schools", default=None, metavar="flagged|all|CODE,…",
              help="schools taken whole: those the screen flags, all, or these codes")
@click.option("--seed", type=int, default=None, metavar="S", help="seed of the draw (default: a new random one, printed)")
def sample(campaign_slug: str, per_school: int | None, schools: str | None, seed: int | None) -> None:
    """Choose the papers to re-check (SPEC §8); the others become excluded."""
    from ..services.campaigns.store import CampaignError, get_campaign
    from ..services.audit.trail import Actor
    from ..services.screening.sample import SampleRefused, draw, fix

    try:
        with app_session() as s:
            drawn = draw(s, get_campaign(s, campaign_slug), per_school=per_school, schools=schools, seed=seed)
            fix(s, drawn, Actor.cli())
    except (CampaignError, SampleRefused) as exc:
        raise CliFailure(str(exc)) from exc
    for row in drawn.sample.schools:
        classes = ", ".join(f"{c.label} {c.sampled}/{c.papers}" for c in row.classes)
        mark = " (целиком)" if row.whole else ""
        click.echo(f"ОО {row.school}: {row.sampled} из {row.papers}{mark} — {classes}")
    for note in drawn.notes:
        click.echo(f"crosscheck: {note}", err=True)
    click.echo(drawn.summary())
    click.echo(f"выборка зафиксирована; повторить её: crosscheck sample {campaign_slug}"
               + (f" --per-school {drawn.sample.per_school}" if drawn.sample.per_school else "")
               + (f" --schools {schools}" if schools else "") + f" --seed {drawn.sample.seed}")


# --- operations -----------------------------------------------------------------------

@main.command("backup")
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False), help="archive to write (.tar.gz)")
def backup_cmd(output: str) -> None:
    """Back up the database and the data directory into one archive."""
    from ..config import Config
    from ..services.ops.backup import BackupError, backup

    cfg = Config.from_env()
    try:
        path = backup(cfg.database_url, cfg.data_dir, Path(output))
    except BackupError as exc:
        raise CliFailure(str(exc)) from exc
    click.echo(f"резервная копия записана: {path}")


@main.command("restore")
@click.argument("archive", type=click.Path(dir_okay=False))
@click.option("--yes", is_flag=True, help="do not ask for confirmation")
def restore_cmd(archive: str, yes: bool) -> None:
    """Restore the database and the data directory from an archive (replaces current data)."""
    from ..config import Config
    from ..services.ops.backup import BackupError, restore

    if not yes and not click.confirm("Текущие данные будут заменены данными из копии. Продолжить?"):
        raise CliFailure("отменено")
    cfg = Config.from_env()
    try:
        manifest = restore(cfg.database_url, cfg.data_dir, Path(archive))
    except BackupError as exc:
        raise CliFailure(str(exc)) from exc
    click.echo(f"восстановлено из копии от {manifest['created_at']}")


# --- demo -------------------------------------------------------------------------------

@main.command()
def demo() -> None:
    """Fill an empty database with a realistic demo campaign and print the demo logins."""
    from flask import current_app

    from ..demo import DemoError, load_demo, login_lines

    try:
        with app_session() as s:
            logins = load_demo(s, current_app.config["CROSSCHECK"].data_dir)
    except DemoError as exc:
        raise CliFailure(str(exc)) from exc
    for line in login_lines(logins):
        click.echo(line)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
