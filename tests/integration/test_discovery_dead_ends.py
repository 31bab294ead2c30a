"""Dead ends on the real test bed: nothing exists, nothing answers, or the answer is hostile."""

from __future__ import annotations

import dataclasses

import pytest

from deskmail.core.cancel import CancelToken
from deskmail.core.serverconfig import Protocol, Security
from deskmail.core.settings import Settings
from deskmail.discovery import DiscoveryResult, Outcome, Timing, discover
from deskmail.discovery.probe import ProbeError
from deskmail.net.stream import NetError
from tests.integration import discovery_bed
from tests.integration.discovery_bed import probe_on
from tests.servers.bed import Testbed

# Shorter limits than discovery_bed.TIMING: most tests here wait for one of them to pass.
TIMING = Timing(deadline=6.0, grace=1.0, http_timeout=2.0, dns_timeout=1.0, probe_timeout=1.0, guess_after=5.0)


def run(bed: Testbed, email: str, timing: Timing = TIMING) -> DiscoveryResult:
    return discovery_bed.run(bed, email, timing)


def lookup_results(result: DiscoveryResult, source: str) -> list[str]:
    return [lookup.result for lookup in result.lookups if lookup.source == source]


def test_nxdomain_is_no_such_domain_with_a_hint(bed: Testbed) -> None:
    result = run(bed, "a@dm-nxdomain.test")
    assert result.outcome is Outcome.NO_SUCH_DOMAIN
    assert "does not exist" in result.message
    assert not any(lookup.source == "guess" for lookup in result.lookups)  # no probing of a void


def test_domain_without_mail_servers(bed: Testbed) -> None:
    result = run(bed, "a@dm-nomail.test")
    assert (result.outcome, result.reason) == (Outcome.NOT_FOUND, "no_mail_servers")
    assert "no mail servers" in result.message


def test_refused_ports_end_not_found(bed: Testbed) -> None:
    result = run(bed, "a@dm-refused.test")
    assert result.outcome is Outcome.NOT_FOUND
    assert any("refused" in r for r in lookup_results(result, "guess"))


def test_ports_that_accept_and_never_answer_time_out(bed: Testbed) -> None:
    result = run(bed, "a@dm-slow.test", dataclasses.replace(TIMING, http_timeout=0.5, guess_after=0.5))
    assert result.outcome is Outcome.NOT_FOUND
    assert any("no answer in time" in r or "cancelled" in r for r in lookup_results(result, "guess"))
    assert any("no complete answer" in r for r in lookup_results(result, "autoconfig"))


@pytest.mark.parametrize("domain", ["dm-badcert.test", "dm-otherca.test"])
def test_invalid_certificates_are_refused(bed: Testbed, domain: str) -> None:
    result = run(bed, f"a@{domain}")
    assert result.outcome is Outcome.NOT_FOUND  # the file is there, but its server cannot be trusted
    assert any("certificate" in r for r in lookup_results(result, "autoconfig"))


@pytest.mark.parametrize(
    ("domain", "words"),
    [
        ("dm-laughs.test", "unsafe XML"),
        ("dm-xxe.test", "unsafe XML"),
        ("dm-huge.test", "larger than 256 KB"),
    ],
)
def test_hostile_xml_is_refused(bed: Testbed, domain: str, words: str) -> None:
    result = run(bed, f"a@{domain}")
    assert result.outcome is Outcome.NOT_FOUND
    assert any(words in r for r in lookup_results(result, "autoconfig")), result.lookups


def test_redirect_loops_stop_after_three(bed: Testbed) -> None:
    result = run(bed, "a@dm-loop.test")
    assert any("more than 3 redirects" in r for r in lookup_results(result, "autoconfig"))
    assert bed.web.count(host="autoconfig.dm-loop.test", scheme="https") >= 4


def test_https_to_http_redirect_is_never_followed(bed: Testbed) -> None:
    result = run(bed, "a@dm-downgrade.test")
    assert any("from https to http" in r for r in lookup_results(result, "autoconfig"))
    assert bed.web.count(host="autoconfig.dm-downgrade.test", path="/evil.xml") == 0
    assert all(c.incoming.host != "imap.evil.test" for c in result.candidates)


@pytest.mark.parametrize("dns_role", ["blackhole", "refused"])
def test_offline_when_no_dns_server_answers(bed: Testbed, dns_role: str) -> None:
    dns_ip = bed.blackhole_ip if dns_role == "blackhole" else bed.refused_ip  # timeouts, or errors at once
    settings = Settings(dns_server=(dns_ip, 53), extra_ca=bed.ca_path, ispdb_url=bed.ispdb_url)
    timing = dataclasses.replace(TIMING, deadline=3.0, dns_timeout=0.5)
    result = discover("a@dm-autoconfig.test", settings=settings, cancel=CancelToken(), timing=timing)
    assert result.outcome is Outcome.OFFLINE
    assert "internet" in result.message


def test_starttls_probe_requires_the_upgrade_to_verify(bed: Testbed, dovecot_factory: object) -> None:
    ok = probe_on(bed, Protocol.IMAP, bed.mail.host, 143, Security.STARTTLS)
    assert "IMAP4REV1" in ok.capabilities
    ok = probe_on(bed, Protocol.SMTP, bed.smtp.host, 587, Security.STARTTLS)
    assert any(cap.startswith("AUTH") for cap in ok.capabilities)
    plain_only = dovecot_factory(starttls=False)  # type: ignore[operator]
    with pytest.raises(ProbeError, match="STARTTLS"):
        probe_on(bed, Protocol.IMAP, plain_only.host, 143, Security.STARTTLS)
    expired = dovecot_factory(cert=bed.certs.expired("*.example.test"))  # type: ignore[operator]
    with pytest.raises(NetError) as info:
        probe_on(bed, Protocol.IMAP, expired.host, 993, Security.SSL)
    assert info.value.kind == "tls_cert"
