"""`deskmail check --config FILE [--password-stdin] [--json]`: prove IMAP and SMTP settings work.

FILE is `deskmail discover --json` output (its first candidate is checked) or one candidate object;
an optional "policy" object ({"allow_plaintext": bool, "pins": [{"host", "port", "sha256"}]}) carries
what the user accepted. The password comes from standard input, the keyring or a prompt: never from
the command line. Exit status: 0 when both servers work, 1 when a check failed, 2 for usage errors.
"""

from __future__ import annotations

import argparse
import getpass
import json
import logging
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from deskmail.core.cancel import CancelToken
from deskmail.core.i18n import N_, _
from deskmail.core.redact import register_secret
from deskmail.core.serverconfig import Candidate, CertificatePin, ConnectionPolicy
from deskmail.core.settings import Settings
from deskmail.engine.logs import setup_file_logging
from deskmail.engine.paths import Paths
from deskmail.engine.validate import CheckReport, ServerCheck, check_account
from deskmail.engine.validate.checks import OVERALL_STEPS

log = logging.getLogger(__name__)


class UsageError(Exception):
    """The command line or the config file is wrong; the message says how."""


@dataclass
class CheckConfig:
    candidate: Candidate
    email: str
    policy: ConnectionPolicy


def run(args: argparse.Namespace) -> int:
    settings = Settings.from_env()
    _log_to_file(settings)
    try:
        config = load_check_config(Path(args.config))
        password = read_password(config.email, from_stdin=args.password_stdin)
    except UsageError as exc:
        print(str(exc), file=sys.stderr)
        return 2
    # A backstop only: each server's check has its own deadline (OVERALL_STEPS step timeouts), which
    # must pass first so a trickling server reads "did not answer in time", not "the check was stopped".
    cancel = CancelToken.with_timeout(max(args.timeout, 1.0) * (OVERALL_STEPS + 1))
    progress = None if args.json else _progress
    try:
        report = check_account(
            config.candidate,
            config.email,
            password,
            settings=settings,
            policy=config.policy,
            cancel=cancel,
            progress=progress,
            timeout=args.timeout,
        )
    except KeyboardInterrupt:
        cancel.cancel()
        raise
    if args.json:
        print(json.dumps(report.to_json(), indent=2, ensure_ascii=False))
    else:
        _print_report(report)
    return 0 if report.ok else 1


def load_check_config(path: Path) -> CheckConfig:
    """Read a `discover --json` result (first candidate) or a single candidate object."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise UsageError(_("Cannot read {path}: {error}").format(path=path, error=exc.strerror or exc)) from None
    except ValueError as exc:
        raise UsageError(_("{path} is not valid JSON: {error}").format(path=path, error=exc)) from None
    if not isinstance(data, dict):
        raise UsageError(_("{path} must contain a JSON object.").format(path=path))
    raw = data
    if "candidates" in data:
        candidates = data.get("candidates") or []
        if not candidates:
            raise UsageError(_("{path} has no candidates: discovery found no settings to check.").format(path=path))
        raw = candidates[0]
    try:
        candidate = Candidate.from_json(raw)
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        error = f"{type(exc).__name__}: {exc}"
        raise UsageError(
            _("{path} does not describe server settings ({error}).").format(path=path, error=error)
        ) from None
    email = str(data.get("email") or raw.get("email") or "")
    if not email and "@" in candidate.incoming.username:
        email = candidate.incoming.username
    return CheckConfig(candidate, email, _policy(data.get("policy") or raw.get("policy") or {}))


def _policy(data: dict[str, Any]) -> ConnectionPolicy:
    try:
        pins = tuple(CertificatePin.from_json(pin) for pin in data.get("pins", []))
    except (KeyError, TypeError, ValueError) as exc:
        raise UsageError(_("the policy's pins are malformed ({error})").format(error=exc)) from None
    return ConnectionPolicy(pins=pins, allow_plaintext=bool(data.get("allow_plaintext", False)))


def read_password(email: str, *, from_stdin: bool) -> str:
    """Standard input (one line), else the keyring, else a prompt on the terminal."""
    stdin_password = sys.stdin.readline().rstrip("\r\n") if from_stdin else None
    password = stdin_password if stdin_password is not None else _keyring_password(email) or _prompt(email)
    if not password:
        raise UsageError(_("No password given."))
    register_secret(password)
    return password


def _keyring_password(email: str) -> str | None:
    if not email:
        return None
    try:
        from deskmail.engine.credentials import Credentials, KeyringUnavailable
    except ImportError:
        return None
    try:
        return Credentials().get(email)
    except KeyringUnavailable:
        return None


def _prompt(email: str) -> str:
    if not sys.stdin.isatty():
        raise UsageError(_("No password: use --password-stdin, or run in a terminal to be asked for it."))
    if email:
        return getpass.getpass(_("Password for {email}: ").format(email=email))
    return getpass.getpass(_("Password for this account: "))


def _log_to_file(settings: Settings) -> None:
    level = logging.DEBUG if os.environ.get("DESKMAIL_DEBUG") else logging.INFO
    try:
        setup_file_logging(Paths.from_settings(settings).logs, level)
    except OSError as exc:  # a read-only home must not stop a check
        print(_("(not logging to a file: {error})").format(error=exc), file=sys.stderr)


def _progress(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


# How each server's line reads, whole: (works with TLS, works unencrypted, failed). {host}:{port}
# ({security}) is the server as tried, e.g. "imap.example.com:993 (ssl)"; the security word stays English.
LINES = {
    "incoming": (
        # Translators: {tls} is the TLS version, e.g. "TLSv1.3"; {security} stays as it is (ssl, starttls).
        N_("Incoming (IMAP) {host}:{port} ({security}): works, user name {username}, {tls}"),
        N_("Incoming (IMAP) {host}:{port} ({security}): works, user name {username}, not encrypted"),
        # Translators: {message} is why it failed, one or more whole sentences.
        N_("Incoming (IMAP) {host}:{port} ({security}): {message}"),
    ),
    "outgoing": (
        # Translators: {tls} is the TLS version, e.g. "TLSv1.3"; {security} stays as it is (ssl, starttls).
        N_("Outgoing (SMTP) {host}:{port} ({security}): works, user name {username}, {tls}"),
        N_("Outgoing (SMTP) {host}:{port} ({security}): works, user name {username}, not encrypted"),
        # Translators: {message} is why it failed, one or more whole sentences.
        N_("Outgoing (SMTP) {host}:{port} ({security}): {message}"),
    ),
}


def _print_report(report: CheckReport) -> None:
    _print_check(LINES["incoming"], report.incoming)
    _print_check(LINES["outgoing"], report.outgoing)
    print(_("Both servers work.") if report.ok else _("The settings do not work yet."))


def _print_check(lines: tuple[str, str, str], check: ServerCheck) -> None:
    with_tls, plain, failed = lines
    server = {"host": check.host, "port": check.port, "security": check.security}
    if check.ok:
        tls = check.tls.get("version")
        print(_(with_tls if tls else plain).format(**server, username=check.username, tls=tls))
    elif check.error is not None:
        print(_(failed).format(**server, message=check.error.message))
        if check.error.fix:
            print("  " + _("What to do: {fix}").format(fix=check.error.fix))
        if check.error.details:
            print("  " + _("Details: {details}").format(details=check.error.details))
        if "sha256" in check.error.data:
            data = check.error.data
            line = _("Certificate: {subject}, issued by {issuer}")
            print("  " + line.format(subject=data.get("subject", ""), issuer=data.get("issuer", "")))
            print("  " + _("SHA-256 fingerprint: {sha256}").format(sha256=data["sha256"]))
    for warning in check.warnings:
        print("  " + _("Warning: {warning}").format(warning=warning))
