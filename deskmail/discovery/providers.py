"""The bundled provider table (resources/providers.json): instant, offline answers.

The JSON ships inside the package (package data) and is found through `deskmail.resources`, so a
source checkout, a wheel install and a PyInstaller bundle all read the same file.
Each entry: id, name, domains, mx (suffixes of MX host names, matched on label boundaries),
imap/smtp/pop3 as [host, port, security], username template, login
(password | app_password | oauth2 | bridge | none), help_urls, app_password_url, enable_url, note,
oauth2 (auth_url, token_url, scope, auth_params, client_id: see deskmail/engine/oauth/provider.py).
"""

from __future__ import annotations

import functools
import json
from typing import Any

from deskmail.core.i18n import N_
from deskmail.core.serverconfig import AUTH_OAUTH2, AUTH_PASSWORD_CLEARTEXT, Security
from deskmail.discovery.model import ProviderConfig, ServerEntry
from deskmail.resources import resource_path

LOGIN_KINDS = ("password", "app_password", "oauth2", "bridge", "none")
# The table's notes, marked for translation here because the catalog tools read Python, not JSON;
# shown through `_(note)`. tests/unit/discovery/test_providers.py keeps this list in step with the file.
NOTES = (
    N_("Telekom Mail needs a separate e-mail password set in the E-Mail-Center."),
    N_(
        "Proton Mail works with other apps only through Proton Mail Bridge, running on this computer; "
        "use the password Bridge shows."
    ),
    N_("Tuta does not let other e-mail apps read its mail (it offers no IMAP)."),
)


class ProviderTable:
    """Look-ups by e-mail domain and by MX host name."""

    def __init__(self, providers: tuple[ProviderConfig, ...]) -> None:
        self.providers = providers
        self._by_domain = {domain: provider for provider in providers for domain in provider.domains}

    def for_domain(self, domain: str) -> ProviderConfig | None:
        return self._by_domain.get(domain.lower().rstrip("."))

    def for_mx_host(self, host: str) -> ProviderConfig | None:
        """The provider whose MX pattern matches `host` (longest pattern wins)."""
        host = host.lower().rstrip(".")
        best: tuple[int, ProviderConfig] | None = None
        for provider in self.providers:
            for pattern in provider.mx:
                if (host == pattern or host.endswith("." + pattern)) and (best is None or len(pattern) > best[0]):
                    best = (len(pattern), provider)
        return best[1] if best else None

    def all_domains(self) -> list[str]:
        return sorted(self._by_domain)


@functools.cache
def bundled_table() -> ProviderTable:
    """The table shipped with Deskmail (read once)."""
    text = resource_path("providers.json").read_text(encoding="utf-8")
    return load_table(json.loads(text))


def load_table(data: dict[str, Any]) -> ProviderTable:
    return ProviderTable(tuple(_provider(entry) for entry in data["providers"]))


def _provider(entry: dict[str, Any]) -> ProviderConfig:
    login = str(entry.get("login", "password"))
    if login not in LOGIN_KINDS:
        raise ValueError(f"{entry.get('id')}: unknown login kind {login!r}")
    auth = (AUTH_OAUTH2,) if login == "oauth2" else (AUTH_PASSWORD_CLEARTEXT,)
    username = str(entry.get("username", "%EMAILADDRESS%"))

    def servers(key: str, protocol: str) -> list[ServerEntry]:
        rows = entry.get(key, [])
        return [ServerEntry(protocol, str(h), int(p), Security(str(s)), username, auth) for h, p, s in rows]

    return ProviderConfig(
        id=str(entry["id"]),
        name=str(entry["name"]),
        domains=[str(d).lower() for d in entry.get("domains", [])],
        incoming=servers("imap", "imap") + servers("pop3", "pop3"),
        outgoing=servers("smtp", "smtp"),
        help_urls=[str(u) for u in entry.get("help_urls", [])],
        enable_url=str(entry.get("enable_url", "")),
        login=login,
        app_password_url=str(entry.get("app_password_url", "")),
        note=str(entry.get("note", "")),
        mx=[str(m).lower() for m in entry.get("mx", [])],
        oauth2={str(k): str(v) for k, v in entry["oauth2"].items()} if entry.get("oauth2") else None,
    )
