"""Nothing found, with a typo hint: each case is one whole sentence (never "{message} Did you mean")."""

from __future__ import annotations

from pathlib import Path

import pytest

from deskmail.core.settings import Settings
from deskmail.discovery import Outcome, Timing, parse_address
from deskmail.discovery.context import Context
from deskmail.discovery.providers import ProviderTable
from deskmail.discovery.result import assemble
from tests.translated import use_language

SETTINGS = Settings(dns_server=("127.0.0.1", 9))  # never used: nothing is looked up here


def context(**state: int | bool) -> Context:
    ctx = Context(parse_address("ann@gmial.com"), SETTINGS, Timing(), table=ProviderTable(()))
    for name, value in state.items():
        setattr(ctx, name, value)
    return ctx


CASES = [
    (
        {"no_such_domain": True, "answers": 1},
        "The domain gmial.com does not exist. Please check the part after the @ sign.",
    ),
    ({"offline_failures": 1}, "Deskmail cannot reach the internet. Please check your connection and try again."),
    ({"no_mail_servers": True, "answers": 1}, "gmial.com does not receive e-mail: it has no mail servers."),
    ({"answers": 1}, "We could not find the settings for gmial.com."),
]


@pytest.mark.parametrize(("state", "start"), CASES)
def test_every_dead_end_asks_about_the_typo_in_one_sentence(state: dict[str, int | bool], start: str) -> None:
    without = assemble(context(**state), [])
    hinted = assemble(context(**state), [], hint="gmail.com")
    assert without.message.startswith(start) and "Did you mean" not in without.message
    assert hinted.message == f"{without.message} Did you mean gmail.com?"
    assert hinted.outcome is without.outcome


def test_the_hint_in_german(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    use_language("de", monkeypatch, tmp_path)
    result = assemble(context(no_such_domain=True, answers=1), [], hint="gmail.com")
    assert result.outcome is Outcome.NO_SUCH_DOMAIN
    assert result.message == (
        "Die Domain gmial.com existiert nicht. Bitte prüfen Sie den Teil nach dem @-Zeichen. Meinten Sie gmail.com?"
    )
