"""A private 127.A.B.0/24 block per test session, so parallel runs on one machine never collide."""

from __future__ import annotations

import fcntl
import os
import random
import socket
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

from tests.servers.procs import on_exit

LOCK_DIR = Path("/tmp/deskmail-testbed-locks")

# Host numbers inside the block, by role. Factories hand out addresses from FIRST_FREE upwards.
DNS = 1
MAIL = 2
BLACKHOLE = 3
REFUSED = 4
WEB = (10, 11, 12, 13, 14, 15)
FIRST_FREE = 20
LAST_FREE = 250
PROBE_PORTS = (53, 80, 143, 443, 465, 587, 993)


@dataclass
class Block:
    """The session's address block; `ip(n)` is 127.A.B.n, `allocate()` hands out an unused one."""

    a: int
    b: int
    _lock: int = -1
    _taken: set[int] = field(default_factory=set)

    def ip(self, n: int) -> str:
        if not 0 < n < 255:
            raise ValueError(f"host number {n} outside 1..254")
        return f"127.{self.a}.{self.b}.{n}"

    def allocate(self) -> str:
        """An unused address of the block for a factory-made server (give it back with `release`)."""
        for n in range(FIRST_FREE, LAST_FREE + 1):
            if n not in self._taken:
                self._taken.add(n)
                return self.ip(n)
        raise RuntimeError("test bed: address block exhausted")

    def release(self, ip: str) -> None:
        self._taken.discard(int(ip.rsplit(".", 1)[1]))

    @property
    def prefix(self) -> str:
        return f"127.{self.a}.{self.b}."


def _ports_free(ip: str) -> bool:
    for port in PROBE_PORTS:
        for kind in (socket.SOCK_STREAM, socket.SOCK_DGRAM):
            with socket.socket(socket.AF_INET, kind) as sock:
                try:
                    sock.bind((ip, port))
                except OSError:
                    return False
    return True


def pick_block(rng: random.Random | None = None) -> Block:
    """Lock a random unused block (a lock file per block) whose standard ports are bindable."""
    rng = rng or random.SystemRandom()
    LOCK_DIR.mkdir(mode=0o777, exist_ok=True)
    for _ in range(200):
        a, b = rng.randint(1, 254), rng.randint(0, 255)
        fd = os.open(LOCK_DIR / f"127.{a}.{b}", os.O_CREAT | os.O_RDWR, 0o666)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            continue
        block = Block(a, b, fd)
        if all(_ports_free(block.ip(n)) for n in (DNS, MAIL, BLACKHOLE, REFUSED, WEB[0])):
            on_exit(partial(os.close, fd))
            return block
        os.close(fd)
    raise RuntimeError("test bed: found no free 127.A.B.0/24 block (are we root? is loopback 127.0.0.0/8?)")
