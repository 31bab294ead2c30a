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
