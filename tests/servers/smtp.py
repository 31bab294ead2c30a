"""SMTP submission (aiosmtpd): 587 STARTTLS and 465 implicit TLS, AUTH against Dovecot's users,
delivery of local recipients into Dovecot over LMTP."""

from __future__ import annotations

import logging
import smtplib
import ssl
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session

from tests.servers import procs
from tests.servers.dovecot import Dovecot


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
        return self.server.deliver(envelope)


class _ImplicitTlsSMTP(SMTP):
    """The TLS is implicit on 465, but aiosmtpd does not count it as TLS: allow AUTH anyway. (Passing
    auth_require_tls=False would warn on every connection, and warnings are errors in our pytest.)"""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._auth_require_tls = False


class _ImplicitTlsController(Controller):
    def factory(self) -> SMTP:
        return _ImplicitTlsSMTP(self.handler, **self.SMTP_kwargs)


class SmtpServer:
    """Two aiosmtpd listeners on the mail address; accepted mail for Dovecot users lands in their INBOX."""

    def __init__(self, dovecot: Dovecot, context: ssl.SSLContext, directory: Path) -> None:
        self.dovecot = dovecot
        self.ip = dovecot.ip
        self.host = "smtp.example.test"
        self.submission_port = 587
        self.submissions_port = 465
        self.context = context
        self.behaviour = Behaviour()
        self.received: list[Received] = []
        self.log = procs.register_log("smtp", directory / "smtp.log")
        self._logger = logging.getLogger("deskmail.testbed.smtp")
        self._lock = threading.Lock()
        self._controllers: list[Controller] = []

    def start(self) -> SmtpServer:
        handler = logging.FileHandler(self.log)
        handler.setFormatter(logging.Formatter("%(asctime)s %(name)s %(message)s"))
        for name in ("mail.log", "deskmail.testbed.smtp"):
            logger = logging.getLogger(name)
            logger.addHandler(handler)
            logger.setLevel(logging.INFO)
            logger.propagate = False  # keep the server chatter out of the tests' own log capture
        common: dict[str, Any] = {"authenticator": self._authenticate, "auth_required": True}
        starttls = Controller(
            _Handler(self),
            hostname=self.ip,
            port=self.submission_port,
            server_hostname=self.host,
            tls_context=self.context,
            require_starttls=True,
            **common,
        )
        implicit = _ImplicitTlsController(
            _Handler(self),
            hostname=self.ip,
            port=self.submissions_port,
            server_hostname=self.host,
            ssl_context=self.context,
            **common,
        )
        for controller in (starttls, implicit):
            controller.start()
            self._controllers.append(controller)
        procs.on_exit(self.stop)
        return self

    def stop(self) -> None:
        while self._controllers:
            self._controllers.pop().stop()

    def _authenticate(
        self, server: SMTP, session: Session, envelope: Envelope, mechanism: str, auth_data: Any
    ) -> AuthResult:
        if self.behaviour.auth_reply:
            return AuthResult(success=False, handled=False, message=self.behaviour.auth_reply)
        if not isinstance(auth_data, LoginPassword):
            return AuthResult(success=False, handled=False)
        login = auth_data.login.decode("utf-8", "replace")
        ok = self.dovecot.check_password(login, auth_data.password.decode("utf-8", "replace"))
        self._logger.info("AUTH %s as %s: %s", mechanism, login, "ok" if ok else "rejected")
        return AuthResult(success=ok, handled=False)

    def deliver(self, envelope: Envelope) -> str:
        """Hand local recipients to Dovecot's LMTP; keep everything in `received`."""
        content = envelope.original_content or b""
        rcpts = list(envelope.rcpt_tos)
        local = [r for r in rcpts if r in self.dovecot.users]
        refused: dict[str, Any] = {}
        for rcpt in local:
            # One LMTP transaction per recipient: LMTP answers DATA once per recipient, and smtplib
            # reads only one reply, so a shared transaction leaves replies behind and QUIT fails.
            with smtplib.LMTP(self.ip, self.dovecot.lmtp_port, timeout=10) as lmtp:
                refused.update(lmtp.sendmail(envelope.mail_from or "", [rcpt], content))
        local = [r for r in local if r not in refused]
        with self._lock:
            self.received.append(Received(envelope.mail_from or "", rcpts, content, local))
        self._logger.info(
            "DATA from %s to %s: %d bytes, delivered to %s", envelope.mail_from, rcpts, len(content), local
        )
        return "250 2.0.0 OK queued"
