"""The failure table speaks the person's language: message and fix translated, placeholders filled."""

from __future__ import annotations

from pathlib import Path

import pytest

from deskmail.core import i18n
from deskmail.core.errors import ErrorKind, UserFacingError
from deskmail.core.numbers import grouped
from deskmail.core.serverconfig import Protocol, Security, ServerConfig
from deskmail.engine import failures
from deskmail.engine.imap.sync import SyncProgress
from deskmail.engine.runtime import offline_error
from deskmail.engine.smtp.errors import refused_recipients
from tests.translated import use_language

IMAP = ServerConfig(Protocol.IMAP, "imap.example.com", 993, Security.SSL)
SMTP = ServerConfig(Protocol.SMTP, "smtp.example.com", 587, Security.STARTTLS)
POP3 = ServerConfig(Protocol.POP3, "pop.example.com", 995, Security.SSL)


@pytest.fixture
def german(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    use_language("de", monkeypatch, tmp_path)


@pytest.mark.usefixtures("german")
def test_wrong_password_in_german() -> None:
    error = failures.classify_login_failure(IMAP, "[AUTHENTICATIONFAILED] Invalid credentials", "anna")
    assert error.kind is ErrorKind.AUTH_FAILED  # kinds stay English identifiers
    assert error.message == "imap.example.com hat den Benutzernamen 'anna' mit diesem Passwort nicht angenommen."
    assert error.fix == "Prüfen Sie Ihr Passwort (und den Benutzernamen). Achten Sie auf Groß- und Kleinschreibung."
    assert error.to_json()["kind"] == "auth_failed"


@pytest.mark.usefixtures("german")
def test_cannot_be_reached_in_german_names_the_server_by_its_role() -> None:
    error = failures.unproven(IMAP, failures.connect_refused(IMAP, "ECONNREFUSED"))
    assert error.message == (
        "Der Posteingangsserver (IMAP) imap.example.com (Port 993) ist gerade nicht erreichbar: "
        "Er hat die Verbindung abgelehnt."
    )
    assert error.fix.startswith("Der Server ist vielleicht kurz nicht verfügbar.")
    assert error.fix.endswith("prüfen Sie auch den Servernamen und die Portnummer anhand der Angaben Ihres Anbieters.")
    lost = failures.connection_lost(SMTP, "while signing in")
    assert lost.message == (
        "Die Verbindung zum Postausgangsserver (SMTP) smtp.example.com (Port 587) ist bei der Anmeldung abgebrochen."
    )
    assert failures.protocol_error(SMTP).message == (
        "Der Server unter smtp.example.com (Port 587) hat nicht wie ein SMTP-Server geantwortet."
    )


@pytest.mark.usefixtures("german")
def test_certificate_problems_in_german() -> None:
    expired = failures.cert_error(ErrorKind.CERT_EXPIRED, IMAP, {"host": IMAP.host})
    assert expired.message == "Das Sicherheitszertifikat von imap.example.com ist abgelaufen oder noch nicht gültig."
    assert expired.fix == (
        "Prüfen Sie, ob Datum und Uhrzeit dieses Computers stimmen. Andernfalls informieren Sie Ihren Anbieter."
    )
    untrusted = failures.cert_error(ErrorKind.CERT_UNTRUSTED, IMAP, {})
    assert untrusted.message.startswith("Der Server imap.example.com weist sich mit einem Zertifikat aus")


@pytest.mark.usefixtures("german")
def test_offline_and_sync_words_in_german() -> None:
    assert (
        failures.offline(IMAP).message
        == "imap.example.com konnte nicht nachgeschlagen werden: Das Netzwerk antwortet nicht."
    )
    bar = offline_error(OSError("no route"))
    assert bar.message.startswith("Sie sind offline. Sie können Ihre E-Mails weiterhin lesen")
    assert bar.fix == "Prüfen Sie Ihre Internetverbindung; Deskmail versucht es von selbst erneut."
    assert str(SyncProgress("INBOX", 1234, 5678)) == "INBOX: 1.234 von 5.678 Nachrichten"
    assert str(SyncProgress("INBOX", 0, 1)) == "INBOX: 0 von 1 Nachricht"
    refused = refused_recipients({"a@example.com": (550, b"no"), "b@example.com": (550, b"no")})
    assert refused.message == "Der Mailserver hat diese Empfänger nicht angenommen: a@example.com, b@example.com."
    assert refused.fix == "Prüfen Sie die Adressen und senden Sie erneut. Die Nachricht wartet im Postausgang."


def test_the_table_is_translated_when_shown_not_when_imported(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """The module was imported in English; an error made after the switch is German, and back."""
    assert failures.host_not_found(IMAP).message == "The incoming (IMAP) server imap.example.com does not exist."
    use_language("de", monkeypatch, tmp_path)
    assert failures.host_not_found(IMAP).message == "Der Posteingangsserver (IMAP) imap.example.com existiert nicht."
    i18n.use("en")
    assert failures.host_not_found(IMAP).message == "The incoming (IMAP) server imap.example.com does not exist."


@pytest.mark.parametrize("code", ["fr", "es", "it", "pt_BR", "nl", "pl", "ja", "ar"])
def test_every_language_fills_the_placeholders(code: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    use_language(code, monkeypatch, tmp_path)
    error = failures.classify_login_failure(IMAP, "NO [AUTHENTICATIONFAILED] Invalid credentials", "anna")
    assert "imap.example.com" in error.message and "'anna'" in error.message
    assert "{" not in error.message + error.fix
    assert error.message != "imap.example.com did not accept the user name 'anna' with this password."
    refused = failures.connect_refused(SMTP)
    assert "smtp.example.com" in refused.message and "587" in refused.message and "{" not in refused.message


def _every_failure() -> list[UserFacingError]:
    """One error from every public constructor of the failure table, for IMAP, POP3 and SMTP servers."""
    made: list[UserFacingError] = []
    for server in (IMAP, POP3, SMTP):
        made += [
            failures.host_not_found(server),
            failures.offline(server),
            failures.connect_refused(server),
            failures.refused_elsewhere(server, 465),
            failures.timed_out(server, "greeting"),
            failures.tls_expected(server),
            failures.tls_failed(server),
            failures.tls_failed(server, "WRONG_VERSION_NUMBER"),
            failures.starttls_missing(server),
            failures.plaintext_refused(server),
            failures.protocol_error(server),
            failures.injection_detected(server),
            failures.server_busy(server),
            failures.mailbox_in_use(server),
            failures.server_misbehaved(server),
            failures.unproven(server, failures.timed_out(server, "login")),
            *(failures.connection_lost(server, step) for step in STEPS),
            *(failures.cert_error(kind, server, {}) for kind in CERT_KINDS),
            *(failures.classify_login_failure(server, reply, "anna") for reply in LOGIN_REPLIES),
        ]
    return made


STEPS = ("while connecting", "while setting up encryption", "before the server said hello", "while signing in")
STEPS += ("while listing the folders", "while syncing")
CERT_KINDS = (ErrorKind.CERT_UNTRUSTED, ErrorKind.CERT_EXPIRED, ErrorKind.CERT_HOSTNAME, ErrorKind.CERT_CHANGED)
LOGIN_REPLIES = (
    "Invalid credentials",
    "Application-specific password required",
    "BasicAuthBlocked",
    "Your account is not enabled for IMAP use",
    "Too many login failures",
    "[UNAVAILABLE] try later",
    "[PRIVACYREQUIRED] encryption required",
)


def test_no_failure_is_left_in_english(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Every message and fix of the table changes with the language: none bypasses the catalog."""
    english = [(error.kind, error.message, error.fix) for error in _every_failure()]
    use_language("de", monkeypatch, tmp_path)
    german = [(error.kind, error.message, error.fix) for error in _every_failure()]
    assert [kind for kind, _message, _fix in german] == [kind for kind, _message, _fix in english]
    for (_kind, message, fix), (_kind_de, message_de, fix_de) in zip(english, german, strict=True):
        assert message_de != message, message
        assert fix_de != fix, fix
        assert "{" not in message_de + fix_de


def test_numbers_are_grouped_the_languages_way(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    assert grouped(1234567) == "1,234,567"
    use_language("de", monkeypatch, tmp_path)
    assert grouped(1234567) == "1.234.567"
    use_language("fr", monkeypatch, tmp_path)
    assert grouped(1234) == "1\u202f234"
    assert grouped(999) == "999"
