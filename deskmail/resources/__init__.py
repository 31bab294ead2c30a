"""Bundled read-only files (icons, providers.json): the one helper everyone uses to find them.

They live inside the package (package data), so a source checkout, an editable or wheel install
and a PyInstaller bundle (which collects `deskmail/resources` as data) all find them next to
this file. DESKMAIL_RESOURCES overrides the location (distribution packagers, tests).
"""

from __future__ import annotations

import os
import sys
from functools import cache
from pathlib import Path


def _candidates() -> list[Path]:
    """Where the resources can be, most specific first."""
    found: list[Path] = []
    if os.environ.get("DESKMAIL_RESOURCES"):
        found.append(Path(os.environ["DESKMAIL_RESOURCES"]))
    found.append(Path(__file__).resolve().parent)
    bundle = getattr(sys, "_MEIPASS", None)
    if bundle:
        # A frozen app whose spec copied the folder somewhere else than next to the module.
        found += [Path(bundle) / "deskmail" / "resources", Path(bundle) / "resources"]
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
