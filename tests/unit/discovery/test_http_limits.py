"""The HTTP fetcher refuses unsafe URLs before any network traffic."""

from __future__ import annotations

import pytest

from deskmail.core.settings import Settings
from deskmail.net.http import HttpClient, HttpError

NO_NETWORK = Settings(dns_server=("127.0.0.1", 9))


@pytest.mark.parametrize(
    "url",
    [
        "https://user:secret@autoconfig.example.test/mail/config-v1.1.xml",
        "ftp://autoconfig.example.test/config.xml",
        "file:///etc/passwd",
        "https:///no-host",
        "https://autoconfig.example.test:99999/x",
    ],
)
def test_unsafe_urls_are_refused(url: str) -> None:
    with pytest.raises(HttpError) as info:
        HttpClient(NO_NETWORK).get(url, timeout=1.0)
    assert info.value.kind == "bad_url"
    assert "secret" not in str(info.value)
