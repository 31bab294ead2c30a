"""Numbers as the person's language writes them, for the Qt-free layers (Qt code uses QLocale)."""

from __future__ import annotations

from deskmail.core.i18n import pgettext


def grouped(n: int) -> str:
    """`n` with its thousands grouped the way the chosen language does: 12,345 / 12.345 / 12 345."""
    # Translators: the character between groups of thousands in 12,345 (German ".", French a narrow space).
    return format(n, ",").replace(",", pgettext("thousands separator", ","))
