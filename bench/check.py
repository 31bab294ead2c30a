"""Connection check benchmark: `check_account` (IMAP + SMTP) against the raw lower bound.

Run from the repository root:  python bench/check.py [--repeat 20]   (root, like the integration tests)

It starts the real test bed (tests/servers) and, in the same run, times for each security mode:
- raw: imaplib / smtplib connect + TLS + login + logout/quit (no DNS, no LIST, no facts), both
  servers at the same time in two threads, as the check does; and the sum of both one after the other;
- deskmail: `check_account` (DNS, verified TLS, certificate facts, login, LIST, LOGOUT, QUIT).
Runs alternate (raw, deskmail, raw, ...) so drift hits both; prints medians and the ratio (target <= 1.3).
"""

from __future__ import annotations

import argparse
import imaplib
import smtplib
import ssl
import statistics
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make the repository importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from deskmail.core.cancel import CancelToken
from deskmail.core.serverconfig import Candidate, Protocol, Provider, Security, ServerConfig
from deskmail.engine.validate import check_account
from tests.servers.bed import Testbed


def raw_imap(bed: Testbed, context: ssl.SSLContext, security: Security) -> None:
    if security is Security.SSL:
        imap: imaplib.IMAP4 = imaplib.IMAP4_SSL(bed.mail_ip, 993, ssl_context=context)
    else:
        imap = imaplib.IMAP4(bed.mail_ip, 143)
        imap.starttls(context)
    imap.login(bed.user, bed.password)
    imap.logout()


def raw_smtp(bed: Testbed, context: ssl.SSLContext, security: Security) -> None:
    local = "[127.0.0.1]"
    if security is Security.SSL:
        smtp: smtplib.SMTP = smtplib.SMTP_SSL(bed.mail_ip, 465, local_hostname=local, context=context)
    else:
        smtp = smtplib.SMTP(bed.mail_ip, 587, local_hostname=local)
        smtp.starttls(context=context)
    smtp.login(bed.user, bed.password)
    smtp.quit()


def in_parallel(*jobs: Callable[[], None]) -> None:
    threads = [threading.Thread(target=job) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def candidate(bed: Testbed, security: Security) -> Candidate:
    ssl_ = security is Security.SSL
    return Candidate(
        "bench",
        "",
        True,
        "bench",
        Provider("example.test", "Example"),
        ServerConfig(Protocol.IMAP, bed.mail.host, 993 if ssl_ else 143, security, "%EMAILADDRESS%"),
        ServerConfig(Protocol.SMTP, bed.smtp.host, 465 if ssl_ else 587, security, "%EMAILADDRESS%"),
    )


def timed(fn: Callable[[], object]) -> float:
    started = time.perf_counter()
    fn()
    return (time.perf_counter() - started) * 1000


def bench(bed: Testbed, security: Security, repeat: int) -> dict[str, float]:
    context = ssl.create_default_context(cafile=str(bed.ca_path))
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    cand = candidate(bed, security)

    def ours() -> None:
        report = check_account(cand, bed.user, bed.password, settings=bed.settings, cancel=CancelToken())
        assert report.ok, report.to_json()

    def raw_parallel() -> None:
        in_parallel(lambda: raw_imap(bed, context, security), lambda: raw_smtp(bed, context, security))

    def raw_sequential() -> None:
        raw_imap(bed, context, security)
        raw_smtp(bed, context, security)

    for fn in (ours, raw_parallel, raw_sequential):  # warm-up: imports, Dovecot auth workers
        fn()
    samples: dict[str, list[float]] = {"raw_parallel": [], "raw_sequential": [], "deskmail": []}
    for _ in range(repeat):
        samples["raw_parallel"].append(timed(raw_parallel))
        samples["deskmail"].append(timed(ours))
        samples["raw_sequential"].append(timed(raw_sequential))
    return {name: statistics.median(values) for name, values in samples.items()}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    bed = Testbed()
    try:
        print(f"median of {args.repeat}, milliseconds, loopback test bed (Dovecot + aiosmtpd)")
        print("| security | raw parallel | raw sequential | deskmail check | ratio (vs raw parallel) |")
        print("|---|---|---|---|---|")
        for security in (Security.SSL, Security.STARTTLS):
            m = bench(bed, security, args.repeat)
            ratio = m["deskmail"] / m["raw_parallel"]
            print(
                f"| {security} | {m['raw_parallel']:.1f} | {m['raw_sequential']:.1f} | {m['deskmail']:.1f} "
                f"| {ratio:.2f} |"
            )
    finally:
        bed.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
