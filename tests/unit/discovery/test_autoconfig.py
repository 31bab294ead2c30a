"""config-v1.1.xml parsing: the fields we keep, real-world mistakes, hostile documents."""

from __future__ import annotations

import pytest

from deskmail.core.serverconfig import Security
from deskmail.discovery.address import parse_address
from deskmail.discovery.autoconfig import ConfigError, parse_config
from deskmail.discovery.model import Origin, build_candidates

SAMPLE = b"""<?xml version="1.0" encoding="UTF-8"?>
<clientConfig version="1.1">
  <emailProvider id="example.com">
    <domain>example.com</domain>
    <domain>Example.NET</domain>
    <displayName>Example Mail</displayName>
    <incomingServer type="pop3">
      <hostname>pop.example.com</hostname><port>995</port><socketType>SSL</socketType>
      <username>%EMAILLOCALPART%</username><authentication>password-cleartext</authentication>
    </incomingServer>
    <incomingServer type="imap">
      <hostname>imap.example.com</hostname><port>143</port><socketType>STARTTLS</socketType>
      <username>%EMAILADDRESS</username><authentication>password-cleartext</authentication>
    </incomingServer>
    <incomingServer type="imap">
      <hostname>imap.%EMAILDOMAIN%</hostname><port>993</port><socketType>SSL</socketType>
      <username>%EMAILLOCALPART%.%EMAILDOMAIN%</username>
      <authentication>OAuth2</authentication><authentication>password-cleartext</authentication>
    </incomingServer>
    <incomingServer type="ews"><url>https://example.com/ews</url></incomingServer>
    <incomingServer type="imap">
      <hostname>bad host!</hostname><port>993</port><socketType>SSL</socketType>
    </incomingServer>
    <incomingServer type="imap">
      <hostname>imap2.example.com</hostname><port>99999</port><socketType>SSL</socketType>
    </incomingServer>
    <incomingServer type="imap">
      <hostname>imap3.example.com</hostname><port>993</port><socketType>quantum</socketType>
    </incomingServer>
    <outgoingServer type="smtp">
      <hostname>smtp.example.com</hostname><port>587</port><socketType>STARTTLS</socketType>
      <username>%EMAILADDRESS%</username><authentication>password-cleartext</authentication>
    </outgoingServer>
    <outgoingServer type="smtp">
      <hostname>smtp.example.com</hostname><port>465</port><socketType>SSL</socketType>
      <username>%EMAILADDRESS%</username><authentication>password-cleartext</authentication>
    </outgoingServer>
    <documentation url="https://example.com/help"><descr>Help</descr></documentation>
    <documentation url="javascript:alert(1)"><descr>nope</descr></documentation>
    <enable visiturl="https://example.com/settings">
      <instruction lang="de">Bitte einschalten</instruction>
      <instruction>Turn on IMAP first</instruction>
    </enable>
  </emailProvider>
  <oAuth2>
    <issuer>login.example.com</issuer><scope>mail</scope>
    <authURL>https://login.example.com/auth</authURL><tokenURL>https://login.example.com/token</tokenURL>
  </oAuth2>
</clientConfig>
"""


def test_keeps_every_server_links_and_oauth_block() -> None:
    config = parse_config(SAMPLE)
    assert config.id == "example.com" and config.name == "Example Mail"
    assert config.domains == ["example.com", "example.net"]
    assert [(s.protocol, s.host, s.port) for s in config.incoming] == [
        ("pop3", "pop.example.com", 995),
        ("imap", "imap.example.com", 143),
        ("imap", "imap.%EMAILDOMAIN%", 993),
    ]
    assert [s.port for s in config.smtp] == [465, 587]  # implicit TLS ranked first
    assert config.imap[0].security is Security.SSL
    assert config.help_urls == ["https://example.com/help"]
    assert config.enable_url == "https://example.com/settings"
    assert config.enable_instruction == "Turn on IMAP first"
    assert config.oauth2 == {
        "issuer": "login.example.com",
        "scope": "mail",
        "auth_url": "https://login.example.com/auth",
        "token_url": "https://login.example.com/token",
    }
    assert len(config.problems) == 3
    assert not config.pop3_only and not config.oauth_only


def test_candidates_substitute_placeholders_even_without_closing_percent() -> None:
    address = parse_address("Jane.Doe@Example.com")
    candidates = build_candidates(parse_config(SAMPLE), address, Origin("autoconfig", "https://x", True, "https"))
    first, second, *pop3 = candidates
    assert pop3 and all(c.incoming.protocol == "pop3" for c in pop3)  # POP3 only after every IMAP one
    assert (first.incoming.host, first.incoming.port, first.incoming.username) == (
        "imap.example.com",
        993,
        "Jane.Doe.example.com",
    )
    assert first.outgoing is not None and first.outgoing.port == 465
    assert second.incoming.username == "Jane.Doe@example.com"
    assert second.outgoing is not None and second.outgoing.port == 587
    assert first.enable_url == "https://example.com/settings"
    assert first.extra["oauth2"]["issuer"] == "login.example.com"


def test_plaintext_is_flagged_ranked_last_and_never_trusted() -> None:
    xml = SAMPLE.replace(b"<port>143</port><socketType>STARTTLS", b"<port>143</port><socketType>plain")
    address = parse_address("a@example.com")
    candidates = build_candidates(parse_config(xml), address, Origin("autoconfig", "https://x", True, "https"))
    assert candidates[-1].incoming.security is Security.PLAIN
    assert candidates[-1].extra["plaintext"] is True and not candidates[-1].trusted
    assert candidates[0].trusted


def test_pop3_only_and_oauth_only_detection() -> None:
    pop_only = b"""<clientConfig><emailProvider id="p"><incomingServer type="pop3"><hostname>pop.p.jp</hostname>
      <port>110</port><socketType>plain</socketType></incomingServer></emailProvider></clientConfig>"""
    assert parse_config(pop_only).pop3_only
    oauth_only = b"""<clientConfig><emailProvider id="o"><incomingServer type="imap"><hostname>imap.o.com</hostname>
      <port>993</port><socketType>SSL</socketType><authentication>OAuth2</authentication></incomingServer>
      </emailProvider></clientConfig>"""
    assert parse_config(oauth_only).oauth_only


@pytest.mark.parametrize(
    ("document", "words"),
    [
        (
            b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]>'
            b"<clientConfig>&lol2;</clientConfig>",
            "unsafe",
        ),
        (
            b'<?xml version="1.0"?><!DOCTYPE c [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
            b"<clientConfig><emailProvider>&xxe;</emailProvider></clientConfig>",
            "unsafe",
        ),
        (b"<clientConfig>" + b"<x/>" * 200_000 + b"</clientConfig>", "larger than"),
        (b"<clientConfig><emailProvider>", "well-formed"),
        (b"<html><body>Not found</body></html>", "not a clientConfig"),
        (b"<clientConfig></clientConfig>", "no <emailProvider>"),
        (b'<clientConfig><emailProvider id="x"><domain>x</domain></emailProvider></clientConfig>', "no usable"),
    ],
)
def test_hostile_and_broken_documents_are_refused(document: bytes, words: str) -> None:
    with pytest.raises(ConfigError) as info:
        parse_config(document)
    assert words in str(info.value)


def test_enable_block_inside_the_provider_and_missing_port_defaults() -> None:
    xml = b"""<clientConfig><emailProvider id="g"><incomingServer type="imap"><hostname>imap.g.de</hostname>
      <socketType>SSL</socketType></incomingServer>
      <enable visiturl="https://g.de/on"><instruction>On!</instruction></enable></emailProvider></clientConfig>"""
    config = parse_config(xml)
    assert config.imap[0].port == 993
    assert config.enable_url == "https://g.de/on"
