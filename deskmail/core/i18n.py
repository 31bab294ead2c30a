"""The person's language: one translation mechanism for every word Deskmail shows.

GNU gettext catalogs (`deskmail/locale/<lang>/LC_MESSAGES/deskmail.po`, compiled to `.mo` with
Babel, see `scripts/i18n`) serve the Qt-free layers (wizard words, failures, CLI) and the Qt
layers alike, so a sentence is translated once whichever layer shows it. Qt's own strings
(standard buttons, file and print dialogs) come from Qt's `qtbase_<lang>.qm` (ui/language.py).

Rules for code:
- `_("Text with {name}").format(name=...)`: placeholders are named, never glued from pieces.
- `ngettext("{n} message", "{n} messages", n).format(n=n)` for anything counted.
- Module-level tables mark their texts with `N_()` and translate where they are shown (`_(text)`),
  because they are built at import time, before the language is chosen.
- A module that imports `_` never binds `_` as a throwaway name (tests/unit/test_i18n.py checks).

The language is chosen once per process by `use()`: DESKMAIL_LANG, else the person's choice in
Settings, else the system's. Catalogs are looked up by our own language code, never through the
C library's locale, so German works on a machine where `de_DE.UTF-8` was never generated.
"""

from __future__ import annotations

import gettext as _gettext
import os
import subprocess
import sys
from pathlib import Path

DOMAIN = "deskmail"
LOCALE_DIR = Path(__file__).resolve().parents[1] / "locale"

# Shipped languages, by the code their catalog lives under. English is the source language.
SHIPPED: tuple[str, ...] = ("en", "de", "fr", "es", "it", "pt_BR", "nl", "pl", "ja", "ar")
# Each language by its own name, as a language chooser shows it.
NATIVE_NAMES: dict[str, str] = {
    "en": "English",
    "de": "Deutsch",
    "fr": "Français",
    "es": "Español",
    "it": "Italiano",
    "pt_BR": "Português (Brasil)",
    "nl": "Nederlands",
    "pl": "Polski",
    "ja": "日本語",
    "ar": "العربية",
}
RIGHT_TO_LEFT: frozenset[str] = frozenset({"ar"})

_translations: _gettext.NullTranslations = _gettext.NullTranslations()
_language = "en"


def _(message: str) -> str:
    """`message` in the chosen language (itself when there is no translation)."""
    return _translations.gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    """The form of a counted text that fits `n` in the chosen language."""
    return _translations.ngettext(singular, plural, n)


def pgettext(context: str, message: str) -> str:
    """`message` translated in `context`, for short words with more than one meaning ("Open")."""
    return _translations.pgettext(context, message)


def N_(message: str) -> str:
    """Marks a text for translation where it is defined; `_()` translates it where it is shown."""
    return message


def language() -> str:
    """The code of the language in use ("en", "de", "pt_BR", ...)."""
    return _language


def is_right_to_left() -> bool:
    return _language in RIGHT_TO_LEFT


def use(code: str) -> str:
    """Use the shipped language closest to `code` from now on; returns the code chosen."""
    global _translations, _language
    chosen = normalize(code) or "en"
    _language = chosen
    if chosen == "en":
        _translations = _gettext.NullTranslations()
    else:
        _translations = _gettext.translation(DOMAIN, localedir=str(LOCALE_DIR), languages=[chosen], fallback=True)
    return chosen


def normalize(code: str) -> str | None:
    """The shipped language a locale name stands for: "de_AT.UTF-8" -> "de", "pt" -> "pt_BR"."""
    if not code:
        return None
    base = code.split(".")[0].split("@")[0].replace("-", "_")
    if base in ("C", "POSIX"):
        return "en"
    parts = base.split("_")
    lang = parts[0].lower()
    region = parts[1].upper() if len(parts) > 1 else ""
    if f"{lang}_{region}" in SHIPPED:
        return f"{lang}_{region}"
    if lang == "pt":
        return "pt_BR"  # the one Portuguese we ship is closer to European Portuguese than English is
    return lang if lang in SHIPPED else None


def choose(preference: str = "", environ: dict[str, str] | os._Environ[str] | None = None) -> str:
    """The language to use: DESKMAIL_LANG, else `preference` (Settings), else the system's, else English."""
    env = os.environ if environ is None else environ
    override = normalize(env.get("DESKMAIL_LANG", ""))
    if override:
        return override
    chosen = normalize(preference)
    if chosen:
        return chosen
    for candidate in system_languages(env):
        found = normalize(candidate)
        if found:
            return found
    return "en"


def system_languages(environ: dict[str, str] | os._Environ[str] | None = None) -> list[str]:
    """The person's preferred languages as the system states them, most preferred first."""
    env = os.environ if environ is None else environ
    # POSIX order: LANGUAGE (a list) wins over LC_ALL, LC_MESSAGES and LANG, and is ignored for "C".
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = env.get(name, "")
        if value:
            # gettext ignores LANGUAGE under the "C" locale; so do we.
            is_c = value in ("C", "POSIX") or value.startswith("C.")
            return ["en"] if is_c else [*_language_list(env), value]
    found = _language_list(env)
    if sys.platform == "win32":
        found += _windows_ui_languages()
    elif sys.platform == "darwin":
        found += _macos_languages()
    return found


def _language_list(env: dict[str, str] | os._Environ[str]) -> list[str]:
    return [part for part in env.get("LANGUAGE", "").split(":") if part]


def _windows_ui_languages() -> list[str]:
    """The Windows display language (not the region's formats), e.g. "de_DE"."""
    try:
        import ctypes
        import locale

        lcid = ctypes.windll.kernel32.GetUserDefaultUILanguage()  # type: ignore[attr-defined]
        name = locale.windows_locale.get(int(lcid), "")
        return [name] if name else []
    except (AttributeError, OSError, ValueError):
        return []


def _macos_languages() -> list[str]:
    """The preferred languages from System Settings (AppleLanguages), e.g. ["de-DE", "en-US"]."""
    try:
        out = subprocess.run(
            ["/usr/bin/defaults", "read", "-g", "AppleLanguages"], capture_output=True, text=True, timeout=2
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return []
    return [item.strip().strip('",') for item in out.splitlines() if item.strip().strip('",()')]
