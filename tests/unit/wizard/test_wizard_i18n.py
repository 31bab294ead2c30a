"""The wizard's own words in the person's language: German problem pages, field checks and notices,
placeholders filled; English exactly as before."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from deskmail.core import i18n
from deskmail.core.errors import ErrorKind, Field, UserFacingError
from deskmail.core.serverconfig import AUTH_PASSWORD_CLEARTEXT, Security
from deskmail.wizard.manual import AUTH_CHOICES, ManualSettings, host_error
from deskmail.wizard.problems import RULES, problem_for
from deskmail.wizard.steps import Step
from deskmail.wizard.words import SECURITY_WORDS, confirm_reason, security_words, source_words

from .helpers import Bed, candidate, found, run_job

PART = Path(i18n.LOCALE_DIR) / "parts" / "i18n-wizard"


@pytest.fixture
def german(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """German from the shipped catalog; while this branch's part is not merged yet, from the part."""
    part = PART / "de.po"
    if part.exists():
        with part.open("rb") as f:
            catalog = read_po(f, locale="de", domain="deskmail")
        mo = tmp_path / "de" / "LC_MESSAGES" / "deskmail.mo"
        mo.parent.mkdir(parents=True)
        with mo.open("wb") as f:
            write_mo(f, catalog)
        monkeypatch.setattr(i18n, "LOCALE_DIR", tmp_path)
    assert i18n.use("de") == "de"
    yield
    i18n.use("en")


def _error(kind: ErrorKind) -> UserFacingError:
    """An error without words of its own, so the Problem page uses the wizard's."""
    return UserFacingError(kind, "")


def test_wrong_password_page_in_german(german: None) -> None:
    problem = problem_for(_error(ErrorKind.AUTH_FAILED), "incoming", candidate())
    assert problem.title == "Das Passwort wurde nicht akzeptiert"
    assert problem.message == "Der Server meldet, dass der Benutzername oder das Passwort falsch ist."
    assert problem.fix.startswith("Geben Sie Ihr Passwort erneut ein.")
    assert problem.server_words == "E-Mails empfangen"
    assert problem.kind == "auth_failed" and problem.focus is Field.PASSWORD  # identifiers stay English


@pytest.mark.parametrize(
    ("kind", "title"),
    [
        (ErrorKind.CONNECT_REFUSED, "Keine Verbindung zum Server"),
        (ErrorKind.TIMEOUT, "Der Server hat nicht geantwortet"),
        (ErrorKind.HOST_NOT_FOUND, "Der Servername wurde nicht gefunden"),
        (ErrorKind.OFFLINE, "Sie scheinen offline zu sein"),
    ],
)
def test_server_not_reachable_in_german(german: None, kind: ErrorKind, title: str) -> None:
    problem = problem_for(_error(kind), "outgoing", candidate())
    assert problem.title == title
    assert problem.server_words == "E-Mails senden"
    assert problem.message == RULES[kind].message != RULES[kind].message_text  # German, not the English id
    assert RULES[kind].title == title  # the table reads out in the language in use, too


def test_provider_named_in_a_whole_german_sentence(german: None) -> None:
    problem = problem_for(_error(ErrorKind.APP_PASSWORD_REQUIRED), "incoming", candidate())
    assert problem.title == "Example Mail verlangt ein App-Passwort"
    assert problem.fix == (
        "Erstellen Sie auf der Website von Example Mail ein „App-Passwort“ "
        "und geben Sie es dann hier statt Ihres Passworts ein."
    )
    unnamed = problem_for(_error(ErrorKind.APP_PASSWORD_REQUIRED), "incoming", None)
    assert unnamed.title == "Ihr Anbieter verlangt ein App-Passwort"


def test_details_line_in_german_keeps_the_error_kind(german: None) -> None:
    error = UserFacingError(ErrorKind.TIMEOUT, "Zeit abgelaufen", details="waited 30 s")
    problem = problem_for(error, "incoming", None)
    assert problem.details == "E-Mails empfangen: timeout - Zeit abgelaufen\n  waited 30 s"


def test_settings_words_in_german(german: None) -> None:
    assert security_words(Security.STARTTLS) == "Verschlüsselt (STARTTLS)"
    assert dict(SECURITY_WORDS.items())[Security.PLAIN] == "Nicht verschlüsselt!"
    http = candidate(source="autoconfig", trusted=False, url="http://autoconfig.example.test/config.xml")
    assert source_words(http) == "die Website Ihres E-Mail-Anbieters (über eine ungeschützte Verbindung)"
    assert confirm_reason(http).startswith("Diese Einstellungen kamen über eine ungeschützte Verbindung")
    assert list(AUTH_CHOICES.values()) == ["Normales Passwort", "Verschlüsseltes Passwort"]
    assert host_error("") == "Bitte geben Sie den Servernamen ein, zum Beispiel imap.example.com."
    manual = ManualSettings.for_address("anna@example.test")
    manual.incoming.port = "99999"
    assert manual.errors()[Field.INCOMING_PORT] == "Der Port ist eine Zahl zwischen 1 und 65535."


def test_wizard_walk_in_german(german: None) -> None:
    """The steps a person goes through: a field message, the confirm notice, a failed check."""
    bed = Bed(discoveries=[found(candidate(source="guess", trusted=False))])
    machine = bed.machine()
    machine.submit_account("Anna", "anna@example.test", "")
    assert machine.draft.errors[Field.PASSWORD] == "Bitte geben Sie Ihr Passwort ein."

    machine.submit_account("Anna", "anna@example.test", "secret")
    run_job(machine)
    assert machine.step is Step.FOUND
    machine.accept_found()
    assert machine.draft.notice == "Bitte setzen Sie das Häkchen, um zu bestätigen, dass diese Einstellungen stimmen."
    machine.set_confirmed(True)
    assert machine.draft.notice == ""  # the German notice is recognised and cleared

    machine.keyring_checked(False)
    assert machine.remember_note.startswith("Dieser Computer hat keinen sicheren Ort für Passwörter")


def test_english_is_unchanged() -> None:
    problem = problem_for(_error(ErrorKind.AUTH_FAILED), "incoming", None)
    assert (problem.title, problem.message, problem.fix, problem.server_words) == (
        "The password was not accepted",
        "The server says that the user name or the password is wrong.",
        "Type your password again. Check that Caps Lock is off.",
        "Receiving mail",
    )
    http = candidate(trusted=False, url="http://autoconfig.example.test/config.xml")
    assert source_words(http) == "your e-mail provider's website (over an unprotected connection)"
    assert AUTH_CHOICES[AUTH_PASSWORD_CLEARTEXT] == "Normal password"
    assert host_error("a b") == "A server name cannot contain spaces."


@pytest.mark.parametrize("kind", sorted(RULES))
def test_english_provider_sentences_match_the_generic_ones(kind: ErrorKind) -> None:
    """Naming the provider changes no English: the same words the page made by replacing "your provider"."""
    rule = RULES[kind]
    named = problem_for(_error(kind), "incoming", candidate())
    for text, shown in ((rule.title, named.title), (rule.message, named.message), (rule.fix, named.fix)):
        expected = (
            text.replace("Your provider's", "Example Mail's")
            .replace("your provider's", "Example Mail's")
            .replace("Your provider", "Example Mail")
            .replace("your provider", "Example Mail")
        )
        assert shown == expected
