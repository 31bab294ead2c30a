"""Discovery benchmark: every scenario of the integration tests, with and without added latency.

Run on demand from the repository root:  python bench/discovery.py [--delay 0.05] [--repeat 3]
(or `python -m bench.discovery`; needs root for the test bed's servers, like the integration tests).

It starts the real test bed (tests/servers), adds the scenarios (tests/integration/discovery_bed.py),
and puts a delaying DNS forwarder and delaying TCP proxies in front of it (bench/latency.py), so
that every DNS answer, every TCP handshake and every server answer costs one `delay`. Each
scenario runs once without and once with the delay; (wall_delayed - wall_plain) / delay is the
number of sequential round trips on the critical path. Prints a Markdown table.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from dataclasses import dataclass
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make the repository importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.latency import DelayingDns, DelayingProxy, delay_tcp_connect
from deskmail.core.cancel import CancelToken
from deskmail.core.settings import Settings
from deskmail.discovery import DiscoveryResult, discover, preload
from tests.integration import discovery_bed
from tests.servers.bed import Testbed

SCENARIOS = [
    ("bundled table (gmail.com)", "someone@gmail.com"),
    ("https autoconfig", "a@dm-autoconfig.test"),
    ("https .well-known", "a@dm-wellknown.test"),
    ("http autoconfig only", "a@dm-http.test"),
    ("ISPDB", "a@dm-ispdb.test"),
    ("MX -> bundled (Google)", "a@dm-mxgoogle.test"),
    ("MX -> Microsoft 365", "a@dm-m365.test"),
    ("MX -> hoster's autoconfig", "a@dm-mxhosted.test"),
    ("SRV", "a@dm-srv.test"),
    ("guess (probes)", f"alice@{discovery_bed.GUESS_DOMAIN}"),
    ("conflicting sources", "a@dm-conflict.test"),
    ("late autoconfig (+2 s)", "a@dm-late.test"),
    ("POP3 only (ISPDB)", "a@dm-pop3.test"),
    ("no such domain", "a@dm-nxdomain.test"),
    ("no mail servers", "a@dm-nomail.test"),
    ("refused ports", "a@dm-refused.test"),
    ("invalid certificate", "a@dm-badcert.test"),
    ("billion laughs", "a@dm-laughs.test"),
    ("10 MB XML", "a@dm-huge.test"),
    ("redirect loop", "a@dm-loop.test"),
    ("https -> http redirect", "a@dm-downgrade.test"),
    ("nothing answers (black hole)", "a@dm-slow.test"),
]
WEB_PORTS = (80, 443)
MAIL_PORTS = (993, 143, 465, 587)


@dataclass
class Row:
    name: str
    outcome: str
    source: str
    plain_ms: float
    delayed_ms: float
    network: str

    def round_trips(self, delay: float) -> str:
        if self.name.startswith("nothing answers"):
            return "-"  # both runs end at the deadline: there is no difference to measure
        return f"{max(0.0, self.delayed_ms - self.plain_ms) / 1000 / delay:.1f}"


def timed(email: str, settings: Settings) -> tuple[float, DiscoveryResult]:
    started = time.perf_counter()
    result = discover(email, settings=settings, cancel=CancelToken())
    return (time.perf_counter() - started) * 1000, result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--delay", type=float, default=0.05, help="added latency per answer (s)")
    parser.add_argument("--repeat", type=int, default=1, help="runs per scenario (median reported)")
    parser.add_argument("--only", default="", help="run scenarios whose name contains this")
    args = parser.parse_args(argv)
    bed = Testbed()
    try:
        return run(bed, args)
    finally:
        bed.stop()


def run(bed: Testbed, args: argparse.Namespace) -> int:
    discovery_bed.install(bed)
    rewrite: dict[str, str] = {}
    proxies = []
    for real, ports in [(bed.web_ips[0], WEB_PORTS), (bed.web_ips[1], WEB_PORTS), (bed.mail_ip, MAIL_PORTS)]:
        proxy_ip = bed.block.allocate()
        rewrite[real] = proxy_ip
        proxies += [DelayingProxy(proxy_ip, port, (real, port), args.delay) for port in ports]
    slow_dns = DelayingDns(bed.block.allocate(), bed.dns.server, rewrite, args.delay)
    plain = bed.settings
    delayed = Settings(dns_server=slow_dns.server, extra_ca=bed.ca_path, ispdb_url=bed.ispdb_url)
    rows = []
    for name, email in SCENARIOS:
        if args.only and args.only not in name:
            continue
        if not name.startswith("bundled"):
            preload(plain)  # what the wizard does while the user types (the bundled hit needs none of it)
        plain_times, delayed_times = [], []
        for _ in range(args.repeat):
            ms, _result = timed(email, plain)
            plain_times.append(ms)
            queries, requests = slow_dns.queries, len(bed.web.requests)
            with delay_tcp_connect(args.delay):
                ms, result = timed(email, delayed)
            delayed_times.append(ms)
            network = f"{slow_dns.queries - queries} DNS, {len(bed.web.requests) - requests} HTTP"
        best = result.candidates[0].source if result.candidates else "-"
        rows.append(
            Row(
                name,
                str(result.outcome),
                best,
                statistics.median(plain_times),
                statistics.median(delayed_times),
                network,
            )
        )
        print(f"  {name}: {rows[-1].delayed_ms:.0f} ms", file=sys.stderr)
    print_table(rows, args.delay)
    return 0


def print_table(rows: list[Row], delay: float) -> None:
    print(f"\n| scenario | outcome | winner | no delay | {delay * 1000:.0f} ms per answer | round trips | traffic |")
    print("|---|---|---|---:|---:|---:|---|")
    for row in rows:
        print(
            f"| {row.name} | {row.outcome} | {row.source} | {row.plain_ms:.0f} ms | {row.delayed_ms:.0f} ms "
            f"| {row.round_trips(delay)} | {row.network} |"
        )


if __name__ == "__main__":
    sys.exit(main())
