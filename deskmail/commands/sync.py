"""`deskmail sync [ACCOUNT] [--json]`: synchronise accounts headless, progress on standard error."""

from __future__ import annotations

import argparse
import json
import logging
import sys
import time
from typing import TYPE_CHECKING, Any

from deskmail.core.cancel import CancelToken
from deskmail.core.errors import ErrorKind, Field, UserFacingError
from deskmail.core.i18n import _, ngettext
from deskmail.core.redact import register_secret
from deskmail.core.settings import Settings
from deskmail.engine import failures
from deskmail.engine.accounts import AUTH_OAUTH2, Account, AccountError, AccountStore
from deskmail.engine.credentials import Credentials, KeyringUnavailable
from deskmail.engine.imap.account import open_session, sync_account
from deskmail.engine.imap.connector import account_connector
from deskmail.engine.imap.session import NETWORK_ERRORS
from deskmail.engine.passwordlookup import PasswordLookup
from deskmail.engine.paths import Paths
from deskmail.engine.store import Store

if TYPE_CHECKING:
    from deskmail.engine.oauth.session import OAuthLogin

log = logging.getLogger(__name__)


def run(args: argparse.Namespace) -> int:
    settings = Settings.from_env()
    paths = Paths.from_settings(settings).ensure()
    try:
        accounts = _accounts(AccountStore(paths), args.account)
    except AccountError as exc:
        print(f"deskmail sync: {exc}", file=sys.stderr)
        return 1
    credentials = Credentials()  # one keyring connection for every account, opened on the first password
    results = [_sync_one(account, settings, paths, credentials, quiet=args.json) for account in accounts]
    if args.json:
        print(json.dumps({"accounts": results}, indent=2))
    return 0 if all(r["ok"] for r in results) else 1


def _accounts(store: AccountStore, email: str | None) -> list[Account]:
    if email is None:
        accounts = store.list()
        if not accounts:
            raise AccountError(_("there are no accounts yet. Add one with `deskmail account add`."))
        return accounts
    account = store.get(email)
    if account is None:
        raise AccountError(
            _("there is no account {email}. `deskmail account list` shows the saved ones.").format(email=email)
        )
    return [account]


def _sync_one(
    account: Account, settings: Settings, paths: Paths, credentials: Credentials, *, quiet: bool
) -> dict[str, Any]:
    started = time.monotonic()
    result: dict[str, Any] = {"account": account.email, "ok": False}
    try:
        if account.uses_pop3:  # local folders: the account's runtime downloads into them
            from deskmail.engine.runtime import runtime_for

            _password(account, credentials)
            runtime = runtime_for(account, paths, settings, credentials)
            try:
                report = runtime.sync(progress=None if quiet else _print_progress)
            finally:
                runtime.close()
            result.update(report.to_json())
            return _finished(account, result, started, quiet)
        # The keyring is asked while the store opens and the connection is made (TCP, TLS).
        secret = PasswordLookup(lambda: _login_secret(account, credentials, settings))
        store = Store.open_for(paths, account.email)
        try:
            session = open_session(account_connector(account, secret, settings), CancelToken())
            try:
                report = sync_account(session, store, progress=None if quiet else _print_progress)
                unsure = _maybe_sent(store, account.email)
            finally:
                session.logout()
        finally:
            store.close()
        result.update(report.to_json())
        result["may_already_have_been_sent"] = unsure
        for message in report.rolled_back:
            print(message, file=sys.stderr)
        for folder in report.folders:
            if folder.error:
                print(f"{account.email}: {folder.name}: {folder.error}", file=sys.stderr)
            elif folder.skipped:
                text = ngettext(
                    "{account}: {folder}: {n} message could not be read and will be tried again.",
                    "{account}: {folder}: {n} messages could not be read and will be tried again.",
                    folder.skipped,
                )
                print(text.format(account=account.email, folder=folder.name, n=folder.skipped), file=sys.stderr)
    except UserFacingError as exc:
        result["error"] = exc.to_json()
        print(f"{account.email}: {exc.message} {exc.fix}".strip(), file=sys.stderr)
    except KeyringUnavailable as exc:
        result["error"] = {"kind": "keyring_unavailable", "message": str(exc)}
        print(f"{account.email}: {exc}", file=sys.stderr)
    except NETWORK_ERRORS as exc:  # the server's or the socket's words go to details only
        error = failures.connection_lost(account.incoming, _("while syncing"), f"{type(exc).__name__}: {exc}")
        log.info("sync of %s: %s", account.email, error.details)
        result["error"] = error.to_json()
        print(f"{account.email}: {error.message} {error.fix}", file=sys.stderr)
    return _finished(account, result, started, quiet)


def _finished(account: Account, result: dict[str, Any], started: float, quiet: bool) -> dict[str, Any]:
    result["seconds"] = round(time.monotonic() - started, 3)
    if not quiet and result["ok"]:
        from deskmail.core.numbers import number

        seconds = number(result["seconds"])
        print(_("{account}: up to date ({seconds} s)").format(account=account.email, seconds=seconds), file=sys.stderr)
    return result


def _maybe_sent(store: Store, email: str) -> list[dict[str, str]]:
    """Outbox messages whose reply was lost after they went out: said plainly, never sent again here."""
    if store.conn.execute("SELECT 1 FROM outbox LIMIT 1").fetchone() is None:
        return []  # an empty outbox, as nearly always: the outbox module is not even loaded
    from deskmail.engine.smtp.outbox import OutboxState, outbox_items, subject_of

    found = []
    for item in outbox_items(store, heads_only=True):
        if item.state is OutboxState.UNSURE:
            subject = subject_of(item.raw)
            found.append({"message_id": item.message_id, "subject": subject})
            text = _(
                "{account}: \u201c{subject}\u201d may already have been sent: the connection broke just after it "
                "went out, and it is not in your Sent folder. Open Deskmail to send it again or to remove it "
                "from the Outbox; it is not sent again by itself."
            )
            print(text.format(account=email, subject=subject), file=sys.stderr)
    return found


def _password(account: Account, credentials: Credentials) -> str:
    """The account's saved password (or refresh token); raises KeyringUnavailable or UserFacingError."""
    password = credentials.get(account.email)
    if password is None:
        raise _no_password_error(account.email)
    register_secret(password)
    return password


def _login_secret(account: Account, credentials: Credentials, settings: Settings) -> str | OAuthLogin:
    """What to log in with: the password, or an OAuthLogin around the saved refresh token."""
    password = _password(account, credentials)
    if account.auth != AUTH_OAUTH2:
        return password
    from deskmail.engine.oauth.accounts import login_secret  # the browser sign-in's HTTP stack: only for these

    return login_secret(account, password, credentials, settings)


def _no_password_error(email: str) -> UserFacingError:
    return UserFacingError(
        ErrorKind.AUTH_FAILED,
        _("No password is saved for {email}.").format(email=email),
        _("Add the account again with `deskmail account add` so the password is kept in your keyring."),
        Field.PASSWORD,
    )


def _print_progress(progress: object) -> None:
    print(str(progress), file=sys.stderr, flush=True)
