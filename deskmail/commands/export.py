"""`deskmail account export`: an account's settings for a phone (Thunderbird QR code, iPhone profile, card)."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from deskmail.core.i18n import N_, _, ngettext
from deskmail.core.redact import register_secret
from deskmail.engine.accounts import Account, AccountError, AccountStore
from deskmail.engine.credentials import Credentials
from deskmail.engine.export import ExportError
from deskmail.engine.export.mobileconfig import mobileconfig
from deskmail.engine.export.thunderbird import export_codes

PASSWORD_WARNING = N_(
    "Warning: this code contains your password. Anyone who sees it, or a photo of it, can read your password."
)
DEFAULT_NAMES = {
    "thunderbird-qr": "{name}-thunderbird.png",
    "mobileconfig": "{name}.mobileconfig",
    "card": "{name}-settings.pdf",
}


class ExportUsageError(Exception):
    """The options cannot work together: exit status 2."""


def export(args: argparse.Namespace, store: AccountStore, credentials: Credentials) -> int:
    """Keyring and account errors propagate to `deskmail account`'s handler (exit status 1)."""
    try:
        accounts = [_account(store, email) for email in args.accounts]
        if args.include_password and not args.format.startswith("thunderbird"):
            raise ExportUsageError(
                _(
                    "--include-password works only with the Thunderbird formats: "
                    "the iPhone profile and the card never contain the password (the phone asks for it)."
                )
            )
        passwords = [_password(credentials, a) if args.include_password else None for a in accounts]
        return _write(args, accounts, passwords)
    except ExportUsageError as exc:
        print(f"deskmail account export: {exc}", file=sys.stderr)
        return 2
    except (ExportError, OSError) as exc:
        print(f"deskmail account export: {exc}", file=sys.stderr)
        return 1


def _account(store: AccountStore, email: str) -> Account:
    account = store.get(email)
    if account is None:
        raise AccountError(_("there is no account {email}.").format(email=email))
    return account


def _password(credentials: Credentials, account: Account) -> str:
    if account.uses_oauth:
        raise ExportUsageError(
            _("{email} signs in through the browser: it has no password to include.").format(email=account.email)
        )
    password = credentials.get(account.email)  # KeyringUnavailable: refused with the keyring's plain words
    if not password:
        raise ExportUsageError(
            _("no password is saved for {email}, so it cannot be included.").format(email=account.email)
        )
    register_secret(password)
    return password


def _write(args: argparse.Namespace, accounts: list[Account], passwords: list[str | None]) -> int:
    output: str | None = args.output
    name = accounts[0].email if len(accounts) == 1 else "accounts"
    if output is None and args.format in DEFAULT_NAMES:
        output = DEFAULT_NAMES[args.format].format(name=name)
    private = any(passwords)
    if private:
        print(_(PASSWORD_WARNING), file=sys.stderr)
    if args.format == "thunderbird-json":
        codes = export_codes(list(zip(accounts, passwords, strict=True)))
        _emit(output, "".join(code.payload + "\n" for code in codes).encode("ascii"), private)
    elif args.format == "thunderbird-qr":
        codes = export_codes(list(zip(accounts, passwords, strict=True)))
        if len(codes) > 1 and output == "-":
            raise ExportUsageError(
                ngettext(
                    "these accounts need {n} code: give --output FILE to write it.",
                    "these accounts need {n} codes: give --output FILE to write them all.",
                    len(codes),
                ).format(n=len(codes))
            )
        for code, path in zip(codes, _numbered(output or "-", len(codes)), strict=True):
            _emit(path, code.png(), private)
        if len(codes) > 1:
            text = ngettext(
                "Scan the {n} code one after the other, in their order.",
                "Scan the {n} codes one after the other, in their order.",
                len(codes),
            )
            print(text.format(n=len(codes)), file=sys.stderr)
    elif args.format == "mobileconfig":
        _emit(output, mobileconfig(accounts))
    else:
        _emit(output, _card_pdf(accounts))
    return 0


def _card_pdf(accounts: list[Account]) -> bytes:
    """Qt lays the card out; loaded only here, so every other command stays free of Qt."""
    from deskmail.ui.phone.card import card_pdf_bytes

    return card_pdf_bytes(accounts)


def _numbered(output: str, count: int) -> list[str]:
    """FILE.png for one code; FILE-1.png, FILE-2.png... for a sequence."""
    if count == 1 or output == "-":
        return [output] * count
    path = Path(output)
    return [str(path.with_name(f"{path.stem}-{n}{path.suffix}")) for n in range(1, count + 1)]


def _emit(output: str | None, data: bytes, private: bool = False) -> None:
    if output is None or output == "-":
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
        return
    path = Path(output)
    if private:  # a code with the password: readable by its owner only, from the first byte on
        path.unlink(missing_ok=True)
        with os.fdopen(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "wb") as handle:
            handle.write(data)
    else:
        path.write_bytes(data)
    print(_("Wrote {path}").format(path=output), file=sys.stderr)
