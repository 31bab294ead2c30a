"""Every connection-check error kind -> the Problem page: plain words, the actions that fit, the field to fix."""

from __future__ import annotations

from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Any

from deskmail.core.errors import ErrorKind, Field, UserFacingError
from deskmail.core.i18n import N_, _
from deskmail.core.redact import redact
from deskmail.core.serverconfig import Candidate, CertificatePin, ConnectionPolicy, normalise_fingerprint
from deskmail.wizard.steps import LINK_ACTIONS, Action
from deskmail.wizard.words import TextTable

# Certificate errors whose certificate is shown; only untrusted and expired ones can be trusted: a pin
# skips the name check, so a certificate made for another name (or a changed one) is never pinned.
CERT_KINDS = frozenset({ErrorKind.CERT_UNTRUSTED, ErrorKind.CERT_EXPIRED, ErrorKind.CERT_HOSTNAME})
TRUSTABLE_KINDS = frozenset({ErrorKind.CERT_UNTRUSTED, ErrorKind.CERT_EXPIRED})
INCOMING = "incoming"
OUTGOING = "outgoing"
# Translators: which of the two servers a problem is about (a label over the problem's text).
SIDE_WORDS = TextTable({INCOMING: N_("Receiving mail"), OUTGOING: N_("Sending mail")})


class Variant(StrEnum):
    """Which kind of Problem page to show (the UI picks an icon and layout per variant)."""

    PASSWORD = "password"
    APP_PASSWORD = "app_password"
    IMAP_DISABLED = "imap_disabled"
    CERTIFICATE = "certificate"  # unknown or expired certificate: "trust it" is offered
    DANGER = "danger"  # wrong name, changed certificate, encryption missing: never "trust it"
    SERVER_NOT_FOUND = "server_not_found"
    NO_CONNECTION = "no_connection"
    PLAINTEXT = "plaintext"
    BUSY = "busy"
    LOCKED = "locked"
    OFFLINE = "offline"
    OTHER = "other"


class Focus(StrEnum):
    """The kind of field to put the cursor in; `focus_field` adds the side (incoming or outgoing)."""

    PASSWORD = "password"
    USERNAME = "username"
    HOST = "host"
    PORT = "port"
    SECURITY = "security"
    NETWORK = "network"
    NONE = "none"


@dataclass(frozen=True)
class Rule:
    """The Problem page for one error kind; the texts are English message ids, read out translated."""

    variant: Variant
    title_text: str
    message_text: str  # used when the error carries no message of its own
    fix_text: str
    actions: tuple[Action, ...]  # the first one is the default button
    focus: Focus

    @property
    def title(self) -> str:
        return _(self.title_text)

    @property
    def message(self) -> str:
        return _(self.message_text)

    @property
    def fix(self) -> str:
        return _(self.fix_text)


_CERT_TEXT = N_(
    "This is normal for some small or company servers, but it can also mean that someone is trying to "
    "read your mail. Only trust it if you know this server, for example because your IT helper told you to."
)

# The same texts with the provider's name when we know it: people recognise "GMX", not "your provider".
# Whole sentences with a placeholder, so each language can bend the name as its grammar needs.
_WITH_PROVIDER: dict[str, str] = {
    "Your provider needs an app password": N_("{provider} needs an app password"),
    "For your safety, your provider does not let e-mail apps use your normal password.": N_(
        "For your safety, {provider} does not let e-mail apps use your normal password."
    ),
    "Create an \u201capp password\u201d on your provider's website, then type it here instead of your password.": N_(
        "Create an \u201capp password\u201d on {provider}'s website, then type it here instead of your password."
    ),
    "Your provider wants you to sign in on its website": N_("{provider} wants you to sign in on its website"),
    "Your provider does not accept passwords from e-mail apps like Deskmail.": N_(
        "{provider} does not accept passwords from e-mail apps like Deskmail."
    ),
    "Your provider lets you read mail only on its website until you allow e-mail apps.": N_(
        "{provider} lets you read mail only on its website until you allow e-mail apps."
    ),
    "Check the server name against your provider's instructions.": N_(
        "Check the server name against {provider}'s instructions."
    ),
    "Try \u201cEncrypted (SSL/TLS)\u201d in the settings, or ask your provider for the right settings.": N_(
        "Try \u201cEncrypted (SSL/TLS)\u201d in the settings, or ask {provider} for the right settings."
    ),
    "Choose an encrypted setting if your provider offers one.": N_(
        "Choose an encrypted setting if {provider} offers one."
    ),
    "There were too many attempts to sign in, so your provider locked the account for a while.": N_(
        "There were too many attempts to sign in, so {provider} locked the account for a while."
    ),
    "Wait a while, or sign in on your provider's website to unlock it.": N_(
        "Wait a while, or sign in on {provider}'s website to unlock it."
    ),
}


def rule_text(text: str, provider: str = "") -> str:
    """A rule's text in the language in use, naming the provider when it is known."""
    named = _WITH_PROVIDER.get(text) if provider else None
    return _(named).format(provider=provider) if named else _(text)


RULES: dict[ErrorKind, Rule] = {
    ErrorKind.AUTH_FAILED: Rule(
        Variant.PASSWORD,
        N_("The password was not accepted"),
        N_("The server says that the user name or the password is wrong."),
        N_("Type your password again. Check that Caps Lock is off."),
        # no "Try again": the same password would fail the same way, and two retry buttons confused people
        (Action.RETYPE_PASSWORD, Action.EDIT_SETTINGS),
        Focus.PASSWORD,
    ),
    ErrorKind.APP_PASSWORD_REQUIRED: Rule(
        Variant.APP_PASSWORD,
        N_("Your provider needs an app password"),
        N_("For your safety, your provider does not let e-mail apps use your normal password."),
        N_(
            "Create an \u201capp password\u201d on your provider's website, then type it here instead of your password."
        ),
        (Action.OPEN_APP_PASSWORD_PAGE, Action.RETYPE_PASSWORD, Action.GO_BACK),
        Focus.PASSWORD,
    ),
    ErrorKind.OAUTH_REQUIRED: Rule(
        Variant.APP_PASSWORD,
        N_("Your provider wants you to sign in on its website"),
        N_("Your provider does not accept passwords from e-mail apps like Deskmail."),
        N_("Many providers let you create an \u201capp password\u201d for this. Create one, then type it here."),
        (Action.OPEN_APP_PASSWORD_PAGE, Action.RETYPE_PASSWORD, Action.GO_BACK),
        Focus.PASSWORD,
    ),
    ErrorKind.IMAP_DISABLED: Rule(
        Variant.IMAP_DISABLED,
        N_("E-mail apps are switched off for your account"),
        N_("Your provider lets you read mail only on its website until you allow e-mail apps."),
        N_(
            "Switch on \u201cIMAP\u201d or \u201caccess for e-mail apps\u201d in your webmail settings, then try again."
        ),
        (Action.OPEN_ENABLE_PAGE, Action.TRY_AGAIN, Action.GO_BACK),
        Focus.NONE,
    ),
    ErrorKind.CERT_UNTRUSTED: Rule(
        Variant.CERTIFICATE,
        N_("The server's identity could not be confirmed"),
        N_("The server showed a security certificate that your computer does not know."),
        _CERT_TEXT,
        (Action.GO_BACK, Action.TRUST_CERTIFICATE, Action.EDIT_SETTINGS),
        Focus.HOST,
    ),
    ErrorKind.CERT_EXPIRED: Rule(
        Variant.CERTIFICATE,
        N_("The server's security certificate has expired"),
        N_("The server showed a security certificate that is out of date."),
        _CERT_TEXT,
        (Action.GO_BACK, Action.TRUST_CERTIFICATE, Action.EDIT_SETTINGS),
        Focus.HOST,
    ),
    ErrorKind.CERT_HOSTNAME: Rule(
        Variant.DANGER,
        N_("The server gave a different name"),
        N_(
            "The server says it is a different server than the one we asked for. "
            "This can be a typing mistake in the server name, or someone pretending to be your server."
        ),
        N_("Check the server name against your provider's instructions."),
        (Action.EDIT_SETTINGS, Action.GO_BACK),
        Focus.HOST,
    ),
    ErrorKind.CERT_CHANGED: Rule(
        Variant.DANGER,
        N_("The server's certificate has changed"),
        N_(
            "This server no longer shows the certificate you trusted before. "
            "Someone may be pretending to be your server."
        ),
        N_("Do not continue unless the people who run the server told you about a change."),
        (Action.GO_BACK, Action.EDIT_SETTINGS),
        Focus.HOST,
    ),
    ErrorKind.STARTTLS_MISSING: Rule(
        Variant.DANGER,
        N_("The server did not offer encryption"),
        N_("Deskmail will not send your password without protection, and this server did not offer any."),
        N_("Try \u201cEncrypted (SSL/TLS)\u201d in the settings, or ask your provider for the right settings."),
        (Action.EDIT_SETTINGS, Action.GO_BACK),
        Focus.SECURITY,
    ),
    ErrorKind.CONNECT_REFUSED: Rule(
        Variant.NO_CONNECTION,
        N_("Could not connect to the server"),
        N_("The server refused the connection."),
        N_("Check the server name and the port number, or try again in a few minutes."),
        (Action.EDIT_SETTINGS, Action.TRY_AGAIN),
        Focus.PORT,
    ),
    ErrorKind.TIMEOUT: Rule(
        Variant.NO_CONNECTION,
        N_("The server did not answer"),
        N_("We waited, but the server did not answer."),
        N_("The server may be busy, or a firewall may block it, or the port number may be wrong."),
        (Action.TRY_AGAIN, Action.EDIT_SETTINGS),
        Focus.PORT,
    ),
    ErrorKind.CONNECTION_LOST: Rule(
        Variant.NO_CONNECTION,
        N_("The connection broke"),
        N_("The connection to the server broke before the check could finish."),
        N_("This usually passes by itself. Try again in a moment."),
        (Action.TRY_AGAIN, Action.EDIT_SETTINGS),
        Focus.PORT,
    ),
    ErrorKind.HOST_NOT_FOUND: Rule(
        Variant.SERVER_NOT_FOUND,
        N_("The server name was not found"),
        N_("There is no server with this name."),
        N_("Check the spelling of the server name."),
        (Action.EDIT_SETTINGS, Action.TRY_AGAIN),
        Focus.HOST,
    ),
    ErrorKind.TLS_FAILED: Rule(
        Variant.NO_CONNECTION,
        N_("A secure connection could not be made"),
        N_("The server and Deskmail could not agree on how to protect the connection."),
        N_("Check the security setting and the port number."),
        (Action.EDIT_SETTINGS, Action.TRY_AGAIN),
        Focus.SECURITY,
    ),
    ErrorKind.PLAINTEXT_REFUSED: Rule(
        Variant.PLAINTEXT,
        N_("This connection is not encrypted"),
        N_("With these settings your password and your mail would travel unprotected."),
        N_("Choose an encrypted setting if your provider offers one."),
        (Action.EDIT_SETTINGS, Action.ALLOW_PLAINTEXT, Action.GO_BACK),
        Focus.SECURITY,
    ),
    ErrorKind.SERVER_BUSY: Rule(
        Variant.BUSY,
        N_("The server is busy"),
        N_("The server is busy or unavailable right now."),
        N_("Wait a few minutes and try again."),
        (Action.TRY_AGAIN, Action.GO_BACK),
        Focus.NONE,
    ),
    ErrorKind.ACCOUNT_LOCKED: Rule(
        Variant.LOCKED,
        N_("Your account is locked for now"),
        N_("There were too many attempts to sign in, so your provider locked the account for a while."),
        N_("Wait a while, or sign in on your provider's website to unlock it."),
        (Action.OPEN_HELP, Action.TRY_AGAIN, Action.GO_BACK),
        Focus.NONE,
    ),
    ErrorKind.OFFLINE: Rule(
        Variant.OFFLINE,
        N_("You seem to be offline"),
        N_("This computer does not seem to be connected to the internet."),
        N_("Check your Wi-Fi or network cable, then try again."),
        (Action.TRY_AGAIN, Action.GO_BACK),
        Focus.NETWORK,
    ),
    ErrorKind.PROTOCOL_ERROR: Rule(
        Variant.OTHER,
        N_("The server answered in an unexpected way"),
        N_("The server's answer did not make sense to Deskmail."),
        N_("Check the settings, especially the port number and security."),
        (Action.EDIT_SETTINGS, Action.TRY_AGAIN),
        Focus.PORT,
    ),
    ErrorKind.CANCELLED: Rule(
        Variant.OTHER,
        N_("The check was stopped"),
        N_("The check was stopped before it finished."),
        N_("Try again when you are ready."),
        (Action.TRY_AGAIN, Action.GO_BACK),
        Focus.NONE,
    ),
}

_SIDE_FIELDS = {
    (INCOMING, Focus.HOST): Field.INCOMING_HOST,
    (INCOMING, Focus.PORT): Field.INCOMING_PORT,
    (INCOMING, Focus.SECURITY): Field.INCOMING_SECURITY,
    (OUTGOING, Focus.HOST): Field.OUTGOING_HOST,
    (OUTGOING, Focus.PORT): Field.OUTGOING_PORT,
    (OUTGOING, Focus.SECURITY): Field.OUTGOING_SECURITY,
}
_PLAIN_FIELDS = {
    Focus.PASSWORD: Field.PASSWORD,
    Focus.USERNAME: Field.USERNAME,
    Focus.NETWORK: Field.NETWORK,
    Focus.NONE: Field.NONE,
}


def focus_field(focus: Focus, side: str) -> Field:
    """The concrete field for a focus kind on one side ("incoming" or "outgoing")."""
    return _PLAIN_FIELDS.get(focus) or _SIDE_FIELDS.get((side, focus), Field.NONE)


@dataclass(frozen=True)
class CertificateInfo:
    """What a person sees before trusting a certificate."""

    host: str
    port: int
    sha256: str
    issuer: str
    subject: str
    not_before: str
    not_after: str
    names: tuple[str, ...] = ()  # the server names the certificate was made for

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> CertificateInfo | None:
        if not data.get("sha256") or not data.get("host"):
            return None
        return cls(
            host=str(data["host"]),
            port=int(data.get("port", 0)),
            sha256=normalise_fingerprint(str(data["sha256"])),
            issuer=str(data.get("issuer", "")),
            subject=str(data.get("subject", "")),
            not_before=str(data.get("not_before", "")),
            not_after=str(data.get("not_after", "")),
            names=tuple(str(n) for n in data.get("names", []) if isinstance(n, str)),
        )

    @property
    def fingerprint(self) -> str:
        """The SHA-256 fingerprint in pairs ("AB:CD:..."), the way other programs show it."""
        text = self.sha256.upper()
        return ":".join(text[i : i + 2] for i in range(0, len(text), 2))


@dataclass(frozen=True)
class Problem:
    """Everything the Problem page shows and offers for one failed check."""

    kind: ErrorKind
    variant: Variant
    side: str
    title: str
    message: str
    fix: str
    actions: tuple[Action, ...]
    focus: Field
    details: str
    certificates: tuple[CertificateInfo, ...] = ()
    links: tuple[tuple[Action, str], ...] = ()

    @property
    def default_action(self) -> Action:
        return self.actions[0]

    @property
    def server_words(self) -> str:
        return SIDE_WORDS.get(self.side, "")

    def url_for(self, action: Action) -> str:
        return dict(self.links).get(action, "")


def problem_for(
    error: UserFacingError,
    side: str,
    candidate: Candidate | None,
    other_errors: tuple[tuple[str, UserFacingError], ...] = (),
) -> Problem:
    """Build the Problem page for `error` on `side`; `other_errors` are the other side's failures."""
    rule = RULES.get(error.kind, RULES[ErrorKind.PROTOCOL_ERROR])
    links = _links(candidate, error)
    actions = tuple(a for a in rule.actions if a not in LINK_ACTIONS or a in dict(links))
    certificates = _certificates(error, ((side, error), *other_errors)) if error.kind in CERT_KINDS else ()
    if Action.TRUST_CERTIFICATE in actions and not certificates:
        actions = tuple(a for a in actions if a is not Action.TRUST_CERTIFICATE)
    focus = error.field if error.field is not Field.NONE else focus_field(rule.focus, side)
    provider = candidate.provider.name if candidate is not None else ""
    return Problem(
        kind=error.kind,
        variant=rule.variant,
        side=side,
        title=rule_text(rule.title_text, provider),
        message=error.message or rule_text(rule.message_text, provider),
        fix=error.fix or rule_text(rule.fix_text, provider),
        actions=actions or (Action.GO_BACK,),
        focus=focus,
        details=_details(((side, error), *other_errors)),
        certificates=certificates,
        links=links,
    )


def check_problem(
    incoming: UserFacingError | None, outgoing: UserFacingError | None, candidate: Candidate | None
) -> Problem:
    """The Problem page for a failed check of both servers: the incoming server's error first."""
    errors = tuple((side, error) for side, error in ((INCOMING, incoming), (OUTGOING, outgoing)) if error is not None)
    if not errors:  # a failed report without a reason still must not be saved
        errors = ((INCOMING, UserFacingError(ErrorKind.PROTOCOL_ERROR, _("The check did not finish."))),)
    side, error = errors[0]
    return problem_for(error, side, candidate, errors[1:])


def _links(candidate: Candidate | None, error: UserFacingError) -> tuple[tuple[Action, str], ...]:
    """Web pages that may help: the error's own link first, then what discovery found."""
    if candidate is None:
        return ()
    help_url = str(error.data.get("url", "")) or next(iter(candidate.help_urls), "")
    app_password_url = str(error.data.get("url", "")) or str(candidate.extra.get("app_password_url", "")) or help_url
    enable_url = str(error.data.get("url", "")) or candidate.enable_url or help_url
    pairs = (
        (Action.OPEN_APP_PASSWORD_PAGE, app_password_url),
        (Action.OPEN_ENABLE_PAGE, enable_url),
        (Action.OPEN_HELP, help_url),
    )
    return tuple((action, url) for action, url in pairs if url.startswith(("https://", "http://")))


def _certificates(
    first: UserFacingError, errors: tuple[tuple[str, UserFacingError], ...]
) -> tuple[CertificateInfo, ...]:
    """The certificates to trust in one go (both servers often share one), without duplicates.

    Next to a certificate that can be trusted, only others that can: the other server's certificate
    made for a wrong name must never be pinned by the same click; its own problem comes after.
    """
    kinds = TRUSTABLE_KINDS if first.kind in TRUSTABLE_KINDS else CERT_KINDS
    found: dict[tuple[str, int], CertificateInfo] = {}
    for _side, error in errors:
        if error.kind in kinds:
            info = CertificateInfo.from_data(error.data)
            if info is not None:
                found.setdefault((info.host.lower(), info.port), info)
    return tuple(found.values())


def trusting(policy: ConnectionPolicy, problem: Problem) -> ConnectionPolicy:
    """`policy` with the problem's certificates pinned by SHA-256, replacing older pins for the same server.

    Only for a problem that offers "Trust this certificate" (an unknown or expired certificate); any other
    problem leaves the policy as it was, so a wrong name or a changed certificate is never pinned.
    """
    if Action.TRUST_CERTIFICATE not in problem.actions or problem.kind not in TRUSTABLE_KINDS:
        return policy
    pins = list(policy.pins)
    for cert in problem.certificates:
        pins = [p for p in pins if (p.host.lower(), p.port) != (cert.host.lower(), cert.port)]
        pins.append(CertificatePin(cert.host, cert.port, cert.sha256))
    return replace(policy, pins=tuple(pins))


def _details(errors: tuple[tuple[str, UserFacingError], ...]) -> str:
    """Technical facts for the Details expander and for support staff (never a password)."""
    lines = []
    for side, error in errors:
        # Translators: a line of technical details: which server, the error's code name, what happened.
        line = _("{side}: {kind} - {message}")
        lines.append(line.format(side=SIDE_WORDS.get(side, side), kind=error.kind, message=error.message))
        if error.details:
            lines.append(f"  {error.details}")
    return "\n".join(lines)


def offline_problem(message: str) -> Problem:
    error = UserFacingError(ErrorKind.OFFLINE, message or _("This computer does not seem to be connected."))
    return problem_for(error, "", None)


def save_problem(reason: str) -> Problem:
    return Problem(
        kind=ErrorKind.PROTOCOL_ERROR,
        variant=Variant.OTHER,
        side="",
        title=_("Your account could not be saved"),
        message=_("The settings work, but Deskmail could not save them on this computer."),
        fix=_("Check that the disk is not full, then try again."),
        actions=(Action.GO_BACK,),
        focus=Field.NONE,
        details=reason,
    )


def unexpected_problem(error: BaseException) -> Problem:
    wrapped = UserFacingError(
        ErrorKind.PROTOCOL_ERROR,
        _("Something unexpected went wrong while checking your settings."),
        details=redact(f"{type(error).__name__}: {error}"),
    )
    return problem_for(wrapped, "", None)
