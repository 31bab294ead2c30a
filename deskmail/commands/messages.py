"""`deskmail messages ACCOUNT FOLDER [--json] [--limit N]`: a folder's messages from the local store."""

from __future__ import annotations

import argparse
import json
import sys
import time
from typing import Any

from deskmail.commands.storecli import open_reader


def run(args: argparse.Namespace) -> int:
    reader = open_reader(args.account, "messages")
    if reader is None:
        return 1
    try:
        folder = reader.folder(args.folder)
        if folder is None:
            names = ", ".join(f.name for f in reader.folders())
            print(f"deskmail messages: there is no folder {args.folder!r}. Folders: {names}", file=sys.stderr)
            return 1
        rows = reader.messages(folder.id, limit=max(args.limit, 0))
    finally:
        reader.close()
    if args.json:
        out: list[dict[str, Any]] = []
        for row in rows:
            item = row.to_json()
            item["date_iso"] = _iso(row.date)
            out.append(item)
        print(json.dumps({"account": args.account, "folder": folder.name, "messages": out}, indent=2))
        return 0
    for row in rows:
        flags = ("N" if not row.seen else " ") + ("F" if row.flagged else " ") + ("A" if row.answered else " ")
        sender = row.from_name or row.from_addr
        print(f"{row.uid:>7} {flags} {_iso(row.date)[:16]}  {sender[:24]:<24}  {row.subject}")
    return 0


def _iso(timestamp: int) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(timestamp)) if timestamp else ""
