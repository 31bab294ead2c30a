"""A TCP proxy on loopback between Deskmail and a real server that can cut the connection after N
bytes from the server (TLS passes through untouched), and counts what went through."""

from __future__ import annotations

import contextlib
import socket
import threading
from collections.abc import Iterator


class CutProxy:
    """Forwards 127.0.0.1:`port` to `upstream`; `cut_after` (server-to-client bytes, per connection)
    closes both sides at that point. `received` counts server-to-client bytes over all connections."""

    def __init__(self, upstream: tuple[str, int]) -> None:
        self.upstream = upstream
        self.cut_after: int | None = None
        self.received = 0
        self.cuts = 0
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True).start()

    def close(self) -> None:
        self._listener.close()
        with self._lock:
            for sock in self._sockets:
                _close(sock)

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            server = socket.create_connection(self.upstream, timeout=10)
            with self._lock:
                self._sockets += [client, server]
            budget = [self.cut_after]
            threading.Thread(target=self._pipe, args=(client, server, None), daemon=True).start()
            threading.Thread(target=self._pipe, args=(server, client, budget), daemon=True).start()

    def _pipe(self, source: socket.socket, sink: socket.socket, budget: list[int | None] | None) -> None:
        try:
            while data := source.recv(65536):
                if budget is not None and budget[0] is not None:
                    data = data[: budget[0]]
                    budget[0] -= len(data)
                if budget is not None:
                    with self._lock:
                        self.received += len(data)
                sink.sendall(data)
                if budget is not None and budget[0] == 0:
                    self.cuts += 1
                    break  # the network goes away here, in the middle of whatever was being said
        except OSError:
            pass
        _close(source)
        _close(sink)


def _close(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)
    with contextlib.suppress(OSError):
        sock.close()


@contextlib.contextmanager
def cut_proxy(upstream: tuple[str, int]) -> Iterator[CutProxy]:
    proxy = CutProxy(upstream)
    try:
        yield proxy
    finally:
        proxy.close()
