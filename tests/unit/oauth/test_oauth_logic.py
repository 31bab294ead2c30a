"""Pure OAuth2 logic: PKCE, SASL strings, provider settings and client ids, the account format."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from deskmail.core.settings import Settings
from deskmail.discovery.providers import bundled_table
from deskmail.engine.accounts import AUTH_OAUTH2, AUTH_PASSWORD, Account, AccountStore
from deskmail.engine.oauth import flow, sasl
from deskmail.engine.oauth.accounts import account_provider, with_oauth
from deskmail.engine.oauth.loopback import LoopbackListener
from deskmail.engine.oauth.provider import env_name, oauth_provider
from deskmail.engine.paths import Paths
from tests.unit.test_accounts import make_account

BLOCK = {
    "auth_url": "https://id.example.test/auth?tenant=x",
    "token_url": "https://id.example.test/token",
    "scope": "mail",
}


def test_pkce_s256_matches_rfc7636_appendix_b() -> None:
    verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
    assert flow.challenge_for(verifier) == "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
    verifier = flow.new_verifier()
    assert 43 <= len(verifier) <= 128 and verifier != flow.new_verifier()


def test_sasl_initial_responses() -> None:
    assert sasl.xoauth2("a@b.test", "tok") == b"user=a@b.test\x01auth=Bearer tok\x01\x01"
    assert sasl.oauthbearer("a,b=c@d.test", "tok", "imap.d.test", 993) == (
        b"n,a=a=2Cb=3Dc@d.test,\x01host=imap.d.test\x01port=993\x01auth=Bearer tok\x01\x01"
    )
    assert sasl.choose({"PLAIN", "XOAUTH2", "OAUTHBEARER"}) == "OAUTHBEARER"
    assert sasl.choose({"PLAIN", "XOAUTH2"}) == "XOAUTH2"
    assert sasl.choose({"PLAIN"}) is None


def test_client_id_comes_from_the_table_or_the_packagers_environment() -> None:
    assert env_name("DESKMAIL_OAUTH_CLIENT_", "google-workspace") == "DESKMAIL_OAUTH_CLIENT_GOOGLE_WORKSPACE"
    bare = oauth_provider("outlook", "Outlook", BLOCK, environ={})
    assert bare is not None and not bare.usable  # Deskmail ships no client id
    env = {"DESKMAIL_OAUTH_CLIENT_OUTLOOK": "packager-id", "DESKMAIL_OAUTH_SECRET_OUTLOOK": "not-secret"}
    configured = oauth_provider("outlook", "Outlook", BLOCK, environ=env)
    assert configured is not None and configured.usable
    assert (configured.client_id, configured.client_secret) == ("packager-id", "not-secret")
    plain_http = oauth_provider("x", "X", {**BLOCK, "token_url": "http://id.example.test/token"}, environ=env)
    assert plain_http is not None and not plain_http.usable
    assert oauth_provider("x", "X", {"auth_url": BLOCK["auth_url"]}, environ={}) is None


def test_settings_collect_the_oauth_variables() -> None:
    settings = Settings.from_env({"DESKMAIL_OAUTH_CLIENT_GMAIL": "id-1", "DESKMAIL_OAUTH_CLIENT_X": " ", "OTHER": "1"})
    assert settings.oauth_env == (("DESKMAIL_OAUTH_CLIENT_GMAIL", "id-1"),)


def test_bundled_providers_carry_endpoints_but_no_client_id() -> None:
    table = bundled_table()
    for domain in ("gmail.com", "outlook.com", "hotmail.com"):
        config = table.for_domain(domain)
        assert config is not None and config.oauth2 is not None
        provider = oauth_provider(config.id, config.name, config.oauth2, environ={})
        assert provider is not None and provider.auth_url.startswith("https://") and not provider.client_id


def test_authorization_url_has_pkce_state_and_the_loopback_redirect() -> None:
    provider = oauth_provider("p", "P", {**BLOCK, "client_id": "cid", "auth_params": "prompt=consent"}, environ={})
    assert provider is not None
    url = flow.authorization_url(provider, "http://127.0.0.1:5000/", "st", "ch", "a@b.test")
    parts = urlsplit(url)
    query = {k: v[0] for k, v in parse_qs(parts.query).items()}
    assert parts.netloc == "id.example.test" and query["tenant"] == "x"
    assert query["code_challenge_method"] == "S256" and query["code_challenge"] == "ch" and query["state"] == "st"
    assert query["redirect_uri"] == "http://127.0.0.1:5000/" and query["client_id"] == "cid"
    assert query["prompt"] == "consent" and query["login_hint"] == "a@b.test"


def test_loopback_listener_is_on_127_0_0_1_with_a_random_port() -> None:
    with LoopbackListener("s") as one, LoopbackListener("s") as two:
        assert one.redirect_uri.startswith("http://127.0.0.1:") and one.redirect_uri != two.redirect_uri


def test_password_accounts_keep_the_old_file_format(tmp_path: Path) -> None:
    account = make_account()
    assert account.auth == AUTH_PASSWORD and "auth" not in account.to_json() and "oauth2" not in account.to_json()
    assert Account.from_json(account.to_json()) == account


def test_oauth_account_round_trip_without_any_token(tmp_path: Path) -> None:
    provider = oauth_provider("p", "P", {**BLOCK, "client_id": "cid"}, environ={})
    assert provider is not None
    account = with_oauth(make_account(), provider)
    store = AccountStore(Paths.from_settings(Settings(home=tmp_path)))
    store.save(account)
    again = store.get(account.email)
    assert again == account and again.auth == AUTH_OAUTH2
    text = store.path.read_text()
    assert "token_url" in text and "refresh_token" not in text and "access_token" not in text
    assert json.loads(text)["accounts"][0]["oauth2"]["client_id"] == "cid"
    # The refresh token belongs to the client id it was issued to, whatever the environment says later.
    later = account_provider(again, Settings.from_env({"DESKMAIL_OAUTH_CLIENT_P": "other"}))
    assert later.client_id == "cid"


def test_initial_response_registers_the_base64_form_as_a_secret() -> None:
    from deskmail.core.redact import redact

    raw = sasl.initial_response("XOAUTH2", "a@b.test", "tok-123456", "h", 1)
    encoded = base64.b64encode(raw).decode()
    assert redact(f"sent {encoded}") == "sent ********" and "tok-123456" not in redact("tok-123456")


@pytest.mark.parametrize("bad", ["", "http://x/"])
def test_unusable_provider_cannot_start_a_sign_in(bad: str) -> None:
    block = {**BLOCK, "client_id": "cid" if bad else "", "auth_url": bad or BLOCK["auth_url"]}
    provider = oauth_provider("p", "P", block, environ={})
    assert provider is not None and not provider.usable
