"""Numbers in the command line's human output, written the way the person's language writes them."""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Decimal

from deskmail.core.i18n import language


def number(value: float) -> str:
    """`value` as the language writes it: 1,234.5 in English, 1.234,5 in German, 1 234,5 in French
    (at most three decimals)."""
    if language() == "en":
        return _english(value)
    # Babel is imported here, not at start-up: `deskmail --help` and the app's start do not need it.
    from babel.numbers import format_decimal

    return format_decimal(value, locale=language())


def _english(value: float) -> str:
    """Babel's English pattern (#,##0.###, half to even) without loading Babel and its locale data:
    every `deskmail sync` prints a duration, and Babel alone cost that process 15-20 ms."""
    rounded = Decimal(str(value)).quantize(Decimal("0.001"), rounding=ROUND_HALF_EVEN)
    text = f"{abs(rounded):,f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return f"-{text}" if rounded.is_signed() else text
