"""Numbers in the command line's human output follow the person's language (babel)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from deskmail.core import i18n
from deskmail.core.numbers import number


@pytest.fixture
def language() -> Iterator[None]:
    yield
    i18n.use("en")


@pytest.mark.parametrize(
    ("code", "count", "seconds"),
    [
        ("en", "1,234,567", "0.125"),
        ("de", "1.234.567", "0,125"),
        ("pt_BR", "1.234.567", "0,125"),
        ("fr", "1\u202f234\u202f567", "0,125"),
        ("ja", "1,234,567", "0.125"),
    ],
)
def test_numbers_are_written_as_the_language_writes_them(language: None, code: str, count: str, seconds: str) -> None:
    i18n.use(code)
    assert number(1234567) == count
    assert number(0.125) == seconds


def test_english_output_keeps_its_old_grouping() -> None:
    assert number(1234) == f"{1234:,}"


@pytest.mark.parametrize("code", i18n.SHIPPED)
def test_every_language_is_written_as_babel_writes_it_without_loading_babel(language: None, code: str) -> None:
    from babel.numbers import format_decimal

    from deskmail.core.numbers import SEPARATORS

    assert code in SEPARATORS  # else `deskmail sync` loads Babel for this language's one number
    values = [0, -0.0004, 0.0005, 0.0015, 0.0025, 0.125, 0.574, 1.5, 12.3456, 999.9995, 1234.5, -1234.5678, 10**12]
    values += [n / 7 for n in range(-3000, 3000, 7)] + [12345.678, 1234567.891]
    i18n.use(code)
    assert [number(v) for v in values] == [format_decimal(v, locale=code) for v in values]
