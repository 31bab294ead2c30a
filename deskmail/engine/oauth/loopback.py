"""The loopback redirect listener of RFC 8252 7.3: the browser brings the authorization code here.

A tiny http.server on 127.0.0.1 with a port the system picks, served from one thread. It answers the
browser with a plain page, ignores requests that carry no OAuth answer (favicon, prefetch), and stops
after the first one that does. `wait()` honours the cancel token and a time limit.
"""

from __future__ import annotations

import html
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, HTTPServer
from types import TracebackType
from urllib.parse import parse_qs, urlsplit

from deskmail.core.cancel import Cancelled, CancelToken
from deskmail.core.i18n import N_, _, is_right_to_left

CALLBACK_PATH = "/"
_DONE_PAGE = N_("You are signed in. You can close this window and go back to Deskmail.")
_FAILED_PAGE = N_("The sign-in did not finish. You can close this window and go back to Deskmail.")


@dataclass(frozen=True)
class Redirect:
    """The query of the request that came back: code + state, or error (+ description)."""

    code: str
    state: str
    error: str
    error_description: str

    def __repr__(self) -> str:  # never show the code
        return f"Redirect(state_len={len(self.state)}, error={self.error!r})"


class _Server(HTTPServer):
    listener: LoopbackListener


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    timeout = 5.0  # a connection that never sends its request must not hold the only thread

    def do_GET(self) -> None:
        parts = urlsplit(self.path)
        query = {k: v[0] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
        if parts.path != CALLBACK_PATH or not ({"code", "error"} & query.keys()):
            self._answer(404, "Not found.")
            return
        redirect = Redirect(
            query.get("code", ""), query.get("state", ""), query.get("error", ""), query.get("error_description", "")
        )
        accepted = self.server.listener._accept(redirect)
        self._answer(200 if accepted and not redirect.error else 400, _DONE_PAGE if accepted else _FAILED_PAGE)

    def _answer(self, status: int, text: str) -> None:
        direction = "rtl" if is_right_to_left() else "ltr"
        body = (
            f"<!doctype html><html dir='{direction}'><head><meta charset='utf-8'><title>Deskmail</title></head>"
            f"<body style='font-family:sans-serif;margin:3em'><p>{html.escape(_(text))}</p></body></html>"
        ).encode()
        self.send_response(status)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass  # the request line holds the authorization code: never log it


class LoopbackListener:
    """Listens on 127.0.0.1:<random port>; `redirect_uri` goes into the authorization request."""

    def __init__(self, expected_state: str, host: str = "127.0.0.1") -> None:
        self._expected_state = expected_state
        self._server = _Server((host, 0), _Handler)
        self._server.listener = self
        self._server.timeout = 0.2
        self._done = threading.Event()
        self._stop = threading.Event()
        self._result: Redirect | None = None
        self._thread = threading.Thread(target=self._serve, name="oauth-loopback", daemon=True)

    @property
    def redirect_uri(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}{CALLBACK_PATH}"

    def __enter__(self) -> LoopbackListener:
        self._thread.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def close(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(2.0)
        self._server.server_close()

    def wait(self, cancel: CancelToken, timeout: float) -> Redirect | None:
        """The browser's answer, or None after `timeout` seconds; raises Cancelled when cancelled."""
        deadline = cancel.child(timeout)
        while not self._done.wait(0.05):
            if cancel.cancelled:
                raise Cancelled()
            if deadline.cancelled:
                return None
        return self._result

    def _accept(self, redirect: Redirect) -> bool:
        """Keep the first answer; a state that is not ours is still the end of this sign-in (refused)."""
        if self._done.is_set():
            return False
        self._result = redirect
        self._done.set()
        return redirect.state == self._expected_state

    def _serve(self) -> None:
        while not self._stop.is_set() and not self._done.is_set():
            self._server.handle_request()
