"""SMTP submission (aiosmtpd): 587 STARTTLS and 465 implicit TLS, AUTH against Dovecot's users,
delivery of local recipients into Dovecot over LMTP."""

from __future__ import annotations

import base64
import binascii
import json
import logging
import re
import smtplib
import ssl
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import MISSING, SMTP, AuthResult, Envelope, LoginPassword, Session

from tests.servers import procs
from tests.servers.dovecot import Dovecot
from tests.servers.oauth import OAuthServer


@dataclass
class Received:
    """One accepted message: who sent it, to whom, the raw bytes, and which recipients were local."""

    mail_from: str
    rcpt_tos: list[str]
    content: bytes
    delivered: list[str]


@dataclass
class Behaviour:
    """Knobs tests turn to make the server misbehave (reset with `smtp.behaviour = Behaviour()`)."""

    refuse_rcpt: dict[str, str] = field(default_factory=dict)  # address -> reply, e.g. "550 5.1.1 No such user"
    data_reply: str | None = None  # e.g. "452 4.3.1 Insufficient storage" instead of accepting
    auth_reply: str | None = None  # e.g. "454 4.7.0 Temporary authentication failure"
    drop_after_data: bool = False  # take (and deliver) the message, then cut the connection: the 250 is lost


class _Handler:
    def __init__(self, server: SmtpServer) -> None:
        self.server = server

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, rcpt_options: list[str]
    ) -> str:
        reply = self.server.behaviour.refuse_rcpt.get(address.lower())
        if reply:
            return reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        if self.server.behaviour.data_reply:
            return self.server.behaviour.data_reply
        reply = self.server.deliver(envelope)
        if self.server.behaviour.drop_after_data:
            server.transport.abort()  # the network goes away right after the final "." was taken
        return reply


class _OAuthHandler(_Handler):
    """Adds AUTH XOAUTH2 and OAUTHBEARER (RFC 7628), tokens checked by the bed's OAuth2 server."""

    async def auth_XOAUTH2(self, server: SMTP, args: list[str]) -> AuthResult:
        return await self._bearer(server, args, "XOAUTH2", r"^user=([^\x01]*)\x01auth=Bearer ([^\x01]+)\x01\x01$")

    async def auth_OAUTHBEARER(self, server: SMTP, args: list[str]) -> AuthResult:
        return await self._bearer(
            server, args, "OAUTHBEARER", r"^n,a=([^,]*),\x01(?:[^\x01]*\x01)*?auth=Bearer ([^\x01]+)\x01"
        )

    async def _bearer(self, server: SMTP, args: list[str], mechanism: str, pattern: str) -> AuthResult:
        oauth = self.server.oauth
        assert oauth is not None
        if len(args) > 1:
            try:
                raw = base64.b64decode(args[1], validate=True)
            except binascii.Error:
                return AuthResult(success=False, handled=False, message="501 5.5.2 Can't decode base64")
        else:
            answer = await server.challenge_auth("")
            if answer is MISSING:
                return AuthResult(success=False, handled=True)
            assert isinstance(answer, bytes)
            raw = answer
        match = re.match(pattern, raw.decode("utf-8", "replace"), re.S)
        user = match.group(1).replace("=2C", ",").replace("=3D", "=") if match else ""
        info = oauth.introspect(match.group(2)) if match else {"active": False}
        ok = bool(info.get("active")) and info.get("username") == user
        self.server.log_auth(mechanism, user, ok)
        if ok:
            return AuthResult(success=True, handled=False, auth_data=LoginPassword(user.encode(), b""))
        # RFC 7628 3.2.2: an error challenge first, the final reply after the client's dummy answer.
        error = json.dumps({"status": "invalid_token", "schemes": "bearer", "scope": "mail"})
        answer = await server.challenge_auth(error)
        if answer is MISSING:
            return AuthResult(success=False, handled=True)
        return AuthResult(success=False, handled=False, message="535 5.7.8 Authentication credentials invalid")


class _AuthWithoutTlsSMTP(SMTP):
    """AUTH offered without (aiosmtpd-recognised) TLS: on 465 the TLS is implicit but aiosmtpd does
    not count it, and a no-STARTTLS variant is meant to be that insecure. (Passing
    auth_require_tls=False instead warns on every connection; warnings are errors in our pytest.)"""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._auth_require_tls = False


class _AuthWithoutTlsController(Controller):
    def factory(self) -> SMTP:
        return _AuthWithoutTlsSMTP(self.handler, **self.SMTP_kwargs)


class SmtpServer:
    """aiosmtpd on 587 (STARTTLS) and 465 (implicit TLS); accepted mail for Dovecot users lands in
    their INBOX over LMTP. Variants (smtp_factory) turn the options off one by one."""

    def __init__(
        self,
        dovecot: Dovecot,
        context: ssl.SSLContext,
        directory: Path,
        *,
        ip: str | None = None,
        host: str = "smtp.example.test",
        name: str = "smtp",
        starttls: bool = True,
        require_starttls: bool = True,
        implicit_tls: bool = True,
        auth_required: bool = True,
        oauth: OAuthServer | None = None,
    ) -> None:
        self.dovecot = dovecot
        self.oauth = oauth  # also accept XOAUTH2 / OAUTHBEARER with this server's access tokens
        self.ip = ip or dovecot.ip
        self.host = host
        self.submission_port = 587
        self.submissions_port: int | None = 465 if implicit_tls else None
        self.context = context
        self.starttls = starttls
        self.require_starttls = require_starttls and starttls
        self.auth_required = auth_required
        self.behaviour = Behaviour()
        self.received: list[Received] = []
        self.log = procs.register_log(name, directory / f"{name}.log")
        self._logger = logging.getLogger(f"deskmail.testbed.{name}")
        self._lock = threading.Lock()
        self._controllers: list[Controller] = []

    def start(self) -> SmtpServer:
        self._log_to_file()
        handler = _OAuthHandler if self.oauth is not None else _Handler
        common: dict[str, Any] = {
            "hostname": self.ip,
            "server_hostname": self.host,
            "authenticator": self._authenticate,
            "auth_required": self.auth_required,
        }
        if self.starttls:
            submission: Controller = Controller(
                handler(self),
                port=self.submission_port,
                tls_context=self.context,
                require_starttls=self.require_starttls,
                **common,
            )
        else:
            submission = _AuthWithoutTlsController(handler(self), port=self.submission_port, **common)
        controllers = [submission]
        if self.submissions_port:
            controllers.append(
                _AuthWithoutTlsController(handler(self), port=self.submissions_port, ssl_context=self.context, **common)
            )
        for controller in controllers:
            controller.start()
            self._controllers.append(controller)
        procs.on_exit(self.stop)
        return self

    def _log_to_file(self) -> None:
        handler = logging.FileHandler(self.log)
        handler.setFormatter(logging.Formatter("%(asctime)s %(name)s %(message)s"))
        # aiosmtpd logs every session to the global "mail.log" logger: it goes to the first
        # server's file (the bed's); each server's own AUTH/DATA lines go to its own file.
        names = [self._logger.name]
        if not logging.getLogger("mail.log").handlers:
            names.append("mail.log")
        for name in names:
            logger = logging.getLogger(name)
            logger.addHandler(handler)
            logger.setLevel(logging.INFO)
            logger.propagate = False  # keep the server chatter out of the tests' own log capture

    def stop(self) -> None:
        while self._controllers:
            self._controllers.pop().stop()
        for handler in list(self._logger.handlers):
            self._logger.removeHandler(handler)
            handler.close()

    def _authenticate(
        self, server: SMTP, session: Session, envelope: Envelope, mechanism: str, auth_data: Any
    ) -> AuthResult:
        if self.behaviour.auth_reply:
            return AuthResult(success=False, handled=False, message=self.behaviour.auth_reply)
        if not isinstance(auth_data, LoginPassword):
            return AuthResult(success=False, handled=False)
        login = auth_data.login.decode("utf-8", "replace")
        ok = self.dovecot.check_password(login, auth_data.password.decode("utf-8", "replace"))
        self.log_auth(mechanism, login, ok)
        return AuthResult(success=ok, handled=False)

    def log_auth(self, mechanism: str, login: str, ok: bool) -> None:
        self._logger.info("AUTH %s as %s: %s", mechanism, login, "ok" if ok else "rejected")

    def deliver(self, envelope: Envelope) -> str:
        """Hand local recipients to Dovecot's LMTP; keep everything in `received`."""
        content = envelope.original_content or b""
        rcpts = list(envelope.rcpt_tos)
        local = [r for r in rcpts if r in self.dovecot.users]
        refused: dict[str, Any] = {}
        for rcpt in local:
            # One LMTP transaction per recipient: LMTP answers DATA once per recipient, and smtplib
            # reads only one reply, so a shared transaction leaves replies behind and QUIT fails.
            with smtplib.LMTP(self.dovecot.ip, self.dovecot.lmtp_port, timeout=10) as lmtp:
                refused.update(lmtp.sendmail(envelope.mail_from or "", [rcpt], content))
        local = [r for r in local if r not in refused]
        with self._lock:
            self.received.append(Received(envelope.mail_from or "", rcpts, content, local))
        self._logger.info(
            "DATA from %s to %s: %d bytes, delivered to %s", envelope.mail_from, rcpts, len(content), local
        )
        return "250 2.0.0 OK queued"
