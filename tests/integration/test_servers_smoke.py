"""Each server of the test bed really works: TLS verified against the test CA, auth, delivery, DNS, keyring."""

from __future__ import annotations

import smtplib
import ssl
import time
import urllib.request
import uuid
from email.message import EmailMessage

import imapclient
import imapclient.exceptions
import pytest

from deskmail.net.resolver import NoSuchDomain, Resolver
from tests.servers.bed import Testbed


def ca_context(testbed: Testbed) -> ssl.SSLContext:
    return ssl.create_default_context(cafile=str(testbed.ca_path))


def imaps(testbed: Testbed) -> imapclient.IMAPClient:
    return imapclient.IMAPClient(
        testbed.mail.ip, testbed.mail.imaps_port, ssl=True, ssl_context=ca_context(testbed), timeout=10
    )


def test_imap_implicit_tls_login_verified_against_test_ca(testbed: Testbed) -> None:
    with imaps(testbed) as client:
        client.login(testbed.user, testbed.password)
        capabilities = client.capabilities()
        folders = {name: flags for flags, _, name in client.list_folders()}
    for needed in (b"CONDSTORE", b"QRESYNC", b"IDLE", b"MOVE", b"UIDPLUS", b"SPECIAL-USE"):
        assert needed in capabilities
    for name, use in (
        ("Drafts", b"\\Drafts"),
        ("Sent", b"\\Sent"),
        ("Trash", b"\\Trash"),
        ("Junk", b"\\Junk"),
        ("Archive", b"\\Archive"),
    ):
        assert use in folders[name]


def test_imap_starttls_on_143(testbed: Testbed) -> None:
    client = imapclient.IMAPClient(testbed.mail.ip, testbed.mail.imap_port, ssl=False, timeout=10)
    try:
        assert b"STARTTLS" in client.capabilities()
        client.starttls(ca_context(testbed))
        client.login(testbed.user, testbed.password)
    finally:
        client.logout()


def test_imap_wrong_password_fails(testbed: Testbed) -> None:
    with imaps(testbed) as client, pytest.raises(imapclient.exceptions.LoginError):
        client.login(testbed.user, "wrong password")
    # no auth penalty: the next login is immediate
    with imaps(testbed) as client:
        client.login(testbed.user, testbed.password)


def test_untrusted_client_rejects_the_server(testbed: Testbed) -> None:
    with pytest.raises(ssl.SSLCertVerificationError):
        imapclient.IMAPClient(testbed.mail.ip, 993, ssl=True, ssl_context=ssl.create_default_context(), timeout=10)


def wait_for_subject(testbed: Testbed, user: str, password: str, subject: str) -> bool:
    with imaps(testbed) as client:
        client.login(user, password)
        client.select_folder("INBOX", readonly=True)
        for _ in range(100):
            if client.search(["SUBJECT", subject]):
                return True
            time.sleep(0.05)
            client.noop()
    return False


def a_message(testbed: Testbed, subject: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = testbed.user
    message["To"] = testbed.user
    message["Subject"] = subject
    message.set_content("Hello from the test bed.\n")
    return message


def test_smtp_587_starttls_delivers_into_imap(testbed: Testbed) -> None:
    subject = f"starttls {uuid.uuid4()}"
    with smtplib.SMTP(testbed.smtp.ip, testbed.smtp.submission_port, timeout=10) as smtp:
        smtp.ehlo()
        assert "auth" not in smtp.esmtp_features  # AUTH only after STARTTLS
        smtp.starttls(context=ca_context(testbed))
        smtp.login(testbed.user, testbed.password)
        smtp.send_message(a_message(testbed, subject))
    assert wait_for_subject(testbed, testbed.user, testbed.password, subject)


def test_smtp_465_implicit_tls_delivers_into_imap(testbed: Testbed) -> None:
    subject = f"implicit {uuid.uuid4()}"
    with smtplib.SMTP_SSL(
        testbed.smtp.ip, testbed.smtp.submissions_port, context=ca_context(testbed), timeout=10
    ) as smtp:
        smtp.login(testbed.user, testbed.password)
        smtp.send_message(a_message(testbed, subject))
    assert wait_for_subject(testbed, testbed.user, testbed.password, subject)


@pytest.mark.parametrize("port", [587, 465])
def test_smtp_wrong_password_is_rejected(testbed: Testbed, port: int) -> None:
    if port == 465:
        smtp: smtplib.SMTP = smtplib.SMTP_SSL(testbed.smtp.ip, port, context=ca_context(testbed), timeout=10)
    else:
        smtp = smtplib.SMTP(testbed.smtp.ip, port, timeout=10)
        smtp.starttls(context=ca_context(testbed))
    with smtp, pytest.raises(smtplib.SMTPAuthenticationError) as failure:
        smtp.login(testbed.user, "wrong password")
    assert failure.value.smtp_code == 535


def test_smtp_requires_auth(testbed: Testbed) -> None:
    with smtplib.SMTP(testbed.smtp.ip, 587, timeout=10) as smtp:
        smtp.starttls(context=ca_context(testbed))
        with pytest.raises(smtplib.SMTPException):
            smtp.send_message(a_message(testbed, "no auth"))


def test_new_user_can_log_in_at_once(testbed: Testbed) -> None:
    email = f"u{uuid.uuid4().hex[:8]}@example.test"
    testbed.mail.add_user(email, "s3cret")
    testbed.mail.put_message(email, b"Subject: planted\r\nFrom: a@example.test\r\n\r\nbody\r\n")
    with imaps(testbed) as client:
        client.login(email, "s3cret")
        assert client.select_folder("INBOX")[b"EXISTS"] == 1


def test_dns_answers_a_mx_srv_and_nxdomain(testbed: Testbed) -> None:
    resolver = Resolver(testbed.dns.server)
    assert resolver.addresses("imap.example.test") == [testbed.mail.ip]
    assert [mx.host for mx in resolver.mx("example.test")] == ["mx.example.test"]
    srv = resolver.srv("_imaps._tcp.example.test")
    assert [(r.target, r.port) for r in srv] == [("imap.example.test", 993)]
    assert [r.target for r in resolver.srv("_pop3._tcp.example.test")] == [""]  # "." = not offered
    with pytest.raises(NoSuchDomain):
        resolver.addresses("nothing-here.example.test")


def test_dns_factory_serves_its_own_records(dns_factory) -> None:  # type: ignore[no-untyped-def]
    from tests.servers.zone import MX, A

    server = dns_factory([A("mail.other.test", "127.0.0.9"), MX("other.test", "mail.other.test", 5)])
    resolver = Resolver(server.server)
    assert resolver.addresses("mail.other.test") == ["127.0.0.9"]
    assert resolver.mx("other.test")[0].preference == 5
    with pytest.raises(NoSuchDomain):
        resolver.addresses("imap.example.test")
    with pytest.raises(NoSuchDomain):  # unknown names in any TLD: NXDOMAIN, never forwarded
        resolver.mx("gmail.com")


def test_dns_record_helpers_cname_and_txt(dns_factory) -> None:  # type: ignore[no-untyped-def]
    from tests.servers.zone import CNAME, TXT, A

    server = dns_factory(
        [A("real.other.test", "127.0.0.7"), CNAME("alias.other.test", "real.other.test"), TXT("other.test", 'a "b"')]
    )
    resolver = Resolver(server.server)
    assert resolver.addresses("alias.other.test") == ["127.0.0.7"]
    assert resolver.txt("other.test") == ['a "b"']


def test_deskmail_home_is_a_fresh_dir_in_the_environment(deskmail_home) -> None:  # type: ignore[no-untyped-def]
    import os

    assert os.environ["DESKMAIL_HOME"] == str(deskmail_home)
    assert list(deskmail_home.iterdir()) == []


def test_dns_factory_can_be_a_failing_server(dns_factory) -> None:  # type: ignore[no-untyped-def]
    from deskmail.net.resolver import DnsError
    from tests.servers.zone import A

    server = dns_factory([A("ok.other.test", "127.0.0.9")], local_domains=("test",))
    resolver = Resolver(server.server, timeout=2)
    assert resolver.addresses("ok.other.test") == ["127.0.0.9"]
    with pytest.raises(DnsError):
        resolver.mx("example.com")


def fetch(testbed: Testbed, url: str, ip: str) -> tuple[int, bytes]:
    """GET `url` connecting to `ip` (system DNS does not know the test names)."""
    import http.client
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    host = parts.hostname or ""
    if parts.scheme == "https":
        connection: http.client.HTTPConnection = http.client.HTTPSConnection(
            host, context=ca_context(testbed), timeout=10
        )
    else:
        connection = http.client.HTTPConnection(host, timeout=10)
    connection.sock = None
    import socket

    raw = socket.create_connection((ip, parts.port or (443 if parts.scheme == "https" else 80)), timeout=10)
    connection.sock = ca_context(testbed).wrap_socket(raw, server_hostname=host) if parts.scheme == "https" else raw
    connection.request("GET", parts.path + (f"?{parts.query}" if parts.query else ""))
    response = connection.getresponse()
    body = response.read()
    connection.close()
    return response.status, body


def test_https_fetch_verified_against_test_ca(testbed: Testbed) -> None:
    testbed.web.add("autoconfig.example.test", "/mail/config-v1.1.xml", "<clientConfig/>")
    status, body = fetch(testbed, "https://autoconfig.example.test/mail/config-v1.1.xml?emailaddress=x", testbed.web.ip)
    assert (status, body) == (200, b"<clientConfig/>")
    assert testbed.web.count("autoconfig.example.test", "/mail/config-v1.1.xml") == 1
    assert testbed.web.count("autoconfig.example.test", "/mail/config-v1.1.xml", scheme="http") == 0


def test_web_serves_any_host_name_with_a_valid_cert_and_404s_the_rest(testbed: Testbed) -> None:
    testbed.web.add("autoconfig.other.test", "/x", "hi", scheme="both")
    assert fetch(testbed, "https://autoconfig.other.test/x", testbed.web_ips[2]) == (200, b"hi")
    assert fetch(testbed, "http://autoconfig.other.test/x", testbed.web_ips[3]) == (200, b"hi")
    assert fetch(testbed, "https://autoconfig.other.test/missing", testbed.web.ip)[0] == 404


def test_web_urllib_with_ip_and_test_ca(testbed: Testbed) -> None:
    testbed.web.add(testbed.web.ip, "/ip", "by address")
    with urllib.request.urlopen(f"https://{testbed.web.ip}/ip", context=ca_context(testbed), timeout=10) as r:
        assert r.read() == b"by address"


def test_keyring_round_trips_a_secret(keyring_env: dict[str, str]) -> None:
    import keyring

    assert type(keyring.get_keyring()).__module__ == "keyring.backends.SecretService"
    keyring.set_password("deskmail-test", "alice@example.test", "s3cret")
    assert keyring.get_password("deskmail-test", "alice@example.test") == "s3cret"
    keyring.delete_password("deskmail-test", "alice@example.test")
    assert keyring.get_password("deskmail-test", "alice@example.test") is None


def test_dovecot_variant_without_condstore(testbed: Testbed, dovecot_factory) -> None:  # type: ignore[no-untyped-def]
    server = dovecot_factory(remove_capabilities=("CONDSTORE", "QRESYNC"))
    with imapclient.IMAPClient(server.ip, 993, ssl=True, ssl_context=ca_context(testbed), timeout=10) as client:
        client.login(testbed.user, testbed.password)
        capabilities = client.capabilities()
    assert b"CONDSTORE" not in capabilities and b"QRESYNC" not in capabilities
    assert b"IDLE" in capabilities


def test_dovecot_variant_without_starttls(testbed: Testbed, dovecot_factory) -> None:  # type: ignore[no-untyped-def]
    server = dovecot_factory(starttls=False)
    assert server.imaps_port is None
    client = imapclient.IMAPClient(server.ip, 143, ssl=False, timeout=10)
    try:
        assert b"STARTTLS" not in client.capabilities()
    finally:
        client.shutdown()


def test_blackhole_accepts_and_never_answers_and_refused_refuses(testbed: Testbed) -> None:
    import socket

    with socket.create_connection((testbed.blackhole_ip, 993), timeout=2) as sock:
        sock.settimeout(0.2)
        with pytest.raises(TimeoutError):
            sock.recv(1)
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection((testbed.refused_ip, 993), timeout=2)


def test_keyring_env_works_for_subprocesses(keyring_env: dict[str, str]) -> None:
    import os
    import subprocess
    import sys

    import keyring

    keyring.set_password("deskmail-test", "bob@example.test", "from parent")
    code = (
        "import keyring; print(type(keyring.get_keyring()).__module__,"
        " keyring.get_password('deskmail-test', 'bob@example.test'))"
    )
    env = {**os.environ, **keyring_env, "CI": "true"}
    env.pop("DISPLAY", None)
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=30
    )
    assert out.stdout.strip() == "keyring.backends.SecretService from parent", out.stderr
    keyring.delete_password("deskmail-test", "bob@example.test")


def test_dovecot_variant_with_expired_certificate_is_rejected(testbed: Testbed, dovecot_factory) -> None:  # type: ignore[no-untyped-def]
    import socket

    server = dovecot_factory(cert=testbed.certs.expired("imap.example.test"))
    with (
        socket.create_connection((server.ip, 993), timeout=10) as raw,
        pytest.raises(ssl.SSLCertVerificationError, match="expired"),
    ):
        ca_context(testbed).wrap_socket(raw, server_hostname="imap.example.test")


def test_smtp_variant_without_starttls_offers_auth_in_plaintext(testbed: Testbed, smtp_factory) -> None:  # type: ignore[no-untyped-def]
    server = smtp_factory(starttls=False, implicit_tls=False)
    assert server.submissions_port is None
    with smtplib.SMTP(server.ip, 587, timeout=10) as smtp:
        smtp.ehlo()
        assert "starttls" not in smtp.esmtp_features
        assert "auth" in smtp.esmtp_features
        smtp.login(testbed.user, testbed.password)
        smtp.send_message(a_message(testbed, "plaintext variant"))
    assert server.received[0].delivered == [testbed.user]


def test_smtp_behaviour_knobs_and_outside_recipients(testbed: Testbed) -> None:
    from tests.servers.smtp import Behaviour

    testbed.smtp.behaviour = Behaviour(refuse_rcpt={"nobody@example.test": "550 5.1.1 No such user"})
    with smtplib.SMTP_SSL(testbed.smtp.ip, 465, context=ca_context(testbed), timeout=10) as smtp:
        smtp.login(testbed.user, testbed.password)
        refused = smtp.sendmail(
            testbed.user, ["nobody@example.test", "friend@elsewhere.test"], b"Subject: x\r\n\r\nx\r\n"
        )
    assert refused == {"nobody@example.test": (550, b"5.1.1 No such user")}
    assert testbed.smtp.received[-1].rcpt_tos == ["friend@elsewhere.test"]
    assert testbed.smtp.received[-1].delivered == []


def test_web_redirect_and_per_test_isolation(scratch_testbed: Testbed) -> None:
    testbed = scratch_testbed
    assert testbed.web.requests == []  # the log starts empty for every test
    testbed.web.redirect("autoconfig.example.test", "/old", "https://autoconfig.example.test/new")
    status, _ = fetch(testbed, "https://autoconfig.example.test/old", testbed.web.ip)
    assert status == 301
    assert testbed.web.find(path="/old")[0].status == 301


def test_routes_of_the_previous_test_are_gone(testbed: Testbed) -> None:
    assert fetch(testbed, "https://autoconfig.example.test/old", testbed.web.ip)[0] == 404


def test_dns_add_then_undone_after_the_test(scratch_testbed: Testbed) -> None:
    testbed = scratch_testbed
    from tests.servers.zone import A

    testbed.dns.add(A("added.example.test", testbed.ip(99)))
    assert Resolver(testbed.dns.server).addresses("added.example.test") == [testbed.ip(99)]


def test_dns_record_of_the_previous_test_is_gone(testbed: Testbed) -> None:
    with pytest.raises(NoSuchDomain):
        Resolver(testbed.dns.server).addresses("added.example.test")
