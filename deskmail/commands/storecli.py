"""Shared by `deskmail folders` and `deskmail messages`: open an account's store read-only."""

from __future__ import annotations

import sys

from deskmail.core.i18n import _
from deskmail.core.settings import Settings
from deskmail.engine.paths import Paths
from deskmail.engine.store import StoreReader, store_path


def open_reader(email: str, command: str) -> StoreReader | None:
    """The store of `email`, or None (after saying why) when nothing was synced yet."""
    path = store_path(Paths.from_settings(Settings.from_env()), email)
    if not path.exists():
        print(
            _("deskmail {command}: nothing is stored for {email} yet. Run `deskmail sync {email}` first.").format(
                command=command, email=email
            ),
            file=sys.stderr,
        )
        return None
    return StoreReader.open(path)
