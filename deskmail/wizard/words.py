"""Plain words for technical facts: how a connection is protected, where settings came from."""

from __future__ import annotations

import functools
import ipaddress

from publicsuffixlist import PublicSuffixList

from deskmail.core.serverconfig import Candidate, Security

SECURITY_WORDS = {
    Security.SSL: "Encrypted (SSL/TLS)",
    Security.STARTTLS: "Encrypted (STARTTLS)",
    Security.PLAIN: "Not encrypted!",
}

# Where settings came from, finishing the sentence "We found these settings in ...".
SOURCE_WORDS = {
    "bundled": "Deskmail's own list of e-mail providers",
    "autoconfig": "your e-mail provider's website",
    "wellknown": "your e-mail provider's website",
    "ispdb": "the Thunderbird database of e-mail providers",
    "mx": "the server that receives mail for your domain",
    "srv": "the settings your domain publishes",
    "guess": "a guess: we tried the usual server names and these answered",
    "manual": "the settings you typed",
}

# Why an untrusted source needs a person to look before their password is sent anywhere.
CONFIRM_REASONS = {
    "http": "These settings came over an unprotected connection, so someone could have changed them on the way.",
    "mx": "These settings were worked out from the server that receives your mail, not given by your provider.",
    "guess": "Nobody told us these settings: we guessed them because these servers answered.",
    "other": "We could not make sure these settings really come from your e-mail provider.",
}


def security_words(security: Security) -> str:
    return SECURITY_WORDS[security]


def source_words(candidate: Candidate) -> str:
    words = SOURCE_WORDS.get(candidate.source, "an unknown place")
    if candidate.url.startswith("http://"):
        words += " (over an unprotected connection)"
    return words


def confirm_reason(candidate: Candidate) -> str:
    """The "Please confirm" explanation for settings that are not trusted ("" when they are)."""
    if candidate.trusted:
        return ""
    if candidate.url.startswith("http://"):
        return CONFIRM_REASONS["http"]
    return CONFIRM_REASONS.get(candidate.source, CONFIRM_REASONS["other"])


@functools.cache
def _psl() -> PublicSuffixList:
    return PublicSuffixList(accept_unknown=False)


def registered_domain(host: str) -> str:
    """The part of a server name someone registered ("example.co.uk" of "imap.mail.example.co.uk")."""
    host = host.strip().lower().rstrip(".")
    if not host or _is_ip(host):
        return host
    found = _psl().privatesuffix(host)
    return str(found) if found else ".".join(host.split(".")[-2:])


def split_host(host: str) -> tuple[str, str]:
    """("imap.", "example.com"): the prefix in small type, the registered domain in large type."""
    domain = registered_domain(host)
    host = host.strip().rstrip(".")
    if domain and host.lower().endswith(domain) and len(host) > len(domain):
        return host[: len(host) - len(domain)], host[len(host) - len(domain) :]
    return "", host


def _is_ip(text: str) -> bool:
    try:
        ipaddress.ip_address(text.strip("[]"))
    except ValueError:
        return False
    return True
