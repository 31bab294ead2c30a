"""Links that lie: visible text naming one domain while the link leads to another (Thunderbird's check).

"paypal.com" as the text of a link to https://paypa1-secure.example/ is the classic phishing trick.
Only text that itself looks like an address triggers the question: "Click here" or "Read more" say
nothing about where they go, so they never do. Domains compare by what someone registered
(www.paypal.com and paypal.com are the same owner; paypal.com.evil.example is not).
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from deskmail.core.i18n import _
from deskmail.discovery.domains import is_known_tld, registered_domain

# Text that is an address: optional scheme, optional user@, a dotted host, optional port and path.
_DOMAIN_TEXT = re.compile(
    r"""^(?:(?:https?|ftp)://)?          # scheme
        (?:[^\s@/]+@)?                   # user info (also the trick "paypal.com@evil.example")
        (?P<host>(?:[\w-]+\.)+[\w-]+)     # host: at least two labels
        \.?(?::\d{1,5})?                 # trailing dot, port
        (?:[/?#]\S*)?$                   # path, query, fragment
    """,
    re.VERBOSE | re.IGNORECASE,
)
WEB_SCHEMES = ("http", "https", "ftp")
RESERVED_TLDS = {"test", "example", "invalid", "localhost"}  # RFC 2606 names: real in tests and intranets
MAX_TEXT = 300  # longer link text is a sentence, not an address


@dataclass(frozen=True)
class DeceptiveLink:
    """What the text said and where the link really goes (both host names, lower case)."""

    says: str
    goes_to: str

    def question(self) -> str:
        return _("This link says {says} but goes to {goes_to}. Open anyway?").format(
            says=self.says, goes_to=self.goes_to
        )


def _ascii_host(host: str) -> str:
    """Lower case, no trailing dot, international names as their xn-- form so both sides compare alike."""
    host = host.strip().rstrip(".").lower()
    try:
        return host.encode("idna").decode("ascii")
    except UnicodeError:
        return host


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    return True


def named_host(text: str) -> str | None:
    """The host name a link's visible text spells out, or None when the text is not address-like."""
    text = text.strip().strip("<>()[]\"'").strip()
    if not text or len(text) > MAX_TEXT or any(ch.isspace() for ch in text):
        return None
    match = _DOMAIN_TEXT.match(text)
    if match is None:
        return None
    host = _ascii_host(match.group("host"))
    if _is_ip(host):
        return host
    tld = host.rsplit(".", 1)[-1]
    if tld.isdigit() or not (is_known_tld(tld) or tld in RESERVED_TLDS):  # "version 1.2", "report.pdf"
        return None
    return host


def _same_owner(named: str, real: str) -> bool:
    if _is_ip(named) or _is_ip(real):
        return named == real
    return registered_domain(named) == registered_domain(real)


def deceptive_link(text: str, href: str) -> DeceptiveLink | None:
    """A DeceptiveLink when `text` names a domain and `href` (a web link) goes to another one's."""
    try:
        parts = urlsplit(href.strip())
        real = parts.hostname or ""
    except ValueError:
        return None
    if parts.scheme.lower() not in WEB_SCHEMES or not real:
        return None
    named = named_host(text)
    if named is None:
        return None
    real = _ascii_host(real)
    if _same_owner(named, real):
        return None
    return DeceptiveLink(says=named, goes_to=real)  # look-alike Unicode shows in its revealing xn-- form
