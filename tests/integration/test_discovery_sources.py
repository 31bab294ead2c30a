"""One scenario per discovery source, against the real test bed (DNS, HTTPS, Dovecot, SMTP)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from typing import Any

from deskmail.core.serverconfig import Security
from deskmail.discovery import Outcome
from tests.integration import discovery_bed
from tests.integration.discovery_bed import own_mx, probe_on, run
from tests.servers.bed import Testbed
from tests.servers.dovecot import Dovecot
from tests.servers.zone import A


def test_https_autoconfig_is_trusted_and_gets_the_address(bed: Testbed) -> None:
    said: list[str] = []
    result = run(bed, "Jane@dm-autoconfig.test", progress=said)
    assert result.outcome is Outcome.FOUND and result.usable
    best = result.candidates[0]
    assert (best.source, best.trusted) == ("autoconfig", True)
    assert best.incoming.host == "imap.dm-autoconfig.test" and best.incoming.username == "Jane@dm-autoconfig.test"
    assert best.url.startswith("https://autoconfig.dm-autoconfig.test/mail/config-v1.1.xml?emailaddress=")
    requests = bed.web.find(host="autoconfig.dm-autoconfig.test", path=discovery_bed.AUTOCONFIG_PATH, scheme="https")
    assert requests and "emailaddress=Jane@dm-autoconfig.test" in requests[0].path
    assert "Asking dm-autoconfig.test for its settings…" in said


def test_wellknown(bed: Testbed) -> None:
    best = run(bed, "a@dm-wellknown.test").candidates[0]
    assert (best.source, best.trusted, best.incoming.host) == ("wellknown", True, "imap.wk.test")


def test_http_only_needs_confirmation_and_never_sends_the_address(bed: Testbed) -> None:
    result = run(bed, "secret.name@dm-http.test")
    best = result.candidates[0]
    assert (best.source, best.trusted) == ("http", False)
    assert "unencrypted" in best.trust_reason
    for request in bed.web.find(host="autoconfig.dm-http.test", scheme="http"):
        assert "secret.name" not in request.path


def test_ispdb(bed: Testbed) -> None:
    said: list[str] = []
    best = run(bed, "a@dm-ispdb.test", progress=said).candidates[0]
    assert (best.source, best.trusted, best.incoming.host) == ("ispdb", True, "imap.isp.test")
    assert best.url == bed.ispdb_url + "dm-ispdb.test"
    assert "Checking the provider database…" in said


def test_mx_pointing_at_a_bundled_provider(bed: Testbed) -> None:
    best = run(bed, "a@dm-mxgoogle.test").candidates[0]
    assert (best.source, best.trusted, best.provider.id) == ("mx", True, "google-workspace")
    assert best.incoming.host == "imap.gmail.com" and best.incoming.username == "a@dm-mxgoogle.test"


def test_mx_pointing_at_microsoft_365_is_oauth_only(bed: Testbed) -> None:
    result = run(bed, "a@dm-m365.test")
    assert result.outcome is Outcome.OAUTH_ONLY and not result.usable
    assert "OAuth2" in result.message


def test_mx_pointing_at_a_domain_with_autoconfig_needs_confirmation(bed: Testbed) -> None:
    best = run(bed, "a@dm-mxhosted.test").candidates[0]
    assert (best.source, best.trusted, best.incoming.host) == ("mx", False, "imap.hoster.test")
    assert best.extra["server_domains"] == ["hoster.test"]  # what the wizard asks the person to confirm
    assert "dm-hoster.test" in best.trust_reason
    assert bed.web.count(host="autoconfig.dm-hoster.test") >= 1


def test_srv_inside_the_domain_is_trusted_and_dot_means_not_offered(bed: Testbed) -> None:
    result = run(bed, "a@dm-srv.test")
    best = result.candidates[0]
    assert (best.source, best.trusted) == ("srv", True)
    assert (best.incoming.host, best.incoming.port, best.incoming.security) == ("imap.dm-srv.test", 993, Security.SSL)
    assert best.outgoing is not None
    assert (best.outgoing.host, best.outgoing.port, best.outgoing.security) == (
        "smtp.dm-srv.test",
        587,
        Security.STARTTLS,
    )
    assert len(result.candidates) == 1  # _imap and _submissions are "." (not offered)


def test_srv_pointing_outside_the_domain_needs_confirmation(bed: Testbed) -> None:
    best = run(bed, "a@dm-srvout.test").candidates[0]
    assert (best.source, best.trusted, best.incoming.host) == ("srv", False, "imap.elsewhere-mail.test")


def test_srv_offering_only_pop3(bed: Testbed) -> None:
    result = run(bed, "a@dm-pop3srv.test")
    assert result.outcome is Outcome.POP3_ONLY and result.pop3[0].host == "pop.dm-pop3srv.test"


def test_ispdb_pop3_only_is_found_as_a_pop3_candidate(bed: Testbed) -> None:
    result = run(bed, "a@dm-pop3.test")
    assert result.outcome is Outcome.FOUND and result.usable
    best = result.candidates[0]
    assert best.incoming.protocol == "pop3" and best.incoming.host == "pop.dm-pop3.test"
    assert best.outgoing is not None and best.outgoing.protocol == "smtp"
    assert result.to_json()["pop3"][0]["host"] == "pop.dm-pop3.test"  # the compatibility list stays


def test_guessing_probes_real_servers_with_verified_tls(bed: Testbed) -> None:
    requests_before = len(bed.web.requests)
    said: list[str] = []
    result = run(bed, f"alice@{discovery_bed.GUESS_DOMAIN}", progress=said)
    assert result.outcome is Outcome.FOUND
    best = result.candidates[0]
    assert (best.source, best.trusted) == ("guess", False)
    assert (best.incoming.host, best.incoming.port, best.incoming.security) == (
        discovery_bed.GUESS_DOMAIN,
        993,
        Security.SSL,
    )
    assert best.outgoing is not None and (best.outgoing.port, best.outgoing.security) == (465, Security.SSL)
    probes = [lookup for lookup in result.lookups if lookup.source == "guess"]
    assert any(p.result == "not_found" for p in probes)  # imap.<domain> does not exist
    assert "Trying common server names…" in said
    assert len(bed.web.requests) > requests_before  # the other sources were asked first


def test_bundled_answers_without_any_network(bed: Testbed) -> None:
    requests_before = len(bed.web.requests)
    result = run(bed, "someone@web.de")
    assert result.outcome is Outcome.FOUND
    assert [lookup.source for lookup in result.lookups] == ["bundled"]
    assert result.candidates[0].enable_url.startswith("https://hilfe.web.de/")
    assert len(bed.web.requests) == requests_before


def test_discover_command_json_against_the_bed(bed: Testbed) -> None:
    env = {**os.environ, **bed.env}
    done = subprocess.run(
        [sys.executable, "-m", "deskmail", "discover", "a@dm-ispdb.test", "--json", "--timeout", "6"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert data["outcome"] == "found" and data["candidates"][0]["source"] == "ispdb"
    assert {"source", "target", "ms", "result"} <= set(data["lookups"][0])
    nothing = subprocess.run(
        [sys.executable, "-m", "deskmail", "discover", "a@dm-nxdomain.test", "--json", "--timeout", "6"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )
    assert nothing.returncode == 1
    assert json.loads(nothing.stdout)["outcome"] == "no_such_domain"


def test_the_ready_account_is_found_and_its_servers_answer(bed: Testbed) -> None:
    result = run(bed, bed.user)
    best = result.candidates[0]
    assert (best.source, best.trusted) == ("srv", True)
    assert (best.incoming.host, best.incoming.port) == (bed.mail.host, bed.mail.imaps_port)
    assert best.outgoing is not None
    assert (best.outgoing.host, best.outgoing.port) == (bed.smtp.host, bed.smtp.submissions_port)
    for server in (best.incoming, best.outgoing):
        assert probe_on(bed, server.protocol, server.host, server.port, server.security).capabilities


def test_guessing_imap_without_smtp_is_reported_but_not_usable(
    bed: Testbed, dovecot_factory: Callable[..., Dovecot]
) -> None:
    server = dovecot_factory(implicit_tls=False)  # STARTTLS on 143 only; nothing else on its address
    result = run(bed, f"alice@{server.host}")
    assert result.outcome is Outcome.NOT_FOUND and not result.usable
    partial = result.candidates[0]
    assert (partial.source, partial.incoming.host, partial.incoming.port) == ("guess", server.host, 143)
    assert partial.incoming.security is Security.STARTTLS  # advertised, upgraded and verified
    assert partial.outgoing is None


def test_guessing_finds_pop3_when_no_imap_server_answers(
    bed: Testbed, dovecot_factory: Callable[..., Dovecot], smtp_factory: Callable[..., Any]
) -> None:
    """pop./pop3. are probed (995, then 110 with STLS) only when no IMAP name answers."""
    domain = "dm-popguess.test"
    pop = dovecot_factory(cert=bed.certs.issue(f"pop.{domain}"))
    smtp = smtp_factory(cert=bed.certs.issue(f"smtp.{domain}"))
    bed.dns.add(*own_mx(domain, bed.mail_ip), A(f"pop.{domain}", pop.ip), A(f"smtp.{domain}", smtp.ip))
    result = run(bed, f"alice@{domain}")
    assert result.outcome is Outcome.FOUND
    best = result.candidates[0]
    assert (best.source, best.trusted, best.incoming.protocol) == ("guess", False, "pop3")
    assert (best.incoming.host, best.incoming.port, best.incoming.security) == (f"pop.{domain}", 995, Security.SSL)
    assert best.outgoing is not None and best.outgoing.host == f"smtp.{domain}"
    assert best.extra["server_domains"] == [domain]  # what the person must recognise before confirming
