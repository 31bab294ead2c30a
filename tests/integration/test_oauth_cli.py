"""`deskmail account add --sign-in` in a subprocess: the browser sign-in from a terminal, then `sync`."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from keyring.backends import SecretService

from deskmail.engine.credentials import SERVICE
from tests.integration.oauth_helpers import Browser
from tests.servers.oauth import CLIENT_ID, OAuthServer

REPO = Path(__file__).resolve().parents[2]


def settings_file(path: Path, email: str, imap_host: str, smtp_host: str, oauth: OAuthServer) -> Path:
    """One `discover --json` candidate for a provider that wants OAuth2 (with its <oAuth2> block)."""
    server = {"username": email, "auth": ["oauth2"]}
    candidate = {
        "source": "autoconfig",
        "url": "https://autoconfig.example.test/mail/config-v1.1.xml",
        "trusted": True,
        "trust_reason": "https from the provider's domain",
        "provider": {"id": "cli-oauth", "name": "CLI Mail"},
        "incoming": {**server, "host": imap_host, "protocol": "imap", "port": 993, "security": "ssl"},
        "outgoing": {**server, "host": smtp_host, "protocol": "smtp", "port": 465, "security": "ssl"},
        "oauth2": oauth.block(),
    }
    path.write_text(json.dumps({"email": email, "outcome": "oauth_only", "candidates": [candidate]}))
    return path


def test_account_add_with_browser_sign_in_then_sync(
    testbed: Any,
    oauth_server: OAuthServer,
    dovecot_factory: Callable[..., Any],
    smtp_factory: Callable[..., Any],
    keyring_env: dict[str, str],
    deskmail_home: Path,
    tmp_path: Path,
) -> None:
    imap, smtp = dovecot_factory(oauth=oauth_server), smtp_factory(oauth=oauth_server)
    config = settings_file(tmp_path / "settings.json", testbed.user, imap.host, smtp.host, oauth_server)
    env = {
        **os.environ,
        **keyring_env,
        **testbed.env,
        "DESKMAIL_HOME": str(deskmail_home),
        "DESKMAIL_OAUTH_CLIENT_CLI_OAUTH": CLIENT_ID,
        "BROWSER": "true",  # webbrowser runs `true URL`: the test's own browser follows the printed URL
    }
    command = [sys.executable, "-m", "deskmail", "account", "add", "--config", str(config), "--sign-in", "--json"]
    proc = subprocess.Popen(command, env=env, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    browser = Browser(oauth_server, str(testbed.ca_path))
    assert proc.stderr is not None
    seen = []
    for line in proc.stderr:
        seen.append(line)
        if line.startswith(oauth_server.base_url + "/authorize?"):
            browser.open(line.strip())
            break
    out, err = proc.communicate(timeout=60)
    browser.join()
    assert proc.returncode == 0, "".join(seen) + err
    added = json.loads(out)
    assert added["added"] is True and added["account"]["auth"] == "oauth2" and added["check"]["ok"] is True
    [refresh_token] = oauth_server.refresh_tokens(testbed.user)
    assert SecretService.Keyring().get_password(SERVICE, testbed.user) == refresh_token
    assert refresh_token not in out + err + "".join(seen)

    oauth_server.expire_access_tokens()  # a new process: no access token in memory, the old one is dead too
    sync = subprocess.run(
        [sys.executable, "-m", "deskmail", "sync", testbed.user, "--json"],
        env=env,
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert sync.returncode == 0, sync.stderr
    assert oauth_server.stats["token:refresh_token"] >= 1


def test_sign_in_without_a_client_id_is_a_usage_error(
    testbed: Any, oauth_server: OAuthServer, keyring_env: dict[str, str], deskmail_home: Path, tmp_path: Path
) -> None:
    hosts = ("imap.example.test", "smtp.example.test")
    config = settings_file(tmp_path / "settings.json", testbed.user, *hosts, oauth_server)
    env = {**os.environ, **keyring_env, **testbed.env, "DESKMAIL_HOME": str(deskmail_home)}
    env.pop("DESKMAIL_OAUTH_CLIENT_CLI_OAUTH", None)
    proc = subprocess.run(
        [sys.executable, "-m", "deskmail", "account", "add", "--config", str(config), "--sign-in"],
        env=env,
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 2
    assert "DESKMAIL_OAUTH_CLIENT_CLI_OAUTH" in proc.stderr and "app password" in proc.stderr
