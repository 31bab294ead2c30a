"""A real OAuth2 authorization server on one bed address (HTTPS 443, test-CA certificate).

Endpoints: GET /authorize (auto-approves: the test's "browser" is a plain HTTP client following the
URL), POST /token (authorization_code with PKCE S256, refresh_token), POST /introspect (RFC 7662,
what Dovecot's oauth2 passdb asks), GET /userinfo (Bearer). Knobs for tests: `access_lifetime`,
`approve_as`, `deny`, `state_override`, `expire_access_tokens()`, `revoke(email)`; counters in `stats`.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import ssl
import threading
import time
from collections import Counter
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlsplit

from tests.servers import procs
from tests.servers.certs import CertFiles

CLIENT_ID = "deskmail-test-client"
SCOPE = "mail"


@dataclass
class _Code:
    client_id: str
    redirect_uri: str
    challenge: str
    user: str
    expires: float


@dataclass
class _Grant:
    user: str
    client_id: str
    revoked: bool = False


class OAuthServer:
    """Issues codes, access tokens (opaque, `access_lifetime` s) and refresh tokens for `users`."""

    def __init__(self, ip: str, host: str, cert: CertFiles, directory: Path, name: str = "oauth") -> None:
        self.ip = ip
        self.host = host
        self.cert = cert
        self.users: set[str] = set()
        self.clients: set[str] = {CLIENT_ID}
        self.access_lifetime = 3600.0
        self.approve_as: str | None = None  # sign in as this user instead of the login_hint
        self.deny = False  # the user clicks "No": error=access_denied
        self.state_override: str | None = None  # send this state back (a forged redirect)
        self.stats: Counter[str] = Counter()
        self.log = procs.register_log(name, directory / f"{name}.log")
        self._codes: dict[str, _Code] = {}
        self._access: dict[str, tuple[str, float]] = {}  # token -> (user, expires at)
        self._refresh: dict[str, _Grant] = {}
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None

    # --- for tests ---------------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        return f"https://{self.host}"

    @property
    def ip_url(self) -> str:
        return f"https://{self.ip}"

    def block(self) -> dict[str, str]:
        """The provider's OAuth2 settings as an autoconfig <oAuth2> block / providers.json entry reads."""
        return {
            "issuer": self.host,
            "auth_url": f"{self.base_url}/authorize",
            "token_url": f"{self.base_url}/token",
            "scope": SCOPE,
        }

    def expire_access_tokens(self) -> None:
        """Every access token issued so far stops working (as if an hour had passed)."""
        with self._lock:
            self._access = {t: (u, 0.0) for t, (u, _) in self._access.items()}

    def revoke(self, user: str) -> None:
        """The user withdrew Deskmail's access: refresh and access tokens stop working."""
        with self._lock:
            for grant in self._refresh.values():
                if grant.user == user:
                    grant.revoked = True
            self._access = {t: v for t, v in self._access.items() if v[0] != user}

    def refresh_tokens(self, user: str) -> list[str]:
        with self._lock:
            return [t for t, g in self._refresh.items() if g.user == user and not g.revoked]

    def introspect(self, token: str) -> dict[str, object]:
        """RFC 7662: {"active": bool, "username": ..., "exp": ...}."""
        self.stats["introspect"] += 1
        with self._lock:
            entry = self._access.get(token)
        if entry is None or entry[1] <= time.time():
            return {"active": False}
        user, expires = entry
        return {"active": True, "username": user, "email": user, "scope": SCOPE, "exp": int(expires)}

    # --- endpoints ---------------------------------------------------------------------------

    def authorize(self, query: dict[str, str]) -> tuple[int, dict[str, str], bytes]:
        self.stats["authorize"] += 1
        redirect_uri = query.get("redirect_uri", "")
        if query.get("client_id") not in self.clients:
            return 400, {}, b"unknown client_id"
        if not redirect_uri.startswith(("http://127.0.0.1:", "http://[::1]:")):
            return 400, {}, b"redirect_uri must be a loopback address (RFC 8252)"
        if query.get("code_challenge_method") != "S256" or len(query.get("code_challenge", "")) != 43:
            return 400, {}, b"PKCE S256 required"
        state = self.state_override if self.state_override is not None else query.get("state", "")
        if self.deny:
            answer = {"error": "access_denied", "state": state}
        else:
            user = self.approve_as or query.get("login_hint", "")
            if user not in self.users:
                return 403, {}, b"no such user"
            code = secrets.token_urlsafe(24)
            with self._lock:
                self._codes[code] = _Code(
                    query["client_id"], redirect_uri, query["code_challenge"], user, time.time() + 60
                )
            answer = {"code": code, "state": state}
        return 302, {"Location": f"{redirect_uri}?{urlencode(answer)}"}, b""

    def token(self, form: dict[str, str]) -> tuple[int, dict[str, object]]:
        grant_type = form.get("grant_type")
        self.stats[f"token:{grant_type}"] += 1
        if form.get("client_id") not in self.clients:
            return 401, {"error": "invalid_client"}
        if grant_type == "authorization_code":
            return self._code_grant(form)
        if grant_type == "refresh_token":
            with self._lock:
                grant = self._refresh.get(form.get("refresh_token", ""))
            if grant is None or grant.revoked or grant.client_id != form["client_id"]:
                return 400, {"error": "invalid_grant", "error_description": "refresh token revoked or unknown"}
            return 200, self._issue(grant.user, refresh_token=None)
        return 400, {"error": "unsupported_grant_type"}

    def _code_grant(self, form: dict[str, str]) -> tuple[int, dict[str, object]]:
        with self._lock:
            code = self._codes.pop(form.get("code", ""), None)  # single use (RFC 6749 4.1.2)
        if code is None or code.expires < time.time() or code.client_id != form["client_id"]:
            return 400, {"error": "invalid_grant", "error_description": "unknown or used code"}
        if form.get("redirect_uri") != code.redirect_uri:
            return 400, {"error": "invalid_grant", "error_description": "redirect_uri differs"}
        verifier = form.get("code_verifier", "")
        digest = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
        if not secrets.compare_digest(digest, code.challenge):
            return 400, {"error": "invalid_grant", "error_description": "PKCE verification failed"}
        refresh_token = secrets.token_urlsafe(32)
        with self._lock:
            self._refresh[refresh_token] = _Grant(code.user, code.client_id)
        return 200, self._issue(code.user, refresh_token)

    def _issue(self, user: str, refresh_token: str | None) -> dict[str, object]:
        access = "at-" + secrets.token_urlsafe(32)
        with self._lock:
            self._access[access] = (user, time.time() + self.access_lifetime)
        out: dict[str, object] = {
            "access_token": access,
            "token_type": "Bearer",
            "expires_in": int(self.access_lifetime),
            "scope": SCOPE,
        }
        if refresh_token:
            out["refresh_token"] = refresh_token
        return out

    # --- process -----------------------------------------------------------------------------

    def start(self) -> OAuthServer:
        context = self.cert.server_context()
        server = _Server((self.ip, 443), _handler_class(self))
        server.socket = context.wrap_socket(server.socket, server_side=True, do_handshake_on_connect=False)
        threading.Thread(target=server.serve_forever, args=(0.05,), name=f"oauth-{self.ip}", daemon=True).start()
        self._server = server
        procs.on_exit(self.stop)
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def _record(self, line: str) -> None:
        with self.log.open("a") as log:
            log.write(f"{time.strftime('%H:%M:%S')} {line}\n")


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def handle_error(self, request: object, client_address: object) -> None:
        pass


def _handler_class(oauth: OAuthServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        timeout = 10

        def setup(self) -> None:
            assert isinstance(self.request, ssl.SSLSocket)
            self.request.do_handshake()
            super().setup()

        def do_GET(self) -> None:
            parts = urlsplit(self.path)
            query = {k: v[0] for k, v in parse_qs(parts.query).items()}
            if parts.path == "/authorize":
                status, headers, body = oauth.authorize(query)
                self._send(status, body, headers, "text/plain")
            elif parts.path == "/userinfo":
                token = (self.headers.get("Authorization") or "").removeprefix("Bearer ").strip()
                info = oauth.introspect(token)
                self._json(200 if info["active"] else 401, info)
            else:
                self._send(404, b"not found")

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            form = {k: v[0] for k, v in parse_qs(self.rfile.read(min(length, 65536)).decode()).items()}
            path = urlsplit(self.path).path
            if path == "/token":
                self._json(*oauth.token(form))
            elif path == "/introspect":
                oauth.stats["introspect:http"] += 1  # Dovecot's oauth2 passdb asking
                self._json(200, oauth.introspect(form.get("token", "")))
            else:
                self._send(404, b"not found")

        def _json(self, status: int, data: dict[str, object]) -> None:
            self._send(status, json.dumps(data).encode(), {}, "application/json")

        def _send(self, status: int, body: bytes, headers: dict[str, str] | None = None, kind: str = "") -> None:
            oauth._record(f"{self.command} {urlsplit(self.path).path} -> {status}")
            self.send_response(status)
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.send_header("Content-Type", kind or "text/plain")
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            pass  # request lines carry codes: oauth.log has method, path and status only

    return Handler
