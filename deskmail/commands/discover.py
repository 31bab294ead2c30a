"""`deskmail discover EMAIL [--json] [--timeout S]`: find the IMAP and SMTP settings for an address.

Exit status: 0 when a usable IMAP + SMTP candidate was found, 1 otherwise, 2 for usage errors.
"""

from __future__ import annotations

import argparse
import json
import sys

from deskmail.core.cancel import CancelToken
from deskmail.core.i18n import _, ngettext
from deskmail.core.serverconfig import Candidate, ServerConfig
from deskmail.core.settings import Settings
from deskmail.discovery import AddressError, DiscoveryResult, discover


def run(args: argparse.Namespace) -> int:
    if not 0 < args.timeout <= 600:
        print(_("--timeout must be between 0 and 600 seconds."), file=sys.stderr)
        return 2
    settings = Settings.from_env()
    cancel = CancelToken()
    progress = None if args.json else _progress
    try:
        result = discover(args.email, settings=settings, cancel=cancel, progress=progress, timeout=args.timeout)
    except AddressError as exc:
        if args.json:
            print(json.dumps({"email": args.email, "error": exc.message}))
        else:
            print(exc.message, file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        cancel.cancel()
        raise
    if args.json:
        print(json.dumps(result.to_json(), indent=2, ensure_ascii=False))
    else:
        _print_summary(result)
    return 0 if result.usable else 1


def _progress(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def _print_summary(result: DiscoveryResult) -> None:
    # The outcome is an identifier (scripts match it), so it stays English; the message says it in words.
    print(f"{result.email}: {result.outcome}")
    if result.candidates:
        _print_candidate(result.candidates[0])
        others = len(result.candidates) - 1
        if others:
            print(
                "  "
                + ngettext(
                    "({n} alternative; --json lists it)", "({n} alternatives; --json lists them)", others
                ).format(n=others)
            )
    if result.message:
        print(result.message)
    print(_("Look-ups:"))
    for lookup in result.lookups:
        print(f"  {lookup.ms:>5} ms  {lookup.source:<10} {lookup.target}  {lookup.result}")


def _print_candidate(candidate: Candidate) -> None:
    if candidate.trusted:
        line = _("{provider} (from {source}, trusted: {reason})")
    else:
        line = _("{provider} (from {source}, needs your confirmation: {reason})")
    print("  " + line.format(provider=candidate.provider.name, source=candidate.source, reason=candidate.trust_reason))
    print("  " + _("incoming: {server}").format(server=_server(candidate.incoming)))
    if candidate.outgoing:
        print("  " + _("outgoing: {server}").format(server=_server(candidate.outgoing)))
    else:
        print("  " + _("outgoing: none found"))
    domains = candidate.extra.get("server_domains")
    if not candidate.trusted and domains:
        print(
            "  "
            + ngettext(
                "before using it, check that {domains} belongs to your provider",
                "before using it, check that {domains} belong to your provider",
                len(domains),
            ).format(domains=", ".join(domains))
        )
    for url in candidate.help_urls[:1]:
        print("  " + _("help: {url}").format(url=url))


def _server(server: ServerConfig) -> str:
    return _("{protocol} {host}:{port} ({security}), user name {username}").format(
        protocol=server.protocol.upper(),
        host=server.host,
        port=server.port,
        security=server.security,
        username=server.username,
    )
