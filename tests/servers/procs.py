"""Child processes and log files of the test bed: started in their own process group, always reaped."""

from __future__ import annotations

import atexit
import contextlib
import os
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

# Every log the bed writes, by display name: attached to a failing test's report.
LOGS: dict[str, Path] = {}
_CHILDREN: list[subprocess.Popen[bytes]] = []
_CLEANUPS: list[Callable[[], None]] = []


def public_tempdir(prefix: str) -> Path:
    """A temp dir every daemon user can traverse (pytest's tmp_path is 0700, which Dovecot cannot enter)."""
    path = Path(tempfile.mkdtemp(prefix=f"deskmail-{prefix}-"))
    path.chmod(0o755)
    on_exit(lambda: shutil.rmtree(path, ignore_errors=True))
    return path


def register_log(name: str, path: Path) -> Path:
    """Remember a log file so a failing test shows what the server said."""
    LOGS[name] = path
    return path


def start(name: str, argv: list[str], log: Path, **kwargs: object) -> subprocess.Popen[bytes]:
    """Start a daemon in its own session (so its whole group can be killed), output into `log`."""
    register_log(name, log)
    with log.open("ab") as out:
        proc = subprocess.Popen(  # type: ignore[call-overload]
            argv, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT, start_new_session=True, **kwargs
        )
    _CHILDREN.append(proc)
    return proc


def adopt(proc: subprocess.Popen[bytes]) -> subprocess.Popen[bytes]:
    """Make a process started elsewhere (in its own session) part of the bed's cleanup."""
    _CHILDREN.append(proc)
    return proc


def stop(proc: subprocess.Popen[bytes], timeout: float = 0.3) -> None:
    """SIGTERM the daemon, then soon SIGKILL its whole group (Dovecot takes seconds to stop politely)."""
    if proc in _CHILDREN:
        _CHILDREN.remove(proc)
    if proc.poll() is None:
        proc.terminate()
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout)
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGKILL)  # children that outlived their parent (same session)
    proc.wait()


def on_exit(fn: Callable[[], None]) -> None:
    """Run `fn` when the session ends (or the interpreter exits), newest first."""
    _CLEANUPS.append(fn)


def shutdown() -> None:
    """Stop every child and run every cleanup; safe to call twice."""
    while _CHILDREN:
        stop(_CHILDREN[-1])
    while _CLEANUPS:
        fn = _CLEANUPS.pop()
        try:
            fn()
        except Exception as exc:  # a failing cleanup must not hide the others
            print(f"testbed cleanup failed: {exc!r}")


def wait_until(
    check: Callable[[], bool],
    what: str,
    timeout: float = 10.0,
    proc: subprocess.Popen[bytes] | None = None,
    log: Path | None = None,
) -> None:
    """Poll `check` until true; fail with the server's log when it never becomes true."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        if proc is not None and proc.poll() is not None:
            break
        time.sleep(0.01)
    detail = log.read_text(errors="replace")[-4000:] if log and log.exists() else ""
    state = f"exited with {proc.returncode}" if proc is not None and proc.poll() is not None else "not ready"
    raise RuntimeError(f"test bed: {what} {state} after {timeout:.0f} s.\n{detail}")


def require_binary(name: str, package: str) -> str:
    """The path of a server binary, or a clear failure naming the Debian package (never a skip)."""
    found = shutil.which(name) or shutil.which(name, path="/usr/sbin:/usr/bin:/sbin:/bin")
    if not found:
        raise RuntimeError(f"test bed: `{name}` not found; install it with scripts/install-system-deps ({package}).")
    return found


atexit.register(shutdown)
