"""Benchmark: a million messages. Whole processes at growing sizes, each beside its raw baseline.

A private Dovecot (Maildir, TLS on 993, loopback) serves an INBOX of each size plus 2,000 messages
in Archive. Mailboxes are written straight into Maildir/cur once and kept in --cache for later runs
(1M takes a while to write and Dovecot a while to index). For each size, in the same run:

  initial sync     `deskmail sync ACCOUNT` on an empty store (whole process: time, peak RSS, CPU) and
                   when the newest 50 of the Inbox were in the store, beside a raw imapclient process
                   fetching the same items (taking turns with it), and the bare socket reading the
                   same FETCH unparsed. The raw process asks for exactly what the sync asks (UID FLAGS
                   RFC822.SIZE INTERNALDATE, the same HEADER.FIELDS, MODSEQ) from every folder, in
                   UID FETCHes of 5,000 (its cheapest of 500, 2,000 and 5,000; a longer UID list
                   is refused by Dovecot): whole process against whole process. It is no
                   lower bound of our parsing, though: imapclient reads a whole answer before its
                   character-by-character parser starts (about 75 % of its CPU at 25k), while our
                   sync parses and stores each message as it arrives. The unparsed socket is the
                   wire's own cost; CPU time is the steadier figure on a loaded machine.
  no-change sync   `deskmail sync ACCOUNT` again, minus a process that does no network
                   (`deskmail --version`), beside the server's own answer to what it asks (TLS,
                   LOGIN, then every folder's STATUS and the LIST in one write, on a bare socket);
                   the same inside one process (sync_account only, again on one session) beside
                   those commands alone (first and again on one session),
                   and beside one LIST-STATUS asking the same (Dovecot on Maildir rereads a big
                   Inbox for a STATUS after any other mailbox in the session, and for LIST-STATUS).
                   Inside the process, what we add is measured directly: the sync's time minus the
                   time its socket reads waited for the server's bytes; the commands it sent are
                   logged and are what the bare-socket baseline asks. --compare DIR: the no-change
                   processes of another checkout take turns with ours (old and new in one run);
                   --only-resync measures only these figures. --kept-bodies N: each store first
                   gets N bodies kept for offline reading (5 KB each), as the window leaves it.
  messages         `deskmail messages ACCOUNT INBOX --json` (time, peak RSS), beside a process
                   reading the same rows from SQLite and discarding them;
  End              the message list (offscreen Qt, 1366x768) over the synced Inbox: End pressed,
                   until the rows at the end are painted;
  window           the real app (offscreen) on the account with an empty store: from the start of
                   its first sync until the list painted its first rows; split into the login
                   (keyring, TLS, LOGIN), the server's answer to the first SELECT INBOX, and ours
                   after it (the first 50 fetched, stored with the folder list, painted); then
                   until that sync ends, the longest the window's event loop was busy (input lag),
                   taking turns with runs where the app's settle_interpreter is skipped (as before it),
                   and where the longest stall went: the GUI thread's CPU, collector pauses, waiting
                   for a core (Linux schedstat), off-core (GIL), the refresh, SQLite statements;
                   the longest stall less the time spent waiting for a core (what the app itself made
                   the window wait, the figure to compare on a busy machine); and on stderr each run's
                   stalls over 40 ms on the monotonic clock with the sync's step they fell in (UID
                   SEARCH, the UID diff, storing a batch, streaming). --only-window measures only this.

Figures after the first size carry their growth from the size before, e.g. "(x3.9)". The load
average when each size began and ended is in the table; after each size the table so far goes to
stderr (a long run cut short keeps what it measured).

    python bench/scale.py --sizes 25000 100000
    python bench/scale.py --sizes 25000 100000 --only-window
    python bench/scale.py --sizes 25000 100000 --only-resync --compare /tmp/deskmail-main
    python bench/scale.py --sizes 25000 100000 200000 1000000 --cache /var/tmp/deskmail-scale
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, NamedTuple

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

PASSWORD = "bench-password"
SECOND_FOLDER = ("Archive", 2000)
STATUS_ITEMS = b"MESSAGES UIDNEXT UIDVALIDITY HIGHESTMODSEQ UNSEEN"
TICK_MS = 10  # the window's event loop is checked this often while a first sync streams in
DOVECOT_LIMITS = "default_vsz_limit = 2G\n"
GNU_TIME = shutil.which("time", path="/usr/bin:/bin")  # GNU time (Debian package "time"), for peak RSS


# --- processes ----------------------------------------------------------------------------------


class Run(NamedTuple):
    """One whole process: wall time (s), peak RSS (MB), CPU time (user + system, s)."""

    seconds: float
    rss: float
    cpu: float


def timed_process(command: list[str], env: dict[str, str], out: Path | None = None, cwd: Path = REPO) -> Run:
    """Run a whole process; its wall time, peak RSS and CPU time. Fails loudly on a non-zero exit.

    The peak RSS comes from a small `time` process in between: a child forked straight from this
    (big) parent would report the parent's memory copied at the fork as its own peak. The CPU time
    (wait4's, which counts the process `time` waited for) moves far less than wall time when the
    machine's cores are shared: the figure to compare when the load average is high.
    """
    with contextlib.ExitStack() as stack:
        sink = stack.enter_context(out.open("wb")) if out else subprocess.DEVNULL
        stderr = stack.enter_context(tempfile.TemporaryFile())
        peak = stack.enter_context(tempfile.NamedTemporaryFile("r"))
        wrapped = [GNU_TIME, "-f", "%M", "-o", peak.name, *command] if GNU_TIME else command
        started = time.perf_counter()
        proc = subprocess.Popen(wrapped, env=env, stdout=sink, stderr=stderr, cwd=cwd)
        _, status, usage = os.wait4(proc.pid, 0)
        elapsed = time.perf_counter() - started
        proc.returncode = os.waitstatus_to_exitcode(status)
        if proc.returncode:
            stderr.seek(0)
            raise SystemExit(f"{' '.join(command)} failed:\n{stderr.read().decode(errors='replace')}")
        kilobytes = int(peak.read().split()[-1]) if GNU_TIME else usage.ru_maxrss
    return Run(elapsed, kilobytes / 1024, usage.ru_utime + usage.ru_stime)


def deskmail(*args: str) -> list[str]:
    return [sys.executable, "-m", "deskmail", *args]


# --- raw baselines ------------------------------------------------------------------------------


def tls_socket(ip: str, ca: Path) -> Any:
    from deskmail.net.tls import client_context

    plain = socket.create_connection((ip, 993))
    return client_context(extra_ca=ca).wrap_socket(plain, server_hostname=ip)


def read_until(reader: Any, tag: bytes) -> None:
    while True:
        line = reader.readline()
        if not line:
            raise RuntimeError("connection closed")
        if line.startswith(tag):
            if b" OK" not in line[:8]:
                raise RuntimeError(line.decode(errors="replace"))
            return
        if line.endswith(b"}\r\n"):
            reader.read(int(line[line.rindex(b"{") + 1 : -3]))


@contextlib.contextmanager
def logged_in(ip: str, email: str, ca: Path) -> Iterator[tuple[Any, Any]]:
    """A bare TLS socket (and its reader) past the greeting and LOGIN."""
    with tls_socket(ip, ca) as sock:
        reader = sock.makefile("rb")
        reader.readline()
        sock.sendall(f'a LOGIN "{email}" "{PASSWORD}"\r\n'.encode())
        read_until(reader, b"a ")
        yield sock, reader


def folder_names(ip: str, email: str, ca: Path) -> list[bytes]:
    """The account's folders as LIST names them (on a connection of its own: see server_answer)."""
    with logged_in(ip, email, ca) as (sock, reader):
        sock.sendall(b'n LIST "" "*"\r\n')
        names = []
        while not (line := reader.readline()).startswith(b"n "):
            names.append(line.rstrip(b"\r\n").rsplit(b" ", 1)[1])
        sock.sendall(b"c LOGOUT\r\n")
    return sorted(names, key=lambda name: name.upper() != b"INBOX")  # as the sync asks: the Inbox first


def server_answer(
    ip: str, email: str, ca: Path, names: list[bytes], asked: list[bytes] | None = None
) -> tuple[float, float, float, float]:
    """The server's own no-change answer, seconds: (TLS + LOGIN + every STATUS then LIST in one write,
    those commands alone, the same again on that session (as a long-lived one, the window's, asks),
    one LIST-STATUS asking the same on a connection of its own).

    `asked`: the very command lines our no-change sync sent (logged by the in-process child), so the
    baseline asks exactly what we ask; else every folder's STATUS (Inbox first) and the LIST."""
    if asked is None:
        statuses = [b"STATUS %s (%s)" % (n, STATUS_ITEMS) for n in names]
        asked = [*statuses, b'LIST "" "*" RETURN (SUBSCRIBED CHILDREN SPECIAL-USE)']
    lines = b"".join(b"s%d %s\r\n" % (i, line) for i, line in enumerate(asked))
    tag = b"s%d " % (len(asked) - 1)
    started = time.perf_counter()
    with logged_in(ip, email, ca) as (sock, reader):
        sent = time.perf_counter()
        sock.sendall(lines)
        read_until(reader, tag)
        done = time.perf_counter()
        sock.sendall(lines)
        read_until(reader, tag)
        again = time.perf_counter() - done
        sock.sendall(b"c LOGOUT\r\n")
    with logged_in(ip, email, ca) as (sock, reader):
        listed = time.perf_counter()
        sock.sendall(b'b LIST "" "*" RETURN (SUBSCRIBED CHILDREN SPECIAL-USE STATUS (' + STATUS_ITEMS + b"))\r\n")
        read_until(reader, b"b ")
        list_status = time.perf_counter() - listed
        sock.sendall(b"c LOGOUT\r\n")
    return done - started, done - sent, again, list_status


def server_poll_answer(ip: str, email: str, ca: Path, asked: list[bytes]) -> float:
    """The server's own answer to what the window's kept session asks when nothing changed (the selected
    Inbox's poll, the other folders' STATUS, the LIST in one write), seconds: on a bare socket with the
    Inbox selected as the kept session has it, the write sent once (Dovecot reads the Inbox's uidlist
    there, once per SELECT) and timed when sent again."""
    lines = b"".join(b"p%d %s\r\n" % (i, line) for i, line in enumerate(asked))
    tag = b"p%d " % (len(asked) - 1)
    with logged_in(ip, email, ca) as (sock, reader):
        if any(b"VANISHED" in line for line in asked):
            sock.sendall(b"q ENABLE QRESYNC\r\n")
            read_until(reader, b"q ")
        sock.sendall(b"r SELECT INBOX (CONDSTORE)\r\n")
        read_until(reader, b"r ")
        sock.sendall(lines)
        read_until(reader, tag)
        again = time.perf_counter()
        sock.sendall(lines)
        read_until(reader, tag)
        again = time.perf_counter() - again
        sock.sendall(b"c LOGOUT\r\n")
    return again


def socket_fetch(ip: str, email: str, ca: Path) -> float:
    """`UID FETCH 1:* (the header sync items)` read without any parsing: the wire's own cost."""
    from deskmail.engine.imap.headers import HEADER_ITEMS

    with logged_in(ip, email, ca) as (sock, reader):
        sock.sendall(b"b EXAMINE INBOX\r\n")
        read_until(reader, b"b ")
        started = time.perf_counter()
        sock.sendall(b"c UID FETCH 1:* (" + HEADER_ITEMS.encode() + b" MODSEQ)\r\n")
        read_until(reader, b"c ")
        return time.perf_counter() - started


def warm_up(ip: str, email: str, ca: Path) -> None:
    """Every folder's header-sync FETCH once, read unparsed: Dovecot indexes a folder and fills its
    cache on the first such FETCH (its work, not ours, and kept with the mailbox). On the bare
    socket this costs the server's time only, not imapclient's parsing (minutes at 1M)."""
    from deskmail.engine.imap.headers import HEADER_ITEMS

    names = folder_names(ip, email, ca)
    with logged_in(ip, email, ca) as (sock, reader):
        for name in names:
            sock.sendall(b"e EXAMINE " + name + b"\r\n")
            read_until(reader, b"e ")
            sock.sendall(b"f UID FETCH 1:* (" + HEADER_ITEMS.encode() + b" MODSEQ)\r\n")
            read_until(reader, b"f ")
        sock.sendall(b"c LOGOUT\r\n")


def raw_imapclient_child(ip: str, email: str, ca: Path) -> None:
    """The raw process: imapclient fetching what our header sync fetches, for every folder, then exit."""
    import imaplib

    from imapclient import IMAPClient

    from deskmail.engine.imap.headers import HEADER_ITEMS
    from deskmail.net.tls import client_context

    imaplib._MAXLINE = 100_000_000  # type: ignore[attr-defined]  # SEARCH ALL answers one long line
    client = IMAPClient(ip, 993, ssl=True, ssl_context=client_context(extra_ca=ca), timeout=600)
    client.login(email, PASSWORD)
    items = [*HEADER_ITEMS.split(" ", 3)[:3], HEADER_ITEMS.split(" ", 3)[3], "MODSEQ"]
    for _flags, _delimiter, name in client.list_folders():
        client.select_folder(name, readonly=True)
        uids = client.search("ALL")
        for index in range(0, len(uids), 5000):
            client.fetch(uids[index : index + 5000], items)
    client.logout()


def raw_rows_child(store: Path) -> None:
    """The raw listing: the same rows from SQLite, in the same order, discarded."""
    import sqlite3

    conn = sqlite3.connect(f"{store.as_uri()}?mode=ro", uri=True)
    (folder,) = conn.execute("SELECT id FROM folders WHERE name = 'INBOX'").fetchone()
    for _row in conn.execute(
        "SELECT * FROM messages WHERE folder_id = ? AND hidden = 0 ORDER BY date DESC, uid DESC", (folder,)
    ):
        pass


# --- inside one process -------------------------------------------------------------------------


class WireClock:
    """A session's socket, watched: how long reads waited for the server's bytes, and what was sent.

    The time a no-change sync spends in our process is its whole time minus the time it sat in
    the socket's reads (the server thinking, the bytes travelling): measured directly, not as the
    difference of two noisy figures taken at different moments."""

    def __init__(self, sock: Any) -> None:
        self.waited = 0.0
        self.writes: list[bytes] = []  # each a write of its own: one per round trip we started
        recv_into, sendall = sock.recv_into, sock.sendall

        def timed_recv_into(*args: Any) -> int:
            started = time.perf_counter()
            try:
                return int(recv_into(*args))
            finally:
                self.waited += time.perf_counter() - started

        def logged_sendall(data: bytes, *args: Any) -> None:
            self.writes.append(bytes(data))
            sendall(data, *args)

        sock.recv_into, sock.sendall = timed_recv_into, logged_sendall  # the instance's, for this session only

    def reset(self) -> None:
        self.waited, self.writes = 0.0, []

    def commands(self) -> list[bytes]:
        """The command lines sent, without their tags."""
        return [line.split(b" ", 1)[1] for write in self.writes for line in write.split(b"\r\n") if line]


def inprocess_child(ip: str, email: str, ca: Path, home: Path, repeat: int) -> None:
    """No-change sync_account inside one process (connection and store already open), on two long-lived
    sessions taking turns: the Inbox asked by STATUS (the command line's way, and the window's before
    it kept the Inbox selected; keys "inprocess_*") and the window's (the Inbox kept selected and
    polled, `keep_inbox`; keys "kept_*"). For each: medians of its whole time, of the time it waited
    for the server's bytes, and of the difference (what we add); the command lines it sent and in how
    many writes. The first sync of each session is left out (the kept session selects the Inbox there)."""
    import inspect

    from imapclient import IMAPClient

    from deskmail.core.settings import Settings
    from deskmail.engine.imap.account import open_session, sync_account
    from deskmail.engine.paths import Paths
    from deskmail.engine.store import Store
    from deskmail.net.tls import client_context

    def connect(_cancel: object) -> IMAPClient:
        client = IMAPClient(ip, 993, ssl=True, ssl_context=client_context(extra_ca=ca), timeout=600)
        client.login(email, PASSWORD)
        return client

    store = Store.open_for(Paths.from_settings(Settings(home=home)), email)
    modes = {"inprocess": {}, "kept": {"keep_inbox": True}}
    if "keep_inbox" not in inspect.signature(sync_account).parameters:  # a checkout from before it
        del modes["kept"]
    sessions = {key: open_session(connect) for key in modes}
    clocks = {key: WireClock(session.client._imap.sock) for key, session in sessions.items()}
    times: dict[str, list[float]] = {key: [] for key in modes}
    waited: dict[str, list[float]] = {key: [] for key in modes}
    sent: dict[str, tuple[int, list[bytes]]] = {}
    for round_number in range(repeat * 2 + 1):
        for key, options in modes.items():
            clock = clocks[key]
            clock.reset()
            started = time.perf_counter()
            report = sync_account(sessions[key], store, **options)
            times[key].append(time.perf_counter() - started)
            waited[key].append(clock.waited)
            sent[key] = len(clock.writes), clock.commands()  # this sync's own (not the LOGOUT after)
            assert round_number == 0 or all(f.path == "unchanged" for f in report.folders), report.to_json()
    for session in sessions.values():
        session.logout()
    store.close()
    out: dict[str, Any] = {}
    for key in modes:
        added = [t - w for t, w in zip(times[key][1:], waited[key][1:], strict=True)]
        out.update(
            {
                key: statistics.median(times[key][1:]),
                key + "_max": max(times[key][1:]),
                key + "_first": times[key][0],
                key + "_first_waited": waited[key][0],
                key + "_waited": statistics.median(waited[key][1:]),
                key + "_added": statistics.median(added),
                key + "_added_max": max(added),
                key + "_writes": sent[key][0],
                key + "_commands": [c.decode() for c in sent[key][1]],
            }
        )
    print(json.dumps(out))


def end_child(home: Path, email: str, repeat: int) -> None:
    """The message list over the synced Inbox at 1366x768: End, until the last rows are painted (ms)."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import QEvent, QObject, Qt
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication

    from deskmail.core.settings import Settings
    from deskmail.engine.paths import Paths
    from deskmail.engine.store import StoreReader, store_path
    from deskmail.qtbridge.message_model import FolderSource, MessageListModel
    from deskmail.ui.mail.message_list import MessageList

    app = QApplication([])
    reader = StoreReader.open(store_path(Paths.from_settings(Settings(home=home)), email))
    inbox = reader.folder("INBOX")
    assert inbox is not None
    model = MessageListModel()
    model.set_source(FolderSource(reader, inbox.id))
    view = MessageList(model)
    view.resize(1366, 768)
    view.show()
    painted: list[float] = []

    class Paints(QObject):
        def eventFilter(self, _watched: QObject, event: QEvent) -> bool:
            if event.type() == QEvent.Type.Paint:
                painted.append(time.perf_counter())
            return False

    view.viewport().installEventFilter(watch := Paints())
    view.select_row(0)
    app.processEvents()
    times: list[float] = []
    for _ in range(repeat):
        model.refresh()  # the pages read so far are dropped: every End reads from the store
        painted.clear()
        started = time.perf_counter()
        QTest.keyClick(view, Qt.Key.Key_End)
        while not painted:
            app.processEvents()
        times.append((painted[0] - started) * 1000)
        assert view.currentIndex().row() == model.rowCount() - 1
        QTest.keyClick(view, Qt.Key.Key_Home)
        app.processEvents()
    del watch
    print(json.dumps({"end_ms": statistics.median(times), "end_rows": model.rowCount()}))


def note_first_select(marks: dict[str, float]) -> None:
    """Mark when the sync's connection was logged in ("login") and its first SELECT answered ("select")."""
    from deskmail.engine.imap.session import ImapSession
    from deskmail.engine.runtime import AccountRuntime

    connect, select = AccountRuntime.imap_client, ImapSession.select

    def noted_connect(self: AccountRuntime, cancel: Any) -> Any:
        client = connect(self, cancel)
        marks.setdefault("login", time.time())
        return client

    def noted_select(self: ImapSession, *args: Any, **kwargs: Any) -> Any:
        info = select(self, *args, **kwargs)
        marks.setdefault("select", time.time())
        return info

    AccountRuntime.imap_client = noted_connect  # type: ignore[method-assign]
    ImapSession.select = noted_select  # type: ignore[method-assign]


def note_sync_phases() -> list[tuple[str, float, float]]:
    """Record (what, start, end) of the sync's steps a stall may fall in: UID SEARCH, every batch stored,
    and the streaming of the rest (between the SEARCH and it: the UID diff)."""
    from deskmail.engine.imap.session import ImapSession
    from deskmail.engine.imap.sync import FolderSync
    from deskmail.engine.store.writer import Store

    phases: list[tuple[str, float, float]] = []

    def noted(owner: Any, name: str, what: str) -> None:
        method = getattr(owner, name)

        def timed(*args: Any, **kwargs: Any) -> Any:
            start = time.time()
            try:
                return method(*args, **kwargs)
            finally:
                phases.append((what, start, time.time()))

        setattr(owner, name, timed)

    noted(ImapSession, "search_uids", "UID SEARCH")
    noted(FolderSync, "_fetch_newest_first", "streaming")
    noted(Store, "add_messages", "storing")
    return phases


def phase_of(phases: list[tuple[str, float, float]], start: float, end: float) -> str:
    """The sync's step a stall (start, end; time.time()) fell in ("" before the first SEARCH, or after)."""
    searched = next((p for p in phases if p[0] == "UID SEARCH"), None)
    streamed = next((p for p in phases if p[0] == "streaming"), None)
    over = [what for what, a, b in phases if a < end and b > start and what != "streaming"]
    if not over and searched and streamed and searched[2] <= end and start <= streamed[1]:
        over = ["UID diff"]
    return "+".join(dict.fromkeys(over)) or ("streaming" if streamed and streamed[1] < start < streamed[2] else "")


class CollectorPauses:
    """The garbage collector's pauses (gc.callbacks), whichever thread ran them: every thread waits for them."""

    def __init__(self) -> None:
        self.started = 0.0
        self.pauses: list[tuple[float, float, int]] = []  # start, end (time.time()), generation

    def __call__(self, phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            self.started = time.time()
        else:
            self.pauses.append((self.started, time.time(), info["generation"]))

    def within(self, start: float, end: float) -> float:
        return sum(max(0.0, min(b, end) - max(a, start)) for a, b, _ in self.pauses)


def runqueue_wait(schedstat: Path | None) -> float:
    """Seconds this thread has waited for a core so far (Linux's schedstat; 0 elsewhere)."""
    try:
        return int(schedstat.read_text().split()[1]) / 1e9 if schedstat else 0.0
    except (OSError, IndexError, ValueError):
        return 0.0


def window_child(email: str, untuned: bool = False) -> None:
    """The real app on a new account (store empty): sync start, then first rows painted (seconds).

    untuned: the collector left as Python sets it (the app's settle_interpreter skipped), to compare."""
    import gc

    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    t0 = float(os.environ["BENCH_T0"])
    import sqlite3
    from types import SimpleNamespace

    from PySide6.QtCore import QEvent, QObject, Qt, QTimer

    import deskmail.app
    import deskmail.engine.store.reader as reader_module
    from deskmail.app import create_application, run_app
    from deskmail.qtbridge.mail import MailController
    from deskmail.ui.mail.view import MailView

    if untuned:
        deskmail.app.settle_interpreter = lambda: None
    refreshes: list[tuple[float, float, float]] = []  # the window's refresh per store change: start, end, its CPU
    store_changed = MailView._store_changed

    def timed_store_changed(self: MailView, email: str) -> None:
        start, cpu = time.time(), time.thread_time()
        store_changed(self, email)
        refreshes.append((start, time.time(), time.thread_time() - cpu))

    MailView._store_changed = timed_store_changed  # type: ignore[method-assign]
    queries: list[tuple[float, float, float]] = []  # the GUI thread's SQLite statements: start, end, its CPU
    gui_thread = threading.get_ident()

    class TimedConnection(sqlite3.Connection):
        def execute(self, *args: Any, **kwargs: Any) -> sqlite3.Cursor:
            if threading.get_ident() != gui_thread:
                return super().execute(*args, **kwargs)
            start, cpu = time.time(), time.thread_time()
            try:
                return super().execute(*args, **kwargs)
            finally:
                queries.append((start, time.time(), time.thread_time() - cpu))

    connect = sqlite3.connect

    def timed_connect(*args: Any, **kwargs: Any) -> sqlite3.Connection:
        return connect(*args, **kwargs, factory=TimedConnection)

    reader_module.sqlite3 = SimpleNamespace(connect=timed_connect)  # type: ignore[attr-defined]
    collector = CollectorPauses()
    gc.callbacks.append(collector)
    app = create_application([sys.argv[0]])
    marks: dict[str, float] = {}
    worst: dict[str, float] = {}  # the longest stall: its span and how long the GUI thread ran in it
    schedstat = Path(f"/proc/self/task/{threading.get_native_id()}/schedstat")
    sched: Path | None = schedstat if schedstat.exists() else None
    sync = MailController.sync

    def noted_sync(self: MailController, *args: Any, **kwargs: Any) -> Any:
        marks.setdefault("sync", time.time())
        return sync(self, *args, **kwargs)

    MailController.sync = noted_sync  # type: ignore[method-assign]
    note_first_select(marks)
    phases = note_sync_phases()

    class FirstPaint(QObject):
        def eventFilter(self, _watched: QObject, event: QEvent) -> bool:
            if event.type() == QEvent.Type.Paint and "rows" not in marks:
                marks["rows"] = marks["tick"] = time.time()
                marks["cpu"], marks["queued"] = time.thread_time(), runqueue_wait(sched)
                queue = f"deskmail-{email.split('@')[0][:12]}_"  # the account's worker (qtbridge.tasks names it)
                worker = next((t for t in threading.enumerate() if t.name.startswith(queue)), None)
                task = Path(f"/proc/self/task/{worker.native_id}/schedstat") if worker and worker.native_id else None
                syncstat[:] = [task] if task is not None and task.exists() else []
                marks["sync_queued"] = runqueue_wait(syncstat[0] if syncstat else None)
                ticks.start()
            return False

    def tick() -> None:
        """While the rest streams in: the longest the GUI thread could not answer (what a key press would wait)."""
        now, cpu, queued = time.time(), time.thread_time(), runqueue_wait(sched)
        sync_queued = runqueue_wait(syncstat[0] if syncstat else None)
        lag = now - marks["tick"] - TICK_MS / 1000
        if lag > 0.04:  # on the monotonic clock, to line up with a trace (perf record -k CLOCK_MONOTONIC)
            stalls.append((marks["tick"] - offset, now - offset))
        # The same less the time the GUI thread, or the sync thread while it held the GIL, waited for
        # a core: what the app itself made the window wait (comparable across a machine's load).
        waited = queued - marks["queued"]
        own = lag - waited - min(max(0.0, lag - waited - (cpu - marks["cpu"])), sync_queued - marks["sync_queued"])
        if own > marks.get("own", 0.0):
            marks["own"], marks["own_at"] = own, marks["tick"] - offset
        if lag > marks.get("lag", 0.0):
            marks["lag"] = lag
            worst.update(start=marks["tick"], end=now, cpu=cpu - marks["cpu"], queued=queued - marks["queued"])
            worst["sync_queued"] = sync_queued - marks["sync_queued"]
        marks["tick"], marks["cpu"], marks["queued"], marks["sync_queued"] = now, cpu, queued, sync_queued
        if not views[0].controller.syncing:
            ticks.stop()
            marks["synced"] = now
            finish()

    def check() -> None:
        from deskmail.ui.main_window import MainWindow

        for widget in app.topLevelWidgets():
            view = getattr(widget, "mail_view", None) if isinstance(widget, MainWindow) else None
            model = getattr(view, "model", None)
            if view is not None and model is not None and model.rowCount() > 0 and model.summary(0) is not None:
                poll.stop()
                views.append(view)
                view.list.viewport().installEventFilter(watcher)
                view.list.viewport().update()
                return

    def finish() -> None:
        out = {"window_sync": marks["sync"] - t0, "window_rows": marks["rows"] - marks["sync"]}
        if "login" in marks and "select" in marks:  # where the time went: login, the server's SELECT, ours
            out["window_login"] = marks["login"] - marks["sync"]
            out["window_select"] = marks["select"] - marks["login"]
        out["window_synced"], out["window_lag_ms"] = marks["synced"] - marks["sync"], marks.get("lag", 0.0) * 1000
        out["window_own_ms"], out["window_own_at"] = marks.get("own", 0.0) * 1000, marks.get("own_at", 0.0)
        # Where the longest stall went: the GUI thread's own CPU (slots, painting), the collector's pauses,
        # the rest waiting (for the GIL the sync thread holds, or for a core).
        syncing = [p for p in collector.pauses if p[0] >= marks["rows"]]
        out["window_stall_gui_ms"] = worst.get("cpu", 0.0) * 1000
        out["window_stall_core_ms"] = worst.get("queued", 0.0) * 1000
        out["window_stall_sync_core_ms"] = worst.get("sync_queued", 0.0) * 1000
        start, end = worst.get("start", 0.0), worst.get("end", 0.0)
        out["window_stall_refresh_ms"] = sum(max(0.0, min(b, end) - max(a, start)) for a, b, _ in refreshes) * 1000
        longest = max(refreshes, key=lambda r: r[1] - r[0], default=(0.0, 0.0, 0.0))
        out["window_refresh_ms"], out["window_refresh_cpu_ms"] = (longest[1] - longest[0]) * 1000, longest[2] * 1000
        out["window_refreshes"] = len(refreshes)
        out["window_stall_sql_ms"] = sum(max(0.0, min(b, end) - max(a, start)) for a, b, _ in queries) * 1000
        out["window_stall_sql_cpu_ms"] = sum(c for a, b, c in queries if a >= start and b <= end) * 1000
        out["window_stall_gc_ms"] = collector.within(worst.get("start", 0.0), worst.get("end", 0.0)) * 1000
        out["window_gc_max_ms"] = max((b - a for a, b, _ in syncing), default=0.0) * 1000
        out["window_gc_full"] = sum(1 for p in syncing if p[2] == 2)
        out["window_stalls"] = [(a, b, phase_of(phases, a + offset, b + offset)) for a, b in stalls]  # type: ignore[misc]
        print("BENCH " + json.dumps(out), flush=True)
        app.quit()

    views: list[Any] = []
    syncstat: list[Path] = []  # the sync thread's schedstat: how long it waited for a core (holding the GIL)
    stalls: list[tuple[float, float]] = []
    offset = time.time() - time.monotonic()
    ticks = QTimer()
    ticks.setTimerType(Qt.TimerType.PreciseTimer)
    ticks.setInterval(TICK_MS)
    ticks.timeout.connect(tick)
    watcher = FirstPaint()
    poll = QTimer()
    poll.setInterval(2)
    poll.timeout.connect(check)
    poll.start()
    run_app([])


# --- the parent ---------------------------------------------------------------------------------


def first_rows_watch(store: Path, started: float, result: dict[str, float], stop: threading.Event) -> None:
    """When the store first holds 50 Inbox messages (polled every 5 ms, read-only, as the window would)."""
    import sqlite3

    while not stop.is_set():
        time.sleep(0.005)
        if not store.exists():
            continue
        try:
            conn = sqlite3.connect(f"{store.as_uri()}?mode=ro", uri=True, timeout=0.1)
            row = conn.execute(
                "SELECT count(*) FROM messages WHERE folder_id = (SELECT id FROM folders WHERE name = 'INBOX')"
            ).fetchone()
            conn.close()
        except sqlite3.Error:
            continue
        if row and row[0] >= 50:
            result["first50"] = time.perf_counter() - started
            return


def window_first_rows(me: list[str], email: str, env: dict[str, str], untuned: bool = False) -> dict[str, float]:
    env = {**env, "QT_QPA_PLATFORM": "offscreen", "BENCH_T0": repr(time.time())}
    env.pop("DISPLAY", None)
    command = [*me, "--window-first", email, *(["--untuned"] if untuned else [])]
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=600)
    for line in done.stdout.splitlines():
        if line.startswith("BENCH "):
            result: dict[str, float] = json.loads(line[6:])
            return result
    raise SystemExit(f"the window's first rows were not measured:\n{done.stdout}\n{done.stderr}")


def settings_document(email: str, ip: str) -> dict[str, Any]:
    server = {"host": ip, "username": email, "auth": ["password-cleartext"]}
    return {
        "email": email,
        "outcome": "found",
        "candidates": [
            {
                "source": "autoconfig",
                "url": "https://autoconfig.example.test/mail/config-v1.1.xml",
                "trusted": True,
                "trust_reason": "bench",
                "provider": {"id": "example.test", "name": "Bench"},
                "incoming": {**server, "protocol": "imap", "port": 993, "security": "ssl"},
                "outgoing": {**server, "protocol": "smtp", "port": 465, "security": "ssl"},
                "help_urls": [],
                "enable_url": "",
            }
        ],
        "lookups": [],
    }


def new_account(email: str, ip: str, env: dict[str, str]) -> tuple[Path, dict[str, str], Path]:
    """The account added in a new Deskmail home: that home, the environment using it, its store's path."""
    home = Path(tempfile.mkdtemp(prefix="deskmail-scale-home-"))
    env = {**env, "DESKMAIL_HOME": str(home)}
    config = home / "settings.json"
    config.write_text(json.dumps(settings_document(email, ip)))
    add = ("account", "add", "--config", str(config), "--password-stdin", "--no-check")
    tree = env.get("PYTHONPATH", str(REPO))  # the checkout whose code adds it (see --compare)
    subprocess.run(deskmail(*add), env=env, input=PASSWORD + "\n", text=True, check=True, capture_output=True, cwd=tree)
    return home, env, store_of(home, email)


def measure_size(
    size: int,
    server: Any,
    ip: str,
    ca: Path,
    env: dict[str, str],
    repeat: int,
    window: bool,
    only_window: bool,
    only_resync: bool = False,
    compare: Path | None = None,
    kept_bodies: int = 0,
) -> dict[str, float]:
    from mailgen import fill_maildir

    from tests.servers.dovecot import MAIL_UID

    email = f"scale{size}@example.test"
    server.add_user(email, PASSWORD)
    marker = server.home(email) / "generated"
    if not marker.exists():
        started = time.perf_counter()
        fill_maildir(server.maildir(email) / "cur", size, uid=MAIL_UID)
        folder = server.maildir(email, SECOND_FOLDER[0])
        for sub in ("", "new", "tmp"):
            (folder / sub).mkdir(exist_ok=True)
            os.chown(folder / sub, MAIL_UID, MAIL_UID)
        fill_maildir(folder / "cur", SECOND_FOLDER[1], seed=2, uid=MAIL_UID)
        os.chown(folder / "cur", MAIL_UID, MAIL_UID)
        marker.touch()
        print(f"{size:,}: mailbox written in {time.perf_counter() - started:.0f} s", file=sys.stderr, flush=True)
    me = [sys.executable, str(Path(__file__).resolve())]
    if only_window:
        return measure_window(size, server, ip, env, repeat, me, email)
    out: dict[str, float] = {"load_start": os.getloadavg()[0]}
    warm_up(ip, email, ca)
    raw = [*me, "--raw-imapclient", ip, email, str(ca)]
    home, env, store = new_account(email, ip, env)
    if only_resync:
        timed_process(deskmail("sync", email), env)  # the store every no-change run starts from
        out.update(measure_resync(size, ip, email, ca, home, env, repeat, me, compare, kept_bodies))
        shutil.rmtree(home, ignore_errors=True)
        out["load_end"] = os.getloadavg()[0]
        print(f"{size:,}: done", file=sys.stderr, flush=True)
        return out
    raws: list[Run] = []
    initial: list[tuple[Run, float]] = []
    for _ in range(repeat):  # taking turns, so a change in the machine's load hits both alike
        raws.append(timed_process(raw, env))
        shutil.rmtree(store.parent, ignore_errors=True)
        seen: dict[str, float] = {}
        stop = threading.Event()
        watcher = threading.Thread(target=first_rows_watch, args=(store, time.perf_counter(), seen, stop))
        watcher.start()
        run = timed_process(deskmail("sync", email), env)
        stop.set()
        watcher.join()
        initial.append((run, seen.get("first50", float("nan"))))
    out["raw"], out["raw_rss"], _ = min(raws)
    out["raw_cpu"] = min(r.cpu for r in raws)
    fastest, out["first50"] = min(initial)
    out["initial"], out["initial_rss"] = fastest.seconds, fastest.rss
    out["initial_cpu"] = min(run.cpu for run, _ in initial)
    out["socket"] = min(socket_fetch(ip, email, ca) for _ in range(repeat))

    out.update(measure_resync(size, ip, email, ca, home, env, repeat, me, compare, kept_bodies))

    listing = home / "messages.json"
    out["messages"], out["messages_rss"], _ = timed_process(
        deskmail("messages", email, "INBOX", "--json"), env, listing
    )
    with listing.open() as f:  # counted line by line: this process must stay small (see timed_process)
        assert sum(1 for line in f if line == "    {\n") == size
    out["rows"], out["rows_rss"], _ = timed_process([*me, "--raw-rows", str(store)], env)
    listing.unlink()
    if window:
        done = subprocess.run(
            [*me, "--end", str(home), email, "--repeat", str(repeat)], env=env, capture_output=True, text=True
        )
        if done.returncode:
            raise SystemExit(f"the End measurement failed:\n{done.stderr}")
        out.update(json.loads(done.stdout.splitlines()[-1]))
        out.update(window_first_syncs(size, store, me, email, env, repeat))
    shutil.rmtree(home, ignore_errors=True)
    out["load_end"] = os.getloadavg()[0]
    print(f"{size:,}: done", file=sys.stderr, flush=True)
    return out


def store_of(home: Path, email: str) -> Path:
    from deskmail.core.settings import Settings
    from deskmail.engine.paths import Paths
    from deskmail.engine.store import store_path

    return store_path(Paths.from_settings(Settings(home=home)), email)


def keep_bodies(store: Path, count: int) -> None:
    """--kept-bodies: the newest `count` messages' bodies in the store as offline reading keeps them
    (5 KB each, inline) and the bodies folder beside it: a store as the window leaves it."""
    import sqlite3

    conn = sqlite3.connect(store)
    with conn:
        conn.execute(
            "INSERT OR REPLACE INTO bodies (message_id, raw, size, fetched_at) "
            "SELECT id, randomblob(5000), 5000, 0 FROM messages ORDER BY id DESC LIMIT ?",
            (count,),
        )
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    (store.parent / "bodies").mkdir(exist_ok=True)


def measure_resync(
    size: int,
    ip: str,
    email: str,
    ca: Path,
    home: Path,
    env: dict[str, str],
    repeat: int,
    me: list[str],
    compare: Path | None,
    kept_bodies: int = 0,
) -> dict[str, float]:
    """The no-change sync: whole processes (and those of the `compare` checkout, taking turns with
    them), inside one process, and the server's own answer to exactly what it asked."""
    out: dict[str, float] = {}
    trees = [("", env, REPO)]
    stores = [store_of(home, email)]
    compared_home = None
    if compare is not None:
        # A home of its own, synced by that checkout: a store ours migrated is newer than its code knows.
        compared_home, compared_env, compared_store = new_account(email, ip, {**env, "PYTHONPATH": str(compare)})
        timed_process(deskmail("sync", email), compared_env, cwd=compare)
        trees.append(("compare_", compared_env, compare))
        stores.append(compared_store)
    for store in stores if kept_bodies else []:
        keep_bodies(store, kept_bodies)
    runs: dict[str, list[Run]] = {}
    for _ in range(repeat * 2):  # taking turns: a change in the machine's load hits every tree alike
        for prefix, tree_env, cwd in trees:
            runs.setdefault(prefix + "nonet", []).append(timed_process(deskmail("--version"), tree_env, cwd=cwd))
            runs.setdefault(prefix + "nochange", []).append(timed_process(deskmail("sync", email), tree_env, cwd=cwd))
    if compared_home is not None:
        shutil.rmtree(compared_home, ignore_errors=True)
    for key, done_runs in runs.items():
        out[key] = statistics.median(r.seconds for r in done_runs)
        out[key + "_cpu"] = statistics.median(r.cpu for r in done_runs)
    done = subprocess.run(
        [*me, "--inprocess", ip, email, str(ca), str(home), "--repeat", str(repeat)],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    inside = json.loads(done.stdout.splitlines()[-1])
    asked = [c.encode() for c in inside.pop("inprocess_commands")]
    kept = [c.encode() for c in inside.pop("kept_commands", [])]
    out.update(inside)
    names = folder_names(ip, email, ca)
    statused = {c.split(b" (")[0].removeprefix(b"STATUS ").strip(b'"') for c in asked[:-1]}
    listed = asked[-1].startswith(b"LIST ")
    once = inside["inprocess_writes"] == 1 and (  # every STATUS then the LIST, or one LIST-STATUS
        (statused == {n.strip(b'"') for n in names} and listed and b"STATUS" not in asked[-1])
        or (len(asked) == 1 and listed and b"STATUS (" in asked[0])
    )
    if not once:
        print(f"{size:,}: the no-change sync asked more than every STATUS and the LIST in one write:", file=sys.stderr)
        print(f"  {inside['inprocess_writes']} writes: {asked!r}; LIST names {names!r}", file=sys.stderr)
    # The server's own answer to exactly what our sync asks (as logged above), on a bare socket.
    answers = [server_answer(ip, email, ca, names, asked) for _ in range(repeat * 2)]
    out["answer"] = statistics.median(a[0] for a in answers)
    out["status_list"] = statistics.median(a[1] for a in answers)
    out["status_list_again"] = statistics.median(a[2] for a in answers)
    out["list_status"] = statistics.median(a[3] for a in answers)
    if kept:
        if inside["kept_writes"] != 1 or kept[0] != b"NOOP":
            print(f"{size:,}: the kept session asked more than its poll write: {kept!r}", file=sys.stderr)
        out["poll_again"] = statistics.median(server_poll_answer(ip, email, ca, kept) for _ in range(repeat * 2))
    return out


def window_first_syncs(
    size: int, store: Path, me: list[str], email: str, env: dict[str, str], repeat: int
) -> dict[str, float]:
    """The window's own first sync, tuned and with the interpreter as Python leaves it, taking turns."""
    firsts: list[dict[str, float]] = []
    untuned: list[dict[str, float]] = []
    for _ in range(repeat if size < 500_000 else 1):
        for runs, flag in ((untuned, True), (firsts, False)):
            shutil.rmtree(store.parent, ignore_errors=True)  # a new account: the window does the first sync
            runs.append(window_first_rows(me, email, env, untuned=flag))
            run = runs[-1]  # its stalls on the monotonic clock, to line up with a trace of the same run
            stalls = ", ".join(f"{a:.3f}-{b:.3f} {what}".rstrip() for a, b, what in run["window_stalls"])  # type: ignore[attr-defined]
            print(
                f"{size:,} window{' untuned' if flag else ''}: first rows {ms(run['window_rows'])}, "
                f"synced {run['window_synced']:.2f} s, longest stall {run['window_lag_ms']:.0f} ms, "
                f"without waiting for a core {run['window_own_ms']:.0f} ms (at {run['window_own_at']:.3f}); "
                f"stalls over 40 ms (CLOCK_MONOTONIC s): {stalls or 'none'}",
                file=sys.stderr,
                flush=True,
            )
    out = dict(min(firsts, key=lambda r: r["window_rows"]))
    worst = max(firsts, key=lambda r: r["window_lag_ms"])  # where the longest stall went
    out.update({key: value for key, value in worst.items() if "stall" in key or "gc" in key or "refresh" in key})
    out["window_stall_ms"] = worst["window_lag_ms"]
    out["window_lag_runs"] = [r["window_lag_ms"] for r in firsts]  # type: ignore[assignment]
    out["untuned_lag_runs"] = [r["window_lag_ms"] for r in untuned]  # type: ignore[assignment]
    out["window_synced_runs"] = [r["window_synced"] for r in firsts]  # type: ignore[assignment]
    out["window_own_runs"] = [r["window_own_ms"] for r in firsts]  # type: ignore[assignment]
    out["untuned_own_runs"] = [r["window_own_ms"] for r in untuned]  # type: ignore[assignment]
    out["untuned_synced_runs"] = [r["window_synced"] for r in untuned]  # type: ignore[assignment]
    slowest = max(untuned, key=lambda r: r["window_lag_ms"])
    out.update({"untuned_" + key.removeprefix("window_"): value for key, value in slowest.items()})
    out["untuned_stall_ms"] = slowest["window_lag_ms"]
    return out


def measure_window(
    size: int, server: Any, ip: str, env: dict[str, str], repeat: int, me: list[str], email: str
) -> dict[str, float]:
    """--only-window: an account and the window's first syncs, nothing else (to iterate on input lag)."""
    load = os.getloadavg()[0]
    home, env, store = new_account(email, ip, env)
    out = window_first_syncs(size, store, me, email, env, repeat)
    shutil.rmtree(home, ignore_errors=True)
    out["load_start"], out["load_end"] = load, os.getloadavg()[0]
    print(f"{size:,}: done", file=sys.stderr, flush=True)
    return out


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms"


def added(r: dict[str, float], prefix: str = "") -> float:
    return r[prefix + "nochange"] - r[prefix + "nonet"] - r["answer"]


def with_compared(r: dict[str, float], ours: float, theirs: Callable[[], float]) -> str:
    """A figure, and the --compare checkout's beside it when it was measured."""
    return ms(ours) + (f" (compared: {ms(theirs())})" if "compare_nochange" in r else "")


Figure = tuple[str, Callable[[dict[str, float]], str], Callable[[dict[str, float]], float]]
LOAD_FIGURE: Figure = (
    f"load average (1 min) when this size began / ended ({os.cpu_count()} cores)",
    lambda r: f"{r['load_start']:.1f} / {r['load_end']:.1f}",
    lambda r: 0.0,
)
WINDOW_FIGURES: list[Figure] = [
    (
        "new account in the window: first rows painted after its sync started (process start to sync)",
        lambda r: f"{ms(r['window_rows'])} ({ms(r['window_sync'])})" if "window_rows" in r else "-",
        lambda r: r.get("window_rows", 0.0),
    ),
    (
        "... of which: login (keyring, TLS, LOGIN) / the server's SELECT INBOX / ours after it",
        lambda r: (
            " / ".join(
                ms(v)
                for v in (
                    r["window_login"],
                    r["window_select"],
                    r["window_rows"] - r["window_login"] - r["window_select"],
                )
            )
            if "window_select" in r
            else "-"
        ),
        lambda r: 0.0,
    ),
    (
        "... then the whole first sync in the window / its longest GUI stall meanwhile (target < 100 ms)",
        lambda r: f"{r['window_synced']:.2f} s / {r['window_lag_ms']:.0f} ms" if "window_lag_ms" in r else "-",
        lambda r: r.get("window_synced", 0.0),
    ),
]
FIGURES: list[Figure] = [
    LOAD_FIGURE,
    (
        "initial `deskmail sync` (newest 50 of the Inbox stored after)",
        lambda r: f"{r['initial']:.2f} s ({r['first50']:.2f} s)",
        lambda r: r["initial"],
    ),
    ("raw imapclient process fetching the same items", lambda r: f"{r['raw']:.2f} s", lambda r: r["raw"]),
    ("ratio (ours / raw; target <= 1.15)", lambda r: f"{r['initial'] / r['raw']:.2f}", lambda r: 0.0),
    (
        "CPU time (user + system) of the initial sync / of the raw process (ratio)",
        lambda r: f"{r['initial_cpu']:.2f} / {r['raw_cpu']:.2f} s ({r['initial_cpu'] / r['raw_cpu']:.2f})",
        lambda r: r["initial_cpu"],
    ),
    ("the same FETCH read unparsed from the socket", lambda r: f"{r['socket']:.2f} s", lambda r: r["socket"]),
    (
        "sync peak RSS / raw process",
        lambda r: f"{r['initial_rss']:.0f} / {r['raw_rss']:.0f} MB",
        lambda r: r["initial_rss"],
    ),
    (
        "no-change `deskmail sync` minus a no-network process",
        lambda r: with_compared(r, r["nochange"] - r["nonet"], lambda: r["compare_nochange"] - r["compare_nonet"]),
        lambda r: r["nochange"] - r["nonet"],
    ),
    (
        "server's own answer (TLS, LOGIN, what the sync asked: every STATUS then LIST in one write)",
        lambda r: ms(r["answer"]),
        lambda r: r["answer"],
    ),
    (
        "added by our process (target <= 150 ms)",
        lambda r: with_compared(r, added(r), lambda: added(r, "compare_")),
        lambda r: 0.0,
    ),
    (
        "CPU time (user + system) of the no-change sync minus the no-network process's",
        lambda r: with_compared(
            r, r["nochange_cpu"] - r["nonet_cpu"], lambda: r["compare_nochange_cpu"] - r["compare_nonet_cpu"]
        ),
        lambda r: r["nochange_cpu"] - r["nonet_cpu"],
    ),
    (
        "no-change sync inside one process, Inbox by STATUS (the CLI's way; the window's before) / server's"
        " STATUS+LIST: first, again on the session / LIST-STATUS",
        lambda r: (
            f"{ms(r['inprocess'])} / {ms(r['status_list'])}, {ms(r['status_list_again'])} / {ms(r['list_status'])}"
        ),
        lambda r: r["inprocess"],
    ),
    (
        "inside a process adds X ms to the server's answer (sync minus its wait for the server's bytes;"
        " target <= 20 ms): median (worst) / the server's answer it waited for",
        lambda r: (
            f"{r['inprocess_added'] * 1000:.1f} ms ({r['inprocess_added_max'] * 1000:.1f})"
            f" / {ms(r['inprocess_waited'])}"
        ),
        lambda r: r["inprocess_added"],
    ),
    (
        "the window's kept session (Inbox selected and polled, no STATUS of it; before: in the row above):"
        " no-change sync inside the process, median (worst; its first on the session, of which waiting for the"
        " server) / the server's answer"
        " to that write again",
        lambda r: (
            f"{ms(r['kept'])} ({ms(r['kept_max'])}; {ms(r['kept_first'])}, {ms(r['kept_first_waited'])} waited)"
            f" / {ms(r['poll_again'])}"
            if "kept" in r
            else "-"
        ),
        lambda r: r.get("kept", 0.0),
    ),
    (
        "the kept session adds X ms to the server's answer: median (worst) / the server's answer it waited for",
        lambda r: (
            f"{r['kept_added'] * 1000:.1f} ms ({r['kept_added_max'] * 1000:.1f}) / {ms(r['kept_waited'])}"
            if "kept" in r
            else "-"
        ),
        lambda r: r.get("kept_added", 0.0),
    ),
    (
        "`deskmail messages INBOX --json`: time, peak RSS",
        lambda r: f"{r['messages']:.2f} s, {r['messages_rss']:.0f} MB",
        lambda r: r["messages"],
    ),
    (
        "raw: the same rows read from SQLite: time, peak RSS",
        lambda r: f"{r['rows']:.2f} s, {r['rows_rss']:.0f} MB",
        lambda r: r["rows"],
    ),
    *WINDOW_FIGURES,
    (
        "End in the message list, until painted",
        lambda r: f"{r['end_ms']:.0f} ms" if "end_ms" in r else "-",
        lambda r: r.get("end_ms", 0.0),
    ),
]


def lag_runs(r: dict[str, Any], key: str) -> str:
    """Each run's longest stall, its whole first sync in brackets (pausing costs sync speed)."""
    if key not in r:
        return "-"
    synced = r.get(key.replace("_lag_", "_synced_"), [])
    return ", ".join(
        f"{lag:.0f} ms" + (f" ({synced[i]:.1f} s)" if i < len(synced) else "") for i, lag in enumerate(r[key])
    )


def stall(r: dict[str, float], prefix: str) -> str:
    if f"{prefix}_stall_gui_ms" not in r:
        return "-"
    lag, gui, gc, core = (r[f"{prefix}_{k}"] for k in ("stall_ms", "stall_gui_ms", "stall_gc_ms", "stall_core_ms"))
    rest = max(0.0, lag - gui - gc - core)
    held = min(rest, r.get(f"{prefix}_stall_sync_core_ms", 0.0))
    refresh = r[f"{prefix}_stall_refresh_ms"]
    return (
        f"{lag:.0f} = {gui:.0f} GUI + {gc:.0f} GC + {core:.0f} waiting for a core + {held:.0f} waiting for the GIL"
        f" while the sync thread waited for a core + {rest - held:.0f} off-core otherwise (GIL, SQLite, I/O);"
        f" {refresh:.0f} of it in the refresh,"
        f" {r[f'{prefix}_stall_sql_ms']:.0f} in SQLite statements ({r[f'{prefix}_stall_sql_cpu_ms']:.0f} CPU)"
    )


LAG_FIGURES: list[Figure] = [
    (
        "longest GUI stall during the window's first sync, each run (the whole sync) (target < 100 ms)",
        lambda r: lag_runs(r, "window_lag_runs"),
        lambda r: 0.0,
    ),
    (
        "... the same with the interpreter untuned (Python's collector thresholds, nothing frozen, as before)",
        lambda r: lag_runs(r, "untuned_lag_runs"),
        lambda r: 0.0,
    ),
    (
        "longest stall less the time the GUI thread (or the sync thread holding the GIL) waited for a core,"
        " each run: what the app made the window wait, whatever the machine's load; tuned; untuned",
        lambda r: (
            ", ".join(f"{v:.0f}" for v in r["window_own_runs"])
            + " ms; "
            + ", ".join(f"{v:.0f}" for v in r["untuned_own_runs"])
            + " ms"
            if "window_own_runs" in r
            else "-"
        ),
        lambda r: 0.0,
    ),
    (
        "the longest stall of all runs, tuned: where it went (the GUI thread running, the collector, waiting)",
        lambda r: stall(r, "window"),
        lambda r: 0.0,
    ),
    ("... untuned (its worst run)", lambda r: stall(r, "untuned"), lambda r: 0.0),
    (
        "the window's longest refresh after a commit: wall / its CPU (refreshes), tuned; untuned",
        lambda r: (
            f"{r['window_refresh_ms']:.0f} / {r['window_refresh_cpu_ms']:.0f} ms ({r['window_refreshes']:.0f}); "
            f"{r['untuned_refresh_ms']:.0f} / {r['untuned_refresh_cpu_ms']:.0f} ms ({r['untuned_refreshes']:.0f})"
            if "untuned_refresh_ms" in r
            else "-"
        ),
        lambda r: 0.0,
    ),
    (
        "longest collector pause while syncing / full collections: tuned; untuned",
        lambda r: (
            f"{r['window_gc_max_ms']:.0f} ms / {r['window_gc_full']:.0f}; "
            f"{r['untuned_gc_max_ms']:.0f} ms / {r['untuned_gc_full']:.0f}"
            if "untuned_gc_max_ms" in r
            else "-"
        ),
        lambda r: 0.0,
    ),
]


ONLY_WINDOW_FIGURES: list[Figure] = [LOAD_FIGURE, *WINDOW_FIGURES, *LAG_FIGURES]


def print_table(
    sizes: list[int], results: list[dict[str, float]], figures: list[Figure], file: Any = sys.stdout
) -> None:
    """The table (as far as `results` go: after each size it goes to stderr, so a long run cut short keeps it)."""
    print(
        f"\n{os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}; Dovecot (Maildir) on loopback over TLS",
        file=file,
    )
    print("| figure | " + " | ".join(f"{s:,}" for s in sizes[: len(results)]) + " |", file=file)
    print("|---|" + "---|" * len(results), file=file)
    for name, text, value in figures:
        cells = []
        for index, result in enumerate(results):
            try:
                cell = text(result)
                before = value(results[index - 1]) if index else 0.0
                now = value(result)
            except KeyError:  # not measured in this run (--only-resync)
                cells.append("-")
                continue
            if index and before > 0 and now > 0:
                cell += f" (x{now / before:.1f})"
            cells.append(cell)
        if any(cell != "-" for cell in cells):
            print(f"| {name} | " + " | ".join(cells) + " |", file=file)
    file.flush()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[25_000, 100_000])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir()) / "deskmail-bench-scale")
    parser.add_argument("--no-window", action="store_true", help="skip the message list (Qt) measurement")
    parser.add_argument("--raw-imapclient", nargs=3, help=argparse.SUPPRESS)
    parser.add_argument("--raw-rows", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--inprocess", nargs=4, help=argparse.SUPPRESS)
    parser.add_argument("--end", nargs=2, help=argparse.SUPPRESS)
    parser.add_argument("--only-window", action="store_true", help="only the window's own first sync (input lag)")
    parser.add_argument("--only-resync", action="store_true", help="only the no-change sync (process, in-process)")
    parser.add_argument(
        "--kept-bodies",
        type=int,
        default=0,
        metavar="N",
        help="before the no-change runs, N bodies kept for offline reading in each store (as the window leaves it)",
    )
    parser.add_argument(
        "--compare",
        type=Path,
        metavar="DIR",
        help="another checkout (e.g. `git worktree add /tmp/base main`) whose no-change sync takes turns with ours",
    )
    parser.add_argument("--window-first", help=argparse.SUPPRESS)
    parser.add_argument("--untuned", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.raw_imapclient:
        ip, email, ca = args.raw_imapclient
        raw_imapclient_child(ip, email, Path(ca))
        return 0
    if args.raw_rows:
        raw_rows_child(args.raw_rows)
        return 0
    if args.inprocess:
        ip, email, ca, home = args.inprocess
        inprocess_child(ip, email, Path(ca), Path(home), args.repeat)
        return 0
    if args.end:
        end_child(Path(args.end[0]), args.end[1], args.repeat)
        return 0
    if args.window_first:
        window_child(args.window_first, untuned=args.untuned)
        return 0

    from tests.servers import procs
    from tests.servers.addresses import pick_block
    from tests.servers.certs import Certs
    from tests.servers.dovecot import Dovecot
    from tests.servers.keyrings import KeyringService

    # Installed Deskmail has its bytecode compiled; measure that, not the compiler.
    for tree in (REPO, *([args.compare.resolve()] if args.compare else [])):
        subprocess.run([sys.executable, "-m", "compileall", "-q", str(tree / "deskmail")], check=True)
    ip = pick_block().ip(2)
    scratch = procs.public_tempdir("scale")
    certs = Certs(scratch)
    args.cache.mkdir(mode=0o755, parents=True, exist_ok=True)
    args.cache.chmod(0o755)
    # Dovecot's default 256 MB address-space cap per imap process is too small for a 1M Inbox (its
    # index cache alone maps 400 MB): the process dies mid-FETCH. A server for such mailboxes raises it.
    server = Dovecot(
        ip, "imap.example.test", certs.issue(ip, "imap.example.test"), args.cache, extra_config=DOVECOT_LIMITS
    )
    keyring = KeyringService(procs.public_tempdir("scale-keyring"))
    results = []
    try:
        keyring.start()
        env = {**os.environ, **keyring.env, "DESKMAIL_EXTRA_CA": str(certs.ca_path), "PYTHONPATH": str(REPO)}
        env.pop("PYTHON_KEYRING_BACKEND", None)
        server.add_user("warmup@example.test", PASSWORD)
        server.start()
        for size in args.sizes:
            results.append(
                measure_size(
                    size,
                    server,
                    ip,
                    certs.ca_path,
                    env,
                    args.repeat,
                    not args.no_window,
                    args.only_window,
                    args.only_resync,
                    args.compare.resolve() if args.compare else None,
                    args.kept_bodies,
                )
            )
            if size != args.sizes[-1]:
                print_table(args.sizes, results, ONLY_WINDOW_FIGURES if args.only_window else FIGURES, file=sys.stderr)
    finally:
        server.stop()
        keyring.stop()
        procs.shutdown()
    print_table(args.sizes, results, ONLY_WINDOW_FIGURES if args.only_window else FIGURES + LAG_FIGURES)
    print(
        f"(minimum of {args.repeat} for whole syncs and raw fetches, taking turns; "
        f"median of {args.repeat * 2} for no-change runs)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
