"""Every way a connection or login can fail, as a UserFacingError with plain words, a fix and a field.

The wording is for people who do not know what a port is: say what happened, then what to do.
"""

from __future__ import annotations

import functools
import re
from typing import Any

from deskmail.core.errors import ErrorKind, Field, UserFacingError
from deskmail.core.i18n import N_, _
from deskmail.core.serverconfig import Protocol, ServerConfig

# Which of the server's own settings a person should look at: its host, its port or its security.
HOST, PORT, SECURITY = "host", "port", "security"
Where = Field | str  # a Field, or HOST / PORT / SECURITY of the server the error is about

# The words, one table a family; {server}, {host}, {where} and {username} are filled in.
# Each entry: kind -> (what happened, what to do, the field to look at). The texts are marked with N_
# and translated when an error is made (the language is chosen after this module is imported).
_CONNECTION_TEXTS: dict[ErrorKind, tuple[str, str, Where]] = {
    ErrorKind.HOST_NOT_FOUND: (
        # Translators: {server} is "incoming (IMAP) server" or similar, {host} its name (mail.example.com).
        N_("The {server} {host} does not exist."),
        N_("Check the spelling of the server name. Your e-mail provider's help pages list the right one."),
        HOST,
    ),
    ErrorKind.OFFLINE: (
        N_("Could not look up {host}: the network does not answer."),
        N_("Check that this computer is connected to the internet, then try again."),
        Field.NETWORK,
    ),
    # Refused, silent or cut: without evidence these say "not now", never "your settings are wrong"
    # (a broken network is not a wrong port). Evidence gives other words: see `refused_elsewhere`,
    # `tls_expected`, `tls_failed` and `protocol_error`; first set-ups get a hint (`unproven`).
    ErrorKind.CONNECT_REFUSED: (
        N_("The {server} {where} cannot be reached right now: it refused the connection."),
        N_("The server may be down for a moment. Try again in a few minutes."),
        Field.NONE,
    ),
    ErrorKind.TIMEOUT: (
        N_("The {server} {where} did not answer in time."),
        N_("The network or the server may be slow or down right now. Try again in a few minutes."),
        Field.NONE,
    ),
    ErrorKind.CONNECTION_LOST: (
        # Translators: {step} is e.g. "while syncing"; the usual steps have whole sentences of their own.
        N_("The connection to the {server} {where} broke {step}."),
        N_("This usually passes by itself. Try again in a moment."),
        Field.NONE,
    ),
    ErrorKind.TLS_FAILED: (
        N_("Could not set up an encrypted connection with {where}."),
        N_("Check the security setting and the port: SSL/TLS and STARTTLS use different ports."),
        SECURITY,
    ),
    ErrorKind.STARTTLS_MISSING: (
        N_(
            "The server {where} does not offer encryption (STARTTLS), so your password would travel "
            "unprotected. Deskmail did not send it."
        ),
        N_("Try the security setting SSL/TLS with its port, or ask your provider for encrypted settings."),
        SECURITY,
    ),
    ErrorKind.PLAINTEXT_REFUSED: (
        N_("These settings for {where} use no encryption: anyone on the network could read your password."),
        N_("Choose SSL/TLS or STARTTLS. Only if you accept the risk, allow unencrypted connections explicitly."),
        SECURITY,
    ),
    ErrorKind.PROTOCOL_ERROR: (
        N_("The server at {where} did not answer like a mail server of this kind."),
        N_("Check the server name, the port and the security setting."),
        PORT,
    ),
    ErrorKind.SERVER_BUSY: (
        N_("The server {host} is busy or temporarily unavailable."),
        N_("Wait a few minutes, then try again."),
        Field.NONE,
    ),
}

_CERTIFICATE_TEXTS: dict[ErrorKind, tuple[str, str, Where]] = {
    ErrorKind.CERT_UNTRUSTED: (
        N_(
            "The server {host} identifies itself with a certificate that no trusted authority vouches for "
            "(for example a self-signed one)."
        ),
        N_("If your provider told you to expect this, compare the fingerprint with theirs before trusting it."),
        HOST,
    ),
    ErrorKind.CERT_EXPIRED: (
        N_("The security certificate of {host} is expired or not yet valid."),
        N_("Check that this computer's date and time are right. Otherwise tell your provider."),
        HOST,
    ),
    ErrorKind.CERT_HOSTNAME: (
        N_(
            "The security certificate of the server was issued for another name than {host}. "
            "This may be an attack, or the server name is slightly wrong."
        ),
        N_("Check the server name. Use the name your provider gives, e.g. the one in the certificate."),
        HOST,
    ),
    ErrorKind.CERT_CHANGED: (
        N_(
            "The security certificate of {host} is not the one you chose to trust earlier. "
            "This may be an attack, or your provider replaced the certificate."
        ),
        N_("Do not continue on an untrusted network. Ask your provider whether they changed their certificate."),
        HOST,
    ),
}

# What a refused login means; a busy server reads the same as when it refuses the connection.
_LOGIN_TEXTS: dict[ErrorKind, tuple[str, str, Where]] = {
    ErrorKind.AUTH_FAILED: (
        N_("{host} did not accept the user name {username!r} with this password."),
        N_("Check your password (and the user name). Mind upper and lower case."),
        Field.PASSWORD,
    ),
    ErrorKind.APP_PASSWORD_REQUIRED: (
        N_("Your provider wants a special app password for mail programs, not your normal password."),
        N_("Create an app password in your provider's security settings and enter it here."),
        Field.PASSWORD,
    ),
    ErrorKind.OAUTH_REQUIRED: (
        N_("Your provider no longer accepts passwords from mail programs (it requires a browser sign-in)."),
        N_("Your provider or administrator must allow password sign-in for mail programs, or use their app."),
        Field.NONE,
    ),
    ErrorKind.IMAP_DISABLED: (
        N_("IMAP access is switched off for your account at your provider."),
        N_("Switch on IMAP in your provider's web mail settings (often under Forwarding / POP / IMAP)."),
        Field.NONE,
    ),
    ErrorKind.ACCOUNT_LOCKED: (
        N_("Your provider has blocked sign-ins for now, after too many attempts, or has locked the account."),
        N_("Sign in on your provider's web site to unlock the account, or wait a while before trying again."),
        Field.NONE,
    ),
    ErrorKind.SERVER_BUSY: _CONNECTION_TEXTS[ErrorKind.SERVER_BUSY],
    ErrorKind.PLAINTEXT_REFUSED: (
        N_("{host} refuses passwords over an unencrypted connection."),
        N_("Choose the security setting SSL/TLS or STARTTLS."),
        SECURITY,
    ),
}


def _error(
    texts: dict[ErrorKind, tuple[str, str, Where]],
    kind: ErrorKind,
    server: ServerConfig,
    details: str = "",
    *,
    fix: str = "",
    where: Where = "",
    data: dict[str, Any] | None = None,
    **words: str,
) -> UserFacingError:
    """The error of `kind` from its table, in words about `server`; `fix` and `where` override the table."""
    table_message, table_fix, table_where = texts[kind]
    message = words.pop("message", "") or table_message
    words = {"server": _server(server), "host": server.host, "where": _where(server), **words}
    field = _field(server, where or table_where)
    return UserFacingError(
        kind, _(message).format(**words), _(fix or table_fix).format(**words), field, details, data=data
    )


def _server(server: ServerConfig) -> str:
    """The server named by its role, as {server} in "The {server} {host} does not exist."."""
    if server.protocol is Protocol.POP3:
        # Translators: fills {server} in "The {server} {host} does not exist." and similar sentences.
        return _("incoming (POP3) server")
    return _("outgoing (SMTP) server") if server.protocol is Protocol.SMTP else _("incoming (IMAP) server")


def _where(server: ServerConfig) -> str:
    return _("{host} (port {port})").format(host=server.host, port=server.port)


def _field(server: ServerConfig, where: Where) -> Field:
    """The field to look at: a Field as it is, or the host, port or security field of this server."""
    if isinstance(where, Field):
        return where
    smtp = server.protocol is Protocol.SMTP
    return {
        HOST: Field.OUTGOING_HOST if smtp else Field.INCOMING_HOST,
        PORT: Field.OUTGOING_PORT if smtp else Field.INCOMING_PORT,
        SECURITY: Field.OUTGOING_SECURITY if smtp else Field.INCOMING_SECURITY,
    }[where]


# ---- connections ----------------------------------------------------------------------------------


def host_not_found(server: ServerConfig, details: str = "") -> UserFacingError:
    return _error(_CONNECTION_TEXTS, ErrorKind.HOST_NOT_FOUND, server, details)


def offline(server: ServerConfig, details: str = "") -> UserFacingError:
    return _error(_CONNECTION_TEXTS, ErrorKind.OFFLINE, server, details)


def connect_refused(server: ServerConfig, details: str = "") -> UserFacingError:
    return _error(_CONNECTION_TEXTS, ErrorKind.CONNECT_REFUSED, server, details)


def refused_elsewhere(server: ServerConfig, open_port: int, details: str = "") -> UserFacingError:
    """Refused on the configured port while the same server answers on another mail port: evidence."""
    return UserFacingError(
        ErrorKind.CONNECT_REFUSED,
        _("The {server} {host} refused the connection on port {port}, but it answers on port {open_port}.").format(
            server=_server(server), host=server.host, port=server.port, open_port=open_port
        ),
        _("The port number is probably wrong. Check it against your provider's settings."),
        _field(server, PORT),
        details,
        data={SETTINGS_WRONG: True, "open_port": open_port},
    )


def timed_out(server: ServerConfig, step: str, details: str = "") -> UserFacingError:
    return _error(_CONNECTION_TEXTS, ErrorKind.TIMEOUT, server, details or f"timed out during {step}")


def tls_expected(server: ServerConfig, details: str = "") -> UserFacingError:
    """The server stayed silent after connecting and answers a TLS handshake on the same port: evidence."""
    return UserFacingError(
        ErrorKind.TIMEOUT,
        _("The {server} {where} waits for an encrypted connection from the start.").format(
            server=_server(server), where=_where(server)
        ),
        _("This port expects an encrypted connection: try the security setting SSL/TLS."),
        _field(server, SECURITY),
        details,
        data={SETTINGS_WRONG: True},
    )


def connection_lost(server: ServerConfig, step: str, details: str = "") -> UserFacingError:
    """The connection broke or closed `step` ("while connecting", "while signing in", ...): try again."""
    message = _CONNECTION_LOST_AT.get(step, "")
    return _error(_CONNECTION_TEXTS, ErrorKind.CONNECTION_LOST, server, details, message=message, step=step)


# The connection broke at a known step: whole sentences, so each language can word the step its way.
_CONNECTION_LOST_AT: dict[str, str] = {
    "while connecting": N_("The connection to the {server} {where} broke while connecting."),
    "while setting up encryption": N_("The connection to the {server} {where} broke while setting up encryption."),
    "before the server said hello": N_("The connection to the {server} {where} broke before the server said hello."),
    "while signing in": N_("The connection to the {server} {where} broke while signing in."),
    "while listing the folders": N_("The connection to the {server} {where} broke while listing the folders."),
    "while syncing": N_("The connection to the {server} {where} broke while syncing."),
}


def tls_failed(server: ServerConfig, details: str = "") -> UserFacingError:
    if "WRONG_VERSION_NUMBER" in details or "record layer" in details.lower() or "HTTP_REQUEST" in details:
        # The server answered in plain text: this port does not speak TLS from the start.
        fix = N_("This port does not start with encryption: try the security setting STARTTLS.")
        return _error(_CONNECTION_TEXTS, ErrorKind.TLS_FAILED, server, details, fix=fix, data={SETTINGS_WRONG: True})
    return _error(_CONNECTION_TEXTS, ErrorKind.TLS_FAILED, server, details)


def starttls_missing(server: ServerConfig, details: str = "") -> UserFacingError:
    return _error(_CONNECTION_TEXTS, ErrorKind.STARTTLS_MISSING, server, details)


def plaintext_refused(server: ServerConfig, details: str = "") -> UserFacingError:
    return _error(_CONNECTION_TEXTS, ErrorKind.PLAINTEXT_REFUSED, server, details)


def protocol_error(server: ServerConfig, details: str = "") -> UserFacingError:
    message = {
        Protocol.SMTP: N_("The server at {where} did not answer like an SMTP server."),
        Protocol.POP3: N_("The server at {where} did not answer like a POP3 server."),
    }.get(server.protocol, N_("The server at {where} did not answer like an IMAP server."))
    return _error(_CONNECTION_TEXTS, ErrorKind.PROTOCOL_ERROR, server, details, message=message)


def wrong_greeting(server: ServerConfig, details: str = "") -> UserFacingError:
    """The server greeted, but not as a mail server of this kind (another protocol on this port): evidence."""
    error = protocol_error(server, details)
    error.data[SETTINGS_WRONG] = True
    return error


# Kinds that say "not reachable now" when nothing proves the settings wrong.
REACHABILITY_KINDS = frozenset({ErrorKind.CONNECT_REFUSED, ErrorKind.TIMEOUT, ErrorKind.CONNECTION_LOST})
SETTINGS_WRONG = "settings_wrong"  # in UserFacingError.data: the failure itself shows a setting is wrong
_UNPROVEN_HINT = N_(
    "If these settings are new, also check the server name and the port number against your provider's settings."
)


def settings_wrong(error: UserFacingError) -> bool:
    """The error carries evidence that a setting is wrong (not merely "could not reach the server now")."""
    return bool(error.data.get(SETTINGS_WRONG))


def unproven(server: ServerConfig, error: UserFacingError) -> UserFacingError:
    """The same failure in words for settings that never worked yet (set-up, check): add the settings hint.

    An account that worked before keeps the "not now, try again" words: its settings are proven.
    """
    if error.kind not in REACHABILITY_KINDS or settings_wrong(error):
        return error
    fix = f"{error.fix} {_(_UNPROVEN_HINT)}".strip()
    return UserFacingError(error.kind, error.message, fix, _field(server, PORT), error.details, data=error.data)


def injection_detected(server: ServerConfig) -> UserFacingError:
    return UserFacingError(
        ErrorKind.TLS_FAILED,
        _(
            "The connection to {where} was tampered with before encryption started. "
            "This may be an attack; Deskmail stopped and sent nothing."
        ).format(where=_where(server)),
        _("Try again from another network (for example not a public Wi-Fi)."),
        _field(server, SECURITY),
        "data received before the TLS handshake (STARTTLS response injection)",
    )


def server_busy(server: ServerConfig, details: str = "") -> UserFacingError:
    return _error(_CONNECTION_TEXTS, ErrorKind.SERVER_BUSY, server, details)


def mailbox_in_use(server: ServerConfig, details: str = "") -> UserFacingError:
    """POP3 [IN-USE] (RFC 2449): another program holds the mailbox; nothing is wrong with the settings."""
    return UserFacingError(
        ErrorKind.SERVER_BUSY,
        _("Your mailbox at {host} is being read by another program right now.").format(host=server.host),
        _("Close other mail programs or phones that download this mailbox, then try again in a few minutes."),
        Field.NONE,
        details,
    )


def server_misbehaved(server: ServerConfig, details: str = "") -> UserFacingError:
    """An answer past the limits of engine/limits.py (endless, too long, too slow): temporary, like busy."""
    return UserFacingError(
        ErrorKind.SERVER_BUSY,
        _(
            "The server {host} sent an answer Deskmail cannot read safely (far too long or too slow), "
            "so Deskmail stopped listening."
        ).format(host=server.host),
        _("Try again later. If it keeps happening, your provider's server may be broken."),
        Field.NONE,
        details,
    )


# ---- a server answer that broke the limits (engine/limits.py): the folder is skipped this time ----
# Marked here, translated where a sync report is made (`_(failures.FOLDER_REFUSED)`).

FOLDER_UNREADABLE = N_(
    "The server sent an answer for this folder that Deskmail cannot read safely, so the folder was skipped. "
    "Deskmail tries again at the next sync."
)
FOLDER_REFUSED = N_(
    "The server refused to open this folder this time, so it was skipped. Deskmail tries again at the next sync."
)
FOLDER_TOO_SLOW = N_(
    "The server took too long to answer for this folder, so it was skipped. Deskmail tries again later."
)


# ---- certificates -------------------------------------------------------------------------------


def cert_error(kind: ErrorKind, server: ServerConfig, data: dict[str, Any], details: str = "") -> UserFacingError:
    """A certificate problem; `data` (host, port, sha256, issuer, ...) lets the wizard offer to trust it."""
    return _error(_CERTIFICATE_TEXTS, kind, server, details, data=data)


def cert_kind(verify_code: int) -> ErrorKind:
    """Map an OpenSSL verify error code to the certificate error kind."""
    if verify_code in (9, 10):  # X509_V_ERR_CERT_NOT_YET_VALID, X509_V_ERR_CERT_HAS_EXPIRED
        return ErrorKind.CERT_EXPIRED
    if verify_code in (62, 64):  # X509_V_ERR_HOSTNAME_MISMATCH, X509_V_ERR_IP_ADDRESS_MISMATCH
        return ErrorKind.CERT_HOSTNAME
    return ErrorKind.CERT_UNTRUSTED


# ---- what servers say when a login fails --------------------------------------------------------

# Checked in order: the first pattern found in the server's reply decides the kind. Compiled with
# the first refused login (_login_patterns), not by every process that imports this module.
_LOGIN_REPLIES: tuple[tuple[ErrorKind, str], ...] = (
    (ErrorKind.APP_PASSWORD_REQUIRED, r"application-specific password|app[- ]?password|5\.7\.9\b"),
    (
        ErrorKind.OAUTH_REQUIRED,
        r"basic auth\w* (is )?(disabled|blocked)|BasicAuthBlocked|5\.7\.139|SmtpClientAuthentication is disabled"
        r"|oauth",
    ),
    (
        ErrorKind.IMAP_DISABLED,
        r"not enabled for IMAP|IMAP access (is )?disabled|enable (your account for )?IMAP"
        r"|authenticated but not connected|IMAP (is )?(disabled|not enabled)",
    ),
    (
        ErrorKind.ACCOUNT_LOCKED,
        r"too many (login|failed|authentication|attempts|bad)|account (is )?(locked|blocked|suspended|disabled)"
        r"|temporarily (locked|blocked)|\[LIMIT\]|rate limit"
        # Google's "suspicious sign-in" block: the person must sign in on the web once.
        r"|log ?in via your web browser|web login required",
    ),
    (
        ErrorKind.SERVER_BUSY,
        r"\[UNAVAILABLE\]|server (is )?busy|too many (simultaneous )?connections"
        r"|temporar(il)?y (unavailable|failure)|\b4\.\d\.\d\b",
    ),
    (ErrorKind.PLAINTEXT_REFUSED, r"\[PRIVACYREQUIRED\]|must issue a STARTTLS|encryption required"),
)


@functools.cache
def _login_patterns() -> tuple[tuple[ErrorKind, re.Pattern[str]], ...]:
    return tuple((kind, re.compile(pattern, re.IGNORECASE)) for kind, pattern in _LOGIN_REPLIES)


def classify_login_failure(server: ServerConfig, reply: str, username: str) -> UserFacingError:
    """Turn a server's "login failed" reply into the error a person can act on."""
    kind = next((kind for kind, pattern in _login_patterns() if pattern.search(reply)), ErrorKind.AUTH_FAILED)
    details = f"{_where(server)} said: {reply.strip()[:300]}"
    return _error(_LOGIN_TEXTS, kind, server, details, username=username)
