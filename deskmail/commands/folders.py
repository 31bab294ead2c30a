"""`deskmail folders ACCOUNT [--json]`: the folders in the local store, with counts (no network)."""

from __future__ import annotations

import argparse

from deskmail.commands.jsonout import write_listing
from deskmail.commands.storecli import open_reader
from deskmail.core.i18n import ngettext


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
    from deskmail.core.numbers import number

    width = max((len(f.name) for f in folders), default=6)
    for folder in folders:
        use = f"({folder.special_use})" if folder.special_use else ""
        # Counts are right-aligned as numbers, then the word: "   1,234 messages      12 unread".
        messages = ngettext("{n} message", "{n} messages", folder.exists).format(n=f"{number(folder.exists):>8}")
        unread = ngettext("{n} unread", "{n} unread", folder.unread).format(n=f"{number(folder.unread):>7}")
        print(f"{folder.name:<{width}}  {use:<10} {messages}  {unread}")
    return 0
