"""Benchmark: initial header sync, first screen, resyncs, memory and store size at 10k/100k messages.

Runs a private Dovecot (TLS on 993, loopback), writes generated messages straight into Maildir/cur,
and measures, in the same run, raw baselines for the same FETCH items:
  raw socket: `UID FETCH 1:* (items)` read without parsing;
  imapclient: `IMAPClient.fetch()` over explicit UID lists (its range fetch is broken in 4.x).
Our sync runs in a child process so its peak RSS is its own.

    python bench/sync.py                      # 10k and 100k (generating 100k takes minutes)
    python bench/sync.py --keep /tmp/deskmail-bench-keep   # keep generated mailboxes for later runs
    python bench/sync.py --sizes 10000 --repeat 3
    python bench/sync.py --sizes 10000 --previews   # + the preview pass over the 1,000 newest after the sync

The mailboxes are written as Maildir, then converted to mdbox with doveadm (see the comment in
main() for why). Numbers in parentheses are the server's own time for the SELECT our resync needs.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

from imapclient import IMAPClient  # noqa: E402

from deskmail.engine.imap.headers import HEADER_ITEMS  # noqa: E402
from deskmail.net.tls import client_context  # noqa: E402

PASSWORD = "bench-password"


def connect(ip: str, email: str, ca: Path) -> IMAPClient:
    client = IMAPClient(ip, 993, ssl=True, ssl_context=client_context(extra_ca=ca), timeout=600)
    client.login(email, PASSWORD)
    return client


# --- baselines --------------------------------------------------------------------------------


def raw_socket_fetch(ip: str, email: str, ca: Path) -> float:
    """Send the FETCH by hand and read until the tagged OK: the wire cost without any parsing."""
    context = client_context(extra_ca=ca)
    with socket.create_connection((ip, 993)) as plain, context.wrap_socket(plain, server_hostname=ip) as sock:
        reader = sock.makefile("rb")
        reader.readline()
        sock.sendall(f'a LOGIN "{email}" "{PASSWORD}"\r\nb SELECT INBOX\r\n'.encode())
        _read_until(reader, b"b ")
        started = time.perf_counter()
        sock.sendall(b"c UID FETCH 1:* (" + HEADER_ITEMS.encode() + b")\r\n")
        _read_until(reader, b"c ")
        return time.perf_counter() - started


def _read_until(reader: Any, tag: bytes) -> None:
    while True:
        line = reader.readline()
        if not line:
            raise RuntimeError("connection closed")
        if line.startswith(tag):
            return
        if line.endswith(b"}\r\n"):
            reader.read(int(line[line.rindex(b"{") + 1 : -3]))


def imapclient_fetch(ip: str, email: str, ca: Path) -> float:
    client = connect(ip, email, ca)
    client.select_folder("INBOX", readonly=True)
    started = time.perf_counter()
    uids = client.search("ALL")
    count = 0
    items = [*HEADER_ITEMS.split(" ", 3)[:3], HEADER_ITEMS.split(" ", 3)[3]]
    for index in range(0, len(uids), 5000):
        count += len(client.fetch(uids[index : index + 5000], items))
    elapsed = time.perf_counter() - started
    client.logout()
    assert count == len(uids)
    return elapsed


# --- our sync (child process) ----------------------------------------------------------------


def child(ip: str, email: str, ca: Path, repeat: int, previews: bool = False) -> dict[str, Any]:
    from deskmail.engine.imap.account import open_session, sync_account
    from deskmail.engine.imap.sync import SyncProgress
    from deskmail.engine.store import Store

    directory = Path(tempfile.mkdtemp(prefix="deskmail-bench-store-"))
    store = Store.open(directory / "store.sqlite3")
    reader = store.reader()
    result: dict[str, Any] = {}
    started = time.perf_counter()

    def progress(p: object) -> None:
        if "first50" not in result and isinstance(p, SyncProgress) and p.done >= 50:
            inbox = reader.folder("INBOX")
            if inbox is not None and len(reader.messages(inbox.id, limit=50)) == 50:
                result["first50"] = time.perf_counter() - started

    session = open_session(lambda _c: connect(ip, email, ca))
    report = sync_account(session, store, folders=["INBOX"], progress=progress)
    result["initial"] = time.perf_counter() - started
    result["messages"] = report.folders[0].added
    if previews:
        result.update(_preview_pass(session, store))
    result.update(_resyncs(session, store, ip, email, ca, repeat))
    result["rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    session.logout()
    store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    result["store_mb"] = sum(p.stat().st_size for p in directory.iterdir()) / 1e6
    reader.close()
    store.close()
    shutil.rmtree(directory, ignore_errors=True)
    return result


def _preview_pass(session: Any, store: Any) -> dict[str, float]:
    """The preview pass right after the initial sync: the newest messages of the folder, in batches."""
    from deskmail.engine.imap.previews import NEWEST, fill_previews

    inbox = store.folder("INBOX")
    started = time.perf_counter()
    report = fill_previews(session, store, inbox, newest=NEWEST)
    elapsed = time.perf_counter() - started
    assert report.looked == min(NEWEST, store.stored_count(inbox.id)), report
    return {"previews": elapsed, "previews_looked": report.looked, "previews_filled": report.filled}


def _resyncs(session: Any, store: Any, ip: str, email: str, ca: Path, repeat: int) -> dict[str, float]:
    """Median times of our resyncs, each beside the server's own SELECT (QRESYNC) time in that state."""
    from deskmail.engine.imap.session import ImapSession

    times: dict[str, list[float]] = {"nochange": [], "flags100": [], "select_nochange": [], "select_flags100": []}
    other = connect(ip, email, ca)
    other.select_folder("INBOX")
    uids = other.search("ALL")
    probe = ImapSession(connect(ip, email, ca))
    probe.enable_qresync()
    rng = random.Random(7)
    for round_ in range(repeat):
        times["select_nochange"].append(_server_select(probe, store))
        times["nochange"].append(_timed_sync(session, store, expect_changed=0))
        other.add_flags(rng.sample(uids, 100), [f"$Bench{time.time_ns()}{round_}".encode()])
        times["flags100"].append(_timed_sync(session, store, expect_changed=100))
        times["select_flags100"].append(_server_select(probe, store))
    other.logout()
    probe.logout()
    return {key: statistics.median(values) for key, values in times.items()}


def _timed_sync(session: Any, store: Any, expect_changed: int) -> float:
    from deskmail.engine.imap.account import sync_account

    started = time.perf_counter()
    report = sync_account(session, store, folders=["INBOX"])
    elapsed = time.perf_counter() - started
    folder = report.folders[0]
    assert folder.added == 0 and folder.changed == expect_changed, report.to_json()
    return elapsed


def _server_select(probe: Any, store: Any) -> float:
    """What the server alone needs for the SELECT (QRESYNC) our resync starts with (no parsing)."""
    inbox = store.folder("INBOX")
    started = time.perf_counter()
    if probe.qresync:
        probe.command(b'SELECT "INBOX" (QRESYNC (%d %d))' % (inbox.uidvalidity, inbox.highestmodseq))
    else:
        probe.command(b'SELECT "INBOX"')
    return time.perf_counter() - started


# --- parent ---------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--storage", choices=("mdbox", "maildir"), default="mdbox")
    parser.add_argument("--keep", metavar="DIR", help="keep generated mailboxes here and reuse them")
    parser.add_argument("--no-condstore", action="store_true", help="a server without CONDSTORE/QRESYNC")
    parser.add_argument("--previews", action="store_true", help="also time the preview pass after the initial sync")
    parser.add_argument("--child", nargs=3, metavar=("IP", "EMAIL", "CA"))
    args = parser.parse_args()
    if args.child:
        ip, email, ca = args.child
        print(json.dumps(child(ip, email, Path(ca), args.repeat, args.previews)))
        return
    from mailgen import fill_maildir

    from tests.servers import procs
    from tests.servers.addresses import pick_block
    from tests.servers.certs import Certs
    from tests.servers.dovecot import MAIL_UID, Dovecot

    ip = pick_block().ip(2)
    directory = procs.public_tempdir("bench")
    certs = Certs(directory)
    # --keep DIR: mailboxes survive the run (generating 100k takes minutes); later runs reuse them.
    mail_dir = Path(args.keep) if args.keep else directory / "dovecot"
    mail_dir.mkdir(mode=0o755, parents=True, exist_ok=True)
    mail_dir.chmod(0o755)
    # With Maildir, Dovecot rescans the whole cur/ on every SELECT and STATUS for a while after
    # anything renamed a file there (every flag change does), ~1.5 s per command at 10k on this
    # machine, for any client. Mailboxes are therefore written as Maildir (fast) and converted to
    # mdbox (dsync) before measuring, unless --storage maildir.
    extra = "mail_location = mdbox:~/mdbox\n" if args.storage == "mdbox" else ""
    server = Dovecot(
        ip,
        "imap.example.test",
        certs.issue(ip, "imap.example.test"),
        mail_dir,
        extra_config=extra,
        remove_capabilities=("CONDSTORE", "QRESYNC") if args.no_condstore else (),
    )
    rows = []
    try:
        for size in (int(s) for s in args.sizes.split(",")):
            email = f"bench{size}@example.test"
            server.add_user(email, PASSWORD)
            if server._proc is None:
                server.start()
            started = time.perf_counter()
            done_marker = server.home(email) / f"generated-{args.storage}"
            if not done_marker.exists():
                fill_maildir(server.maildir(email) / "cur", size, uid=MAIL_UID)
                if args.storage == "mdbox":
                    _convert_to_mdbox(server, email)
                done_marker.touch()
            generated = time.perf_counter() - started
            started = time.perf_counter()
            warm = connect(ip, email, certs.ca_path)
            warm.select_folder("INBOX")  # Dovecot builds its index on the first SELECT: not ours to measure
            warm.logout()
            indexed = time.perf_counter() - started
            raw = statistics.median(raw_socket_fetch(ip, email, certs.ca_path) for _ in range(args.repeat))
            lib = imapclient_fetch(ip, email, certs.ca_path)
            flags = ["--repeat", str(args.repeat), *(["--previews"] if args.previews else [])]
            out = subprocess.run(
                [sys.executable, __file__, *flags, "--child", ip, email, str(certs.ca_path)],
                capture_output=True,
                text=True,
                check=False,
                cwd=REPO,
            )
            if out.returncode:
                raise SystemExit(f"our sync failed:\n{out.stderr}")
            ours = json.loads(out.stdout.strip().splitlines()[-1])
            rows.append((size, generated, indexed, raw, lib, ours))
            print(f"{size}: done", file=sys.stderr, flush=True)
    finally:
        server.stop()
        procs.shutdown()
    _print_table(rows, args.storage)


def _convert_to_mdbox(server: Any, email: str) -> None:
    home = server.home(email)
    subprocess.run(
        [
            "doveadm",
            "-c",
            str(server.directory / "dovecot.conf"),
            "-o",
            f"mail_location=maildir:{home}/Maildir",
            "backup",
            "-u",
            email,
            f"mdbox:{home}/mdbox",
        ],
        check=True,
        capture_output=True,
    )


def _print_table(rows: list[tuple[int, float, float, float, float, dict[str, Any]]], storage: str) -> None:
    print(
        f"\nmachine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}; "
        f"Dovecot ({storage}) on loopback over TLS"
    )
    print(
        "| messages | raw socket FETCH | imapclient fetch() | deskmail initial sync | vs imapclient | first 50 rows "
        "| no-change resync (server SELECT alone) | 100 flag changes (server SELECT alone) | peak RSS | store size |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|")
    for size, _generated, _indexed, raw, lib, ours in rows:
        rate = ours["messages"] / ours["initial"]
        print(
            f"| {size:,} | {raw:.2f} s ({size / raw:,.0f}/s) | {lib:.2f} s ({size / lib:,.0f}/s) "
            f"| {ours['initial']:.2f} s ({rate:,.0f}/s) | {lib / ours['initial']:.2f}x "
            f"| {ours['first50'] * 1000:.0f} ms "
            f"| {ours['nochange'] * 1000:.1f} ms ({ours['select_nochange'] * 1000:.1f} ms) "
            f"| {ours['flags100'] * 1000:.1f} ms ({ours['select_flags100'] * 1000:.1f} ms) | {ours['rss_mb']:.0f} MB "
            f"| {ours['store_mb']:.1f} MB |"
        )
    for size, *_, ours in rows:
        if "previews" in ours:
            print(
                f"({size:,}: preview pass over the {ours['previews_looked']:,} newest after the initial sync: "
                f"{ours['previews']:.2f} s, {ours['previews_filled']:,} previews)"
            )
    for size, generated, indexed, *_ in rows:
        print(f"({size:,}: generating the mailbox took {generated:.1f} s, Dovecot's first SELECT {indexed:.2f} s)")


if __name__ == "__main__":
    main()
