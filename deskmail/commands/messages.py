"""`deskmail messages ACCOUNT FOLDER [--json] [--limit N] [--offset N]`: a folder's messages from the local store.

Rows are written as SQLite reads them (the JSON too, as one document), so a folder of a
million messages lists in the memory of one row.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Iterator
from typing import Any

from deskmail.commands.jsonout import ChunkedWriter, write_listing
from deskmail.commands.storecli import open_reader
from deskmail.core.i18n import _
from deskmail.engine.store.models import MessageSummary


def run(args: argparse.Namespace) -> int:
    reader = open_reader(args.account, "messages")
    if reader is None:
        return 1
    try:
        folder = reader.folder(args.folder)
        if folder is None:
            names = ", ".join(f.name for f in reader.folders())
            text = _("deskmail messages: there is no folder {folder!r}. Folders: {names}")
            print(text.format(folder=args.folder, names=names), file=sys.stderr)
            return 1
        rows = reader.iter_messages(folder.id, limit=max(args.limit, 0), offset=max(args.offset, 0))
        if args.json:
            write_listing({"account": args.account, "folder": folder.name}, "messages", _json_items(rows))
            return 0
        out = ChunkedWriter(sys.stdout)
        for row in rows:
            flags = ("N" if not row.seen else " ") + ("F" if row.flagged else " ") + ("A" if row.answered else " ")
            sender = row.from_name or row.from_addr
            out.write(f"{row.uid:>7} {flags} {_iso(row.date)[:16]}  {sender[:24]:<24}  {row.subject}\n")
        out.flush()
        return 0
    finally:
        reader.close()


def _json_items(rows: Iterator[MessageSummary]) -> Iterator[dict[str, Any]]:
    for row in rows:
        item = row.to_json()
        item["date_iso"] = _iso(row.date)
        yield item


def _iso(timestamp: int) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(timestamp)) if timestamp else ""
