"""The engine never imports Qt; qtbridge uses only QtCore; core uses only the standard library."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "deskmail"
QT_FREE = ("core", "net", "discovery", "engine", "wizard", "commands")
# The one command that needs Qt: `account export --format card` lays the card out with QPainter
# (fonts, PDF). It imports the UI's card module inside the function for that format only, so every
# other command still runs without Qt (tests/unit/test_cli.py and the export tests check that).
UI_IMPORT_EXCEPTIONS = {"commands/export.py": {"deskmail.ui.phone.card", "deskmail.ui.phone.card.card_pdf_bytes"}}


def imports_of(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def files_in(subpackage: str) -> list[Path]:
    return sorted((PACKAGE / subpackage).rglob("*.py"))


@pytest.mark.parametrize("subpackage", QT_FREE)
def test_no_qt_in_engine_layers(subpackage: str) -> None:
    offenders = {
        str(path.relative_to(PACKAGE)): sorted(n for n in imports_of(path) if n.split(".")[0] == "PySide6")
        for path in files_in(subpackage)
    }
    assert {k: v for k, v in offenders.items() if v} == {}


def test_qtbridge_uses_only_qtcore() -> None:
    bad = {}
    for path in files_in("qtbridge"):
        qt = [n for n in imports_of(path) if n.startswith("PySide6") and not n.startswith("PySide6.QtCore")]
        qt = [n for n in qt if n != "PySide6"]
        if qt:
            bad[str(path.relative_to(PACKAGE))] = qt
    assert bad == {}


def test_core_uses_only_the_standard_library() -> None:
    bad = {}
    for path in files_in("core"):
        third_party = [
            n
            for n in imports_of(path)
            if n.split(".")[0] not in sys.stdlib_module_names and n.split(".")[0] != "deskmail"
        ]
        inner = [n for n in imports_of(path) if n.startswith("deskmail.") and not n.startswith("deskmail.core")]
        if third_party or inner:
            bad[str(path.relative_to(PACKAGE))] = third_party + inner
    assert bad == {}


def test_engine_layers_do_not_import_ui() -> None:
    bad = {}
    for sub in QT_FREE:
        for path in files_in(sub):
            ui = [n for n in imports_of(path) if n.startswith(("deskmail.ui", "deskmail.qtbridge", "deskmail.app"))]
            ui = [n for n in ui if n not in UI_IMPORT_EXCEPTIONS.get(str(path.relative_to(PACKAGE)), set())]
            if ui:
                bad[str(path.relative_to(PACKAGE))] = ui
    assert bad == {}
