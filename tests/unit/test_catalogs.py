"""Every shipped language is complete: each text translated, none fuzzy, placeholders kept, every plural form."""

from __future__ import annotations

import gettext
from pathlib import Path

from babel.messages.catalog import Catalog

from deskmail.core import i18n
from tests.translated import tool as _tool

ROOT = Path(__file__).resolve().parents[2]


def test_every_catalog_is_complete_and_compiled() -> None:
    tool = _tool()
    template = tool.extract()
    assert len(template) > 100  # the app's texts really are marked
    assert tool.problems(template) == []
    assert not tool.PARTS.exists(), "part catalogs are folded in with `python scripts/i18n.py merge-parts`"


def test_each_compiled_catalog_knows_its_plural_rule() -> None:
    """A .mo without Plural-Forms would give English plural choice (two forms) to Polish and Arabic."""
    for code in i18n.SHIPPED:
        if code == "en":
            continue
        catalog = gettext.translation(i18n.DOMAIN, str(i18n.LOCALE_DIR), languages=[code])
        forms = catalog.info().get("plural-forms", "")
        expected = {"ja": 1, "pl": 3, "ar": 6}.get(code, Catalog(locale=code).num_plurals)
        assert f"nplurals={expected};" in forms, (code, forms)
