"""The manual settings editor's logic: fields as typed, standard ports, plain-language validation."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field

from deskmail.core.errors import Field
from deskmail.core.i18n import N_, _
from deskmail.core.serverconfig import (
    AUTH_PASSWORD_CLEARTEXT,
    AUTH_PASSWORD_ENCRYPTED,
    STANDARD_PORTS,
    Candidate,
    Protocol,
    Provider,
    Security,
    ServerConfig,
)
from deskmail.wizard.words import TextTable

# The authentication choices offered, in words; OAuth2 is not something a person can type in.
AUTH_CHOICES = TextTable(
    {
        # Translators: a choice under "Sign in with:" in the server settings.
        AUTH_PASSWORD_CLEARTEXT: N_("Normal password"),
        # Translators: a choice under "Sign in with:" (the password is sent scrambled, e.g. CRAM-MD5).
        AUTH_PASSWORD_ENCRYPTED: N_("Encrypted password"),
    }
)
SECURITY_ORDER = (Security.SSL, Security.STARTTLS, Security.PLAIN)


@dataclass
class ServerForm:
    """One server's fields exactly as typed (the port is text until it is checked)."""

    protocol: Protocol
    host: str = ""
    port: str = ""
    security: Security = Security.SSL
    username: str = ""

    def choose_security(self, security: Security) -> None:
        """Set the security and, unless the port is a custom one, the standard port that goes with it."""
        if not self.port.strip() or self._port_is_standard():
            self.port = str(STANDARD_PORTS[(self.protocol, security)])
        self.security = security

    def _port_is_standard(self) -> bool:
        standard = {port for (protocol, _security), port in STANDARD_PORTS.items() if protocol is self.protocol}
        # 25 is SMTP's relay port: people copy it from old help pages and mean "the usual one".
        if self.protocol is Protocol.SMTP:
            standard.add(25)
        return self.port.strip() in {str(port) for port in standard}

    def errors(self, host_field: Field, port_field: Field) -> dict[Field, str]:
        found: dict[Field, str] = {}
        host_problem = host_error(self.host)
        if host_problem:
            found[host_field] = host_problem
        if parse_port(self.port) is None:
            found[port_field] = _("The port is a number between 1 and 65535.")
        return found

    def to_server(self, auth: str, fallback_username: str) -> ServerConfig:
        port = parse_port(self.port)
        if port is None:
            raise ValueError("invalid port")  # callers check errors() first
        return ServerConfig(
            protocol=self.protocol,
            host=self.host.strip().rstrip(".").lower(),
            port=port,
            security=self.security,
            username=self.username.strip() or fallback_username,
            auth=(auth,),
        )

    @classmethod
    def from_server(cls, server: ServerConfig) -> ServerForm:
        return cls(server.protocol, server.host, str(server.port), server.security, server.username)


@dataclass
class ManualSettings:
    """Both servers and the login method, as the Manual settings page edits them."""

    incoming: ServerForm = field(default_factory=lambda: ServerForm(Protocol.IMAP))
    outgoing: ServerForm = field(default_factory=lambda: ServerForm(Protocol.SMTP))
    auth: str = AUTH_PASSWORD_CLEARTEXT

    @classmethod
    def for_address(cls, email: str) -> ManualSettings:
        """A starting point: the most common names (imap./smtp.<domain>), encrypted, the address as user name."""
        domain = email.rpartition("@")[2].strip().lower()
        settings = cls(
            ServerForm(Protocol.IMAP, f"imap.{domain}" if domain else "", "", Security.SSL, email.strip()),
            ServerForm(Protocol.SMTP, f"smtp.{domain}" if domain else "", "", Security.SSL, email.strip()),
        )
        settings.incoming.choose_security(Security.SSL)
        settings.outgoing.choose_security(Security.SSL)
        return settings

    @classmethod
    def from_candidate(cls, candidate: Candidate, email: str) -> ManualSettings:
        settings = cls.for_address(email)
        if candidate.incoming.protocol in (Protocol.IMAP, Protocol.POP3):
            settings.incoming = ServerForm.from_server(candidate.incoming)
        if candidate.outgoing is not None:
            settings.outgoing = ServerForm.from_server(candidate.outgoing)
        known = [a for a in candidate.incoming.auth if a in AUTH_CHOICES]
        settings.auth = known[0] if known else AUTH_PASSWORD_CLEARTEXT
        return settings

    def choose_incoming_protocol(self, protocol: Protocol) -> None:
        """IMAP or POP3 for receiving: the standard port follows, and imap.<domain> becomes pop.<domain>."""
        form = self.incoming
        if protocol is form.protocol:
            return
        standard_port = not form.port.strip() or form._port_is_standard()
        prefixes = {Protocol.IMAP: "imap.", Protocol.POP3: "pop."}
        old_prefix = prefixes.get(form.protocol, "")
        if old_prefix and form.host.lower().startswith(old_prefix):
            form.host = prefixes[protocol] + form.host[len(old_prefix) :]
        form.protocol = protocol
        if standard_port:
            form.port = str(STANDARD_PORTS[(protocol, form.security)])

    def errors(self) -> dict[Field, str]:
        """Field -> what is wrong with it, in plain words; empty when the settings can be tested."""
        found = self.incoming.errors(Field.INCOMING_HOST, Field.INCOMING_PORT)
        found.update(self.outgoing.errors(Field.OUTGOING_HOST, Field.OUTGOING_PORT))
        if not self.incoming.username.strip():
            found[Field.USERNAME] = _("Please type your user name (often your e-mail address).")
        if self.auth not in AUTH_CHOICES:
            found[Field.NONE] = _("Please choose how to sign in.")
        return found

    @property
    def uses_plaintext(self) -> bool:
        return Security.PLAIN in (self.incoming.security, self.outgoing.security)

    def to_candidate(self, provider: Provider | None = None) -> Candidate:
        """Settings a person typed are theirs: trusted, source "manual"."""
        incoming = self.incoming.to_server(self.auth, "")
        return Candidate(
            source="manual",
            url="",
            trusted=True,
            trust_reason="typed in by you",
            provider=provider or Provider("", ""),
            incoming=incoming,
            outgoing=self.outgoing.to_server(self.auth, incoming.username),
        )


def parse_port(text: str) -> int | None:
    text = text.strip()
    if not text.isdecimal() or not text.isascii():
        return None
    port = int(text)
    return port if 1 <= port <= 65535 else None


def host_error(text: str) -> str:
    """What is wrong with a server name as typed ("" if nothing), in words for people."""
    host = text.strip().rstrip(".")
    if not host:
        return _("Please type the server name, for example imap.example.com.")
    if "://" in host or "/" in host or "@" in host:
        return _("Type only the server name, for example imap.example.com (no \u201chttps://\u201d, no \u201c@\u201d).")
    if any(ch.isspace() for ch in host):
        return _("A server name cannot contain spaces.")
    if _is_ip_literal(host):
        return ""
    labels = host.split(".")
    if any(not label or len(label) > 63 for label in labels) or len(host) > 253:
        return _("This server name is not complete, for example imap.example.com.")
    if any(not all(ch.isalnum() or ch in "-_" for ch in label) for label in labels):
        return _("A server name has only letters, digits, dots and dashes.")
    if any(label.startswith("-") or label.endswith("-") for label in labels):
        return _("A part of a server name cannot begin or end with a dash.")
    return ""


def _is_ip_literal(text: str) -> bool:
    try:
        ipaddress.ip_address(text.strip("[]"))
    except ValueError:
        return False
    return True
