"""The answer of one discovery: outcome, ranked candidates, the look-up log, plain-language message."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from deskmail.core.i18n import _
from deskmail.core.serverconfig import Candidate, ServerConfig
from deskmail.discovery.context import Context, Lookup, SourceReport
from deskmail.discovery.domains import registered_domain


class Outcome(StrEnum):
    FOUND = "found"
    POP3_ONLY = "pop3_only"
    OAUTH_ONLY = "oauth_only"
    IMAP_DISABLED = "imap_disabled"
    NOT_FOUND = "not_found"
    NO_SUCH_DOMAIN = "no_such_domain"
    OFFLINE = "offline"


@dataclass
class DiscoveryResult:
    email: str
    outcome: Outcome
    candidates: list[Candidate] = field(default_factory=list)  # best first
    lookups: list[Lookup] = field(default_factory=list)
    message: str = ""  # plain words: why nothing usable was found, or what to do first
    pop3: list[ServerConfig] = field(default_factory=list)  # POP3 servers seen (also in candidates, after IMAP)
    reason: str = ""  # finer detail for not_found: no_mail_servers | no_imap | ""
    hint: str | None = None  # typo hint for the domain ("gmail.com")
    ms: int = 0

    @property
    def usable(self) -> bool:
        """True when there is an IMAP + SMTP candidate to try."""
        return self.outcome is Outcome.FOUND and any(c.outgoing is not None for c in self.candidates)

    def imap_disabled(self) -> DiscoveryResult:
        """The same result, re-labelled after a login check said IMAP is switched off."""
        link = next((c.enable_url for c in self.candidates if c.enable_url), "")
        name = self.candidates[0].provider.name if self.candidates else ""
        if name and link:
            message = _("IMAP is turned off for this account. Turn it on in your {name} web settings first: {link}")
        elif name:
            message = _("IMAP is turned off for this account. Turn it on in your {name} web settings first.")
        elif link:
            message = _("IMAP is turned off for this account. Turn it on in your provider's web settings first: {link}")
        else:
            message = _("IMAP is turned off for this account. Turn it on in your provider's web settings first.")
        message = message.format(name=name, link=link)
        return dataclasses.replace(self, outcome=Outcome.IMAP_DISABLED, message=message)

    def to_json(self) -> dict[str, Any]:
        return {
            "email": self.email,
            "outcome": str(self.outcome),
            "message": self.message,
            "reason": self.reason,
            "hint": self.hint,
            "ms": self.ms,
            "candidates": [c.to_json() for c in self.candidates],
            "pop3": [p.to_json() for p in self.pop3],
            "lookups": [lookup.to_json() for lookup in self.lookups],
        }


def assemble(ctx: Context, reports: list[SourceReport], hint: str | None = None) -> DiscoveryResult:
    """Pick the winner (highest priority useful report) and rank everyone's candidates after it."""
    ordered = sorted(reports, key=lambda r: r.priority)
    useful = [r for r in ordered if r.useful]
    result = DiscoveryResult(ctx.address.email, Outcome.NOT_FOUND, lookups=ctx.lookups_so_far(), hint=hint)
    if not useful:
        # Servers found without a partner (IMAP but no SMTP) still help someone typing settings in.
        result.candidates = _merge([r for r in ordered if r.candidates])
        return _nothing(ctx, result)
    winner = useful[0]
    result.candidates = _merge([winner, *[r for r in ordered if r is not winner and r.kind in ("found", "none")]])
    result.pop3 = winner.pop3
    name = winner.config.name if winner.config else ctx.address.domain_unicode
    if winner.kind == "found":
        result.outcome = Outcome.FOUND
        result.message = _found_message(result.candidates[0], name)
    elif winner.kind == "pop3_only":
        result.outcome = Outcome.POP3_ONLY
        result.message = _(
            "{name} only offers POP3, which downloads mail to one computer, and no server for sending "
            "mail was found. Enter the outgoing (SMTP) server from your provider's help pages."
        ).format(name=name)
    elif winner.kind == "oauth_only":
        result.outcome = Outcome.OAUTH_ONLY
        result.message = _(
            "{name} does not accept passwords from e-mail apps: it wants you to sign in on its own web "
            "page (OAuth2). An app password may work instead."
        ).format(name=name)
    else:  # no_imap
        result.reason, result.candidates = "no_imap", []
        note = winner.config.note if winner.config else ""
        result.message = (
            _(note) if note else _("{name} does not let other e-mail apps read your mail.").format(name=name)
        )
    return result


def _found_message(best: Candidate, name: str) -> str:
    parts = []
    if best.extra.get("login") == "app_password":
        parts.append(_("{name} may need an app password instead of your normal password.").format(name=name))
    if best.extra.get("note"):
        parts.append(_(str(best.extra["note"])))  # the provider table's words, translated (providers.NOTES)
    if best.enable_url:
        parts.append(
            _("If signing in fails, turn on IMAP in your {name} settings first: {link}").format(
                name=name, link=best.enable_url
            )
        )
    return " ".join(parts)


def _nothing(ctx: Context, result: DiscoveryResult) -> DiscoveryResult:
    """Why nothing was found, in whole sentences; with a typo hint, its own whole text asks about it."""
    domain, hint = ctx.address.domain_unicode, result.hint
    if ctx.no_such_domain:
        result.outcome = Outcome.NO_SUCH_DOMAIN
        if hint:
            # Translators: {hint} is a well-known domain the person may have meant, e.g. gmail.com.
            text = _("The domain {domain} does not exist. Please check the part after the @ sign. Did you mean {hint}?")
        else:
            text = _("The domain {domain} does not exist. Please check the part after the @ sign.")
    elif ctx.answers == 0 and ctx.offline_failures > 0:
        result.outcome = Outcome.OFFLINE
        if hint:
            # Translators: {hint} is a well-known domain the person may have meant, e.g. gmail.com.
            text = _(
                "Deskmail cannot reach the internet. Please check your connection and try again. Did you mean {hint}?"
            )
        else:
            text = _("Deskmail cannot reach the internet. Please check your connection and try again.")
    elif ctx.no_mail_servers:
        result.reason = "no_mail_servers"
        if hint:
            # Translators: {hint} is a well-known domain the person may have meant, e.g. gmail.com.
            text = _(
                "{domain} does not receive e-mail: it has no mail servers. Please check the address. "
                "Did you mean {hint}?"
            )
        else:
            text = _("{domain} does not receive e-mail: it has no mail servers. Please check the address.")
    elif hint:
        # Translators: {hint} is a well-known domain the person may have meant, e.g. gmail.com.
        text = _(
            "We could not find the settings for {domain}. You can enter them yourself: your provider's "
            "help pages list the IMAP and SMTP server names. Did you mean {hint}?"
        )
    else:
        text = _(
            "We could not find the settings for {domain}. You can enter them yourself: your provider's "
            "help pages list the IMAP and SMTP server names."
        )
    result.message = text.format(domain=domain, hint=hint)
    return result


def _merge(reports: list[SourceReport]) -> list[Candidate]:
    """Candidates of several sources, best source first, each server pair once."""
    seen: set[tuple[Any, ...]] = set()
    merged: list[Candidate] = []
    for report in reports:
        for candidate in report.candidates:
            key = (_key(candidate.incoming), _key(candidate.outgoing))
            if key not in seen:
                seen.add(key)
                merged.append(candidate)
    for candidate in merged:
        if not candidate.trusted:
            _add_server_domains(candidate)
    # Complete candidates first, plaintext last, otherwise the sources' order.
    return sorted(merged, key=lambda c: (c.outgoing is None, bool(c.extra.get("plaintext"))))


def _add_server_domains(candidate: Candidate) -> None:
    """The registered domains a person must recognise before confirming an untrusted candidate."""
    servers = [candidate.incoming, *([candidate.outgoing] if candidate.outgoing else [])]
    candidate.extra["server_domains"] = sorted({registered_domain(server.host) for server in servers})


def _key(server: ServerConfig | None) -> tuple[Any, ...]:
    if server is None:
        return ()
    return (server.protocol, server.host, server.port, server.security, server.username)
