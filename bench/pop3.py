"""Benchmark: POP3 download of 10,000 messages vs a raw poplib RETR loop, and memory for one 50 MB message.

Runs a private Dovecot (POP3 with TLS on 995, loopback), writes generated messages into Maildir/cur,
and measures in the same run:
  raw poplib: POP3_SSL, USER/PASS, `retr(n)` for every message (lines kept by poplib, then dropped), QUIT;
  deskmail:  open_pop3 + login_pop3 + sync_pop3 into a fresh store (UIDL, LIST, RETR, one transaction
             per message with its UIDL row, QUIT), in a child process so its peak RSS is its own.
Both include connecting and logging in. Goal: deskmail <= 1.3 x raw; one 50 MB message < 30 MB above idle.

    python bench/pop3.py                      # 10,000 messages, 3 raw runs (median), one 50 MB message
    python bench/pop3.py --count 2000 --repeat 1
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import poplib
import random
import resource
import shutil
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

from deskmail.net.tls import client_context  # noqa: E402

PASSWORD = "bench-password"
BIG_MB = 50


def raw_poplib(ip: str, email: str, ca: Path) -> tuple[float, int]:
    """The lower bound a Python client can reach: poplib's RETR loop over the same TLS connection type."""
    started = time.perf_counter()
    pop = poplib.POP3_SSL(ip, 995, context=client_context(extra_ca=ca), timeout=600)
    pop.user(email)
    pop.pass_(PASSWORD)
    count, _size = pop.stat()
    total = 0
    for number in range(1, count + 1):
        _reply, _lines, octets = pop.retr(number)
        total += octets
    pop.quit()
    return time.perf_counter() - started, count


def child(ip: str, email: str, ca: Path) -> dict[str, Any]:
    """Our whole download into a fresh store; RSS before (idle, everything imported) and at the peak."""
    from deskmail.core.serverconfig import Protocol, Security, ServerConfig
    from deskmail.core.settings import Settings
    from deskmail.engine.accounts import DownloadChoices
    from deskmail.engine.pop3.client import login_pop3, open_pop3
    from deskmail.engine.pop3.sync import sync_pop3
    from deskmail.engine.store import Store

    directory = Path(tempfile.mkdtemp(prefix="deskmail-bench-pop3-"))
    store = Store.open(directory / "store.sqlite3")
    idle = _peak_mb()
    started = time.perf_counter()
    server = ServerConfig(Protocol.POP3, ip, 995, Security.SSL, email)
    client = open_pop3(server, Settings(extra_ca=ca), timeout=600)
    login_pop3(client, email, PASSWORD)
    report = sync_pop3(client, store, DownloadChoices())
    elapsed = time.perf_counter() - started
    peak = _peak_mb()
    store.close()
    shutil.rmtree(directory, ignore_errors=True)
    return {"seconds": elapsed, "messages": report.folders[0].added, "idle_mb": idle, "peak_mb": peak}


def _peak_mb() -> float:
    """Peak resident memory of this process in MB: VmHWM (reset by exec, unlike ru_maxrss, which a
    child started from the big parent would inherit), ru_maxrss where there is no /proc."""
    status = Path("/proc/self/status")
    if status.exists():
        for line in status.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_child(ip: str, email: str, ca: Path) -> dict[str, Any]:
    out = subprocess.run(
        [sys.executable, __file__, "--child", ip, email, str(ca)], capture_output=True, text=True, cwd=REPO, check=False
    )
    if out.returncode:
        raise SystemExit(f"our download failed:\n{out.stderr}")
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


def big_message(megabytes: int) -> bytes:
    """One message with a `megabytes` MB attachment (base64 lines, as mail programs send it)."""
    rng = random.Random(5)
    payload = base64.encodebytes(rng.randbytes(megabytes * 1024 * 1024 * 3 // 4)).replace(b"\n", b"\r\n")
    head = (
        b"From: Big <big@example.test>\r\nTo: Alice <alice@example.test>\r\nSubject: the big one\r\n"
        b"Date: Mon, 01 Jan 2024 10:00:00 +0000\r\nMessage-ID: <big@gen.test>\r\nMIME-Version: 1.0\r\n"
        b'Content-Type: multipart/mixed; boundary="b"\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nSee attached.\r\n'
        b"--b\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n"
        b'Content-Disposition: attachment; filename="big.bin"\r\n\r\n'
    )
    return head + payload + b"--b--\r\n"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--child", nargs=3, metavar=("IP", "EMAIL", "CA"))
    args = parser.parse_args()
    if args.child:
        ip, email, ca = args.child
        print(json.dumps(child(ip, email, Path(ca))))
        return
    from mailgen import fill_maildir

    from tests.servers import procs
    from tests.servers.addresses import pick_block
    from tests.servers.certs import Certs
    from tests.servers.dovecot import MAIL_UID, Dovecot

    ip = pick_block().ip(2)
    directory = procs.public_tempdir("bench-pop3")
    certs = Certs(directory)
    mail_dir = directory / "dovecot"
    mail_dir.mkdir(mode=0o755, parents=True, exist_ok=True)
    mail_dir.chmod(0o755)
    server = Dovecot(ip, "pop.example.test", certs.issue(ip, "pop.example.test"), mail_dir)
    many, big = f"many{args.count}@example.test", "big@example.test"
    server.add_user(many, PASSWORD)
    server.add_user(big, PASSWORD)
    try:
        server.start()
        fill_maildir(server.maildir(many) / "cur", args.count, uid=MAIL_UID)
        server.put_message(big, big_message(BIG_MB))
        raw_poplib(ip, many, certs.ca_path)  # Dovecot builds its index and UIDL list on the first session
        raw_runs = [raw_poplib(ip, many, certs.ca_path) for _ in range(args.repeat)]
        raw = statistics.median(seconds for seconds, _ in raw_runs)
        ours_runs = [run_child(ip, many, certs.ca_path) for _ in range(args.repeat)]
        ours = statistics.median(r["seconds"] for r in ours_runs)
        assert all(r["messages"] == args.count for r in ours_runs), ours_runs
        big_raw, _ = raw_poplib(ip, big, certs.ca_path)
        big_ours = run_child(ip, big, certs.ca_path)
    finally:
        server.stop()
        procs.shutdown()
    print(
        f"\nmachine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}; Dovecot POP3 on loopback, TLS (995)"
    )
    print(
        "| messages | raw poplib RETR loop | deskmail download (stored, UIDL recorded) "
        "| ratio (goal <= 1.3) | peak RSS |"
    )
    print("|---|---|---|---|---|")
    peak = max(r["peak_mb"] for r in ours_runs)
    print(f"| {args.count:,} | {raw:.2f} s | {ours:.2f} s | {ours / raw:.2f} x | {peak:.0f} MB |")
    above = big_ours["peak_mb"] - big_ours["idle_mb"]
    print(
        f"\none {BIG_MB} MB message: deskmail {big_ours['seconds']:.2f} s (raw poplib {big_raw:.2f} s); "
        f"RSS idle {big_ours['idle_mb']:.0f} MB, peak {big_ours['peak_mb']:.0f} MB: "
        f"{above:.1f} MB above idle (goal < 30 MB)"
    )


if __name__ == "__main__":
    main()
