"""Numbers as the person's language writes them, for the Qt-free layers (Qt code uses QLocale)."""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Decimal

from deskmail.core.i18n import language

# Each shipped language's decimal sign and thousands separator as Babel (CLDR) writes them in its
# "#,##0.###" pattern; tests/unit/test_cli_numbers.py compares every language with Babel itself.
# Every `deskmail sync` prints a duration, and importing Babel with a locale's data for it cost
# that process 15-30 ms.
SEPARATORS: dict[str, tuple[str, str]] = {
    "en": (".", ","),
    "de": (",", "."),
    "fr": (",", "\u202f"),
    "es": (",", "."),
    "it": (",", "."),
    "pt_BR": (",", "."),
    "nl": (",", "."),
    "pl": (",", "\xa0"),
    "ja": (".", ","),
    "ar": (".", ","),
}


def number(value: float) -> str:
    """`value` as the language writes it: 1,234.5 in English, 1.234,5 in German, 1 234,5 in French
    (at most three decimals)."""
    # Every shipped language has its separators here (core.i18n.SHIPPED; the test checks both lists).
    return _written(value, *SEPARATORS.get(language(), SEPARATORS["en"]))


def _written(value: float, decimal: str, group: str) -> str:
    """Babel's #,##0.### (half to even) with these separators."""
    rounded = Decimal(str(value)).quantize(Decimal("0.001"), rounding=ROUND_HALF_EVEN)
    text = f"{abs(rounded):,f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    text = text.translate({ord("."): decimal, ord(","): group})
    return f"-{text}" if rounded.is_signed() else text


def grouped(n: int) -> str:
    """`n` with its thousands grouped the way the chosen language does: 12,345 / 12.345 / 12 345."""
    return number(n)
