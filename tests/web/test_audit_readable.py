"""Issue 16, item 1: the audit page reads as Russian, not as escaped JSON with English codes
and database ids; the CSV export keeps the raw form."""
from __future__ import annotations

import ast
import html as html_lib
import re
from pathlib import Path

import pytest

from crosscheck.services.audit.wording import ACTION_LABELS, FIELD_LABELS, HIDDEN_FIELDS
from tests.api.test_query_budget import statements_of_requests
from tests.reports.conftest import FULL, LABELS, district, live_assignment, marked, scores  # noqa: F401

ROOT = Path(__file__).resolve().parents[2]
CODE = re.compile(r"^[a-z_]+\.[a-z_]+$")


def _resolve(node: ast.AST, constants: dict[str, str], where: str) -> set[str]:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return {node.value}
    if isinstance(node, ast.IfExp):
        return _resolve(node.body, constants, where) | _resolve(node.orelse, constants, where)
    if isinstance(node, ast.Name) and node.id in constants:
        return {constants[node.id]}
    raise AssertionError(f"{where}: an audit action the test cannot read ({ast.unparse(node)}); "
                         "pass a string literal or a module-level constant")


def recorded_action_codes() -> set[str]:
    """Every action code the source records: the action argument of record()/audit_values(),
    and the codes written in bulk by modules that insert into AuditEvent themselves."""
    codes: set[str] = set()
    for path in sorted((ROOT / "crosscheck").rglob("*.py")):
        if path.parent.name == "audit" and path.parent.parent.name == "services":
            continue  # the trail itself, and the wording
        source = path.read_text(encoding="utf-8")
        tree = ast.parse(source)
        constants = {t.id: n.value.value for n in tree.body if isinstance(n, ast.Assign)
                     and isinstance(n.value, ast.Constant) and isinstance(n.value.value, str)
                     for t in n.targets if isinstance(t, ast.Name)}
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
            if name in ("record", "audit_values"):
                where = f"{path.relative_to(ROOT)}:{node.lineno}"
                position = 2 if name == "record" else 1  # record(session, actor, action, …), audit_values(actor, action, …)
                arg = node.args[position] if len(node.args) > position else next(
                    (k.value for k in node.keywords if k.arg == "action"), None)
                assert arg is not None, f"{where}: record() without an action"
                codes |= _resolve(arg, constants, where)
        if "AuditEvent" in source and "models" not in path.parts:  # bulk writers
            codes |= {n.value for n in ast.walk(tree) if isinstance(n, ast.Constant)
                      and isinstance(n.value, str) and CODE.match(n.value)}
    return codes


def test_every_recorded_action_has_a_russian_name():
    codes = recorded_action_codes()
    assert len(codes) >= 35  # the scan really found them
    assert sorted(codes - set(ACTION_LABELS)) == [], "a new audit action needs a name in services/audit/wording.py"
    assert sorted(set(ACTION_LABELS) - codes) == [], "a name for an action nothing records any more"


def _text(html: str) -> str:
    """What a person sees of the audit table (tags and attributes gone)."""
    table = html.split('id="audit"', 1)[1]
    return html_lib.unescape(re.sub(r"<[^>]+>", " ", table))


@pytest.fixture
def resaved(db, marked):
    """10003's recheck saved twice: task 5 first 1, then 0 — and a comment."""
    from crosscheck.models import User
    from crosscheck.services.marking.scoring import save_scores

    campaign, papers = marked
    a = live_assignment(db, papers["10003"])
    expert = db.get(User, a.expert_id)
    first = scores(FULL)
    saved = save_scores(db, expert, a.id, first, "", a.version)
    save_scores(db, expert, a.id, first | {"5": 0}, "Задание 5 не решено", saved.version)
    db.commit()
    return campaign, papers, expert


def test_the_page_speaks_russian_with_ciphers_logins_and_a_diff(resaved, login_as):
    campaign, papers, expert = resaved
    html = login_as("organiser").get(f"/audit/?campaign={campaign.id}").get_data(as_text=True)
    seen = _text(html)
    assert "\\u04" not in html and "&#34;" not in seen and "{" not in seen  # no escaped JSON
    assert "Задание 5: 1 → 0" in seen and "Комментарий: — → «Задание 5 не решено»" in seen
    assert f"работа {papers['10003'].cipher}: перепроверка 1, {expert.login}" in seen
    assert "Баллы сохранены (черновик)" in seen and "Проверка сдана" in seen and "Работа назначена" in seen
    assert "Статус работы изменён" in seen and "Статус: На перепроверке → Третья проверка" in seen
    assert f"Эксперт: {expert.login}" in seen or f", {expert.login}" in seen
    codes = [c for c in recorded_action_codes() if c in seen]
    assert codes == [], codes  # no English action codes
    assert not re.search(r"\b(assignment|paper|user|page|campaign|school) \d+", seen)  # no «assignment 53»
    # the filter offers Russian names with the codes as values
    assert '<option value="marks.save">Баллы сохранены (черновик)</option>' in html


def test_every_field_the_flow_records_has_a_russian_name(resaved, db):
    from sqlalchemy import select

    from crosscheck.models import AuditEvent

    keys = {k for e in db.scalars(select(AuditEvent)) for p in (e.before, e.after) if p for k in p}
    assert sorted(keys - set(FIELD_LABELS) - HIDDEN_FIELDS) == []


def test_names_are_resolved_in_bulk_not_per_row(app, db, marked, login_as):
    from crosscheck.services.audit.trail import Actor, record

    campaign, papers = marked
    client = login_as("organiser")

    def statements() -> int:
        with statements_of_requests(app, db) as seen:
            assert client.get(f"/audit/?campaign={campaign.id}").status_code == 200
        return len(seen)

    few = statements()
    for paper in list(papers.values()) * 20:  # 60 more events naming 3 papers
        record(db, Actor(label="test"), "paper.status", "paper", paper.id, campaign_id=campaign.id,
               before={"status": "marking"}, after={"status": "review"})
    db.commit()
    assert statements() == few


def test_the_csv_keeps_the_raw_form(resaved, login_as):
    campaign, _, _ = resaved
    text = login_as("observer").get(f"/audit/export.csv?campaign={campaign.id}").get_data(as_text=True)
    assert ";marks.save;assignment;" in text and '""5"": 0' in text
    assert "Баллы сохранены" not in text


def test_changes_read_field_by_field():
    from crosscheck.services.audit.view import Formatter

    class NoNames:
        papers, users, schools, pages = {}, {}, {}, {}

    fmt = Formatter(NoNames(), "assignment")
    assert fmt.changes({"scores": {}, "comment": ""}, {"scores": {}, "comment": "", "version": 2}) == []
    assert fmt.changes({"scores": {"10": 2, "9": 1}}, {"scores": {"9": 0, "10": 2, "12.1": 1}}) == [
        "Задание 9: 1 → 0", "Задание 12.1: — → 1"]
    assert fmt.changes(None, {"scores": {"2": 1, "1": "Х"}}) == ["Баллы: 1: Х, 2: 1"]
    assert fmt.changes({"status": "marking"}, {"status": "review"}) == ["Статус: На перепроверке → Третья проверка"]
    assert Formatter(NoNames(), "campaign").changes({"status": "preparing"}, {"status": "marking"}) == [
        "Статус: Подготовка → Перепроверка"]
    assert fmt.changes(None, {"status": "superseded", "reason": "own_school",
                              "message": "эксперт работает в ОО, где написана работа"}) == [
        "Статус: Снята", "Причина: «эксперт работает в ОО, где написана работа»"]
