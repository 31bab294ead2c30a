"""Shared fixtures: the real-server test bed (see tests/servers/README.md)."""

import os
from collections.abc import Iterator

import pytest

from deskmail.core import i18n
from tests.servers.plugin import (  # noqa: F401  (pytest finds fixtures and hooks by name here)
    _testbed_isolation,
    courier,
    deskmail_home,
    dns_factory,
    dovecot_factory,
    fault_proxy,
    keyring_env,
    oauth_server,
    pytest_runtest_makereport,
    pytest_runtest_setup,
    pytest_sessionfinish,
    scratch_testbed,
    smtp_factory,
    testbed,
)

# Tests read English words unless they choose another language (child processes inherit this).
os.environ["DESKMAIL_LANG"] = "en"


@pytest.fixture(autouse=True)
def _english_again() -> Iterator[None]:
    """A test that switched language (i18n.use, DESKMAIL_LANG) leaves the next one in English."""
    yield
    os.environ["DESKMAIL_LANG"] = "en"
    if i18n.language() != "en":
        i18n.use("en")
