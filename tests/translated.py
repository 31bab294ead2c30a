"""Switch a test to a shipped language with every translation the tree has, part catalogs included.

While several people translate at once, new texts live in deskmail/locale/parts/<branch>/ until
`scripts/i18n.py merge-parts` folds them into the real catalogs; tests of those texts must see
them before and after that merge, so this compiles the real catalog plus every part into a
temporary locale directory and points the translation mechanism at it.
"""

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


def use_language(code: str, monkeypatch: pytest.MonkeyPatch, where: Path) -> None:
    """From now on (until the test ends) texts are in `code`, from catalogs compiled into `where`."""
    script = tool()
    catalog = script.read(code) if script.po_path(code).exists() else script.Catalog(locale=code, domain="deskmail")
    for path in sorted(script.PARTS.glob(f"*/{code}.po")):
        for message in script.read(code, path):
            if not message.id or message.fuzzy or not all(script._strings(message)):
                continue
            have = catalog.get(message.id, context=message.context)
            # As merge-parts does: a text the real catalog already translates keeps that translation.
            if have is None or not all(script._strings(have)):
                catalog[message.id] = message
    target = where / code / "LC_MESSAGES" / "deskmail.mo"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(script.mo_bytes(catalog))
    monkeypatch.setattr(i18n, "LOCALE_DIR", where)
    i18n.use(code)
