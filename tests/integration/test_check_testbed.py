"""Connection checks against the test bed's real Dovecot and SMTP servers: each failure for real."""

from __future__ import annotations

import threading
from typing import Any

import pytest

from deskmail.core.cancel import CancelToken
from deskmail.core.errors import ErrorKind
from deskmail.core.serverconfig import (
    Candidate,
    CertificatePin,
    ConnectionPolicy,
    Protocol,
    Provider,
    Security,
    ServerConfig,
)
from deskmail.engine.validate import CheckReport, check_account

SHORT = 3.0  # seconds per step where a server deliberately never answers


def imap(host: str, port: int, security: Security, username: str = "%EMAILADDRESS%") -> ServerConfig:
    return ServerConfig(Protocol.IMAP, host, port, security, username)


def smtp(host: str, port: int, security: Security, username: str = "%EMAILADDRESS%") -> ServerConfig:
    return ServerConfig(Protocol.SMTP, host, port, security, username)


def candidate(incoming: ServerConfig, outgoing: ServerConfig) -> Candidate:
    return Candidate("manual", "", True, "test", Provider("example.test", "Example"), incoming, outgoing)


def run(testbed: Any, cand: Candidate, password: str | None = None, **kwargs: Any) -> CheckReport:
    timeout = kwargs.pop("timeout", 10.0)
    return check_account(
        cand,
        testbed.user,
        testbed.password if password is None else password,
        settings=testbed.settings,
        cancel=CancelToken(),
        timeout=timeout,
        **kwargs,
    )


def bed_candidate(
    testbed: Any, imap_security: Security = Security.SSL, smtp_security: Security = Security.SSL
) -> Candidate:
    mail, sub = testbed.mail, testbed.smtp
    imap_port = mail.imaps_port if imap_security is Security.SSL else mail.imap_port
    smtp_port = sub.submissions_port if smtp_security is Security.SSL else sub.submission_port
    return candidate(imap(mail.host, imap_port, imap_security), smtp(sub.host, smtp_port, smtp_security))


@pytest.mark.parametrize("security", [Security.SSL, Security.STARTTLS])
def test_happy_path_both_servers(testbed: Any, security: Security) -> None:
    report = run(testbed, bed_candidate(testbed, security, security))
    assert report.incoming.error is None and report.outgoing.error is None
    assert report.ok
    assert report.incoming.username == testbed.user
    assert {"IDLE", "CONDSTORE", "QRESYNC", "MOVE", "SPECIAL-USE"} <= set(report.incoming.capabilities)
    assert {"INBOX", "Sent", "Drafts", "Trash"} <= set(report.incoming.folders)
    for check in (report.incoming, report.outgoing):
        assert check.tls["version"] in ("TLSv1.2", "TLSv1.3")
        assert "Deskmail Test CA" in check.tls["issuer"]
        assert len(check.tls["sha256"]) == 64
        assert check.tls["not_before"] < check.tls["not_after"]
    assert testbed.smtp.received == []  # a check never sends mail


def test_wrong_password_is_auth_failed_on_both(testbed: Any) -> None:
    report = run(testbed, bed_candidate(testbed), password="not-the-password")
    for check in (report.incoming, report.outgoing):
        assert check.error is not None
        assert check.error.kind is ErrorKind.AUTH_FAILED
        assert str(check.error.field) == "password"
    assert not report.ok


def test_local_part_fallback_when_server_wants_the_full_address(testbed: Any) -> None:
    local = testbed.user.partition("@")[0]
    mail, sub = testbed.mail, testbed.smtp
    cand = candidate(
        imap(mail.host, mail.imaps_port, Security.SSL, local), smtp(sub.host, sub.submissions_port, Security.SSL, local)
    )
    report = run(testbed, cand)
    assert report.ok, report.to_json()
    assert report.incoming.username == testbed.user  # the local part failed, the address worked
    assert report.outgoing.username == testbed.user


def test_unknown_host(testbed: Any) -> None:
    cand = bed_candidate(testbed)
    cand.incoming = imap("nosuch.example.test", 993, Security.SSL)
    report = run(testbed, cand)
    assert report.incoming.error is not None
    assert report.incoming.error.kind is ErrorKind.HOST_NOT_FOUND
    assert str(report.incoming.error.field) == "incoming.host"
    assert report.outgoing.ok


def test_closed_port_is_connect_refused(testbed: Any) -> None:
    cand = bed_candidate(testbed)
    cand.incoming = imap("refused.example.test", 993, Security.SSL)
    cand.outgoing = smtp("refused.example.test", 465, Security.SSL)
    report = run(testbed, cand)
    for check in (report.incoming, report.outgoing):
        assert check.error is not None and check.error.kind is ErrorKind.CONNECT_REFUSED


def test_port_that_never_answers_times_out(testbed: Any) -> None:
    cand = bed_candidate(testbed)
    cand.incoming = imap("blackhole.example.test", 143, Security.STARTTLS)
    cand.outgoing = smtp("blackhole.example.test", 465, Security.SSL)
    report = run(testbed, cand, timeout=SHORT)
    for check in (report.incoming, report.outgoing):
        assert check.error is not None and check.error.kind is ErrorKind.TIMEOUT


def test_tls_port_used_as_starttls_times_out_and_suggests_ssl(testbed: Any) -> None:
    mail, sub = testbed.mail, testbed.smtp
    cand = candidate(
        imap(mail.host, mail.imaps_port, Security.STARTTLS), smtp(sub.host, sub.submissions_port, Security.STARTTLS)
    )
    report = run(testbed, cand, timeout=SHORT)
    for check in (report.incoming, report.outgoing):
        assert check.error is not None and check.error.kind is ErrorKind.TIMEOUT
        assert "SSL/TLS" in check.error.fix


def test_starttls_port_used_as_tls_fails_and_suggests_starttls(testbed: Any) -> None:
    mail, sub = testbed.mail, testbed.smtp
    cand = candidate(imap(mail.host, mail.imap_port, Security.SSL), smtp(sub.host, sub.submission_port, Security.SSL))
    report = run(testbed, cand)
    for check in (report.incoming, report.outgoing):
        assert check.error is not None and check.error.kind is ErrorKind.TLS_FAILED
        assert "STARTTLS" in check.error.fix


def test_starttls_switched_off_is_refused(testbed: Any, dovecot_factory: Any, smtp_factory: Any) -> None:
    dovecot = dovecot_factory(starttls=False)
    submission = smtp_factory(starttls=False, implicit_tls=False)
    cand = candidate(
        imap(dovecot.host, dovecot.imap_port, Security.STARTTLS),
        smtp(submission.host, submission.submission_port, Security.STARTTLS),
    )
    report = run(testbed, cand)
    for check in (report.incoming, report.outgoing):
        assert check.error is not None and check.error.kind is ErrorKind.STARTTLS_MISSING


@pytest.mark.parametrize(
    ("make_cert", "kind"),
    [
        (lambda certs, host: certs.wrong_host(), ErrorKind.CERT_HOSTNAME),
        (lambda certs, host: certs.expired(host), ErrorKind.CERT_EXPIRED),
        (lambda certs, host: certs.untrusted(host), ErrorKind.CERT_UNTRUSTED),
    ],
    ids=["wrong-host", "expired", "untrusted-ca"],
)
@pytest.mark.parametrize("security", [Security.SSL, Security.STARTTLS])
def test_bad_certificates_are_refused_with_their_facts(
    testbed: Any, dovecot_factory: Any, smtp_factory: Any, make_cert: Any, kind: ErrorKind, security: Security
) -> None:
    dovecot = dovecot_factory(cert=make_cert(testbed.certs, "*.example.test"))
    submission = smtp_factory(cert=make_cert(testbed.certs, "*.example.test"))
    ssl_ = security is Security.SSL
    cand = candidate(
        imap(dovecot.host, dovecot.imaps_port if ssl_ else dovecot.imap_port, security),
        smtp(submission.host, submission.submissions_port if ssl_ else submission.submission_port, security),
    )
    report = run(testbed, cand)
    for check, server in ((report.incoming, cand.incoming), (report.outgoing, cand.outgoing)):
        assert check.error is not None and check.error.kind is kind, check.to_json()
        data = check.error.data
        assert data["host"] == server.host and data["port"] == server.port
        assert len(data["sha256"]) == 64
        assert {"issuer", "subject", "not_before", "not_after"} <= set(data)
    assert report.incoming.username == ""  # no password was tried
    if kind is ErrorKind.CERT_HOSTNAME:
        assert "attack" in report.incoming.error.message  # type: ignore[union-attr]


def test_pinned_certificate_is_accepted_and_a_changed_one_refused(
    testbed: Any, dovecot_factory: Any, smtp_factory: Any
) -> None:
    dovecot = dovecot_factory(cert=testbed.certs.untrusted("*.example.test"))
    submission = smtp_factory(cert=testbed.certs.untrusted("*.example.test"))
    cand = candidate(
        imap(dovecot.host, dovecot.imaps_port, Security.SSL),
        smtp(submission.host, submission.submission_port, Security.STARTTLS),
    )
    first = run(testbed, cand)
    assert first.incoming.error is not None and first.outgoing.error is not None
    # The person looked at the certificates and chose to trust exactly these.
    pins = tuple(
        CertificatePin(e.data["host"], e.data["port"], e.data["sha256"])
        for e in (first.incoming.error, first.outgoing.error)
    )
    trusted = run(testbed, cand, policy=ConnectionPolicy(pins=pins))
    assert trusted.ok, trusted.to_json()
    assert trusted.incoming.tls["sha256"] == pins[0].sha256

    # A server whose pinned fingerprint no longer matches (here even a certificate the test CA
    # vouches for): refused, because the pin says exactly which certificate to accept.
    other = dovecot_factory(cert=testbed.certs.issue("*.example.test"))
    moved = candidate(imap(other.host, other.imaps_port, Security.SSL), cand.outgoing)  # type: ignore[arg-type]
    other_pin = CertificatePin(other.host, other.imaps_port, pins[0].sha256)
    changed = run(testbed, moved, policy=ConnectionPolicy(pins=(other_pin, pins[1])))
    assert changed.incoming.error is not None
    assert changed.incoming.error.kind is ErrorKind.CERT_CHANGED
    assert changed.incoming.error.data["sha256"] != pins[0].sha256
    assert changed.incoming.username == ""
    assert changed.outgoing.ok


def test_cancel_stops_a_check_stuck_on_a_silent_server(testbed: Any) -> None:
    cand = candidate(
        imap("blackhole.example.test", 993, Security.SSL), smtp("blackhole.example.test", 587, Security.STARTTLS)
    )
    cancel = CancelToken()
    timer = threading.Timer(0.3, cancel.cancel)
    timer.start()
    try:
        report = check_account(
            cand, testbed.user, testbed.password, settings=testbed.settings, cancel=cancel, timeout=60
        )
    finally:
        timer.cancel()
    for check in (report.incoming, report.outgoing):
        assert check.error is not None and check.error.kind is ErrorKind.CANCELLED


def test_every_address_of_a_host_is_tried(testbed: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from deskmail.net.resolver import Resolver
    from tests.servers.zone import A

    testbed.dns.add(A("multi-check.example.test", testbed.refused_ip), A("multi-check.example.test", testbed.mail_ip))
    real = Resolver.addresses
    seen: list[list[str]] = []

    def refused_first(self: Resolver, host: str, cancel: Any = None) -> list[str]:
        found = sorted(real(self, host, cancel), key=lambda ip: ip != testbed.refused_ip)
        seen.append(found)
        return found

    monkeypatch.setattr(Resolver, "addresses", refused_first)
    mail, sub = testbed.mail, testbed.smtp
    cand = candidate(
        imap("multi-check.example.test", mail.imaps_port, Security.SSL),
        smtp("multi-check.example.test", sub.submissions_port, Security.SSL),
    )
    report = run(testbed, cand)
    assert seen and all(found == [testbed.refused_ip, testbed.mail_ip] for found in seen)
    assert report.ok, report.to_json()


def test_oauth_only_outgoing_is_refused_without_connecting_and_pop3_is_checked(testbed: Any) -> None:
    cand = candidate(
        ServerConfig(Protocol.POP3, "refused.example.test", 995, Security.SSL, testbed.user),
        ServerConfig(Protocol.SMTP, "refused.example.test", 465, Security.SSL, testbed.user, ("oauth2",)),
    )
    report = run(testbed, cand)
    assert report.incoming.error is not None and report.incoming.error.kind is ErrorKind.CONNECT_REFUSED
    assert report.outgoing.error is not None and report.outgoing.error.kind is ErrorKind.OAUTH_REQUIRED


def test_plaintext_only_with_consent_and_then_with_a_warning(
    testbed: Any, dovecot_factory: Any, smtp_factory: Any
) -> None:
    dovecot = dovecot_factory(starttls=False)
    submission = smtp_factory(starttls=False, implicit_tls=False)
    cand = candidate(
        imap(dovecot.host, dovecot.imap_port, Security.PLAIN),
        smtp(submission.host, submission.submission_port, Security.PLAIN),
    )
    refused = run(testbed, cand)
    for check in (refused.incoming, refused.outgoing):
        assert check.error is not None and check.error.kind is ErrorKind.PLAINTEXT_REFUSED
        assert str(check.error.field).endswith(".security")
    accepted = run(testbed, cand, policy=ConnectionPolicy(allow_plaintext=True))
    assert accepted.ok, accepted.to_json()
    for check in (accepted.incoming, accepted.outgoing):
        assert check.tls == {}
        assert check.warnings and "not encrypted" in check.warnings[0]
