"""E-mail address checks for the setup wizard: syntax, international domains, typo hints."""

from __future__ import annotations

import re
from dataclasses import dataclass

import idna

from deskmail.core.i18n import _
from deskmail.discovery.domains import is_known_tld

# RFC 5322 atext plus any non-ASCII character (RFC 6531 allows UTF-8 local parts).
_ATOM = r"[A-Za-z0-9!#$%&'*+\-/=?^_`{|}~\u0080-\U0010ffff]+"
_DOT_ATOM = re.compile(rf"{_ATOM}(?:\.{_ATOM})*")
_QUOTED = re.compile(r'"(?:[^"\\\r\n]|\\[^\r\n])*"')
_LDH_LABEL = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?")
_ANGLE_ADDR = re.compile(r"<([^<>]*)>\s*$")  # "Jane Doe <jane@example.com>", pasted from a message
_EDGE_COMMENT = re.compile(r"^\([^()]*\)\s*|\s*\([^()]*\)$")  # RFC 5322 comments at either end
_LOCAL_MAX = 64
_ADDRESS_MAX = 254
_DOMAIN_MAX = 253


class AddressError(ValueError):
    """The text is not a usable e-mail address; `message` says why in plain words."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Address:
    """A checked address: local part as typed, domain in both spellings, lower case."""

    local: str
    domain: str  # A-label (ASCII, "xn--..."), what DNS and URLs use
    domain_unicode: str  # U-label, what people read

    @property
    def email(self) -> str:
        """The address as people write it (Unicode domain)."""
        return f"{self.local}@{self.domain_unicode}"

    @property
    def ascii_email(self) -> str:
        return f"{self.local}@{self.domain}"

    def __str__(self) -> str:
        return self.email


def parse_address(text: str) -> Address:
    """Check `text` and return the address, or raise AddressError with a plain message."""
    text = text.strip()
    if text.lower().startswith("mailto:"):
        text = text[7:]
    angle = _ANGLE_ADDR.search(text)
    if angle:
        text = angle.group(1).strip()
    text = _EDGE_COMMENT.sub("", text).strip()
    if not text:
        raise AddressError(_("Please type your e-mail address."))
    if any(ch.isspace() for ch in text) and not text.startswith('"'):
        raise AddressError(_("An e-mail address cannot contain spaces."))
    if "@" not in text:
        raise AddressError(_("An e-mail address needs an @ sign, like name@example.com."))
    local, _at, domain_text = text.rpartition("@")
    _check_local(local)
    ascii_domain, unicode_domain = normalise_domain(domain_text)
    address = Address(local, ascii_domain, unicode_domain)
    if len(address.ascii_email.encode("utf-8")) > _ADDRESS_MAX:
        raise AddressError(_("This e-mail address is too long."))
    return address


def _check_local(local: str) -> None:
    if not local:
        raise AddressError(_("The part before the @ sign is missing."))
    if len(local.encode("utf-8")) > _LOCAL_MAX:
        raise AddressError(_("The part before the @ sign is too long (at most 64 characters)."))
    if _DOT_ATOM.fullmatch(local) or _QUOTED.fullmatch(local):
        return
    if "@" in local:
        raise AddressError(_("An e-mail address has only one @ sign."))
    if local.startswith(".") or local.endswith(".") or ".." in local:
        raise AddressError(_("The part before the @ sign cannot start or end with a dot or have two dots in a row."))
    raise AddressError(_("The part before the @ sign contains characters an e-mail address cannot have."))


def normalise_domain(text: str) -> tuple[str, str]:
    """Return (A-label, U-label) of a domain, lower case, checked per IDNA 2008 / UTS 46."""
    domain = text.strip().rstrip(".")
    if not domain:
        raise AddressError(_("The part after the @ sign is missing."))
    if domain.startswith("["):
        raise AddressError(_("Please use an address with a domain name, not a server address."))
    try:
        ascii_domain = idna.encode(domain, uts46=True).decode("ascii")
        unicode_domain = idna.decode(ascii_domain)
    except (idna.IDNAError, UnicodeError):
        raise AddressError(_("“{domain}” is not a valid domain name.").format(domain=domain)) from None
    labels = ascii_domain.split(".")
    if len(labels) < 2:
        raise AddressError(
            _("The domain “{domain}” is incomplete: it needs a dot, like example.com.").format(domain=domain)
        )
    if len(ascii_domain) > _DOMAIN_MAX or not all(_LDH_LABEL.fullmatch(label) for label in labels):
        raise AddressError(_("“{domain}” is not a valid domain name.").format(domain=domain))
    if labels[-1].isdigit():
        raise AddressError(_("Please use an address with a domain name, not a server address."))
    return ascii_domain, unicode_domain


def is_host_name(text: str) -> bool:
    """True for a syntactically valid ASCII host name (letters, digits, hyphens, dots)."""
    host = text.lower().rstrip(".")
    if not host or len(host) > _DOMAIN_MAX:
        return False
    return all(_LDH_LABEL.fullmatch(label) for label in host.split("."))


# Domains people mistype most often; hints are only ever offered towards these.
POPULAR_DOMAINS = (
    "gmail.com",
    "googlemail.com",
    "outlook.com",
    "hotmail.com",
    "hotmail.co.uk",
    "hotmail.fr",
    "live.com",
    "msn.com",
    "yahoo.com",
    "yahoo.co.uk",
    "yahoo.fr",
    "ymail.com",
    "icloud.com",
    "me.com",
    "aol.com",
    "gmx.de",
    "gmx.net",
    "gmx.com",
    "web.de",
    "t-online.de",
    "orange.fr",
    "wanadoo.fr",
    "free.fr",
    "laposte.net",
    "libero.it",
    "virgilio.it",
    "mail.ru",
    "yandex.ru",
    "yandex.com",
    "zoho.com",
    "fastmail.com",
    "mailbox.org",
    "posteo.de",
    "proton.me",
    "protonmail.com",
    "qq.com",
    "163.com",
    "126.com",
    "naver.com",
    "comcast.net",
    "verizon.net",
    "att.net",
    "sbcglobal.net",
    "btinternet.com",
    "sky.com",
    "shaw.ca",
    "rogers.com",
    "bigpond.com",
    "uol.com.br",
    "bol.com.br",
    "rambler.ru",
    "seznam.cz",
    "wp.pl",
    "o2.pl",
    "onet.pl",
    "interia.pl",
)
_POPULAR = frozenset(POPULAR_DOMAINS)
# Brands whose mail lives on ".com": "gmail.net" or "gmail" alone almost surely meant "gmail.com".
_COM_BRANDS = frozenset({"gmail", "googlemail", "hotmail", "outlook", "yahoo", "ymail", "icloud", "aol"})
_TLD_FIXES = {"con": "com", "cm": "com", "om": "com", "comm": "com", "cmo": "com", "ocm": "com", "vom": "com"}


def typo_hint(address: str | Address) -> str | None:
    """A popular domain the address probably meant ("gmail.com"), or None if it looks right."""
    if isinstance(address, Address):
        domain = address.domain_unicode
    else:
        domain = address.rpartition("@")[2].strip().lower().rstrip(".")
    if not domain or domain in _POPULAR:
        return None
    best: tuple[int, str] | None = None
    for candidate in _typo_forms(domain):
        if candidate in _POPULAR:
            return candidate
    tld = domain.rpartition(".")[2]
    for popular in POPULAR_DOMAINS:
        # Two edits only within the same top-level domain or to repair a made-up one ("gmaul.cim"):
        # "hotmail.de" is real and must not become "hotmail.fr".
        same_tld = popular.endswith("." + tld) or not is_known_tld(tld)
        limit = 2 if len(popular) >= 8 and same_tld else 1
        if abs(len(popular) - len(domain)) > limit:
            continue
        distance = _edit_distance(domain, popular, limit)
        if distance <= limit and (best is None or distance < best[0]):
            best = (distance, popular)
    return best[1] if best else None


def _typo_forms(domain: str) -> list[str]:
    """Cheap repairs: a wrong top-level domain, a missing dot before "com"/"net"."""
    forms = []
    if domain.endswith((".com.com", ".net.net")):
        forms.append(domain[:-4])
    name, dot, tld = domain.rpartition(".")
    brand = domain.split(".")[0]
    if brand in _COM_BRANDS and (not dot or (name == brand and (len(tld) != 2 or tld == "co"))):
        forms.append(f"{brand}.com")
    if dot and tld in _TLD_FIXES:
        forms.append(f"{name}.{_TLD_FIXES[tld]}")
    for ending in ("com", "net", "de", "fr", "it", "ru"):
        if not dot and domain.endswith(ending) and len(domain) > len(ending):
            forms.append(f"{domain[: -len(ending)]}.{ending}")
    return forms


def _edit_distance(a: str, b: str, limit: int) -> int:
    """Damerau-Levenshtein (optimal string alignment) distance, stopping early above `limit`."""
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            cost = 0 if ca == cb else 1
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                current[j] = min(current[j], previous2[j - 2] + 1)
        if min(current) > limit:
            return limit + 1
        previous2, previous = previous, current
    return previous[-1]
