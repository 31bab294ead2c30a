"""`deskmail settings [--json]` and `deskmail settings set KEY VALUE`: the settings file, read and changed."""

from __future__ import annotations

import argparse
import json
import sys

from deskmail.core.i18n import _
from deskmail.core.settings import Settings
from deskmail.engine.paths import Paths
from deskmail.engine.prefs import AppSettings


def run(args: argparse.Namespace) -> int:
    settings = AppSettings(Paths.from_settings(Settings.from_env()))
    if args.settings_command == "set":
        try:
            values = settings.set(args.key, args.value)
        except ValueError as exc:
            print(f"deskmail settings: {exc}", file=sys.stderr)
            return 2
    else:
        values = settings.effective()
    if args.json:
        print(json.dumps({"file": str(settings.path), "settings": values}, indent=2))
        return 0
    for key, value in values.items():
        print(f"{key} = {value}")
    print(_("(in {path})").format(path=settings.path))
    return 0
