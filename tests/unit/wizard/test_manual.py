"""Manual settings: standard ports follow the security choice, mistakes are explained in words."""

from __future__ import annotations

import pytest

from deskmail.core.errors import Field
from deskmail.core.serverconfig import AUTH_PASSWORD_ENCRYPTED, Protocol, Security
from deskmail.wizard.manual import ManualSettings, ServerForm, host_error, parse_port
from deskmail.wizard.words import confirm_reason, registered_domain, security_words, source_words, split_host

from .helpers import candidate


@pytest.mark.parametrize(
    ("protocol", "security", "port"),
    [
        (Protocol.IMAP, Security.SSL, "993"),
        (Protocol.IMAP, Security.STARTTLS, "143"),
        (Protocol.SMTP, Security.SSL, "465"),
        (Protocol.SMTP, Security.STARTTLS, "587"),
    ],
)
def test_security_fills_standard_port(protocol: Protocol, security: Security, port: str) -> None:
    form = ServerForm(protocol)
    form.choose_security(security)
    assert form.port == port
    other = Security.STARTTLS if security is Security.SSL else Security.SSL
    form.choose_security(other)
    form.choose_security(security)
    assert form.port == port


def test_custom_port_is_kept_and_smtp_25_is_replaced() -> None:
    form = ServerForm(Protocol.IMAP, port="2993")
    form.choose_security(Security.STARTTLS)
    assert (form.port, form.security) == ("2993", Security.STARTTLS)
    smtp = ServerForm(Protocol.SMTP, port="25")
    smtp.choose_security(Security.STARTTLS)
    assert smtp.port == "587"


def test_for_address_starting_point() -> None:
    settings = ManualSettings.for_address("anna@Example.TEST")
    assert (settings.incoming.host, settings.incoming.port, settings.incoming.username) == (
        "imap.example.test",
        "993",
        "anna@Example.TEST",
    )
    assert (settings.outgoing.host, settings.outgoing.port) == ("smtp.example.test", "465")
    assert settings.errors() == {}


def test_round_trip_through_candidate() -> None:
    found = candidate()
    settings = ManualSettings.from_candidate(found, "anna@example.test")
    settings.auth = AUTH_PASSWORD_ENCRYPTED
    settings.outgoing.username = ""
    result = settings.to_candidate(found.provider)
    assert (result.source, result.trusted, result.provider.name) == ("manual", True, "Example Mail")
    assert result.incoming.auth == (AUTH_PASSWORD_ENCRYPTED,)
    assert result.outgoing is not None and result.outgoing.username == "anna@example.test"


def test_errors_name_the_fields() -> None:
    settings = ManualSettings.for_address("anna@example.test")
    settings.incoming.host = ""
    settings.incoming.port = "abc"
    settings.outgoing.host = "smtp example test"
    settings.incoming.username = " "
    errors = settings.errors()
    assert set(errors) == {Field.INCOMING_HOST, Field.INCOMING_PORT, Field.OUTGOING_HOST, Field.USERNAME}
    assert "spaces" in errors[Field.OUTGOING_HOST]
    settings = ManualSettings.for_address("anna@example.test")
    settings.auth = "ntlm"
    assert Field.NONE in settings.errors()


@pytest.mark.parametrize(
    ("host", "ok"),
    [
        ("imap.example.com", True),
        ("IMAP.Example.com.", True),
        ("127.0.0.1", True),
        ("[::1]", True),
        ("mail.bücher.de", True),
        ("https://imap.example.com", False),
        ("anna@example.com", False),
        ("imap..example.com", False),
        ("-imap.example.com", False),
        ("imap_ex!ample.com", False),
        ("", False),
    ],
)
def test_host_error(host: str, ok: bool) -> None:
    assert (host_error(host) == "") is ok


@pytest.mark.parametrize(("text", "port"), [("993", 993), (" 1 ", 1), ("0", None), ("65536", None), ("９９３", None)])
def test_parse_port(text: str, port: int | None) -> None:
    assert parse_port(text) == port


def test_words() -> None:
    assert security_words(Security.SSL) == "Encrypted (SSL/TLS)"
    assert security_words(Security.STARTTLS) == "Encrypted (STARTTLS)"
    assert security_words(Security.PLAIN) == "Not encrypted!"
    assert registered_domain("imap.mail.example.co.uk") == "example.co.uk"
    assert registered_domain("127.0.0.1") == "127.0.0.1"
    assert split_host("imap.example.com") == ("imap.", "example.com")
    assert split_host("example.com") == ("", "example.com")
    http = candidate("autoconfig", False, url="http://autoconfig.example.test/x")
    assert "unprotected" in source_words(http) and "unprotected" in confirm_reason(http)
    assert "guessed" in confirm_reason(candidate("guess", False))
    assert "receives your mail" in confirm_reason(candidate("mx", False))
    assert confirm_reason(candidate()) == ""
