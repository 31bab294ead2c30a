"""Shared fixtures: the real-server test bed (see tests/servers/README.md)."""

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
