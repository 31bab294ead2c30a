"""The one place that parses Deskmail's command line.

`deskmail` with no arguments (or a mailto: URL) opens the app; a subcommand runs the
engine headless and is imported lazily, so the command line never loads Qt.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Sequence

from deskmail import __version__

# subcommand -> module in deskmail.commands with `run(args) -> int`
COMMANDS = {
    "discover": "discover",
    "check": "check",
    "account": "account",
    "sync": "sync",
    "folders": "folders",
    "messages": "messages",
    "settings": "settings",
}
EXPORT_FORMATS = ("thunderbird-json", "thunderbird-qr", "mobileconfig", "card")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="deskmail",
        description="Deskmail e-mail. Without a command, opens the app.",
        epilog="Environment: DESKMAIL_DNS_SERVER, DESKMAIL_EXTRA_CA, DESKMAIL_ISPDB_URL, DESKMAIL_HOME (see README).",
    )
    parser.add_argument("--version", action="version", version=f"Deskmail {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    p = sub.add_parser("discover", help="find the IMAP and SMTP settings for an e-mail address")
    p.add_argument("email")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.add_argument("--timeout", type=float, default=8.0, metavar="S", help="overall deadline (seconds)")

    p = sub.add_parser("check", help="prove that IMAP and SMTP settings work (TLS and login)")
    p.add_argument("--config", required=True, metavar="FILE", help="`discover --json` output or one candidate")
    p.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    p.add_argument("--json", action="store_true")
    p.add_argument("--timeout", type=float, default=15.0, metavar="S")

    p = sub.add_parser("account", help="add, list, remove or export accounts")
    account = p.add_subparsers(dest="account_command", metavar="ACTION", required=True)
    a = account.add_parser("add", help="check and save an account")
    a.add_argument("--config", required=True, metavar="FILE")
    a.add_argument("--password-stdin", action="store_true")
    a.add_argument(
        "--sign-in", action="store_true", help="sign in in the browser (OAuth2) instead of a password, if configured"
    )
    a.add_argument("--name", default="", help="your name, as recipients see it")
    a.add_argument("--no-check", action="store_true", help="save without proving the settings first")
    a.add_argument("--json", action="store_true")
    a = account.add_parser("list", help="list saved accounts")
    a.add_argument("--json", action="store_true")
    a = account.add_parser("remove", help="remove an account and its password")
    a.add_argument("account", metavar="ACCOUNT")
    a = account.add_parser("export", help="hand an account's settings to a phone (QR code, iPhone profile, card)")
    a.add_argument("accounts", nargs="+", metavar="ACCOUNT", help="e-mail address (several: one export for all)")
    a.add_argument("--format", required=True, choices=EXPORT_FORMATS, help="what to write (see README)")
    a.add_argument("--output", metavar="FILE", help="where to write it ('-': standard output)")
    a.add_argument(
        "--include-password", action="store_true", help="put the saved password in the Thunderbird code (keyring)"
    )

    p = sub.add_parser("sync", help="synchronise accounts with their servers")
    p.add_argument("account", nargs="?", metavar="ACCOUNT", help="e-mail address (default: all)")
    p.add_argument("--json", action="store_true")

    p = sub.add_parser("folders", help="list the folders in the local store")
    p.add_argument("account", metavar="ACCOUNT")
    p.add_argument("--json", action="store_true")

    p = sub.add_parser("messages", help="list the messages of a folder in the local store")
    p.add_argument("account", metavar="ACCOUNT")
    p.add_argument("folder", metavar="FOLDER")
    p.add_argument("--json", action="store_true")
    p.add_argument("--limit", type=int, default=0, metavar="N", help="at most this many, newest first (0: all)")
    p.add_argument("--offset", type=int, default=0, metavar="N", help="skip this many of the newest first")

    p = sub.add_parser("settings", help="show or change settings (e.g. undo_send_seconds, 0-30, default 5)")
    p.add_argument("--json", action="store_true")
    setting = p.add_subparsers(dest="settings_command", metavar="ACTION")
    s = setting.add_parser("set", help="change one setting")
    s.add_argument("key", metavar="KEY")
    s.add_argument("value", metavar="VALUE")
    s.add_argument("--json", action="store_true")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args_list = list(sys.argv[1:] if argv is None else argv)
    if not args_list or args_list[0].lower().startswith("mailto:"):
        return _run_gui(args_list)
    _use_language()
    parser = build_parser()
    args = parser.parse_args(args_list)
    if args.command is None:
        return _run_gui([])
    from deskmail.engine.logs import setup_cli_logging

    setup_cli_logging()
    module = importlib.import_module(f"deskmail.commands.{COMMANDS[args.command]}")
    try:
        status: int = module.run(args)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # `deskmail messages ... | head`: the reader has what it wanted
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    return status


def _use_language() -> None:
    """The command line speaks the person's language too (its JSON keys and kinds stay English)."""
    from deskmail.core import i18n

    if os.environ.get("DESKMAIL_LANG"):
        i18n.use(i18n.choose())
        return
    from deskmail.core.settings import Settings
    from deskmail.engine.paths import Paths
    from deskmail.engine.prefs import use_chosen_language

    use_chosen_language(Paths.from_settings(Settings.from_env()))


def _run_gui(args: list[str]) -> int:
    from deskmail.app import run_app

    return run_app(args)


if __name__ == "__main__":
    sys.exit(main())
