"""User name fallbacks: the configured name first, then address / local part, never wild guesses."""

from __future__ import annotations

import pytest

from deskmail.engine.validate import username_candidates


@pytest.mark.parametrize(
    ("configured", "email", "expected"),
    [
        ("%EMAILADDRESS%", "Bob@example.com", ["Bob@example.com", "Bob"]),
        ("%EMAILLOCALPART%", "bob@example.com", ["bob", "bob@example.com"]),
        ("bob@example.com", "bob@example.com", ["bob@example.com", "bob"]),
        ("u1234567", "bob@example.com", ["u1234567"]),
        ("", "bob@example.com", ["bob@example.com", "bob"]),
        ("bob", "", ["bob"]),
        ("%EMAILLOCALPART%@%EMAILDOMAIN%", "bob@example.com", ["bob@example.com", "bob"]),
    ],
)
def test_candidates(configured: str, email: str, expected: list[str]) -> None:
    assert username_candidates(configured, email) == expected
