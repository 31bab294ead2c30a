"""Numbers in the command line's human output, written the way the person's language writes them."""

from __future__ import annotations

from deskmail.core.i18n import language


def number(value: float) -> str:
    """`value` as the language writes it: 1,234.5 in English, 1.234,5 in German, 1 234,5 in French
    (at most three decimals)."""
    # Babel is imported here, not at start-up: `deskmail --help` and the app's start do not need it.
    from babel.numbers import format_decimal

    return format_decimal(value, locale=language())
