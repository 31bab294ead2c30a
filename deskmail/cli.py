"""The one place that parses Deskmail's command line.

`deskmail` with no arguments (or a mailto: URL) opens the app; a subcommand runs the
engine headless and is imported lazily, so the command line never loads Qt.
"""

from __future__ import annotations

import argparse
import gc
import importlib
import os
import sys
from collections.abc import Sequence
from typing import Any

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
    from deskmail.core.i18n import _

    _speak_argparse()
    parser = argparse.ArgumentParser(
        prog="deskmail",
        description=_("Deskmail e-mail. Without a command, opens the app."),
        epilog=_(
            "Environment: DESKMAIL_DNS_SERVER, DESKMAIL_EXTRA_CA, DESKMAIL_ISPDB_URL, DESKMAIL_HOME (see README)."
        ),
    )
    parser.add_argument(
        "--version", action="version", version=f"Deskmail {__version__}", help=_("show the version and exit")
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    p = sub.add_parser(
        "discover",
        help=_("find the IMAP and SMTP settings for an e-mail address"),
        description=_("find the IMAP and SMTP settings for an e-mail address"),
    )
    p.add_argument("email")
    p.add_argument("--json", action="store_true", help=_("print one JSON object"))
    p.add_argument("--timeout", type=float, default=8.0, metavar="S", help=_("overall deadline (seconds)"))

    p = sub.add_parser(
        "check",
        help=_("prove that IMAP and SMTP settings work (TLS and login)"),
        description=_("prove that IMAP and SMTP settings work (TLS and login)"),
    )
    p.add_argument("--config", required=True, metavar="FILE", help=_("`discover --json` output or one candidate"))
    p.add_argument("--password-stdin", action="store_true", help=_("read the password from standard input"))
    p.add_argument("--json", action="store_true", help=_("print one JSON object"))
    p.add_argument("--timeout", type=float, default=15.0, metavar="S")

    p = sub.add_parser(
        "account", help=_("add, list, remove or export accounts"), description=_("add, list, remove or export accounts")
    )
    account = p.add_subparsers(dest="account_command", metavar="ACTION", required=True)
    a = account.add_parser("add", help=_("check and save an account"), description=_("check and save an account"))
    a.add_argument("--config", required=True, metavar="FILE")
    a.add_argument("--password-stdin", action="store_true")
    a.add_argument(
        "--sign-in", action="store_true", help=_("sign in in the browser (OAuth2) instead of a password, if configured")
    )
    a.add_argument("--name", default="", help=_("your name, as recipients see it"))
    a.add_argument("--no-check", action="store_true", help=_("save without proving the settings first"))
    a.add_argument("--json", action="store_true", help=_("print one JSON object"))
    a = account.add_parser("list", help=_("list saved accounts"), description=_("list saved accounts"))
    a.add_argument("--json", action="store_true", help=_("print one JSON object"))
    a = account.add_parser(
        "remove", help=_("remove an account and its password"), description=_("remove an account and its password")
    )
    a.add_argument("account", metavar="ACCOUNT")
    a = account.add_parser(
        "export",
        help=_("hand an account's settings to a phone (QR code, iPhone profile, card)"),
        description=_("hand an account's settings to a phone (QR code, iPhone profile, card)"),
    )
    a.add_argument("accounts", nargs="+", metavar="ACCOUNT", help=_("e-mail address (several: one export for all)"))
    a.add_argument("--format", required=True, choices=EXPORT_FORMATS, help=_("what to write (see README)"))
    a.add_argument("--output", metavar="FILE", help=_("where to write it ('-': standard output)"))
    a.add_argument(
        "--include-password", action="store_true", help=_("put the saved password in the Thunderbird code (keyring)")
    )

    p = sub.add_parser(
        "sync",
        help=_("synchronise accounts with their servers"),
        description=_("synchronise accounts with their servers"),
    )
    p.add_argument("account", nargs="?", metavar="ACCOUNT", help=_("e-mail address (default: all)"))
    p.add_argument("--json", action="store_true", help=_("print one JSON object"))

    p = sub.add_parser(
        "folders", help=_("list the folders in the local store"), description=_("list the folders in the local store")
    )
    p.add_argument("account", metavar="ACCOUNT")
    p.add_argument("--json", action="store_true", help=_("print one JSON object"))

    p = sub.add_parser(
        "messages",
        help=_("list the messages of a folder in the local store"),
        description=_("list the messages of a folder in the local store"),
    )
    p.add_argument("account", metavar="ACCOUNT")
    p.add_argument("folder", metavar="FOLDER")
    p.add_argument("--json", action="store_true", help=_("print one JSON object"))
    p.add_argument("--limit", type=int, default=0, metavar="N", help=_("at most this many, newest first (0: all)"))
    p.add_argument("--offset", type=int, default=0, metavar="N", help=_("skip this many of the newest first"))

    p = sub.add_parser(
        "settings",
        help=_("show or change settings (e.g. undo_send_seconds, 0-30, default 5)"),
        description=_("show or change settings (e.g. undo_send_seconds, 0-30, default 5)"),
    )
    p.add_argument("--json", action="store_true", help=_("print one JSON object"))
    setting = p.add_subparsers(dest="settings_command", metavar="ACTION")
    s = setting.add_parser("set", help=_("change one setting"), description=_("change one setting"))
    s.add_argument("key", metavar="KEY")
    s.add_argument("value", metavar="VALUE")
    s.add_argument("--json", action="store_true", help=_("print one JSON object"))
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
    try:
        module = _import_command(COMMANDS[args.command])
        status: int = module.run(args)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # `deskmail messages ... | head`: the reader has what it wanted
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    finally:
        gc.unfreeze()  # main() called in a longer-lived process (tests) leaves its collector as it was
    return status


def _import_command(name: str) -> Any:
    """The command's module, imported without the collector's passes over what importing makes.

    Modules, classes and functions live as long as the process: the collector's passes while a
    command's modules load (about 20 for `deskmail sync`, 5 ms) find nothing to free, and its
    passes during the command need not walk them either (frozen until the command ends).
    """
    gc.disable()
    try:
        return importlib.import_module(f"deskmail.commands.{name}")
    finally:
        gc.freeze()
        gc.enable()


def console() -> None:
    """The `deskmail` and `deskmail-cli` programs and `python -m deskmail`: `main`, then exit with its status."""
    args = sys.argv[1:]
    status = main(args)
    if args and not args[0].lower().startswith("mailto:"):  # a command ran, not the window
        # The process ends now: the interpreter's last collections would walk every object the command
        # made (30 ms after a no-change sync, a fifth of it) only for the system to free them anyway.
        # What the command must leave behind (its store, files, output) it closed or flushed itself.
        gc.freeze()
    sys.exit(status)


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


def _speak_argparse() -> None:
    """argparse's own words (headings, its error messages) in the person's language too: argparse
    looks them up through its module-level `_` at use time, which this points at our catalog."""
    from deskmail.core import i18n
    from deskmail.core.i18n import N_

    # Marked for the catalog only (the texts argparse asks for).
    (
        N_("usage: "),
        N_("positional arguments"),
        N_("options"),
        N_("show this help message and exit"),
        N_("%(prog)s: error: %(message)s\n"),
        N_("argument %(argument_name)s: %(message)s"),
        N_("the following arguments are required: %s"),
        N_("unrecognized arguments: %s"),
        N_("invalid choice: %(value)r (choose from %(choices)s)"),
        N_("invalid %(type)s value: %(value)r"),
        N_("expected one argument"),
        N_("ambiguous option: %(option)s could match %(matches)s"),
    )

    # Only argparse's lookups change; the texts stay byte for byte the same in English.
    setattr(argparse, "_", i18n._)  # noqa: B010 (argparse declares no `_` for type checkers)
    setattr(argparse, "ngettext", i18n.ngettext)  # noqa: B010


def _run_gui(args: list[str]) -> int:
    from deskmail.app import run_app

    return run_app(args)


if __name__ == "__main__":
    console()
