"""Child processes and log files of the test bed: started in their own process group, always reaped."""

from __future__ import annotations

import atexit
import contextlib
import ctypes
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

PR_SET_PDEATHSIG = 1
_prctl = ctypes.CDLL(None, use_errno=True).prctl  # looked up before fork: no dlopen in the child
# Every log the bed writes, by display name: attached to a failing test's report.
LOGS: dict[str, Path] = {}
_CHILDREN: list[subprocess.Popen[bytes]] = []
_CLEANUPS: list[Callable[[], None]] = []


def public_tempdir(prefix: str) -> Path:
    """A temp dir every daemon user can traverse (pytest's tmp_path is 0700, which Dovecot cannot enter)."""
    path = Path(tempfile.mkdtemp(prefix=f"deskmail-{prefix}-"))
    path.chmod(0o755)
    _tell_reaper(f"d {path}")  # the reaper removes it when the session ends, however it ends
    return path


def register_log(name: str, path: Path) -> Path:
    """Remember a log file so a failing test shows what the server said."""
    LOGS[name] = path
    return path


def die_with_parent() -> None:
    """In the child before exec: get SIGKILL when pytest dies, even by SIGKILL (no stray daemons)."""
    _prctl(PR_SET_PDEATHSIG, signal.SIGKILL)


# A watchdog process: learns the process group of every daemon over a pipe and, when the pipe
# closes because pytest died (even by SIGKILL), kills them all. (dnsmasq and Dovecot change
# credentials at start, which clears PR_SET_PDEATHSIG, so that alone is not enough.)
_REAPER_CODE = """
import os, shutil, signal, sys, time
groups, dirs = set(), []
for line in sys.stdin:
    kind, _, arg = line.rstrip("\\n").partition(" ")
    if kind == "d":
        dirs.append(arg)
    else:
        (groups.add if kind == "+" else groups.discard)(int(arg))
for pid in groups:
    try:
        os.killpg(pid, signal.SIGKILL)
    except OSError:
        pass
if groups:
    time.sleep(0.2)
for path in dirs:
    shutil.rmtree(path, ignore_errors=True)
"""
_reaper: BinaryIO | None = None  # write end of the watchdog's stdin


def _tell_reaper(line: str) -> None:
    global _reaper
    if _reaper is None:
        read_end, write_end = os.pipe()
        # sh starts the watchdog in the background and exits at once: nothing to wait for later.
        # (Background jobs get /dev/null as stdin unless redirected explicitly, hence fd 3.)
        script = 'exec 3<&0; "$0" -c "$1" <&3 3<&- >/dev/null 2>&1 &'
        launcher = subprocess.Popen(
            ["/bin/sh", "-c", script, sys.executable, _REAPER_CODE], stdin=read_end, start_new_session=True
        )
        os.close(read_end)
        launcher.wait()
        _reaper = os.fdopen(write_end, "wb", buffering=0)
        os.set_inheritable(write_end, False)
    _reaper.write(line.encode() + b"\n")


def start(name: str, argv: list[str], log: Path, **kwargs: object) -> subprocess.Popen[bytes]:
    """Start a daemon in its own session (so its whole group can be killed), output into `log`."""
    register_log(name, log)
    with log.open("ab") as out:
        proc = subprocess.Popen(  # type: ignore[call-overload]
            argv,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            preexec_fn=die_with_parent,
            **kwargs,
        )
    return adopt(proc)


def adopt(proc: subprocess.Popen[bytes]) -> subprocess.Popen[bytes]:
    """Make a process started elsewhere (in its own session) part of the bed's cleanup."""
    _CHILDREN.append(proc)
    _tell_reaper(f"+ {proc.pid}")
    return proc


def stop(proc: subprocess.Popen[bytes], timeout: float = 0.0) -> None:
    """SIGKILL the daemon's whole group (after a SIGTERM and `timeout` seconds, if given).

    The bed's daemons hold nothing worth saving, and a polite stop takes Dovecot seconds."""
    if proc in _CHILDREN:
        _CHILDREN.remove(proc)
    if proc.poll() is None and timeout > 0:
        proc.terminate()
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout)
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGKILL)  # children that outlived their parent (same session)
    proc.wait()
    with contextlib.suppress(OSError):
        _tell_reaper(f"- {proc.pid}")


def on_exit(fn: Callable[[], None]) -> None:
    """Run `fn` when the session ends (or the interpreter exits), newest first."""
    _CLEANUPS.append(fn)


def shutdown() -> None:
    """Stop every child and run every cleanup; safe to call twice."""
    global _reaper
    while _CHILDREN:
        stop(_CHILDREN[-1])
    while _CLEANUPS:
        fn = _CLEANUPS.pop()
        try:
            fn()
        except Exception as exc:  # a failing cleanup must not hide the others
            print(f"testbed cleanup failed: {exc!r}")
    if _reaper is not None:
        # Not waited for: the detached reaper deletes the temp dirs (big test mailboxes take a
        # while) after pytest has gone.
        _reaper.close()
        _reaper = None


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
