"""Benchmark: LIST and the folder-list sync of an account with very many folders (default 50,000).

Runs a private Dovecot (TLS on 993, loopback) whose user gets N folders made directly as
Maildir++ directories (`.bench-00001/{cur,new,tmp}`: seconds, not the minutes of N CREATEs), and
measures in the same run:
  raw socket: `LIST "" "*"` read to the tagged OK without parsing (the wire's lower bound);
  deskmail LIST: `ImapSession.list_folders()` (parsing, attributes, special uses);
  folder-list sync: `FolderSync.sync_folder_list()` (LIST + the store), first time and again;
  choosing folders: the folder selection `sync_account` makes over the listed folders.

    python bench/folders.py                   # 50,000 folders
    python bench/folders.py --folders 5000,50000 --repeat 3
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import socket
import ssl
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from deskmail.core.serverconfig import Protocol, Security, ServerConfig  # noqa: E402
from deskmail.core.settings import Settings  # noqa: E402
from deskmail.engine.connect import login_imap, open_imap  # noqa: E402
from deskmail.engine.imap.account import choose_folders, open_session  # noqa: E402
from deskmail.engine.imap.sync import FolderSync  # noqa: E402
from deskmail.engine.store.writer import Store  # noqa: E402
from deskmail.net.tls import client_context  # noqa: E402

PASSWORD = "bench-password"


def make_folders(maildir: Path, count: int, uid: int) -> None:
    """`count` empty Maildir++ folders, owned by the mail user (as Dovecot would have made them)."""
    for n in range(count):
        folder = maildir / f".bench-{n:05d}"
        for sub in ("", "cur", "new", "tmp"):
            (folder / sub).mkdir(exist_ok=True)
            os.chown(folder / sub, uid, uid)


def raw_list(ip: str, email: str, ca: Path) -> tuple[float, int, int]:
    """LIST by hand, read to the tagged OK: seconds, lines, bytes."""
    context = client_context(extra_ca=ca)
    with socket.create_connection((ip, 993)) as plain, context.wrap_socket(plain, server_hostname=ip) as sock:
        reader = sock.makefile("rb")
        reader.readline()
        sock.sendall(f'a LOGIN "{email}" "{PASSWORD}"\r\n'.encode())
        while not reader.readline().startswith(b"a "):
            pass
        started = time.perf_counter()
        sock.sendall(b'b LIST "" "*"\r\n')
        lines = size = 0
        while True:
            line = reader.readline()
            if not line:
                raise RuntimeError("connection closed")
            lines, size = lines + 1, size + len(line)
            if line.startswith(b"b "):
                return time.perf_counter() - started, lines - 1, size


class ScriptedServer:
    """An IMAP server (implicit TLS) answering LIST with `count` folders from memory: the client's cost alone."""

    def __init__(self, ip: str, context: ssl.SSLContext, count: int) -> None:
        self.context = context
        names = [f"bench-{n:05d}" for n in range(count)]
        self.listing = b"".join(b'* LIST (\\HasNoChildren) "/" %s\r\n' % n.encode() for n in ["INBOX", *names])
        self.listener = socket.create_server((ip, 993))
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return
            threading.Thread(target=self._handle, args=(conn,), daemon=True).start()

    def _handle(self, plain: socket.socket) -> None:
        with contextlib.suppress(OSError), self.context.wrap_socket(plain, server_side=True) as conn:
            conn.sendall(b"* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN SASL-IR ENABLE] ready\r\n")
            reader = conn.makefile("rb")
            for line in reader:
                tag, _, rest = line.strip().partition(b" ")
                verb = rest.split(b" ")[0].upper()
                body = {
                    b"LIST": self.listing,
                    b"LSUB": b'* LSUB () "/" INBOX\r\n',
                    b"CAPABILITY": b"* CAPABILITY IMAP4rev1 AUTH=PLAIN SASL-IR ENABLE\r\n",
                }.get(verb, b"")
                conn.sendall(body + tag + b" OK done\r\n")
                if verb == b"LOGOUT":
                    return

    def close(self) -> None:
        self.listener.close()


def timed(fn: object) -> tuple[float, object]:
    started = time.perf_counter()
    result = fn()  # type: ignore[operator]
    return time.perf_counter() - started, result


def measure(ip: str, email: str, ca: Path, count: int, repeat: int) -> dict[str, float]:
    server = ServerConfig(Protocol.IMAP, ip, 993, Security.SSL, email)
    settings = Settings(extra_ca=ca)

    def connect(cancel: object) -> object:
        client = open_imap(server, settings, timeout=120)  # the server's own LIST of 50k folders takes seconds
        login_imap(client, email, PASSWORD)
        return client

    session = open_session(connect)  # type: ignore[arg-type]
    raw, listed = [], []
    for _ in range(repeat):  # in turns: Dovecot's own time for a LIST drifts while it caches
        raw.append(raw_list(ip, email, ca))
        listed.append(timed(session.list_folders))
    assert len(listed[0][1]) >= count, len(listed[0][1])  # type: ignore[arg-type]
    with tempfile.TemporaryDirectory() as directory:
        store = Store.open(Path(directory) / "store.sqlite3")
        syncer = FolderSync(session, store)
        cpu = time.process_time()
        first, known = timed(syncer.sync_folder_list)
        cpu = time.process_time() - cpu  # ours alone, whatever else loads the machine
        again = [timed(syncer.sync_folder_list)[0] for _ in range(repeat)]
        chose = timed(lambda: choose_folders(known, None))[0]  # type: ignore[arg-type]
        stored = len(store.folders())
        store.close()
    session.logout()
    assert stored >= count, stored
    return {
        "raw": statistics.median(r[0] for r in raw),
        "lines": raw[0][1],
        "bytes": raw[0][2],
        "list": statistics.median(t for t, _ in listed),
        "first": first,
        "cpu": cpu,
        "again": statistics.median(again),
        "choose": chose,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--folders", default="50000")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument(
        "--server", choices=("dovecot", "scripted"), default="dovecot", help="scripted: LIST answered from memory"
    )
    args = parser.parse_args()

    from tests.servers import procs
    from tests.servers.addresses import pick_block
    from tests.servers.certs import Certs
    from tests.servers.dovecot import MAIL_UID, Dovecot

    ip = pick_block().ip(2)
    directory = procs.public_tempdir("bench")
    certs = Certs(directory)
    cert = certs.issue(ip, "imap.example.test")
    rows = []
    if args.server == "scripted":
        for count in (int(c) for c in args.folders.split(",")):
            scripted = ScriptedServer(ip, cert.server_context(), count)
            try:
                rows.append((count, 0.0, measure(ip, "bench@example.test", certs.ca_path, count, args.repeat)))
            finally:
                scripted.close()
        shutil.rmtree(directory, ignore_errors=True)
        _print(rows, "scripted server (LIST from memory)")
        return
    mail_dir = directory / "dovecot"
    mail_dir.mkdir(mode=0o755)
    # Its mailbox list index answers LIST without a stat() per folder directory, as big servers run.
    server = Dovecot(ip, "imap.example.test", cert, mail_dir, extra_config="mailbox_list_index = yes\n")
    try:
        for count in (int(c) for c in args.folders.split(",")):
            email = f"folders{count}@example.test"
            server.add_user(email, PASSWORD)
            made = timed(lambda: make_folders(server.maildir(email), count, MAIL_UID))[0]  # noqa: B023
            if server._proc is None:
                server.start()
            for _ in range(2):  # Dovecot builds its mailbox list index once: not ours to measure
                print(f"warm-up LIST: {raw_list(ip, email, certs.ca_path)[0]:.2f} s", file=sys.stderr, flush=True)
            rows.append((count, made, measure(ip, email, certs.ca_path, count, args.repeat)))
            print(f"{count}: done", file=sys.stderr, flush=True)
    finally:
        server.stop()
        procs.shutdown()
        shutil.rmtree(directory, ignore_errors=True)
    _print(rows, "Dovecot (Maildir++)")


def _print(rows: list[tuple[int, float, dict[str, float]]], what: str) -> None:
    print(f"\nmachine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}; {what} over TLS")
    print("| folders | raw LIST (lines, bytes) | deskmail LIST | folder-list sync, first (CPU) | again | choosing |")
    print("|---|---|---|---|---|---|")
    for count, _made, m in rows:
        print(
            f"| {count:,} | {m['raw']:.2f} s ({m['lines']:,.0f}, {m['bytes'] / 1e6:.1f} MB) | {m['list']:.2f} s "
            f"| {m['first']:.2f} s ({m['cpu']:.2f} s) | {m['again']:.2f} s | {m['choose'] * 1000:.1f} ms |"
        )
    for count, made, _m in rows:
        if made:
            print(f"({count:,}: making the Maildir++ folders took {made:.1f} s)")


if __name__ == "__main__":
    main()
