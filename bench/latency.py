"""Network latency for benchmarks, in the test-bed style: real sockets, added delay per answer.

- `DelayingDns`: a UDP forwarder in front of the bed's dnsmasq that answers each query `delay`
  late and rewrites A records so that clients connect to the delaying proxies below.
- `DelayingProxy`: one TCP relay per (real address, port) on a fresh bed address; every chunk
  the server sends reaches the client `delay` late (one round trip per request/answer).
- `delay_tcp_connect`: the client-side half of a TCP handshake (SYN -> SYN/ACK) costs `delay`;
  the kernel completes loopback handshakes at once, so this is added where Deskmail connects.
"""

from __future__ import annotations

import contextlib
import heapq
import socket
import threading
import time
from collections.abc import Callable, Iterator

import dns.message
import dns.rdatatype

from deskmail.net import stream


class DelayingDns:
    """Answers DNS queries on (ip, 53) `delay` seconds late, via the real server, rewriting A records."""

    def __init__(self, ip: str, upstream: tuple[str, int], rewrite: dict[str, str], delay: float) -> None:
        self.ip, self.upstream, self.rewrite, self.delay = ip, upstream, rewrite, delay
        self.queries = 0
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind((ip, 53))
        threading.Thread(target=self._serve, daemon=True, name="delaying-dns").start()

    @property
    def server(self) -> tuple[str, int]:
        return (self.ip, 53)

    def _serve(self) -> None:
        while True:
            try:
                data, client = self.sock.recvfrom(65535)
            except OSError:
                return
            self.queries += 1
            threading.Thread(target=self._answer, args=(data, client), daemon=True).start()

    def _answer(self, data: bytes, client: tuple[str, int]) -> None:
        started = time.monotonic()
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as up:
            up.settimeout(5)
            up.sendto(data, self.upstream)
            try:
                answer, _ = up.recvfrom(65535)
            except OSError:
                return
        answer = self._rewritten(answer)
        time.sleep(max(0.0, self.delay - (time.monotonic() - started)))
        with contextlib.suppress(OSError):
            self.sock.sendto(answer, client)

    def _rewritten(self, wire: bytes) -> bytes:
        message = dns.message.from_wire(wire)
        for rrset in message.answer:
            if rrset.rdtype == dns.rdatatype.A:
                for rdata in list(rrset):
                    if rdata.address in self.rewrite:
                        rrset.remove(rdata)
                        rrset.add(rdata.replace(address=self.rewrite[rdata.address]))
        return message.to_wire()

    def close(self) -> None:
        self.sock.close()


class DelayingProxy:
    """Relays TCP from (ip, port) to `upstream`; the server's bytes arrive `delay` late."""

    def __init__(self, ip: str, port: int, upstream: tuple[str, int], delay: float) -> None:
        self.upstream, self.delay = upstream, delay
        self.listener = socket.create_server((ip, port), reuse_port=False)
        threading.Thread(target=self._accept, daemon=True, name=f"proxy-{port}").start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            threading.Thread(target=self._relay, args=(client,), daemon=True).start()

    def _relay(self, client: socket.socket) -> None:
        try:
            server = socket.create_connection(self.upstream, timeout=5)
        except OSError:
            client.close()
            return
        server.settimeout(None)
        threading.Thread(target=_pump, args=(client, server, 0.0), daemon=True).start()
        _pump(server, client, self.delay)

    def close(self) -> None:
        self.listener.close()


def _pump(source: socket.socket, target: socket.socket, delay: float) -> None:
    """Copy bytes; each chunk is delivered `delay` after it was read (order kept)."""
    pending: list[tuple[float, int, bytes]] = []
    sequence = 0
    lock = threading.Condition()
    done = False

    def writer() -> None:
        while True:
            with lock:
                while not pending and not done:
                    lock.wait()
                if not pending and done:
                    break
                due, _, chunk = pending[0]
                wait = due - time.monotonic()
                if wait > 0:
                    lock.wait(wait)
                    continue
                heapq.heappop(pending)
            if not chunk:
                break
            try:
                target.sendall(chunk)
            except OSError:
                break
        with contextlib.suppress(OSError):
            target.shutdown(socket.SHUT_WR)

    thread = threading.Thread(target=writer, daemon=True)
    thread.start()
    while True:
        try:
            chunk = source.recv(65536)
        except OSError:
            chunk = b""
        with lock:
            heapq.heappush(pending, (time.monotonic() + delay, sequence, chunk))
            sequence += 1
            lock.notify()
        if not chunk:
            break
    with lock:
        done = True
        lock.notify()
    thread.join(timeout=10)


@contextlib.contextmanager
def delay_tcp_connect(delay: float) -> Iterator[None]:
    """Make every Deskmail TCP connect cost one round trip of `delay`."""
    original: Callable[..., socket.socket] = stream._connect

    def slow(*args: object, **kwargs: object) -> socket.socket:
        time.sleep(delay)
        return original(*args, **kwargs)

    stream._connect = slow  # type: ignore[assignment]
    try:
        yield
    finally:
        stream._connect = original  # type: ignore[assignment]
