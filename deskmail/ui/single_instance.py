"""One running Deskmail per user and data folder: a later start hands its command line to it.

The first start listens on a local socket (a Unix socket, or a named pipe on Windows); a later
start connects, sends its arguments (e.g. a mailto: URL) as one JSON line, waits for "ok" and
exits. A lock file serialises the "is anyone there? then I listen" step, so two starts at once
cannot both become the first; a socket left behind by a crashed run is removed.
"""

from __future__ import annotations

import getpass
import hashlib
import json
import logging
import os
import sys
from pathlib import Path
from typing import Literal

from PySide6.QtCore import QDir, QLockFile, QObject, QTimer, Signal
from PySide6.QtNetwork import QLocalServer, QLocalSocket

from deskmail.engine.paths import Paths

log = logging.getLogger(__name__)

MAX_REQUEST_BYTES = 64 * 1024  # a command line with a long mailto: body fits; anything bigger is refused
CONNECT_MS = 1000
REPLY_MS = 5000
LOCK_MS = 5000
ACTIVATION_TOKEN = "XDG_ACTIVATION_TOKEN"  # set by Wayland launchers for the program they start
Answer = Literal["handed", "nobody", "no answer"]
# sun_path holds 104 (macOS) to 108 (Linux) bytes: longer runtime directories use Qt's temp folder.
MAX_SOCKET_PATH = 100


def _user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no login name (some containers): the numeric id still separates users
        return str(os.getuid()) if hasattr(os, "getuid") else "user"


def server_name(paths: Paths) -> str:
    """A name private to this user and data folder, valid as a Unix socket path and a Windows pipe name."""
    key = f"{_user()}\0{paths.data.resolve()}".encode()
    name = f"deskmail-{hashlib.sha256(key).hexdigest()[:16]}"
    runtime = os.environ.get("XDG_RUNTIME_DIR", "")
    # On Linux the runtime directory is the user's own (mode 0700); elsewhere Qt picks the temp folder
    # (per user on macOS) or the pipe namespace (Windows), and UserAccessOption limits access.
    if sys.platform != "win32" and runtime and Path(runtime).is_dir():
        path = str(Path(runtime) / name)
        if len(path.encode()) <= MAX_SOCKET_PATH:
            return path
    return name


class SingleInstance(QObject):
    """The running app's listener, or the messenger that hands a later start's arguments to it."""

    requested = Signal(list)  # the argument list of a later start

    def __init__(self, name: str, lock_path: Path, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.name = name
        self.lock_path = lock_path
        self.server: QLocalServer | None = None
        self._buffers: dict[QLocalSocket, bytearray] = {}

    @classmethod
    def for_paths(cls, paths: Paths) -> SingleInstance:
        return cls(server_name(paths), paths.data / "instance.lock")

    def hand_over(self, args: list[str]) -> bool:
        """True: a running Deskmail took `args` (exit now). False: this is the first; it now listens."""
        self.lock_path.parent.mkdir(parents=True, exist_ok=True)
        lock = QLockFile(str(self.lock_path))
        locked = lock.tryLock(LOCK_MS)
        if not locked:
            log.warning("single instance: could not lock %s; going on", self.lock_path)
        try:
            answer = send_request(self.name, args)
            if answer == "handed":
                return True
            if answer == "nobody":
                self._listen()
            # "no answer": a running Deskmail hangs; open a window of our own, leave its socket alone.
            return False
        finally:
            if locked:
                lock.unlock()

    def _listen(self) -> None:
        server = QLocalServer(self)
        server.setSocketOptions(QLocalServer.SocketOption.UserAccessOption)
        if not server.listen(self.name):
            # Nobody answered, so the socket is left over from a crash: remove it and try again.
            QLocalServer.removeServer(self.name)
            if not server.listen(self.name):
                log.warning("single instance: cannot listen on %s: %s", self.name, server.errorString())
                return
        server.newConnection.connect(self._accept)
        self.server = server
        log.info("single instance: listening for later starts")

    def _accept(self) -> None:
        server = self.server
        while server is not None and server.hasPendingConnections():
            socket = server.nextPendingConnection()
            self._buffers[socket] = bytearray()
            socket.readyRead.connect(lambda s=socket: self._read(s))
            socket.disconnected.connect(lambda s=socket: self._forget(s))
            QTimer.singleShot(REPLY_MS, socket, socket.abort)  # a caller that never finishes its line

    def _forget(self, socket: QLocalSocket) -> None:
        self._buffers.pop(socket, None)
        socket.deleteLater()

    def _read(self, socket: QLocalSocket) -> None:
        buffer = self._buffers.get(socket)
        if buffer is None:
            return
        buffer += bytes(socket.readAll().data())
        if len(buffer) > MAX_REQUEST_BYTES:
            log.warning("single instance: request too big, dropped")
            self._buffers.pop(socket, None)
            socket.abort()
            return
        if b"\n" not in buffer:
            return
        line = bytes(buffer.split(b"\n", 1)[0])
        self._buffers.pop(socket, None)
        request = parse_request(line)
        socket.write(b"ok\n" if request is not None else b"error\n")
        socket.waitForBytesWritten(CONNECT_MS)  # three bytes into a local socket: immediate
        socket.disconnectFromServer()
        if request is not None:
            args, token = request
            log.info("single instance: a later start handed over %d argument(s)", len(args))
            if token:
                # Wayland lets a window come to the front only with the token the launcher gave the later
                # start; Qt uses (and clears) this variable on the next activateWindow().
                os.environ[ACTIVATION_TOKEN] = token
            self.requested.emit(args)

    def close(self) -> None:
        if self.server is not None:
            self.server.close()
            self.server = None


def parse_request(line: bytes) -> tuple[list[str], str] | None:
    """(arguments, activation token) from one request line, or None when it is not what a Deskmail start sends."""
    try:
        data = json.loads(line.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return None
    args = data.get("args") if isinstance(data, dict) else None
    if not isinstance(args, list) or not all(isinstance(a, str) for a in args):
        return None
    token = data.get("activation_token")
    valid = isinstance(token, str) and 0 < len(token) <= 512 and token.isprintable()
    return list(args), token if valid else ""


def foreign_socket(name: str) -> bool:
    """True when the Unix socket for `name` exists and another user owns it (e.g. planted in /tmp)."""
    if sys.platform == "win32" or not hasattr(os, "getuid"):
        return False  # a pipe made with UserAccessOption is this user's only
    path = Path(name) if os.path.isabs(name) else Path(QDir.tempPath()) / name
    try:
        return path.lstat().st_uid != os.getuid()
    except OSError:  # not there: nobody listens
        return False


def send_request(name: str, args: list[str]) -> Answer:
    """Hand `args` to the Deskmail listening on `name`."""
    if foreign_socket(name):
        log.warning("single instance: %s belongs to another user; not handing anything over", name)
        return "no answer"
    socket = QLocalSocket()
    socket.connectToServer(name)
    if not socket.waitForConnected(CONNECT_MS):
        return "nobody"
    try:
        request = {"args": args, "activation_token": os.environ.get(ACTIVATION_TOKEN, "")}
        socket.write(json.dumps(request).encode("utf-8") + b"\n")
        socket.flush()
        socket.waitForBytesWritten(REPLY_MS)  # False only when all was written already by flush()
        reply = bytearray()
        while b"\n" not in reply:
            if not socket.waitForReadyRead(REPLY_MS):
                log.warning("single instance: the running Deskmail did not answer")
                return "no answer"
            reply += bytes(socket.readAll().data())
        return "handed" if reply.startswith(b"ok") else "no answer"
    finally:
        socket.abort()
