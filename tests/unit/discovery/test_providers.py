"""The bundled provider table: complete, consistent, found by domain and by MX host."""

from __future__ import annotations

import json

import pytest

from deskmail.discovery.address import is_host_name
from deskmail.discovery.providers import LOGIN_KINDS, NOTES, bundled_table
from deskmail.resources import resource_path


def test_table_covers_the_big_providers() -> None:
    table = bundled_table()
    assert len(table.providers) >= 40
    for domain in (
        "gmail.com",
        "outlook.com",
        "hotmail.com",
        "yahoo.com",
        "icloud.com",
        "aol.com",
        "gmx.de",
        "web.de",
        "t-online.de",
        "orange.fr",
        "free.fr",
        "libero.it",
        "mail.ru",
        "yandex.ru",
        "zoho.com",
        "fastmail.com",
        "mailbox.org",
        "posteo.de",
        "proton.me",
        "qq.com",
        "163.com",
        "126.com",
        "naver.com",
        "comcast.net",
    ):
        assert table.for_domain(domain) is not None, domain
    assert table.for_domain("GMAIL.COM.") is table.for_domain("gmail.com")


def test_every_entry_is_well_formed() -> None:
    raw = json.loads(resource_path("providers.json").read_text("utf-8"))
    assert raw["version"] == 1
    for provider in bundled_table().providers:
        assert provider.login in LOGIN_KINDS
        assert provider.help_urls and all(u.startswith("https://") for u in provider.help_urls), provider.id
        if provider.login != "none":
            assert provider.imap and provider.smtp, provider.id
        for server in provider.incoming + provider.outgoing:
            assert is_host_name(server.host) and 0 < server.port < 65536, provider.id
            assert server.security.encrypted, provider.id  # we never bundle plaintext
        assert provider.domains or provider.mx, provider.id


@pytest.mark.parametrize(
    ("mx_host", "provider_id"),
    [
        ("aspmx.l.google.com", "google-workspace"),
        ("smtp.google.com", "google-workspace"),
        ("contoso-com.mail.protection.outlook.com", "microsoft365"),
        ("in1-smtp.messagingengine.com", "fastmail"),
        ("mx.zoho.com", "zoho-workplace"),
        ("mx2.zoho.eu", "zoho-workplace-eu"),
        ("mx01.mail.icloud.com", "icloud"),
        ("mail.protonmail.ch", "proton"),
        ("mx00.ionos.de", "ionos"),
        ("mx.example.com", None),
        ("notgoogle.com", None),  # suffixes match on label boundaries only
    ],
)
def test_mx_patterns(mx_host: str, provider_id: str | None) -> None:
    provider = bundled_table().for_mx_host(mx_host)
    assert (provider.id if provider else None) == provider_id


def test_login_needs_are_recorded() -> None:
    table = bundled_table()
    gmail, outlook, proton = (table.for_domain(d) for d in ("gmail.com", "outlook.com", "proton.me"))
    assert gmail is not None and gmail.login == "app_password" and gmail.app_password_url
    assert outlook is not None and outlook.oauth_only
    assert proton is not None and proton.login == "bridge" and proton.imap[0].host == "127.0.0.1"


def test_every_note_of_the_table_is_marked_for_translation() -> None:
    notes = {provider.note for provider in bundled_table().providers if provider.note}
    assert notes == set(NOTES), "providers.NOTES must list every note of providers.json, word for word"
