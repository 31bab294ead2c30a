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
        raise UsageError(f"Cannot read {path}: {exc.strerror or exc}") from None
    except ValueError as exc:
        raise UsageError(f"{path} is not valid JSON: {exc}") from None
    if not isinstance(data, dict):
        raise UsageError(f"{path} must contain a JSON object.")
    raw = data
    if "candidates" in data:
        candidates = data.get("candidates") or []
        if not candidates:
            raise UsageError(f"{path} has no candidates: discovery found no settings to check.")
        raw = candidates[0]
    try:
        candidate = Candidate.from_json(raw)
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise UsageError(f"{path} does not describe server settings ({type(exc).__name__}: {exc}).") from None
    email = str(data.get("email") or raw.get("email") or "")
    if not email and "@" in candidate.incoming.username:
        email = candidate.incoming.username
    return CheckConfig(candidate, email, _policy(data.get("policy") or raw.get("policy") or {}))


def _policy(data: dict[str, Any]) -> ConnectionPolicy:
    try:
        pins = tuple(CertificatePin.from_json(pin) for pin in data.get("pins", []))
    except (KeyError, TypeError, ValueError) as exc:
        raise UsageError(f"the policy's pins are malformed ({exc})") from None
    return ConnectionPolicy(pins=pins, allow_plaintext=bool(data.get("allow_plaintext", False)))


def read_password(email: str, *, from_stdin: bool) -> str:
    """Standard input (one line), else the keyring, else a prompt on the terminal."""
    stdin_password = sys.stdin.readline().rstrip("\r\n") if from_stdin else None
    password = stdin_password if stdin_password is not None else _keyring_password(email) or _prompt(email)
    if not password:
        raise UsageError("No password given.")
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
        raise UsageError("No password: use --password-stdin, or run in a terminal to be asked for it.")
    return getpass.getpass(f"Password for {email or 'this account'}: ")


def _log_to_file(settings: Settings) -> None:
    level = logging.DEBUG if os.environ.get("DESKMAIL_DEBUG") else logging.INFO
    try:
        setup_file_logging(Paths.from_settings(settings).logs, level)
    except OSError as exc:  # a read-only home must not stop a check
        print(f"(not logging to a file: {exc})", file=sys.stderr)


def _progress(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def _print_report(report: CheckReport) -> None:
    _print_check("Incoming (IMAP)", report.incoming)
    _print_check("Outgoing (SMTP)", report.outgoing)
    print("Both servers work." if report.ok else "The settings do not work yet.")


def _print_check(title: str, check: ServerCheck) -> None:
    where = f"{check.host}:{check.port} ({check.security})"
    if check.ok:
        tls = check.tls.get("version") or "not encrypted"
        print(f"{title} {where}: works, user name {check.username}, {tls}")
    elif check.error is not None:
        print(f"{title} {where}: {check.error.message}")
        if check.error.fix:
            print(f"  What to do: {check.error.fix}")
        if check.error.details:
            print(f"  Details: {check.error.details}")
        if "sha256" in check.error.data:
            data = check.error.data
            print(f"  Certificate: {data.get('subject', '')}, issued by {data.get('issuer', '')}")
            print(f"  SHA-256 fingerprint: {data['sha256']}")
    for warning in check.warnings:
        print(f"  Warning: {warning}")
