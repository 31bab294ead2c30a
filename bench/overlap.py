"""Benchmark: the keyring asked while the connection opens, on a network with round trips.

A private Dovecot (Maildir, TLS on 993) and gnome-keyring (private D-Bus), as bench/scale.py; one
small account synced once, then the no-change `deskmail sync ACCOUNT` (whole process) minus a
process that does no network (`deskmail --version`), directly on loopback and through a relay that
delivers every chunk the server sends `--rtt` late (bench/latency.py: one round trip per answer;
nothing is changed on the machine's own network, so others' tests keep their speed).

With `--baseline DIR` (a checkout of the code before, e.g. `git archive main | tar -x -C DIR`) the
same runs alternate between that code and this one, in one run, on the same store and servers.
Then the account runtime's new logged-in IMAP connection (the window's every connect) in a process
of each code. Beside them: the protocol's own cost (a bare TLS socket: handshake, greeting, LOGIN,
LOGOUT) and what the keyring's answer costs (in this process, the backend already found).

    python bench/overlap.py --baseline /tmp/deskmail-before --rtt 0.05 --repeat 10
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

from scale import PASSWORD, ms, settings_document, timed_process  # noqa: E402

MESSAGES = 200
RELAY_PORT = 1993


def using(tree: Path, env: dict[str, str]) -> dict[str, str]:
    """The environment of a process running `tree`'s code (-m and -c put the working directory first)."""
    return {**env, "PYTHONPATH": str(tree), "PYTHONSAFEPATH": "1"}


def deskmail_in(tree: Path, env: dict[str, str], *args: str) -> float:
    """Seconds of one whole `deskmail` process run from `tree`'s code."""
    return timed_process([sys.executable, "-m", "deskmail", *args], using(tree, env))[0]


def add_account(email: str, ip: str, port: int, env: dict[str, str], home: Path) -> None:
    document = settings_document(email, ip)
    document["candidates"][0]["incoming"]["port"] = port
    config = home / f"{email}.json"
    config.write_text(json.dumps(document))
    add = ("account", "add", "--config", str(config), "--password-stdin", "--no-check")
    subprocess.run(
        [sys.executable, "-m", "deskmail", *add],
        env=env,
        input=PASSWORD + "\n",
        text=True,
        check=True,
        capture_output=True,
    )


def protocol_cost(ip: str, port: int, email: str, ca: Path) -> float:
    """TCP, TLS, greeting, LOGIN and LOGOUT on a bare socket: the round trips any client pays."""
    import socket

    from deskmail.net.tls import client_context

    started = time.perf_counter()
    with client_context(extra_ca=ca).wrap_socket(socket.create_connection((ip, port)), server_hostname=ip) as sock:
        reader = sock.makefile("rb")
        reader.readline()
        sock.sendall(f'a LOGIN "{email}" "{PASSWORD}"\r\n'.encode())
        while not reader.readline().startswith(b"a "):
            pass
        sock.sendall(b"b LOGOUT\r\n")
        while not reader.readline().startswith(b"b "):
            pass
    return time.perf_counter() - started


def keyring_cost(email: str, repeat: int) -> float:
    """One password from the keyring (backend found before), as every connection of a sync asks it."""
    from deskmail.engine.credentials import Credentials

    credentials = Credentials()
    credentials.backend()
    runs = []
    for _ in range(repeat):
        started = time.perf_counter()
        assert credentials.get(email) == PASSWORD
        runs.append(time.perf_counter() - started)
    return statistics.median(runs)


# Run with PYTHONPATH set to the tree measured: the account runtime's new logged-in IMAP connection
# (the window's every connect: keyring, TCP, TLS, greeting, LOGIN), after one that found the keyring.
CONNECT_CHILD = """
import json, statistics, sys, time
from deskmail.core.cancel import NEVER
from deskmail.core.settings import Settings
from deskmail.engine.accounts import AccountStore
from deskmail.engine.connect import close_quietly
from deskmail.engine.credentials import Credentials
from deskmail.engine.paths import Paths
from deskmail.engine.runtime import AccountRuntime

settings = Settings.from_env()
paths = Paths.from_settings(settings)
runtime = AccountRuntime(AccountStore(paths).get(sys.argv[1]), paths, settings, Credentials())
close_quietly(runtime.imap_client(NEVER))
runs = []
for _ in range(int(sys.argv[2])):
    started = time.perf_counter()
    client = runtime.imap_client(NEVER)
    runs.append(time.perf_counter() - started)
    close_quietly(client)
print(json.dumps(statistics.median(runs)))
"""


def runtime_connect(tree: Path, env: dict[str, str], email: str, repeat: int) -> float:
    """Median seconds of the account runtime's new logged-in connection, with `tree`'s code."""
    command = [sys.executable, "-c", CONNECT_CHILD, email, str(repeat)]
    done = subprocess.run(command, env=using(tree, env), capture_output=True, text=True, check=True)
    return float(json.loads(done.stdout.splitlines()[-1]))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--baseline", type=Path, help="a checkout of the code to compare with")
    parser.add_argument("--rtt", type=float, default=0.05, help="seconds each server answer is delayed")
    parser.add_argument("--repeat", type=int, default=10)
    parser.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir()) / "deskmail-bench-overlap")
    args = parser.parse_args()

    from latency import DelayingProxy
    from mailgen import fill_maildir

    from tests.servers import procs
    from tests.servers.addresses import pick_block
    from tests.servers.certs import Certs
    from tests.servers.dovecot import MAIL_UID, Dovecot
    from tests.servers.keyrings import KeyringService

    trees = {"this code": REPO}
    if args.baseline is not None:
        trees = {"baseline": args.baseline.resolve(), **trees}
    for tree in trees.values():  # installed Deskmail has its bytecode compiled: measure that, not the compiler
        subprocess.run([sys.executable, "-m", "compileall", "-q", str(tree / "deskmail")], check=True)
    ip = pick_block().ip(2)
    certs = Certs(procs.public_tempdir("overlap"))
    args.cache.mkdir(mode=0o755, parents=True, exist_ok=True)
    args.cache.chmod(0o755)
    server = Dovecot(ip, "imap.example.test", certs.issue(ip, "imap.example.test"), args.cache)
    keyring = KeyringService(procs.public_tempdir("overlap-keyring"))
    home = Path(tempfile.mkdtemp(prefix="deskmail-overlap-home-"))
    relay = None
    try:
        keyring.start()
        env = {
            **os.environ,
            **keyring.env,
            "DESKMAIL_EXTRA_CA": str(certs.ca_path),
            "DESKMAIL_HOME": str(home),
            "PYTHONPATH": str(REPO),
        }
        env.pop("PYTHON_KEYRING_BACKEND", None)
        os.environ.update(keyring.env)  # this process's keyring too (keyring_cost)
        relay = DelayingProxy(ip, RELAY_PORT, (ip, 993), args.rtt)
        accounts = {"loopback": "direct@example.test", f"+{args.rtt * 1000:.0f} ms per answer": "relayed@example.test"}
        ports = dict(zip(accounts, (993, RELAY_PORT), strict=True))
        for address in accounts.values():
            server.add_user(address, PASSWORD)
            if not (server.home(address) / "generated").exists():
                fill_maildir(server.maildir(address) / "cur", MESSAGES, uid=MAIL_UID)
                (server.home(address) / "generated").touch()
        server.start()
        for network, address in accounts.items():
            add_account(address, ip, ports[network], env, home)
            deskmail_in(REPO, env, "sync", address)  # the first sync: what follows is the no-change one
        runs: dict[tuple[str, str], list[float]] = {}
        nonet: dict[str, list[float]] = {name: [] for name in trees}
        for round_ in range(args.repeat):
            order = list(trees.items()) if round_ % 2 == 0 else list(reversed(trees.items()))
            for name, tree in order:
                nonet[name].append(deskmail_in(tree, env, "--version"))
                for network, address in accounts.items():
                    runs.setdefault((name, network), []).append(deskmail_in(tree, env, "sync", address))
        connects: dict[tuple[str, str], list[float]] = {}
        for round_ in range(3):
            order = list(trees.items()) if round_ % 2 == 0 else list(reversed(trees.items()))
            for name, tree in order:
                for network, address in accounts.items():
                    connects.setdefault((name, network), []).append(runtime_connect(tree, env, address, args.repeat))
        raw = {
            network: statistics.median(protocol_cost(ip, ports[network], address, certs.ca_path) for _ in range(5))
            for network, address in accounts.items()
        }
        looked_up = keyring_cost(accounts["loopback"], args.repeat)
    finally:
        if relay is not None:
            relay.close()
        server.stop()
        keyring.stop()
        procs.shutdown()

    print(f"\n{os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}; {args.repeat} alternating runs each")
    print(f"keyring: one password asked (backend found before): {looked_up * 1000:.0f} ms")

    def added(name: str, network: str, pick: Callable[[list[float]], float]) -> float:
        return pick(runs[name, network]) - pick(nonet[name])

    print("| no-change `deskmail sync` minus `deskmail --version`: median (min) | " + " | ".join(accounts) + " |")
    print("|---|" + "---|" * len(accounts))
    for name in trees:
        cells = [f"{ms(added(name, n, statistics.median))} ({ms(added(name, n, min))})" for n in accounts]
        print(f"| {name} | " + " | ".join(cells) + " |")
    if len(trees) == 2:
        saved = [
            f"{ms(statistics.median(runs['baseline', n]) - statistics.median(runs['this code', n]))} "
            f"({ms(min(runs['baseline', n]) - min(runs['this code', n]))})"
            for n in accounts
        ]
        print("| baseline minus this code | " + " | ".join(saved) + " |")
        # Runs side by side in time (the order flips every round): the machine's load drifts less between them.
        paired = [
            ms(statistics.median(b - t for b, t in zip(runs["baseline", n], runs["this code", n], strict=True)))
            for n in accounts
        ]
        print("| ... the same, median of the differences run by run | " + " | ".join(paired) + " |")
    print(
        "\n| the window's new logged-in IMAP connection (AccountRuntime.imap_client), median of 3 medians | "
        + " | ".join(accounts)
        + " |"
    )
    print("|---|" + "---|" * len(accounts))
    for name in trees:
        print(f"| {name} | " + " | ".join(ms(statistics.median(connects[name, n])) for n in accounts) + " |")
    costs = " | ".join(ms(raw[n]) for n in accounts)
    print(f"| the protocol alone (TLS, greeting, LOGIN, LOGOUT on a bare socket), median | {costs} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
