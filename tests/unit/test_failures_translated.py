"""The failure table speaks the person's language: message and fix translated, placeholders filled."""

from __future__ import annotations

from pathlib import Path

import pytest

from deskmail.core import i18n
from deskmail.core.errors import ErrorKind
from deskmail.core.serverconfig import Protocol, Security, ServerConfig
from deskmail.engine import failures
from deskmail.engine.imap.sync import SyncProgress
from deskmail.engine.runtime import offline_error
from deskmail.engine.smtp.errors import refused_recipients
from tests.translated import use_language

IMAP = ServerConfig(Protocol.IMAP, "imap.example.com", 993, Security.SSL)
SMTP = ServerConfig(Protocol.SMTP, "smtp.example.com", 587, Security.STARTTLS)


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
