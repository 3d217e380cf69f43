"""The XLSX report (SPEC §7): papers, schools, original markers, and a printable protocol.

openpyxl's write-only mode streams rows to the file, so 100,000 papers never sit in
memory as cell objects. Rows come straight from the engine's results and group
statistics (no intermediate JSON dict). Every row goes through :func:`append`, which keeps
imported text that starts like a formula (``=``, ``+``, ``-``, ``@``) from being written as one.
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import Cell
from openpyxl.styles import Alignment, Font
from openpyxl.worksheet.properties import PageSetupProperties
from sqlalchemy import select
from sqlalchemy.orm import Session

from ...domain.analytics import Analysis, FlagRule, GroupStats
from ...imports.formulas import safe_cell
from ...domain.discrepancy import PaperResult
from ...domain.followup import Followup
from ...models import Campaign, School
from .audience import FULL, Audience
from .experts import EXPERTS_HEAD, expert_cells, expert_stats
from .followup import campaign_followup
from .loader import CampaignResults, campaign_results
from .wording import (CONFIRMED, CONFIRMED_SHARE, SENT_TO_REVIEW, SENT_TO_REVIEW_COUNT, STATUS_LABELS,
                      EVIDENCE, commission_name, flag_text, flagged_cell, yes_no)

MOSCOW = ZoneInfo("Europe/Moscow")
BOLD = Font(bold=True)
TITLE = Font(bold=True, size=14)
WRAP = Alignment(wrap_text=True, vertical="top")

PAPER_HEAD = ["Шифр", "Код ОО", "Код участника", "Класс", "Эксперт первичной проверки", "Статус",
              "Балл (школа)", "Отметка (школа)", "Итоговый балл", "Итоговая отметка", "Разница баллов",
              SENT_TO_REVIEW, CONFIRMED, "Отметка по журналу"]
HIDDEN = ("Код участника", "Эксперт первичной проверки")  # empty for a restricted audience
GROUP_HEAD = ["Работ", "Проверено", "Отметка понижена", "Отметка подтверждена", "Отметка повышена",
              "Среднее расхождение", "Медиана", "ДИ 95% от", "ДИ 95% до", SENT_TO_REVIEW_COUNT, CONFIRMED,
              CONFIRMED_SHARE, "p (Уилкоксон)", "Каппа (отметки)", "Чаще завышены задания", "Отмечено",
              "Причины", "Данных для вывода", "p (критерий знаков)", "Подтв. завышений", "Подтв. занижений"]
PROTOCOL_HEAD = ["№", "Код ОО", "Образовательная организация", "Работ", "Проверено", "Понижено",
                 "Подтверждено", "Повышено", "Ср. расхождение", SENT_TO_REVIEW_COUNT, CONFIRMED, "Отмечено"]


def write_xlsx(session: Session, campaign: Campaign, path: Path, rule: FlagRule = FlagRule(),
               audience: Audience = FULL) -> Path:
    """Write the whole report to ``path`` and return it (the papers sheet as ``audience`` may see it)."""
    data = campaign_results(session, campaign)
    analysis = Analysis(data.results, data.scheme, rule)
    schools = school_directory(session)
    wb = Workbook(write_only=True)
    write_papers(wb.create_sheet("Работы"), data, audience)
    school_groups = analysis.groups("school")
    write_groups(wb.create_sheet("Школы"), ["Код ОО", "Образовательная организация", "Муниципалитет"],
                 ((g, [g.key, *schools.get(g.key, ("", ""))]) for g in school_groups))
    if campaign.teacher_views:  # the organiser may switch per-marker views off for the campaign
        write_groups(wb.create_sheet("Эксперты первичной проверки"), ["Код ОО", "Эксперт первичной проверки"],
                     ((g, list(g.key)) for g in analysis.groups("original_marker")))
    write_followup(wb.create_sheet("Муниципальная сводка"), campaign_followup(session, campaign, data, analysis),
                   schools)
    write_protocol(wb.create_sheet("Протокол"), campaign, school_groups, schools)
    write_experts(wb.create_sheet("Эксперты"), expert_stats(session, campaign))
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return path


def school_directory(session: Session) -> dict[str, tuple[str, str]]:
    """School code → (name, municipality)."""
    return {code: (name, municipality) for code, name, municipality in
            session.execute(select(School.code, School.name, School.municipality))}


def append(ws, row: Iterable) -> None:
    """Every row of the report goes through here: text a spreadsheet would take for a
    formula (a class or marker «=HYPERLINK(…)» from an import) is written as text."""
    ws.append([_safe(value) for value in row])


def _safe(value):
    if isinstance(value, Cell):  # a styled cell from WriteOnlyCell (headers, the title)
        if isinstance(value.value, str):
            value.value = safe_cell(value.value)
        return value
    return safe_cell(value)


def header(ws, titles: Sequence[str]) -> list[WriteOnlyCell]:
    cells = []
    for title in titles:
        cell = WriteOnlyCell(ws, value=title)
        cell.font, cell.alignment = BOLD, WRAP
        cells.append(cell)
    return cells


def write_papers(ws, data: CampaignResults, audience: Audience = FULL) -> None:
    """One row per paper. Per-task scores go in three text cells rather than 2 × 15 columns:
    100,000 rows × 44 cells took 45 s to write, × 17 cells about 17 s (docs/perf-report.md).
    A restricted audience gets the rows it may see (``audience.py``), those two columns empty."""
    labels = data.labels
    ws.freeze_panes = "B2"
    order = " ".join(labels)
    head = [f"{t} (не показывается)" if audience.restricted and t in HIDDEN else t for t in PAPER_HEAD]
    append(ws, header(ws, head + [f"Баллы ОО по заданиям ({order})", f"Итоговые баллы по заданиям ({order})",
                                 "Изменения по заданиям (ОО→итог)"]))
    results = sorted(audience.papers(data.results),
                     key=lambda r: (r.paper.school, r.paper.participant or "", r.paper.cipher))
    for r in results:
        append(ws, paper_cells(r) + task_cells(r, labels))


def task_cells(r: PaperResult, labels: Sequence[str]) -> list:
    original = " ".join(map(str, r.original.scores))
    if r.final is None:
        return [original, None, None]
    changes = "; ".join(f"{label}: {a}→{b}" for label, a, b in zip(labels, r.original.scores, r.final.scores)
                        if a != b)
    return [original, " ".join(map(str, r.final.scores)), changes]


def paper_cells(r: PaperResult) -> list:
    p, final = r.paper, r.final
    return [p.cipher, p.school, p.participant, p.class_name, p.original_marker, STATUS_LABELS.get(p.status, p.status),
            r.original.total, r.original.grade, final.total if final else None, final.grade if final else None,
            r.delta_total, yes_no(r.sent_to_review), yes_no(r.final_significant), p.journal_mark]


def group_cells(g: GroupStats) -> list:
    ci_low, ci_high = g.delta.low, g.delta.high
    return [g.papers, g.checked, g.grade_lowered, g.grade_confirmed, g.grade_raised, _r(g.mean_delta),
            g.median_delta, _r(ci_low), _r(ci_high), g.review_required, g.significant, _r(g.significant_share),
            _p(g.wilcoxon), _r(g.kappa), ", ".join(g.top_over_marked()), flagged_cell(g),
            flag_text(g.flag_reasons), EVIDENCE.get(g.evidence, g.evidence), _p(g.sign), g.significant_over,
            g.significant_under]


def write_groups(ws, key_titles: list[str], rows: Iterable[tuple[GroupStats, list]]) -> None:
    ws.freeze_panes = "C2"
    append(ws, header(ws, key_titles + GROUP_HEAD))
    for g, keys in rows:
        append(ws, keys + group_cells(g))


FOLLOWUP_HEAD = ["Код ОО", "Образовательная организация", "Муниципалитет", "Отмечена скринингом",
                 "Признаки скрининга", "Работ", "В выборке", "Взята целиком", "Перепроверено", "Отмечено",
                 "Причины", "Данных для вывода", "До перепроверки", "После перепроверки"]
TASK_COLUMNS = 3  # the tasks a school over-marks most: label, mean change, share of papers


def write_followup(ws, f: Followup, schools: dict[str, tuple[str, str]]) -> None:
    """Every school from the screen to the re-check's conclusion, and the tasks it over-marks
    most (for the methodological service's targeted recommendations)."""
    ws.freeze_panes = "C2"
    tasks_head = [title.format(n=n) for n in range(1, TASK_COLUMNS + 1)
                  for title in ("Завышение: задание {n}", "Ср. изменение {n}", "Доля завышенных {n}")]
    append(ws, header(ws, FOLLOWUP_HEAD + tasks_head))
    for r in f.rows:
        name, municipality = schools.get(r.school, ("", ""))
        if r.stats is not None:
            flagged = flagged_cell(r.stats)
        else:
            flagged = "работ в выборке нет"
        cells = [r.school, name, municipality, yes_no(r.screened), "; ".join(r.signs), r.papers, r.sampled,
                 yes_no(r.whole) if f.sample_fixed else "выборки нет", r.rechecked, flagged,
                 flag_text(r.flag_reasons), EVIDENCE.get(r.evidence, r.evidence), r.before, r.after]
        for t in r.tasks:
            cells += [t.label, _r(t.mean_delta), _r(t.over_marked)]
        append(ws, cells)


def write_experts(ws, stats) -> None:
    """The re-markers (issue 18): SPEC §7's experts table with the n and interval behind each figure."""
    ws.freeze_panes = "C2"
    append(ws, header(ws, EXPERTS_HEAD))
    for s in stats:
        append(ws, expert_cells(s))


def write_protocol(ws, campaign: Campaign, groups: list[GroupStats], schools: dict[str, tuple[str, str]]) -> None:
    """One printable page set: heading, a row per school, signatures. Landscape, fit to width."""
    _print_setup(ws)
    for width, letter in zip((5, 10, 48, 8, 10, 10, 12, 10, 12, 12, 12, 10), "ABCDEFGHIJKL"):
        ws.column_dimensions[letter].width = width
    heading = protocol_heading(ws, campaign)
    for line in heading:
        append(ws, line)
    append(ws, header(ws, PROTOCOL_HEAD))
    ws.print_title_rows = f"{len(heading) + 1}:{len(heading) + 1}"  # repeat the table header on every page
    for n, g in enumerate(groups, start=1):
        append(ws, [n, g.key, schools.get(g.key, ("",))[0], g.papers, g.checked, g.grade_lowered,
                   g.grade_confirmed, g.grade_raised, _r(g.mean_delta), g.review_required, g.significant,
                   flagged_cell(g)])
    for line in signature_block():
        append(ws, line)


def protocol_heading(ws, campaign: Campaign) -> list[list]:
    now = datetime.now(MOSCOW)
    title = WriteOnlyCell(ws, value=f"Протокол перепроверки: {campaign.name}")
    title.font = TITLE
    return [
        [title],
        [f"Кампания: {campaign.slug}; {campaign.template.title}"],
        [f"Предметная комиссия: {commission_name(campaign)}"],
        [f"Кампания создана: {campaign.created_at.astimezone(MOSCOW):%d.%m.%Y}; "
         f"протокол сформирован: {now:%d.%m.%Y %H:%M} (МСК)"],
        [],
    ]


def signature_block() -> list[list]:
    return [[], [None, "Председатель предметной комиссии", None, "_______________ / _______________"],
            [], [None, "Руководитель МО", None, "_______________ / _______________"],
            [], [None, "Организатор", None, "_______________ / _______________"],
            [], [None, "Общественный наблюдатель", None, "_______________ / _______________"]]


def _print_setup(ws) -> None:
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = "9"  # A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    ws.print_options.horizontalCentered = True


def _r(value: float | None, digits: int = 2) -> float | None:
    return None if value is None else round(value, digits)


def _p(test) -> float | None:
    return None if test is None else float(f"{test.pvalue:.3g}")
