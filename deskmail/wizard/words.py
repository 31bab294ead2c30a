"""Plain words for technical facts: how a connection is protected, where settings came from."""

from __future__ import annotations

import functools
import ipaddress
from collections.abc import Iterator, Mapping
from typing import TypeVar

from publicsuffixlist import PublicSuffixList

from deskmail.core.i18n import N_, _
from deskmail.core.serverconfig import Candidate, Security

K = TypeVar("K")


class TextTable(Mapping[K, str]):
    """A table of texts marked with N_() at import time that reads out in the language in use.

    The language is chosen after imports, so the table keeps the English message ids and translates
    each one when it is looked up: callers index it, iterate `items()` or `values()` as with a dict.
    """

    def __init__(self, texts: dict[K, str]) -> None:
        self._texts = texts

    def __getitem__(self, key: K) -> str:
        return _(self._texts[key])

    def __iter__(self) -> Iterator[K]:
        return iter(self._texts)

    def __len__(self) -> int:
        return len(self._texts)


SECURITY_WORDS = TextTable(
    {
        Security.SSL: N_("Encrypted (SSL/TLS)"),
        Security.STARTTLS: N_("Encrypted (STARTTLS)"),
        Security.PLAIN: N_("Not encrypted!"),
    }
)

# Where settings came from, finishing the sentence "We found these settings in ...".
SOURCE_WORDS = TextTable(
    {
        # Translators: these finish "Where these settings come from: ...", so they start in lower case.
        "bundled": N_("Deskmail's own list of e-mail providers"),
        "autoconfig": N_("your e-mail provider's website"),
        "wellknown": N_("your e-mail provider's website"),
        "ispdb": N_("the Thunderbird database of e-mail providers"),
        "mx": N_("the server that receives mail for your domain"),
        "srv": N_("the settings your domain publishes"),
        "guess": N_("a guess: we tried the usual server names and these answered"),
        "manual": N_("the settings you typed"),
    }
)

# Why an untrusted source needs a person to look before their password is sent anywhere.
CONFIRM_REASONS = TextTable(
    {
        "http": N_(
            "These settings came over an unprotected connection, so someone could have changed them on the way."
        ),
        "mx": N_("These settings were worked out from the server that receives your mail, not given by your provider."),
        "guess": N_("Nobody told us these settings: we guessed them because these servers answered."),
        "other": N_("We could not make sure these settings really come from your e-mail provider."),
    }
)


def security_words(security: Security) -> str:
    return SECURITY_WORDS[security]


def source_words(candidate: Candidate) -> str:
    words = SOURCE_WORDS.get(candidate.source) or _("an unknown place")
    if candidate.url.startswith("http://"):
        # Translators: {source} is one of the places settings come from ("your e-mail provider's website").
        return _("{source} (over an unprotected connection)").format(source=words)
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
