"""OAuth2 benchmark: the browser sign-in and bearer-token logins on the loopback test bed.

Run from the repository root:  python bench/oauth.py [--repeat 20]   (root, like the integration tests)

Starts the real test bed plus the OAuth2 server, a Dovecot with the oauth2 passdb and an SMTP server
checking tokens, and prints medians (milliseconds) of:
- sign-in: listener up, the "browser" (a plain HTTP client) follows the authorization URL and the
  redirect, code + PKCE verifier traded for tokens (everything but a person typing);
- refresh: one refresh-token request;
- IMAP/SMTP login (connect + TLS + AUTH + LOGOUT/QUIT): password vs. cached bearer token vs. an
  expired token the server refuses (refresh + second AUTH).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make the repository importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from deskmail.core.cancel import CancelToken
from deskmail.core.serverconfig import Protocol, Security, ServerConfig
from deskmail.engine import connect
from deskmail.engine.oauth import flow, tokens
from deskmail.engine.oauth.provider import oauth_provider
from deskmail.engine.oauth.session import OAuthLogin
from tests.integration.oauth_helpers import Browser
from tests.servers import procs
from tests.servers.bed import Testbed
from tests.servers.certs import MAIL_NAMES
from tests.servers.dovecot import Dovecot
from tests.servers.oauth import CLIENT_ID, OAuthServer
from tests.servers.smtp import SmtpServer


def median_ms(fn: Callable[[], object], repeat: int) -> float:
    fn()  # warm-up: imports, TLS contexts, Dovecot's auth worker
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    bed = Testbed()
    try:
        ip = bed.block.allocate()
        host = f"v{ip.rsplit('.', 1)[1]}.example.test"
        oauth = OAuthServer(ip, host, bed.certs.issue(host, ip), procs.public_tempdir("oauth")).start()
        oauth.users.add(bed.user)
        mail_ip = bed.block.allocate()
        mail_host = f"v{mail_ip.rsplit('.', 1)[1]}.example.test"
        cert = bed.certs.issue(mail_host, *MAIL_NAMES, mail_ip)
        dovecot = Dovecot(
            mail_ip,
            mail_host,
            cert,
            procs.public_tempdir("dovecot-oauth"),
            name="dovecot-oauth",
            oauth_introspection=(f"{oauth.ip_url}/introspect", bed.ca_path),
        )
        dovecot.add_user(bed.user, bed.password)
        dovecot.start()
        smtp = SmtpServer(
            dovecot,
            cert.server_context(),
            procs.public_tempdir("smtp-oauth"),
            ip=mail_ip,
            host=mail_host,
            name="smtp-oauth",
            oauth=oauth,
        ).start()
        provider = oauth_provider("bench", "Bench", {**oauth.block(), "client_id": CLIENT_ID}, environ={})
        assert provider is not None
        imap_server = ServerConfig(Protocol.IMAP, dovecot.host, 993, Security.SSL, bed.user)
        smtp_server = ServerConfig(Protocol.SMTP, smtp.host, 465, Security.SSL, bed.user)
        settings = bed.settings

        def sign_in() -> tokens.TokenSet:
            browser = Browser(oauth, str(bed.ca_path))
            result = flow.sign_in(
                provider, bed.user, settings=settings, open_browser=browser.open, cancel=CancelToken()
            )
            browser.join()
            return result

        first = sign_in()
        login = OAuthLogin(provider, bed.user, first.refresh_token, settings)
        login.remember(first)

        def imap(secret: str | OAuthLogin) -> None:
            client = connect.open_imap(imap_server, settings)
            connect.login_imap(client, bed.user, secret)
            connect.close_quietly(client)

        def smtp_login(secret: str | OAuthLogin) -> None:
            session = connect.open_smtp(smtp_server, settings)
            connect.login_smtp(session, bed.user, secret)
            connect.close_quietly(session)

        def expired(fn: Callable[[str | OAuthLogin], None]) -> Callable[[], None]:
            def run() -> None:
                oauth.expire_access_tokens()
                fn(login)

            return run

        def refresh() -> tokens.TokenSet:
            return tokens.refresh(provider, first.refresh_token, settings, bed.user)

        n = args.repeat
        rows = [
            ("sign-in (listener, authorize, redirect, code exchange)", median_ms(sign_in, n)),
            ("refresh-token request", median_ms(refresh, n)),
            ("IMAP login, password", median_ms(lambda: imap(bed.password), n)),
            ("IMAP login, cached bearer token (OAUTHBEARER)", median_ms(lambda: imap(login), n)),
            ("IMAP login, expired token (refused, refresh, retry)", median_ms(expired(imap), n)),
            ("SMTP login, password", median_ms(lambda: smtp_login(bed.password), n)),
            ("SMTP login, cached bearer token (OAUTHBEARER)", median_ms(lambda: smtp_login(login), n)),
            ("SMTP login, expired token (refused, refresh, retry)", median_ms(expired(smtp_login), n)),
        ]
        print(f"median of {n}, milliseconds, loopback test bed")
        print("| what | ms |\n|---|---|")
        for name, value in rows:
            print(f"| {name} | {value:.1f} |")
    finally:
        bed.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
