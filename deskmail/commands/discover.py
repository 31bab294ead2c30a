"""`deskmail discover EMAIL [--json] [--timeout S]`: find the IMAP and SMTP settings for an address.

Exit status: 0 when a usable IMAP + SMTP candidate was found, 1 otherwise, 2 for usage errors.
"""

from __future__ import annotations

import argparse
import json
import sys

from deskmail.core.cancel import CancelToken
from deskmail.core.serverconfig import Candidate, ServerConfig
from deskmail.core.settings import Settings
from deskmail.discovery import AddressError, DiscoveryResult, discover


def run(args: argparse.Namespace) -> int:
    if not 0 < args.timeout <= 600:
        print("--timeout must be between 0 and 600 seconds.", file=sys.stderr)
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
    print(f"{result.email}: {result.outcome}")
    if result.candidates:
        _print_candidate(result.candidates[0])
        if len(result.candidates) > 1:
            print(f"  ({len(result.candidates) - 1} alternative(s); --json lists them)")
    if result.message:
        print(result.message)
    print("Look-ups:")
    for lookup in result.lookups:
        print(f"  {lookup.ms:>5} ms  {lookup.source:<10} {lookup.target}  {lookup.result}")


def _print_candidate(candidate: Candidate) -> None:
    trust = "trusted" if candidate.trusted else "needs your confirmation"
    print(f"  {candidate.provider.name} (from {candidate.source}, {trust}: {candidate.trust_reason})")
    print(f"  incoming: {_server(candidate.incoming)}")
    print(f"  outgoing: {_server(candidate.outgoing) if candidate.outgoing else 'none found'}")
    domains = candidate.extra.get("server_domains")
    if not candidate.trusted and domains:
        print(f"  before using it, check that {', '.join(domains)} belongs to your provider")
    for url in candidate.help_urls[:1]:
        print(f"  help: {url}")


def _server(server: ServerConfig) -> str:
    return f"{server.protocol.upper()} {server.host}:{server.port} ({server.security}), user name {server.username}"
