"""A TCP proxy between Deskmail and a real server of the bed, breaking the connection on cue.

    proxy = fault_proxy(testbed.mail.ip, 993)        # listens on a fresh address, same port
    proxy.fault = Fault("down", after=0, action="cut")  # close once the server has sent 0 more bytes
    ... connect to proxy.host (vN.example.test, covered by the bed's certificates) ...

A fault applies to each new connection (`.fault = None`: forward faithfully). Directions: "up" is
Deskmail -> server, "down" server -> Deskmail; `after` counts bytes of that direction. Actions:
  "cut"   close both sides after `after` bytes (a FIN: what a dropped connection looks like to a reader);
  "rst"   the same with SO_LINGER 0, so Deskmail's socket gets a reset;
  "stall" forward nothing more in either direction and keep the connection open (a dead network).
`proxy.stall_connects()` makes new TCP connections hang in the handshake (the accept queue is
full and the kernel drops further SYNs): a stall while connecting. `.connections` counts accepts.
"""

from __future__ import annotations

import contextlib
import socket
import struct
import threading
from dataclasses import dataclass
from typing import Literal

Direction = Literal["up", "down"]
Action = Literal["cut", "rst", "stall"]


@dataclass(frozen=True)
class Fault:
    direction: Direction
    after: int
    action: Action = "cut"
    skip: int = 0  # leave this many connections alone first (e.g. break only the second one)


class FaultProxy:
    def __init__(self, ip: str, port: int, target: tuple[str, int], host: str) -> None:
        self.ip, self.port, self.target, self.host = ip, port, target, host
        self.fault: Fault | None = None
        self.connections = 0
        self._lock = threading.Lock()
        self._open: list[socket.socket] = []
        self._states: list[_State] = []
        self.last: _State | None = None  # the newest connection (`.counted` bytes per direction so far)
        self._closed = threading.Event()
        self._fillers: list[socket.socket] = []
        self.siblings: list[FaultProxy] = []  # proxies of the same address on other ports (fixture)
        self.listener = socket.create_server((ip, port), backlog=16)
        self._thread = threading.Thread(target=self._serve, name=f"fault-proxy-{ip}:{port}", daemon=True)
        self._thread.start()

    # -- control

    def stall_connects(self) -> None:
        """From now on a TCP connect to the proxy never completes (until `close`)."""
        _close_listener(self.listener)
        self.listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind((self.ip, self.port))
        self.listener.listen(0)  # never accepted: once the queue holds its one connection, SYNs are dropped
        for _ in range(3):
            filler = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            filler.setblocking(False)
            with contextlib.suppress(BlockingIOError, OSError):
                filler.connect((self.ip, self.port))
            self._fillers.append(filler)

    def break_open(self) -> None:
        """Reset every connection open now (new ones follow `.fault`)."""
        for state in list(self._states):
            if not state.done.is_set():
                state._close_both(reset=True)

    def close(self) -> None:
        self._closed.set()
        _close_listener(self.listener)
        for state in self._states:
            state.done.set()
        for sock in [*self._fillers, *self._open]:
            with contextlib.suppress(OSError):
                sock.close()

    # -- forwarding

    def _serve(self) -> None:
        listener = self.listener
        while not self._closed.is_set():
            try:
                client, _ = listener.accept()
            except OSError:
                if self.listener is listener:
                    return
                return  # replaced by stall_connects: nothing is accepted any more
            with self._lock:
                number = self.connections
                self.connections += 1
            fault = self.fault if self.fault is not None and number >= self.fault.skip else None
            threading.Thread(target=self._connection, args=(client, fault), daemon=True).start()

    def _connection(self, client: socket.socket, fault: Fault | None) -> None:
        try:
            server = socket.create_connection(self.target, timeout=10)
        except OSError:
            client.close()
            return
        server.settimeout(None)
        self._open += [client, server]
        state = _State(client, server, fault)
        self._states.append(state)
        self.last = state
        up = threading.Thread(target=state.pump, args=(client, server, "up"), daemon=True)
        up.start()
        state.pump(server, client, "down")
        up.join()


class _State:
    """One proxied connection: both pumps share the fault's progress."""

    def __init__(self, client: socket.socket, server: socket.socket, fault: Fault | None) -> None:
        self.client, self.server, self.fault = client, server, fault
        self.done = threading.Event()
        self.stalled = threading.Event()
        self.counted = {"up": 0, "down": 0}

    def pump(self, source: socket.socket, sink: socket.socket, direction: Direction) -> None:
        try:
            while not self.done.is_set():
                data = source.recv(65536)
                if not data or self.stalled.is_set():
                    if self.stalled.is_set():
                        self.done.wait()  # a stalled connection keeps its sockets open, silent
                    break
                fault = self.fault
                if fault is not None and fault.direction == direction:
                    room = fault.after - self.counted[direction]
                    if len(data) >= room:
                        if room > 0:
                            sink.sendall(data[:room])
                        self.counted[direction] += max(room, 0)
                        self._trip(fault.action)
                        return
                self.counted[direction] += len(data)
                sink.sendall(data)
        except OSError:
            pass
        finally:
            if not self.stalled.is_set():
                self._close_both(reset=False)

    def _trip(self, action: Action) -> None:
        if action == "stall":
            self.stalled.set()
            self.done.wait()
            return
        self._close_both(reset=action == "rst")

    def _close_both(self, *, reset: bool) -> None:
        self.done.set()
        for sock in (self.client, self.server):
            if reset:
                with contextlib.suppress(OSError):
                    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            # Wake the other pump blocked in recv() on this socket (else close() waits for it):
            # SHUT_RD sends nothing, so a reset still goes out as RST; a cut also sends its FIN now.
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RD if reset else socket.SHUT_RDWR)
            with contextlib.suppress(OSError):
                sock.close()


def _close_listener(listener: socket.socket) -> None:
    """Stop listening now: shutdown wakes the thread blocked in accept(), which else keeps the port bound."""
    with contextlib.suppress(OSError):
        listener.shutdown(socket.SHUT_RDWR)
    with contextlib.suppress(OSError):
        listener.close()
