"""Small remembered choices, such as the senders whose remote images may load."""

from __future__ import annotations

import json
import logging
import os
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

from deskmail.core.i18n import SHIPPED, _
from deskmail.engine.accounts import atomic_write_text
from deskmail.engine.paths import Paths

log = logging.getLogger(__name__)
REMOTE_CONTENT_FILE = "remote-content.json"


class RemoteContentPrefs:
    """Senders (lower-case addresses) whose messages show remote content without asking."""

    def __init__(self, paths: Paths) -> None:
        self.path: Path = paths.config / REMOTE_CONTENT_FILE

    def load(self) -> set[str]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return set()
        except (OSError, ValueError) as exc:
            log.warning("ignoring unreadable %s: %s", self.path, exc)
            return set()
        senders = data.get("allowed_senders", []) if isinstance(data, dict) else []
        return {str(s).lower() for s in senders if isinstance(s, str)}

    def allow(self, sender: str) -> set[str]:
        """Remember `sender`; returns the whole set."""
        senders = self.load() | {sender.lower()}
        self.path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write_text(self.path, json.dumps({"allowed_senders": sorted(senders)}, indent=2))
        return senders

    def forget_all(self) -> None:
        """Ask again for every sender (Settings › Remote content)."""
        atomic_write_text(self.path, json.dumps({"allowed_senders": []}, indent=2))


def read_object(path: Path) -> dict[str, Any]:
    """A JSON object from a small settings file; missing or unreadable is empty (the defaults)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as exc:
        log.warning("ignoring unreadable %s: %s", path, exc)
        return {}
    return data if isinstance(data, dict) else {}


WINDOW_FILE = "window.json"


class WindowPrefs:
    """Where the main window was and how its panes were split, restored at the next start."""

    def __init__(self, paths: Paths) -> None:
        self.path: Path = paths.config / WINDOW_FILE

    def load(self) -> dict[str, Any]:
        return read_object(self.path)

    def save(self, state: dict[str, Any]) -> None:
        atomic_write_text(self.path, json.dumps(state, indent=2))


SETTINGS_FILE = "settings.json"
UNDO_SEND_DEFAULT, UNDO_SEND_MAX = 5, 30  # seconds a sent message waits in the Outbox, for Undo Send


class AppSettings:
    """Settings a person may change, in settings.json (`deskmail settings` shows and sets them).

    undo_send_seconds: how long a sent message waits in the Outbox so that it can be taken back
    (0 to 30, default 5; 0 sends at once).
    language: the language Deskmail speaks ("" follows the system; "de", "pt_BR", ... one of
    core.i18n.SHIPPED). DESKMAIL_LANG overrides it.
    """

    def __init__(self, paths: Paths) -> None:
        self.path: Path = paths.config / SETTINGS_FILE

    def load(self) -> dict[str, Any]:
        return read_object(self.path)

    def undo_send_seconds(self) -> int:
        value = self.load().get("undo_send_seconds", UNDO_SEND_DEFAULT)
        if isinstance(value, bool) or not isinstance(value, int | float):
            return UNDO_SEND_DEFAULT
        return max(0, min(UNDO_SEND_MAX, int(value)))

    def language(self) -> str:
        """The chosen language's code, "" for the system's (also for anything not shipped)."""
        value = self.load().get("language", "")
        return value if isinstance(value, str) and value in SHIPPED else ""

    def effective(self) -> dict[str, Any]:
        """Every setting with the value in use (defaults filled in, out-of-range values clamped)."""
        return {"undo_send_seconds": self.undo_send_seconds(), "language": self.language()}

    def set(self, key: str, value: str) -> dict[str, Any]:
        """Change one setting from text (as typed on the command line); ValueError in plain words if wrong."""
        stored: Any
        if key == "undo_send_seconds":
            try:
                stored = int(value)
            except ValueError:
                raise ValueError(_("undo_send_seconds is a whole number of seconds, 0 to 30")) from None
            if not 0 <= stored <= UNDO_SEND_MAX:
                raise ValueError(_("undo_send_seconds must be between 0 and 30"))
        elif key == "language":
            if value and value not in SHIPPED:
                raise ValueError(
                    _("language is one of: {codes} (or empty for the system's language)").format(
                        codes=", ".join(SHIPPED)
                    )
                )
            stored = value
        else:
            raise ValueError(_("unknown setting {key!r}; known: undo_send_seconds, language").format(key=key))
        data = self.load()
        data[key] = stored
        self.path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write_text(self.path, json.dumps(data, indent=2))
        return self.effective()


OFFLINE_FILE = "offline.json"


@dataclass(frozen=True)
class OfflineReading:
    """What is downloaded after each check, so that recent mail can be read without a connection.

    Set in `offline.json` in the settings folder (written with these defaults the first time):
    switch it off, or allow it on metered networks, and choose how much is kept.
    """

    download: bool = True  # false: only messages opened are kept (e.g. always on a metered network)
    days: int = 30  # messages of the last N days...
    messages_per_folder: int = 2000  # ... and at most this many of the newest in each folder
    skip_larger_than_mb: int = 5  # messages bigger than this (their big attachments) wait to be opened
    on_metered_networks: bool = False  # mobile data and other metered connections: nothing ahead

    @property
    def max_bytes(self) -> int:
        return self.skip_larger_than_mb * 1024 * 1024


OFFLINE_LIMITS = {"days": (0, 36500), "messages_per_folder": (0, 1_000_000), "skip_larger_than_mb": (0, 10_000)}


class OfflinePrefs:
    """offline.json: read at each use (a person may edit it while Deskmail runs); bad values keep the default."""

    def __init__(self, paths: Paths) -> None:
        self.path: Path = paths.config / OFFLINE_FILE

    def load(self) -> OfflineReading:
        default = OfflineReading()
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            self._write_defaults(default)
            return default
        except (OSError, ValueError) as exc:
            log.warning("ignoring unreadable %s: %s", self.path, exc)
            return default
        if not isinstance(data, dict):
            return default
        chosen: dict[str, Any] = {}
        for item in fields(OfflineReading):
            value, kind = data.get(item.name), type(getattr(default, item.name))
            if isinstance(value, kind) and not (kind is int and isinstance(value, bool)):
                low, high = OFFLINE_LIMITS.get(item.name, (0, 0))
                chosen[item.name] = min(max(value, low), high) if kind is int else value
        return OfflineReading(**chosen)

    def save(self, chosen: OfflineReading) -> None:
        """Keep what the person chose in Settings (the same file a person may edit by hand)."""
        document = {item.name: getattr(chosen, item.name) for item in fields(OfflineReading)}
        atomic_write_text(self.path, json.dumps(document, indent=2) + "\n")

    def _write_defaults(self, default: OfflineReading) -> None:
        """So that a person finds the settings to change (never overwrites a file they wrote)."""
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            document = {item.name: getattr(default, item.name) for item in fields(OfflineReading)}
            atomic_write_text(self.path, json.dumps(document, indent=2) + "\n")
        except OSError as exc:
            log.info("cannot write %s: %s", self.path, exc)


PREFERENCES_FILE = "preferences.json"
REMOTE_ASK = "ask"  # remote content: always ask, even for senders allowed before
REMOTE_ALLOWED_SENDERS = "allowed_senders"  # load it at once for senders the person allowed
REMOTE_CHOICES = (REMOTE_ASK, REMOTE_ALLOWED_SENDERS)


@dataclass(frozen=True)
class AppChoices:
    """Choices for the whole app (Settings › General); per-account ones live in accounts.json."""

    remote_content: str = REMOTE_ALLOWED_SENDERS
    notifications: bool = True  # a desktop notification when new mail arrives


class AppPrefs:
    """preferences.json: bad or unknown values keep the default, unknown keys are kept for newer versions."""

    def __init__(self, paths: Paths) -> None:
        self.path: Path = paths.config / PREFERENCES_FILE

    def _read(self) -> dict[str, Any]:
        return read_object(self.path)

    def load(self) -> AppChoices:
        data, default = self._read(), AppChoices()
        remote = data.get("remote_content")
        notifications = data.get("notifications")
        return AppChoices(
            remote_content=remote if remote in REMOTE_CHOICES else default.remote_content,
            notifications=notifications if isinstance(notifications, bool) else default.notifications,
        )

    def save(self, choices: AppChoices) -> None:
        document = self._read()
        document.update({item.name: getattr(choices, item.name) for item in fields(AppChoices)})
        atomic_write_text(self.path, json.dumps(document, indent=2) + "\n")


def use_chosen_language(paths: Paths) -> str:
    """Speak DESKMAIL_LANG, else the language chosen in Settings, else the system's; returns its code."""
    from deskmail.core import i18n

    preference = "" if os.environ.get("DESKMAIL_LANG") else AppSettings(paths).language()
    return i18n.use(i18n.choose(preference))
