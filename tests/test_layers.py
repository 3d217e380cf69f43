"""The rule of the house (docs/ARCHITECTURE.md): layers point down, areas are packages.

Read from the source with ``ast`` (no imports executed), so a lazy import inside a
function counts as much as one at the top of a module.
"""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SERVICES = ROOT / "crosscheck" / "services"


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imports_of(path: Path) -> set[str]:
    """Absolute names of every module ``path`` imports, at the top or inside functions."""
    package = module_name(path) if path.name == "__init__.py" else module_name(path).rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            found.add(module)
            # ``from crosscheck import services`` imports the submodule itself
            found.update(f"{module}.{alias.name}" for alias in node.names)
    return found


def modules_under(*parts: str) -> list[Path]:
    return sorted((ROOT.joinpath(*parts)).rglob("*.py"))


def offending(paths: list[Path], forbidden: tuple[str, ...]) -> dict[str, list[str]]:
    bad = {}
    for path in paths:
        hits = sorted(m for m in imports_of(path) if any(m == f or m.startswith(f + ".") for f in forbidden))
        if hits:
            bad[str(path.relative_to(ROOT))] = hits
    return bad


@pytest.mark.parametrize("area", [("crosscheck", "domain"), ("scanner_import",)])
def test_pure_code_imports_no_framework_database_or_upper_layer(area):
    forbidden = ("flask", "flask_login", "flask_wtf", "sqlalchemy", "alembic", "rq", "redis",
                 "crosscheck.services", "crosscheck.web", "crosscheck.jobs", "crosscheck.models",
                 "crosscheck.db", "crosscheck.extensions")
    assert offending(modules_under(*area), forbidden) == {}


def test_services_never_import_jobs_web_or_the_command_line():
    # Background work is asked for through crosscheck.background, which knows no job.
    forbidden = ("crosscheck.jobs", "crosscheck.web", "crosscheck.cli", "flask_login", "flask_wtf")
    assert offending(modules_under("crosscheck", "services"), forbidden) == {}


def test_the_background_seam_imports_no_service_and_no_job():
    forbidden = ("crosscheck.services", "crosscheck.jobs", "crosscheck.web")
    assert offending([ROOT / "crosscheck" / "background.py"], forbidden) == {}


def test_jobs_import_no_web_layer():
    assert offending(modules_under("crosscheck", "jobs"), ("crosscheck.web", "crosscheck.cli")) == {}


def test_screening_sits_on_top_of_the_services():
    """services/screening (SPEC §8) reads the reports area's loader; no other area imports it
    (sampling will live in it: the areas below read a sample from the models, never from it)."""
    others = [p for p in modules_under("crosscheck", "services") if "screening" not in p.relative_to(SERVICES).parts]
    assert offending(others, ("crosscheck.services.screening",)) == {}
    allowed = ("crosscheck.domain", "crosscheck.models", "crosscheck.db", "crosscheck.services.screening",
               "crosscheck.services.marking", "crosscheck.services.reports", "crosscheck.services.audit")
    for path in modules_under("crosscheck", "services", "screening"):
        own = {m for m in imports_of(path) if m.startswith("crosscheck")}
        assert all(any(m == a or m.startswith(a + ".") for a in allowed) for m in own), (path, own)
