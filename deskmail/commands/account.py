"""`deskmail account add|list|remove`: what the wizard does, without a window."""

from __future__ import annotations

import argparse
import getpass
import importlib.util
import json
import shutil
import sys
import webbrowser
from dataclasses import replace
from typing import Any

from deskmail.commands.configfile import ConfigFile, ConfigFileError, read_config_file
from deskmail.commands.jsonout import write_listing
from deskmail.core.cancel import CancelToken
from deskmail.core.i18n import N_, _
from deskmail.core.redact import register_secret
from deskmail.core.serverconfig import Security, ServerConfig
from deskmail.core.settings import Settings
from deskmail.engine.accounts import Account, AccountError, AccountStore
from deskmail.engine.credentials import Credentials, KeyringUnavailable, save_account_and_password
from deskmail.engine.oauth.accounts import with_oauth
from deskmail.engine.oauth.provider import CLIENT_ENV_PREFIX, env_name
from deskmail.engine.oauth.session import OAuthLogin
from deskmail.engine.paths import Paths
from deskmail.engine.store.writer import account_dir

CHECK_TIMEOUT = 30.0
MAX_PASSWORD_CHARS = 4096
SECURITY_WORDS = {
    Security.SSL: N_("encrypted (SSL/TLS)"),
    Security.STARTTLS: N_("encrypted (STARTTLS)"),
    Security.PLAIN: N_("NOT encrypted"),
}


class UsageError(Exception):
    """Bad input from the command line: exit status 2."""


def run(args: argparse.Namespace) -> int:
    settings = Settings.from_env()
    paths = Paths.from_settings(settings)
    store = AccountStore(paths)
    try:
        if args.account_command == "add":
            return add(args, settings, store, Credentials())
        if args.account_command == "list":
            return list_accounts(args, store, Credentials())
        if args.account_command == "export":
            from deskmail.commands.export import export

            return export(args, store, Credentials())
        return remove(args, store, Credentials(), paths)
    except (UsageError, ConfigFileError) as exc:
        print(f"deskmail account: {exc}", file=sys.stderr)
        return 2
    except (AccountError, KeyringUnavailable) as exc:
        print(f"deskmail account: {exc}", file=sys.stderr)
        return 1


def add(args: argparse.Namespace, settings: Settings, store: AccountStore, credentials: Credentials) -> int:
    config = read_config_file(args.config)
    if not config.email:
        raise UsageError(_('the settings file does not say which e-mail address they are for (add an "email" field).'))
    if config.candidate.outgoing is None:
        raise UsageError(_("the settings have no outgoing (SMTP) server."))
    if getattr(args, "sign_in", False):
        credentials.backend()  # no keyring: say so before the person signs in
        secret: str | OAuthLogin = browser_sign_in(config, settings, quiet=args.json)
    else:
        secret = read_password(args.password_stdin, config.email)
        credentials.backend()  # no keyring: say so before spending time on the check
    check_json: dict[str, Any] | None = None
    if not args.no_check:
        ok, check_json, config = _check(config, secret, settings, quiet=args.json)
        if not ok:
            _print_check_failure(check_json, as_json=args.json)
            return 1
    account = Account.from_candidate(config.candidate, config.email, args.name, config.policy)
    password = secret if isinstance(secret, str) else secret.refresh_token
    if isinstance(secret, OAuthLogin):
        account = with_oauth(account, secret.provider)  # the keyring keeps the refresh token
    save_account_and_password(store, credentials, account, password)
    _print_added(account, check_json, as_json=args.json)
    return 0


def read_password(from_stdin: bool, email: str) -> str:
    """The password from standard input (one trailing newline dropped) or a prompt; never an argument."""
    if from_stdin:
        password = sys.stdin.read(MAX_PASSWORD_CHARS + 2)
        if password.endswith("\r\n"):
            password = password[:-2]
        elif password.endswith("\n"):
            password = password[:-1]
        if len(password) > MAX_PASSWORD_CHARS:
            raise UsageError(_("the password on standard input is too long."))
    elif sys.stdin.isatty():
        password = getpass.getpass(_("Password for {email}: ").format(email=email))
    else:
        raise UsageError(_("give the password on standard input with --password-stdin."))
    if not password:
        raise UsageError(_("the password is empty."))
    register_secret(password)
    return password


def browser_sign_in(config: ConfigFile, settings: Settings, quiet: bool) -> OAuthLogin:
    """The OAuth2 sign-in: the system browser opens the provider's page; Ctrl+C stops waiting."""
    from deskmail.engine.oauth.accounts import provider_from_block
    from deskmail.engine.oauth.flow import sign_in

    candidate = config.candidate
    block = candidate.extra.get("oauth2")
    name = candidate.provider.name or candidate.provider.id or config.email.partition("@")[2]
    provider = provider_from_block(candidate.provider.id, name, block if isinstance(block, dict) else None, settings)
    if provider is None or not provider.usable:
        variable = env_name(CLIENT_ENV_PREFIX, candidate.provider.id or "PROVIDER")
        raise UsageError(
            _(
                "this copy of Deskmail has no browser sign-in for {name} (no OAuth2 client id; {variable} sets one, "
                "see the README). Use an app password with --password-stdin instead."
            ).format(name=name, variable=variable)
        )

    def open_browser(url: str) -> None:
        text = _("Sign in with {name} in your browser. If no browser window opens, open:\n{url}")
        print(text.format(name=name, url=url), file=sys.stderr)
        webbrowser.open(url)

    def progress(message: str) -> None:
        if not quiet:
            print(message, file=sys.stderr)

    tokens = sign_in(provider, config.email, settings=settings, open_browser=open_browser, progress=progress)
    login = OAuthLogin(provider, config.email, tokens.refresh_token, settings)
    login.remember(tokens)
    return login


def _check(
    config: ConfigFile, password: str | OAuthLogin, settings: Settings, quiet: bool
) -> tuple[bool, dict[str, Any], ConfigFile]:
    """Prove the settings with the connection check; returns the settings with the user names that worked."""
    if importlib.util.find_spec("deskmail.engine.validate") is None:
        raise UsageError(_("connection checks are not available in this build; use --no-check to save anyway."))
    from deskmail.engine.validate import check_account

    def progress(message: object) -> None:
        if not quiet:
            print(str(message), file=sys.stderr)

    report = check_account(
        config.candidate,
        config.email,
        password,
        settings=settings,
        policy=config.policy,
        cancel=CancelToken.with_timeout(CHECK_TIMEOUT),
        progress=progress,
    )
    report_json: dict[str, Any] = report.to_json()
    if not report.ok:
        return False, report_json, config
    candidate = config.candidate
    incoming = _with_username(candidate.incoming, report.incoming.username)
    outgoing = _with_username(candidate.outgoing, report.outgoing.username) if candidate.outgoing else None
    return True, report_json, replace(config, candidate=replace(candidate, incoming=incoming, outgoing=outgoing))


def _with_username(server: ServerConfig, username: str | None) -> ServerConfig:
    return replace(server, username=username) if username else server


def _print_check_failure(report: dict[str, Any], as_json: bool) -> None:
    if as_json:
        print(json.dumps({"added": False, "check": report}, indent=2))
        return
    for side, label in (("incoming", _("Incoming mail: {problem}")), ("outgoing", _("Outgoing mail: {problem}"))):
        error = (report.get(side) or {}).get("error")
        if error:
            problem = f"{error.get('message', '')} {error.get('fix', '')}".rstrip()
            print(label.format(problem=problem), file=sys.stderr)
    print(_("The account was not added."), file=sys.stderr)


def _print_added(account: Account, check: dict[str, Any] | None, as_json: bool) -> None:
    if as_json:
        print(json.dumps({"added": True, "account": account.to_json(), "check": check}, indent=2))
        return
    if account.provider.name:
        print(_("Added {email} ({provider}).").format(email=account.email, provider=account.provider.name))
    else:
        print(_("Added {email}.").format(email=account.email))
    print("  " + _("Incoming: {server}").format(server=_describe(account.incoming)))
    print("  " + _("Outgoing: {server}").format(server=_describe(account.outgoing)))
    if account.uses_oauth:
        kept = (
            _("Sign-in: kept in the system keyring.")
            if check
            else _("Sign-in: kept in the system keyring. Settings were NOT checked.")
        )
    else:
        kept = (
            _("Password: kept in the system keyring.")
            if check
            else _("Password: kept in the system keyring. Settings were NOT checked.")
        )
    print("  " + kept)


def _describe(server: ServerConfig) -> str:
    return _("{host} port {port}, {security}, user name {username}").format(
        host=server.host, port=server.port, security=_(SECURITY_WORDS[server.security]), username=server.username or "-"
    )


def list_accounts(args: argparse.Namespace, store: AccountStore, credentials: Credentials) -> int:
    accounts = store.list()
    if args.json:
        items = ({**a.to_json(), "password_saved": _password_saved(credentials, a)} for a in accounts)
        write_listing({}, "accounts", items)
        return 0
    rows = [{"password_saved": _password_saved(credentials, account)} for account in accounts]
    if not accounts:
        print(_("No accounts yet. Add one with `deskmail account add` or in the app."))
    for account, row in zip(accounts, rows, strict=True):
        saved = {True: _("password saved"), False: _("no password saved"), None: _("keyring not available")}
        if account.uses_oauth:
            saved = {True: _("signed in"), False: _("needs a new sign-in"), None: _("keyring not available")}
        provider = account.provider.name or account.incoming.host
        print(
            f"{account.email}  {provider}  {account.incoming.host} / {account.outgoing.host}  "
            f"({saved[row['password_saved']]})"
        )
    return 0


def _password_saved(credentials: Credentials, account: Account) -> bool | None:
    try:
        return credentials.get(account.email) is not None
    except KeyringUnavailable:
        return None


def remove(args: argparse.Namespace, store: AccountStore, credentials: Credentials, paths: Paths) -> int:
    account = store.get(args.account)
    if account is None:
        print(_("deskmail account: there is no account {email}.").format(email=args.account), file=sys.stderr)
        return 1
    store.remove(account.email)
    try:
        credentials.delete(account.email)
    except KeyringUnavailable as exc:
        print(
            _("The account was removed, but its password could not be deleted: {error}").format(error=exc),
            file=sys.stderr,
        )
        return 1
    # The local copy only: the mail itself stays on the server and comes back if the account is added again.
    shutil.rmtree(account_dir(paths, account.email), ignore_errors=True)
    print(
        _("Removed {email}, its saved password and the copy of its mail on this computer.").format(email=account.email)
    )
    return 0
