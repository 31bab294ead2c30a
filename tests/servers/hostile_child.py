"""A child process that syncs (or opens a message) against a server, like `deskmail sync` does, then
prints its result and its own peak RSS as JSON: memory measured for exactly one run.

    python -m tests.servers.hostile_child '{"ip": ..., "ca": ..., "home": ..., "action": "sync", "limits": {...}}'

`limits` overrides constants of deskmail/engine/limits.py (tests shrink the deadlines so a trickling
server is cut off in seconds); the password comes from the JSON instead of the keyring.
"""

from __future__ import annotations

import json
import os
import resource
import sys
import time
from pathlib import Path
from typing import Any

USER = "alice@example.test"


def main() -> None:
    spec: dict[str, Any] = json.loads(sys.argv[1])
    os.environ["DESKMAIL_HOME"] = spec["home"]
    os.environ["DESKMAIL_EXTRA_CA"] = spec["ca"]
    from deskmail.engine import limits

    for name, value in spec.get("limits", {}).items():
        assert hasattr(limits, name), name
        setattr(limits, name, value)
    started = time.monotonic()
    result = _sync(spec) if spec.get("action", "sync") == "sync" else _open_last(spec)
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(
        json.dumps({"result": result, "peak_rss_mb": round(peak_kb / 1024, 1), "seconds": time.monotonic() - started})
    )


class _Password:
    """Stands in for the keyring (not what these runs test)."""

    def __init__(self, password: str) -> None:
        self.password = password

    def get(self, _email: str) -> str:
        return self.password


def _account(spec: dict[str, Any]) -> Any:
    from deskmail.core.serverconfig import Protocol, Security, ServerConfig
    from deskmail.engine.accounts import Account

    ip = spec["ip"]
    return Account(
        email=USER,
        display_name="Alice",
        incoming=ServerConfig(Protocol.IMAP, ip, 993, Security.SSL, USER),
        outgoing=ServerConfig(Protocol.SMTP, ip, 465, Security.SSL, USER),
    )


def _sync(spec: dict[str, Any]) -> dict[str, Any]:
    """`deskmail sync --json` for one account, its words included."""
    from deskmail.commands import sync as command
    from deskmail.core.settings import Settings
    from deskmail.engine.paths import Paths

    command.Credentials = lambda: _Password(spec.get("password", "secret"))  # type: ignore[assignment,misc,return-value]
    settings = Settings.from_env()
    result: dict[str, Any] = command._sync_one(
        _account(spec), settings, Paths.from_settings(settings).ensure(), quiet=True
    )
    return result


def _open_last(spec: dict[str, Any]) -> dict[str, Any]:
    """Download the newest message of folder Bad as the window does when it is opened."""
    from deskmail.core.errors import UserFacingError
    from deskmail.core.settings import Settings
    from deskmail.engine.paths import Paths
    from deskmail.engine.runtime import AccountRuntime

    settings = Settings.from_env()
    runtime = AccountRuntime(
        _account(spec),
        Paths.from_settings(settings).ensure(),
        settings,
        _Password(spec.get("password", "secret")),  # type: ignore[arg-type]
    )
    try:
        store = runtime.store()
        folder = store.folder("Bad")
        assert folder is not None
        summary = max(store.reader().messages(folder.id), key=lambda m: m.uid)
        body = runtime.stored_body(summary)
        return {"ok": True, "size": body.size, "in_file": body.path is not None and Path(body.path).exists()}
    except UserFacingError as exc:
        return {"ok": False, "error": exc.to_json()}
    finally:
        runtime.close()


if __name__ == "__main__":
    main()
