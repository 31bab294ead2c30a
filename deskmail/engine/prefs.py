"""Small remembered choices, such as the senders whose remote images may load."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

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


WINDOW_FILE = "window.json"


class WindowPrefs:
    """Where the main window was and how its panes were split, restored at the next start."""

    def __init__(self, paths: Paths) -> None:
        self.path: Path = paths.config / WINDOW_FILE

    def load(self) -> dict[str, Any]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        except (OSError, ValueError) as exc:
            log.warning("ignoring unreadable %s: %s", self.path, exc)
            return {}
        return data if isinstance(data, dict) else {}

    def save(self, state: dict[str, Any]) -> None:
        atomic_write_text(self.path, json.dumps(state, indent=2))


SETTINGS_FILE = "settings.json"
UNDO_SEND_DEFAULT, UNDO_SEND_MAX = 5, 30  # seconds a sent message waits in the Outbox, for Undo Send


class AppSettings:
    """Settings a person may change, in settings.json (`deskmail settings` shows and sets them).

    undo_send_seconds: how long a sent message waits in the Outbox so that it can be taken back
    (0 to 30, default 5; 0 sends at once).
    """

    def __init__(self, paths: Paths) -> None:
        self.path: Path = paths.config / SETTINGS_FILE

    def load(self) -> dict[str, Any]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        except (OSError, ValueError) as exc:
            log.warning("ignoring unreadable %s: %s", self.path, exc)
            return {}
        return data if isinstance(data, dict) else {}

    def undo_send_seconds(self) -> int:
        value = self.load().get("undo_send_seconds", UNDO_SEND_DEFAULT)
        if isinstance(value, bool) or not isinstance(value, int | float):
            return UNDO_SEND_DEFAULT
        return max(0, min(UNDO_SEND_MAX, int(value)))

    def effective(self) -> dict[str, Any]:
        """Every setting with the value in use (defaults filled in, out-of-range values clamped)."""
        return {"undo_send_seconds": self.undo_send_seconds()}

    def set(self, key: str, value: str) -> dict[str, Any]:
        """Change one setting from text (as typed on the command line); ValueError in plain words if wrong."""
        if key != "undo_send_seconds":
            raise ValueError(f"unknown setting {key!r}; known: undo_send_seconds")
        try:
            seconds = int(value)
        except ValueError:
            raise ValueError("undo_send_seconds is a whole number of seconds, 0 to 30") from None
        if not 0 <= seconds <= UNDO_SEND_MAX:
            raise ValueError("undo_send_seconds must be between 0 and 30")
        data = self.load()
        data[key] = seconds
        self.path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write_text(self.path, json.dumps(data, indent=2))
        return self.effective()
