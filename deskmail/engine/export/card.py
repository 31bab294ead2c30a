"""What the printed settings card says: the words only (ui.phone.card lays them out on paper with Qt)."""

from __future__ import annotations

from dataclasses import dataclass

from deskmail.core.i18n import N_, _
from deskmail.core.serverconfig import Protocol, Security, ServerConfig
from deskmail.engine.accounts import Account

# The words phones use for the security setting (Gmail and Outlook list exactly these; iPhone has "Use SSL").
SECURITY_WORDS = {
    Security.SSL: "SSL/TLS",
    Security.STARTTLS: "STARTTLS",
    Security.PLAIN: N_("None (not encrypted)"),
}
QR_STEPS = N_(
    "Thunderbird on Android: tap \u201cImport settings\u201d, then \u201cScan QR code\u201d, "
    "and point the phone at this code."
)
PROTOCOL_WORDS = {Protocol.IMAP: "IMAP", Protocol.POP3: "POP3", Protocol.SMTP: "SMTP"}


@dataclass(frozen=True)
class ServerLines:
    """One server as the card shows it: a heading, the host in large type, then the details."""

    heading: str
    host: str
    port: int
    security: str
    username: str

    @property
    def details(self) -> list[tuple[str, str]]:
        return [(_("Port"), str(self.port)), (_("Security"), self.security), (_("User name"), self.username)]


@dataclass(frozen=True)
class Card:
    title: str
    provider: str
    email: str
    servers: tuple[ServerLines, ServerLines]
    qr_caption: str
    steps_heading: str
    steps: tuple[str, ...]
    footer: str


def server_lines(heading: str, server: ServerConfig, email: str) -> ServerLines:
    """`heading` is a translated text with a {protocol} placeholder ("Receiving mail ({protocol})")."""
    return ServerLines(
        heading=heading.format(protocol=PROTOCOL_WORDS.get(server.protocol, server.protocol.upper())),
        host=server.host,
        port=server.port,
        security=_(SECURITY_WORDS[server.security]),
        username=server.username or email,
    )


def settings_card(account: Account) -> Card:
    kind = PROTOCOL_WORDS.get(account.incoming.protocol, "IMAP")
    provider = account.provider.name or account.email.rpartition("@")[2]
    address_step = (
        _(
            "Type your e-mail address: {email}. Sign in with your provider when the phone asks "
            "(it opens your provider's sign-in page)."
        )
        if account.uses_oauth
        else _(
            "Type your e-mail address: {email}. Type your e-mail password when the phone asks. "
            "It is not printed on this card."
        )
    ).format(email=account.email)
    steps = (
        _(
            "Open your phone's mail app and add an account. When it asks what kind, choose \u201cOther\u201d, "
            "then \u201c{kind}\u201d (it may be called \u201cmanual setup\u201d or \u201cadvanced setup\u201d)."
        ).format(kind=kind),
        address_step,
        _(
            "Copy the two servers above: server name, port, security and user name. If the phone only asks "
            "\u201cUse SSL?\u201d, answer yes unless the security above says \u201cNone\u201d."
        ),
        # Translators: the menu names are those of the phones' own apps in your language.
        _(
            "Where to start:\n"
            "iPhone and iPad: Settings \u203a Mail \u203a Mail Accounts \u203a Add Account \u203a Other.\n"
            "Gmail app: Settings \u203a Add account \u203a Other.\n"
            "Outlook app: Add account, type your address, then choose {kind}."
        ).format(kind=kind),
    )
    return Card(
        title=_("Your e-mail settings"),
        provider=provider,
        email=account.email,
        servers=(
            server_lines(_("Receiving mail ({protocol})"), account.incoming, account.email),
            server_lines(_("Sending mail ({protocol})"), account.outgoing, account.email),
        ),
        qr_caption=_(QR_STEPS),
        steps_heading=_("Any other phone"),
        steps=steps,
        footer=_("Keep this card safe; it shows no password."),
    )
