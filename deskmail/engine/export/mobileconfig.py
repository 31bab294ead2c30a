"""Apple configuration profiles (.mobileconfig) that add a mail account to an iPhone or iPad.

One `com.apple.mail.managed` payload per account (IMAP or POP). The password is never in it:
the phone asks for it while installing the profile. The profile is unsigned, so iOS labels it
"Unverified"; the person installs it in Settings > General > VPN & Device Management.
"""

from __future__ import annotations

import plistlib
import uuid
from collections.abc import Sequence
from typing import Any

from deskmail import APP_ID, APP_NAME
from deskmail.core.i18n import _, ngettext
from deskmail.core.serverconfig import AUTH_PASSWORD_CLEARTEXT, AUTH_PASSWORD_ENCRYPTED, Protocol, ServerConfig
from deskmail.engine.accounts import Account
from deskmail.engine.export import ExportError

MAIL_PAYLOAD = "com.apple.mail.managed"
ACCOUNT_TYPES = {Protocol.IMAP: "EmailTypeIMAP", Protocol.POP3: "EmailTypePOP"}
# A fixed namespace: exporting the same account again gives the same identifiers, so installing the
# new profile replaces the old one instead of adding the account twice.
NAMESPACE = uuid.UUID("6f1c2f0e-5d1a-4a43-9a3e-6b0f64a1d7c2")
CONTENT_TYPE = "application/x-apple-aspen-config"


def _auth(server: ServerConfig) -> str:
    # CRAM-MD5 only when the server offers nothing else: a password over TLS works everywhere.
    if AUTH_PASSWORD_CLEARTEXT not in server.auth and AUTH_PASSWORD_ENCRYPTED in server.auth:
        return "EmailAuthCRAMMD5"
    return "EmailAuthPassword"


def mail_payload(account: Account) -> dict[str, Any]:
    if account.uses_oauth:
        if account.provider.name:
            message = _(
                "This account signs in through your provider's web page, which an iPhone profile cannot do. "
                "On the iPhone, add it in Settings > Mail > Accounts > Add Account, choosing {provider} "
                "if it is listed."
            ).format(provider=account.provider.name)
        else:
            message = _(
                "This account signs in through your provider's web page, which an iPhone profile cannot do. "
                "On the iPhone, add it in Settings > Mail > Accounts > Add Account, choosing your provider if it "
                "is listed."
            )
        raise ExportError(message)
    kind = ACCOUNT_TYPES.get(account.incoming.protocol)
    if kind is None:
        raise ExportError(
            _("An iPhone cannot receive mail over {protocol}.").format(protocol=account.incoming.protocol.upper())
        )
    incoming, outgoing = account.incoming, account.outgoing
    ident = f"{APP_ID}.mail.{account.key}"
    return {
        "PayloadType": MAIL_PAYLOAD,
        "PayloadVersion": 1,
        "PayloadIdentifier": ident,
        "PayloadUUID": str(uuid.uuid5(NAMESPACE, ident)).upper(),
        "PayloadDisplayName": account.email,
        "PayloadDescription": _("E-mail settings for {email}").format(email=account.email),
        "EmailAccountDescription": account.provider.name or account.email,
        "EmailAccountName": account.display_name,
        "EmailAccountType": kind,
        "EmailAddress": account.email,
        "IncomingMailServerAuthentication": _auth(incoming),
        "IncomingMailServerHostName": incoming.host,
        "IncomingMailServerPortNumber": incoming.port,
        # iOS: SSL on a standard TLS port is TLS from the start; on 143/110/587 it is STARTTLS.
        "IncomingMailServerUseSSL": incoming.security.encrypted,
        "IncomingMailServerUsername": incoming.username or account.email,
        "OutgoingMailServerAuthentication": _auth(outgoing),
        "OutgoingMailServerHostName": outgoing.host,
        "OutgoingMailServerPortNumber": outgoing.port,
        "OutgoingMailServerUseSSL": outgoing.security.encrypted,
        "OutgoingMailServerUsername": outgoing.username or account.email,
        # The phone asks once for the password and uses it for both servers.
        "OutgoingPasswordSameAsIncomingPassword": True,
    }


def mobileconfig(accounts: Sequence[Account]) -> bytes:
    """The profile as XML plist bytes, ready to save as NAME.mobileconfig or attach to a message."""
    if not accounts:
        raise ExportError(_("There is no account to export."))
    content = [mail_payload(account) for account in accounts]
    keys = ",".join(sorted(account.key for account in accounts))
    ident = f"{APP_ID}.profile.{uuid.uuid5(NAMESPACE, keys)}"
    count = len(accounts)
    name = (
        accounts[0].email
        if count == 1
        else ngettext("{n} e-mail account", "{n} e-mail accounts", count).format(n=count)
    )
    profile = {
        "PayloadType": "Configuration",
        "PayloadVersion": 1,
        "PayloadIdentifier": ident,
        "PayloadUUID": str(uuid.uuid5(NAMESPACE, ident)).upper(),
        "PayloadDisplayName": _("E-mail: {name}").format(name=name),
        "PayloadDescription": _("Adds {name} to Mail. Your phone asks for the password while installing.").format(
            name=name
        ),
        "PayloadOrganization": APP_NAME,
        "PayloadRemovalDisallowed": False,
        "PayloadContent": content,
    }
    return plistlib.dumps(profile, fmt=plistlib.FMT_XML, sort_keys=False)


def file_name(account: Account) -> str:
    return f"{_safe(account.email)}.mobileconfig"


def _safe(text: str) -> str:
    return "".join(c if c.isalnum() or c in "@.-_+" else "_" for c in text)
