"""`deskmail folders ACCOUNT [--json]`: the folders in the local store, with counts (no network)."""

from __future__ import annotations

import argparse

from deskmail.commands.jsonout import write_listing
from deskmail.commands.storecli import open_reader


def run(args: argparse.Namespace) -> int:
    reader = open_reader(args.account, "folders")
    if reader is None:
        return 1
    try:
        folders = reader.folders()
    finally:
        reader.close()
    if args.json:
        write_listing({"account": args.account}, "folders", (f.to_json() for f in folders))
        return 0
    width = max((len(f.name) for f in folders), default=6)
    for folder in folders:
        use = f"({folder.special_use})" if folder.special_use else ""
        print(f"{folder.name:<{width}}  {use:<10} {folder.exists:>8,} messages  {folder.unread:>7,} unread")
    return 0
