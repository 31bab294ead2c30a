"""pytest fixtures and hooks of the test bed (imported by tests/conftest.py)."""

from __future__ import annotations

import os
from collections.abc import Callable, Generator, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.servers import procs
from tests.servers.bed import Testbed
from tests.servers.certs import MAIL_NAMES, CertFiles
from tests.servers.courier import Courier
from tests.servers.dnsserver import DnsServer
from tests.servers.dovecot import Dovecot
from tests.servers.faultproxy import FaultProxy
from tests.servers.keyrings import KeyringService, activate_in_process
from tests.servers.oauth import OAuthServer
from tests.servers.smtp import Behaviour, SmtpServer
from tests.servers.zone import Record

LOG_TAIL = 12_000  # characters of each server log shown under a failing test
_offsets: dict[str, int] = {}


@pytest.fixture(scope="session")
def testbed() -> Iterator[Testbed]:
    """DNS, Dovecot, SMTP and web servers on a private 127.A.B.0/24 block, plus the test CA."""
    bed = Testbed()
    yield bed
    bed.stop()


@pytest.fixture
def dovecot_factory(testbed: Testbed) -> Iterator[Callable[..., Dovecot]]:
    """Start Dovecot variants on fresh addresses (host vN.example.test); stopped after the test.

    Options: cert (CertFiles; default: one for its host, imap.example.test etc. and its IP),
    starttls (False = no TLS at all, 143 only), implicit_tls (False = no 993), remove_capabilities
    (e.g. ("CONDSTORE", "QRESYNC")), extra_config (raw Dovecot config), users (dict email -> password;
    default: the bed's ready account), oauth (an OAuthServer from `oauth_server`: OAUTHBEARER and
    XOAUTH2 logins are checked by Dovecot's oauth2 passdb against its introspection endpoint).
    """
    started: list[Dovecot] = []

    def make(
        *,
        cert: CertFiles | None = None,
        starttls: bool = True,
        implicit_tls: bool = True,
        remove_capabilities: tuple[str, ...] | list[str] = (),
        extra_config: str = "",
        users: dict[str, str] | None = None,
        oauth: OAuthServer | None = None,
    ) -> Dovecot:
        ip = testbed.block.allocate()
        n = int(ip.rsplit(".", 1)[1])
        directory = procs.public_tempdir(f"dovecot{n}")
        host = f"v{n}.example.test"
        cert = cert or testbed.certs.issue(host, *MAIL_NAMES, ip)
        server = Dovecot(
            ip,
            host,
            cert,
            directory,
            name=f"dovecot-v{n}",
            implicit_tls=implicit_tls,
            starttls=starttls,
            remove_capabilities=remove_capabilities,
            extra_config=extra_config,
            oauth_introspection=(f"{oauth.ip_url}/introspect", testbed.ca_path) if oauth else None,
        )
        for email, password in (users if users is not None else {testbed.user: testbed.password}).items():
            server.add_user(email, password)
        started.append(server)
        return server.start()

    yield make
    for server in started:
        server.stop()
        testbed.block.release(server.ip)


@pytest.fixture(scope="session")
def courier(testbed: Testbed) -> Iterator[Courier]:
    """A private Courier IMAP (993, host vN.example.test) seeded with the bed's user: the second real
    server, with Courier's habits (INBOX. namespace, no UIDNEXT on SELECT, no CONDSTORE/SPECIAL-USE)."""
    ip = testbed.block.allocate()
    n = int(ip.rsplit(".", 1)[1])
    host = f"v{n}.example.test"
    server = Courier(ip, host, testbed.certs.issue(host, *MAIL_NAMES, ip), procs.public_tempdir(f"courier{n}"))
    server.add_user(testbed.user, testbed.password)
    yield server.start()
    server.stop()
    testbed.block.release(ip)


@pytest.fixture
def dns_factory(testbed: Testbed) -> Iterator[Callable[..., DnsServer]]:
    """Start another dnsmasq with exactly `records` (plus the default zone if include_default=True).

    Unknown names are NXDOMAIN; with local_domains=("test",) only names under .test (and the
    records' TLDs) are, every other query is REFUSED (a failing DNS server).
    """
    started: list[DnsServer] = []

    def make(
        records: list[Record], include_default: bool = False, local_domains: tuple[str, ...] | None = None
    ) -> DnsServer:
        ip = testbed.block.allocate()
        directory = procs.public_tempdir("dns")
        zone = (list(testbed.zone) if include_default else []) + list(records)
        server = DnsServer(ip, zone, directory, name=f"dnsmasq-{ip}", local_domains=local_domains)
        started.append(server)
        return server.start()

    yield make
    for server in started:
        server.stop()
        testbed.block.release(server.ip)


@pytest.fixture
def smtp_factory(testbed: Testbed) -> Iterator[Callable[..., SmtpServer]]:
    """Start SMTP submission variants on fresh addresses (host vN.example.test), delivering into the
    bed's Dovecot; stopped after the test.

    Options: cert (CertFiles; default: one for its host, smtp.example.test etc. and its IP),
    starttls (False = port 587 without STARTTLS, AUTH offered in plaintext), require_starttls
    (False = STARTTLS offered but optional), implicit_tls (False = no 465), auth_required, oauth (an
    OAuthServer: AUTH XOAUTH2 / OAUTHBEARER accepted with its access tokens, besides PLAIN/LOGIN).
    """
    started: list[SmtpServer] = []

    def make(
        *,
        cert: CertFiles | None = None,
        starttls: bool = True,
        require_starttls: bool = True,
        implicit_tls: bool = True,
        auth_required: bool = True,
        oauth: OAuthServer | None = None,
    ) -> SmtpServer:
        ip = testbed.block.allocate()
        n = int(ip.rsplit(".", 1)[1])
        host = f"v{n}.example.test"
        cert = cert or testbed.certs.issue(host, *MAIL_NAMES, ip)
        server = SmtpServer(
            testbed.mail,
            cert.server_context(),
            procs.public_tempdir(f"smtp{n}"),
            ip=ip,
            host=host,
            name=f"smtp-v{n}",
            starttls=starttls,
            require_starttls=require_starttls,
            implicit_tls=implicit_tls,
            auth_required=auth_required,
            oauth=oauth,
        )
        started.append(server)
        return server.start()

    yield make
    for server in started:
        server.stop()
        testbed.block.release(server.ip)


@pytest.fixture
def fault_proxy(testbed: Testbed) -> Iterator[Callable[..., FaultProxy]]:
    """`fault_proxy(ip, port, ports=())` -> a FaultProxy on a fresh address (host vN.example.test) forwarding
    its `port` to (ip, port), and each of `ports` too (one proxy per port, the first returned; the
    others in `.siblings`). Set `.fault` to break connections (tests/servers/faultproxy.py)."""
    started: list[FaultProxy] = []

    def make(ip: str, port: int, ports: tuple[int, ...] = ()) -> FaultProxy:
        address = testbed.block.allocate()
        host = f"v{int(address.rsplit('.', 1)[1])}.example.test"
        proxy = FaultProxy(address, port, (ip, port), host)
        proxy.siblings = [FaultProxy(address, other, (ip, other), host) for other in ports]
        started.extend([proxy, *proxy.siblings])
        return proxy

    yield make
    for proxy in started:
        proxy.close()
    for address in {proxy.ip for proxy in started}:
        testbed.block.release(address)


@pytest.fixture
def oauth_server(testbed: Testbed) -> Iterator[OAuthServer]:
    """A real OAuth2 authorization server (HTTPS on host vN.example.test and its IP) knowing the bed's
    user; its /authorize approves at once, so a plain HTTP client can play the browser."""
    ip = testbed.block.allocate()
    n = int(ip.rsplit(".", 1)[1])
    host = f"v{n}.example.test"
    server = OAuthServer(ip, host, testbed.certs.issue(host, ip), procs.public_tempdir(f"oauth{n}"), f"oauth-v{n}")
    server.users.add(testbed.user)
    yield server.start()
    server.stop()
    testbed.block.release(ip)


@pytest.fixture(autouse=True)
def _testbed_isolation(request: pytest.FixtureRequest) -> Iterator[None]:
    """For tests using the bed: the web request log and received mail start empty, and SMTP
    misbehaviour set by the test is reset after it. Routes and DNS records stay (see scratch_testbed)."""
    if "testbed" not in request.fixturenames:
        yield
        return
    bed: Testbed = request.getfixturevalue("testbed")
    bed.web.clear_log()
    bed.smtp.received.clear()
    yield
    bed.smtp.behaviour = Behaviour()


@pytest.fixture
def scratch_testbed(testbed: Testbed) -> Iterator[Testbed]:
    """The bed, but web routes/certificates and DNS records added during the test are undone after it."""
    routes, records = testbed.web.snapshot(), list(testbed.dns.records)
    yield testbed
    testbed.web.restore(routes)
    testbed.dns.set_records(records)


@pytest.fixture(scope="session")
def keyring_env() -> Iterator[dict[str, str]]:
    """A real gnome-keyring Secret Service on a private D-Bus; this process's `keyring` uses it.

    The value is the environment (DBUS_SESSION_BUS_ADDRESS, XDG_RUNTIME_DIR, XDG_DATA_HOME) to give
    subprocesses so their `keyring` uses the same service.
    """
    service = KeyringService(procs.public_tempdir("keyring")).start()
    saved = {name: os.environ.get(name) for name in service.env}
    activate_in_process(service.env)
    yield dict(service.env)
    for name, value in saved.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value
    service.stop()


@pytest.fixture
def deskmail_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh DESKMAIL_HOME for one test (settings, data and logs all land under it)."""
    home = tmp_path / "deskmail-home"
    home.mkdir()
    monkeypatch.setenv("DESKMAIL_HOME", str(home))
    return home


# --- server logs under failing tests ---------------------------------------------------------


def pytest_runtest_setup(item: pytest.Item) -> None:
    _offsets.clear()
    for name, path in procs.LOGS.items():
        _offsets[name] = _size(path)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[Any]) -> Generator[None, Any, Any]:
    report = yield
    if not report.failed:
        return report
    for name, path in list(procs.LOGS.items()):
        start = _offsets.get(name, 0)
        if _size(path) <= start:
            continue
        with path.open("rb") as log:
            log.seek(start)
            text = log.read().decode("utf-8", "replace")
        if len(text) > LOG_TAIL:
            text = "...\n" + text[-LOG_TAIL:]
        report.sections.append((f"server log: {name}", text))
    return report


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    procs.shutdown()


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0
