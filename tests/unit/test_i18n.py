"""The language mechanism: choosing the language, the rules code must follow, localized mail texts."""

from __future__ import annotations

import ast
import datetime
from pathlib import Path

import pytest

from deskmail.core import i18n
from deskmail.engine.mime.decode import Address
from deskmail.engine.mime.parse import parse_message
from deskmail.engine.mime.reply import forward, forward_subject, reply, reply_subject
from tests.translated import tool as _tool

PACKAGE = Path(__file__).resolve().parents[2] / "deskmail"
GETTEXT_CALLS = {"_", "N_", "ngettext", "pgettext"}


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("de_DE.UTF-8", "de"),
        ("de_AT", "de"),
        ("pt", "pt_BR"),
        ("pt_PT.UTF-8", "pt_BR"),
        ("pt-BR", "pt_BR"),
        ("ja_JP.eucJP", "ja"),
        ("ar_EG.UTF-8", "ar"),
        ("C", "en"),
        ("POSIX", "en"),
        ("sv_SE", None),
        ("", None),
        ("sr_RS@latin", None),
    ],
)
def test_locale_names_map_to_shipped_languages(code: str, expected: str | None) -> None:
    assert i18n.normalize(code) == expected


def test_choice_order_is_override_then_settings_then_system() -> None:
    system = {"LANG": "fr_FR.UTF-8"}
    assert i18n.choose("", system) == "fr"
    assert i18n.choose("de", system) == "de"
    assert i18n.choose("de", {**system, "DESKMAIL_LANG": "ja"}) == "ja"
    # LANGUAGE is a list of preferences, the first shipped one wins; LC_ALL beats LANG.
    assert i18n.choose("", {"LANGUAGE": "sv:nl:de", "LANG": "en_US.UTF-8"}) == "nl"
    assert i18n.choose("", {"LC_ALL": "pl_PL.UTF-8", "LANG": "de_DE.UTF-8"}) == "pl"
    # Under the C locale gettext ignores LANGUAGE; an unknown language falls back to English.
    assert i18n.choose("", {"LANGUAGE": "de", "LANG": "C.UTF-8"}) == "en"
    assert i18n.choose("", {"LANG": "sv_SE.UTF-8"}) == "en"


def test_german_works_without_a_generated_locale() -> None:
    """No setlocale: the catalog is found by our code, so a machine without de_DE.UTF-8 speaks German."""
    assert i18n.use(i18n.choose("", {"LANG": "de_DE.UTF-8"})) == "de"
    assert i18n._("{name} wrote:").format(name="Bob") == "Bob schrieb:"
    assert i18n.is_right_to_left() is False
    i18n.use("ar")
    assert i18n.is_right_to_left() is True


def _modules() -> list[tuple[Path, ast.Module]]:
    return [(path, ast.parse(path.read_text(encoding="utf-8"))) for path in sorted(PACKAGE.rglob("*.py"))]


def test_no_module_that_translates_uses_underscore_as_a_throwaway_name() -> None:
    """`for _ in ...` in a function that also calls `_()` makes `_` local: UnboundLocalError in use."""
    offenders = []
    for path, tree in _modules():
        imports_it = any(
            isinstance(node, ast.ImportFrom) and any(alias.name == "_" and not alias.asname for alias in node.names)
            for node in ast.walk(tree)
        )
        if not imports_it:
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Name) and node.id == "_" and isinstance(node.ctx, ast.Store):
                offenders.append(f"{path.relative_to(PACKAGE.parent)}:{node.lineno}")
    assert offenders == []


def test_translated_texts_are_literals_with_named_placeholders() -> None:
    """The extractor only sees literal strings; f-strings or variables in `_()` are never translated,
    and a positional "{}" cannot be moved by a translator whose word order differs."""
    offenders = []
    for path, tree in _modules():
        for node in ast.walk(tree):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in GETTEXT_CALLS):
                continue
            texts = node.args[1:] if node.func.id == "pgettext" else node.args[:2]
            if node.func.id in ("_", "N_"):
                texts = node.args[:1]
            where = f"{path.relative_to(PACKAGE.parent)}:{node.lineno}"
            for arg in texts:
                if node.func.id == "_" and not isinstance(arg, ast.Constant):
                    continue  # `_(value)` translates a text marked with N_() elsewhere
                if not (isinstance(arg, ast.Constant) and isinstance(arg.value, str)):
                    offenders.append(f"{where}: not a literal")
                elif "{}" in arg.value or "{0" in arg.value or "{1" in arg.value:
                    offenders.append(f"{where}: positional placeholder")
    assert offenders == []


# Pieces that were glued into other sentences, and the frames they were glued into: a translator can
# neither order nor inflect them ("Undo " + "Mark as Read", "New message from " + "an unknown sender").
GLUED = {
    "Undo {action}", "Redo {action}", "Undone: {action}", "an unknown sender", "click to see why", "click to decide",
    "{waiting} · {problems}, {ask}", "{message} Did you mean {hint}?", "Incoming (IMAP) {where}",
    "Outgoing (SMTP) {where}", "{server}: {message}",
}  # fmt: skip


def test_no_text_is_glued_from_pieces() -> None:
    ids = {m.id if isinstance(m.id, str) else m.id[0] for m in _tool().extract() if m.id}
    assert ids & GLUED == set()


def _original(subject: str, *, date: str = "Mon, 03 May 2021 14:05:00 +0000") -> object:
    raw = (
        f"From: Bob Baker <bob@example.test>\r\nTo: me@example.test\r\nSubject: {subject}\r\n"
        f"Date: {date}\r\nMessage-ID: <1@example.test>\r\n\r\nHello\r\n"
    ).encode()
    return parse_message(raw)


@pytest.mark.parametrize(
    "subject",
    ["AW: Termin", "Re: x", "RE[2]: x", "Odp: Spotkanie", "RES: Proposta", "Rif: Fattura", "回复：你好", "رد: مرحبا"],
)
def test_a_reply_to_a_reply_in_any_language_gets_no_second_prefix(subject: str) -> None:
    assert reply_subject(subject) == subject


@pytest.mark.parametrize("subject", ["WG: Bericht", "TR: Facture", "RV: Factura", "Enc: Fotos", "Doorst: x", "I: y"])
def test_forwarding_a_forward_in_any_language_gets_no_second_prefix(subject: str) -> None:
    assert forward_subject(subject) == subject
    assert reply_subject(subject) == f"Re: {subject}"


def test_reply_and_forward_headers_are_in_the_writers_language() -> None:
    me = Address("Me", "me@example.test")
    original = _original("Kitchen")
    assert "Bob Baker wrote:" in reply(original, me=me).body  # English as it always was
    i18n.use("de")
    body = reply(original, me=me).body
    when = datetime.datetime(2021, 5, 3, 14, 5, tzinfo=datetime.UTC).astimezone()
    assert f"Am {when.day}. Mai 2021 um" in body.replace("Montag, ", "").replace("Sonntag, ", "").replace(
        "Dienstag, ", ""
    )
    assert "schrieb Bob Baker:" in body
    forwarded = forward(original, b"", me=me).body
    assert "Weitergeleitete Nachricht" in forwarded and "Betreff: Kitchen" in forwarded and "Von: Bob" in forwarded


def test_macos_and_windows_preferences_are_read(monkeypatch: pytest.MonkeyPatch) -> None:
    """Where LANG is unset (a double-clicked app on macOS or Windows) the desktop's own list decides."""
    import subprocess

    printed = '(\n    "pt-BR",\n    "en-US"\n)\n'
    monkeypatch.setattr(subprocess, "run", lambda *a, **k: subprocess.CompletedProcess(a, 0, stdout=printed, stderr=""))
    assert i18n._macos_languages() == ["pt-BR", "en-US"]
    monkeypatch.setattr(i18n.sys, "platform", "darwin")
    assert i18n.choose("", {}) == "pt_BR"
    monkeypatch.setattr(i18n.sys, "platform", "win32")
    monkeypatch.setattr(i18n, "_windows_ui_languages", lambda: ["ja_JP"])
    assert i18n.choose("", {}) == "ja"
    assert i18n.choose("", {"LANG": "de_DE.UTF-8"}) == "de"  # a set LANG still wins (Cygwin, MSYS)
