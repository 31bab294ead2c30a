"""Helpers for tests in other languages: the catalog tool and switching the language."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

import pytest

from deskmail.core import i18n

ROOT = Path(__file__).resolve().parents[1]


def tool() -> ModuleType:
    """scripts/i18n.py as a module (it is a script, not part of the package)."""
    spec = importlib.util.spec_from_file_location("deskmail_i18n_tool", ROOT / "scripts" / "i18n.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def use_language(code: str, monkeypatch: pytest.MonkeyPatch | None = None, where: Path | None = None) -> None:
    """From now on texts are in `code` (tests/conftest.py brings English back after the test)."""
    i18n.use(code)
