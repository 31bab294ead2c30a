"""Reading config-v1.1.xml (Thunderbird autoconfig / ISPDB) safely and tolerantly.

Everything here comes from the network: no DTDs or entities (defusedxml), a size cap, and
strict checks on each server; a bad server entry is skipped and noted, not fatal.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from urllib.parse import urlsplit

import defusedxml
import defusedxml.ElementTree as SafeET

from deskmail.core.serverconfig import STANDARD_PORTS, Protocol, Security
from deskmail.discovery.address import is_host_name
from deskmail.discovery.model import ProviderConfig, ServerEntry

MAX_CONFIG_BYTES = 256 * 1024
_SOCKET_TYPES = {"ssl": Security.SSL, "starttls": Security.STARTTLS, "tls": Security.STARTTLS, "plain": Security.PLAIN}
_KEPT_INCOMING = ("imap", "pop3")
_SAMPLE = {"%EMAILDOMAIN%": "example.com", "%EMAILLOCALPART%": "user", "%EMAILADDRESS%": "user@example.com"}


class ConfigError(Exception):
    """The document is not a usable config-v1.1.xml file."""


def parse_config(data: bytes, *, limit: int = MAX_CONFIG_BYTES) -> ProviderConfig:
    """Parse one config-v1.1.xml document, or raise ConfigError."""
    if len(data) > limit:
        raise ConfigError(f"larger than {limit // 1024} KB")
    try:
        root = SafeET.fromstring(data, forbid_dtd=True)
    except defusedxml.DefusedXmlException as exc:
        raise ConfigError(f"refused unsafe XML ({type(exc).__name__})") from None
    except ET.ParseError as exc:
        raise ConfigError(f"not well-formed XML ({exc})") from None
    if _local(root.tag) != "clientConfig":
        raise ConfigError(f"not a clientConfig document (root <{_local(root.tag)}>)")
    provider = _child(root, "emailProvider")
    if provider is None:
        raise ConfigError("no <emailProvider>")
    config = ProviderConfig(
        id=(provider.get("id") or "").strip(),
        name=_text(provider, "displayName") or _text(provider, "displayShortName") or (provider.get("id") or ""),
        domains=[d.lower() for d in (_clean(e.text) for e in _children(provider, "domain")) if d],
    )
    for element in _children(provider, "incomingServer"):
        _add_server(config, element, config.incoming, _KEPT_INCOMING)
    for element in _children(provider, "outgoingServer"):
        _add_server(config, element, config.outgoing, ("smtp",))
    config.help_urls = _doc_urls(provider)
    _read_enable(config, _child(provider, "enable") or _child(root, "enable"))
    config.oauth2 = _read_oauth2(_child(provider, "oAuth2") or _child(root, "oAuth2"))
    if not config.incoming:
        raise ConfigError("no usable IMAP or POP3 server")
    return config


def _add_server(config: ProviderConfig, element: ET.Element, into: list[ServerEntry], kept: tuple[str, ...]) -> None:
    kind = (element.get("type") or "").strip().lower()
    if kind not in kept:
        return  # Exchange, EWS, Graph...: not ours, not a mistake
    try:
        into.append(_read_server(kind, element))
    except ConfigError as exc:
        config.problems.append(f"{kind} server skipped: {exc}")


def _read_server(kind: str, element: ET.Element) -> ServerEntry:
    host = _text(element, "hostname").rstrip(".")
    if not is_host_name(_sample(host)):
        raise ConfigError(f"bad host name {host!r}")
    socket_type = _text(element, "socketType").lower()
    if socket_type not in _SOCKET_TYPES:
        raise ConfigError(f"unknown socketType {socket_type!r}")
    security = _SOCKET_TYPES[socket_type]
    port_text = _text(element, "port")
    if not port_text:
        port = STANDARD_PORTS[(Protocol(kind), security)]
    elif port_text.isdigit() and 0 < int(port_text) < 65536:
        port = int(port_text)
    else:
        raise ConfigError(f"bad port {port_text!r}")
    auth = tuple(a.lower() for a in (_clean(e.text) for e in _children(element, "authentication")) if a)
    return ServerEntry(kind, host, port, security, _text(element, "username"), auth)


def _doc_urls(provider: ET.Element) -> list[str]:
    urls = []
    for element in _children(provider, "documentation"):
        url = (element.get("url") or "").strip()
        if _web_url(url) and url not in urls:
            urls.append(url)
    return urls


def _read_enable(config: ProviderConfig, element: ET.Element | None) -> None:
    if element is None:
        return
    url = (element.get("visiturl") or "").strip()
    config.enable_url = url if _web_url(url) else ""
    instructions = _children(element, "instruction")
    english = [e for e in instructions if (e.get("lang") or "en").lower().startswith("en")]
    chosen = english or instructions
    config.enable_instruction = _clean(chosen[0].text) if chosen else ""


def _read_oauth2(element: ET.Element | None) -> dict[str, str] | None:
    if element is None:
        return None
    names = {"issuer": "issuer", "scope": "scope", "authURL": "auth_url", "tokenURL": "token_url"}
    block = {key: _text(element, tag) for tag, key in names.items() if _text(element, tag)}
    return block or None


def _web_url(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme in ("http", "https") and bool(parts.hostname)


def _sample(template: str) -> str:
    for placeholder, value in _SAMPLE.items():
        template = template.replace(placeholder, value)
    return template


def _local(tag: str) -> str:
    return tag.rpartition("}")[2]


def _children(element: ET.Element, name: str) -> list[ET.Element]:
    return [child for child in element if _local(child.tag) == name]


def _child(element: ET.Element, name: str) -> ET.Element | None:
    found = _children(element, name)
    return found[0] if found else None


def _text(element: ET.Element, name: str) -> str:
    child = _child(element, name)
    return _clean(child.text) if child is not None else ""


def _clean(text: str | None) -> str:
    return (text or "").strip()
