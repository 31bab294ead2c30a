"""Finds bundled read-only files (icons, providers.json) in a checkout, an install or a frozen app."""

from __future__ import annotations

import os
import sys
from functools import cache
from pathlib import Path

_PACKAGE_DIR = Path(__file__).resolve().parent


def _candidates() -> list[Path]:
    """Where `resources/` can be, most specific first.

    - DESKMAIL_RESOURCES: an explicit override (distribution packagers, tests).
    - PyInstaller: the spec copies `resources/` to the top of the bundle (sys._MEIPASS).
    - A source checkout or editable install: `resources/` next to the `deskmail` package.
    - A wheel install: the data files under `<prefix>/share/deskmail/resources`.
    """
    found: list[Path] = []
    if os.environ.get("DESKMAIL_RESOURCES"):
        found.append(Path(os.environ["DESKMAIL_RESOURCES"]))
    bundle = getattr(sys, "_MEIPASS", None)
    if bundle:
        found.append(Path(bundle) / "resources")
    found.append(_PACKAGE_DIR.parent / "resources")
    found.append(Path(sys.prefix) / "share" / "deskmail" / "resources")
    return found


@cache
def resources_dir() -> Path:
    """The directory holding Deskmail's resources; FileNotFoundError when none is found."""
    for path in _candidates():
        if (path / "icons").is_dir():
            return path
    searched = ", ".join(str(p) for p in _candidates())
    raise FileNotFoundError(f"Deskmail's resources are missing (looked in {searched})")


def resource_path(*parts: str) -> Path:
    """The path of one resource, e.g. `resource_path("icons", "deskmail.svg")` (may not exist)."""
    return resources_dir().joinpath(*parts)
