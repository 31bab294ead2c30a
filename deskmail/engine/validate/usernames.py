"""Which user names to try, in order: the configured one, then the address / local part swap."""

from __future__ import annotations

PLACEHOLDERS = ("%EMAILADDRESS%", "%EMAILLOCALPART%", "%EMAILDOMAIN%")


def expand(template: str, email: str) -> str:
    """Fill config-v1.1 placeholders such as %EMAILLOCALPART% from the address."""
    local, _, domain = email.partition("@")
    return template.replace("%EMAILADDRESS%", email).replace("%EMAILLOCALPART%", local).replace("%EMAILDOMAIN%", domain)


def username_candidates(configured: str, email: str) -> list[str]:
    """The configured name first; the other of (full address, local part) only when the
    configured name is one of them, because some providers want one and some the other.
    A name that is neither (an account number, say) is the provider's choice: no guessing."""
    name = expand(configured, email) if email else configured
    if not email or "@" not in email:
        return [name] if name else []
    local = email.partition("@")[0]
    if not name:
        return [email, local]
    if name.lower() == email.lower():
        return [name, local]
    if name == local:
        return [name, email]
    return [name]
