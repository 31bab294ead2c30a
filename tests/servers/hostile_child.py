"""A child process that syncs (or opens a message, or runs a CLI command) against a server, then
prints its result and its own peak RSS as JSON: memory measured for exactly one run.

    python -m tests.servers.hostile_child '{"ip": ..., "ca": ..., "home": ..., "action": "sync", "limits": {...}}'

Actions: "sync" (`deskmail sync --json` for one account), "open_last" (download the newest message
of folder Bad as the window does), "cli" (`deskmail <args>`, its standard output returned as text).

`limits` overrides constants of deskmail/engine/limits.py (tests shrink the deadlines so a trickling
server is cut off in seconds); the password comes from the JSON instead of the keyring.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

USER = "alice@example.test"
REPO = Path(__file__).resolve().parents[2]


def spawn(spec: dict[str, Any], env: dict[str, str], timeout: float = 300) -> dict[str, Any]:
    """Run this module in a child with `spec`: its JSON output plus "wall" seconds (AssertionError if it crashed)."""
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-m", "tests.servers.hostile_child", json.dumps(spec)],
        cwd=REPO,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    out: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    out["wall"] = time.monotonic() - started
    out["stderr"] = done.stderr  # what `deskmail sync` told a person (progress, folder problems)
    return out


def check_spec(ip: str, home: Path) -> dict[str, Any]:
    """The spec of `deskmail check --json` against both servers at `ip` (settings written into `home`)."""
    server = {"host": ip, "username": USER, "auth": ["password-cleartext"], "security": "ssl"}
    candidate = {
        "source": "manual",
        "trusted": True,
        "provider": {"id": "hostile.test", "name": "Hostile"},
        "incoming": {**server, "protocol": "imap", "port": 993},
        "outgoing": {**server, "protocol": "smtp", "port": 465},
    }
    home.mkdir(parents=True, exist_ok=True)
    config = home / "settings.json"
    config.write_text(json.dumps({"email": USER, "candidates": [candidate]}))
    args = ["check", "--config", str(config), "--password-stdin", "--json"]
    return {"ip": ip, "home": str(home), "action": "cli", "args": args, "stdin": "secret\n"}


def main() -> None:
    spec: dict[str, Any] = json.loads(sys.argv[1])
    os.environ["DESKMAIL_HOME"] = spec["home"]
    os.environ["DESKMAIL_EXTRA_CA"] = spec["ca"]
    from deskmail.engine import limits

    for name, value in spec.get("limits", {}).items():
        assert hasattr(limits, name), name
        setattr(limits, name, value)
    started = time.monotonic()
    action = {"sync": _sync, "open_last": _open_last, "cli": _cli}[spec.get("action", "sync")]
    result = action(spec)
    print(json.dumps({"result": result, "peak_rss_mb": peak_rss_mb(), "seconds": time.monotonic() - started}))


def peak_rss_mb() -> float:
    """This process's own peak RSS. Linux keeps ru_maxrss across exec, so a child started by a big
    parent would report the parent's size: VmHWM (the high-water mark of this address space) does not."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        pass
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)  # macOS: bytes, but no /proc


def _cli(spec: dict[str, Any]) -> str:
    import contextlib
    import io

    from deskmail.cli import main as cli

    sys.stdin = io.StringIO(spec.get("stdin", ""))
    output = io.StringIO()
    with contextlib.redirect_stdout(output):
        cli(spec["args"])
    return output.getvalue()


class _Password:
    """Stands in for the keyring (not what these runs test)."""

    def __init__(self, password: str) -> None:
        self.password = password

    def get(self, _email: str) -> str:
        return self.password


def account(ip: str) -> Any:
    """The bed's user with both servers at `ip` (implicit TLS)."""
    from deskmail.core.serverconfig import Protocol, Security, ServerConfig
    from deskmail.engine.accounts import Account

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

    credentials: Any = _Password(spec.get("password", "secret"))
    settings = Settings.from_env()
    result: dict[str, Any] = command._sync_one(
        account(spec["ip"]), settings, Paths.from_settings(settings).ensure(), credentials, quiet=False
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
        account(spec["ip"]),
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
