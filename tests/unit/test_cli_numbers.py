"""Numbers in the command line's human output follow the person's language (babel)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from deskmail.commands.numbers import number
from deskmail.core import i18n


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
