"""Settings from the environment, for tests and advanced users.

Every variable is read in one place so the CLI, the app and the tests agree.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

DEFAULT_ISPDB_URL = "https://autoconfig.thunderbird.net/v1.1/"


@dataclass(frozen=True)
class Settings:
    """Process-wide overrides; `from_env()` builds them from DESKMAIL_* variables."""

    dns_server: tuple[str, int] | None = None
    extra_ca: Path | None = None
    ispdb_url: str = DEFAULT_ISPDB_URL
    home: Path | None = None
    # DESKMAIL_OAUTH_CLIENT_<PROVIDER> / DESKMAIL_OAUTH_SECRET_<PROVIDER>: OAuth2 client ids for packagers.
    oauth_env: tuple[tuple[str, str], ...] = ()

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> Settings:
        env = os.environ if environ is None else environ
        return cls(
            dns_server=_parse_host_port(env.get("DESKMAIL_DNS_SERVER", ""), 53),
            extra_ca=Path(env["DESKMAIL_EXTRA_CA"]) if env.get("DESKMAIL_EXTRA_CA") else None,
            ispdb_url=_with_slash(env.get("DESKMAIL_ISPDB_URL") or DEFAULT_ISPDB_URL),
            home=Path(env["DESKMAIL_HOME"]) if env.get("DESKMAIL_HOME") else None,
            oauth_env=tuple(sorted((k, v) for k, v in env.items() if k.startswith("DESKMAIL_OAUTH_") and v.strip())),
        )


def _with_slash(url: str) -> str:
    return url if url.endswith("/") else url + "/"


def _parse_host_port(value: str, default_port: int) -> tuple[str, int] | None:
    """Parse `host`, `host:port`, `[v6]:port` or `v6`."""
    value = value.strip()
    if not value:
        return None
    if value.startswith("["):
        host, _, rest = value[1:].partition("]")
        return host, int(rest[1:]) if rest.startswith(":") else default_port
    if value.count(":") == 1:
        host, port = value.split(":")
        return host, int(port)
    return value, default_port
