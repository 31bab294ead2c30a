"""Bundled read-only files (icons, providers.json): the one helper everyone uses to find them.

They live in the repository's top-level `resources/` folder. An install (wheel or editable)
carries them as the data-only package `deskmail.assets` (see setup.py), and the PyInstaller
spec copies them to `deskmail/assets` in the bundle. DESKMAIL_RESOURCES overrides the location
(distribution packagers, tests).
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
    package = Path(__file__).resolve().parents[1]
    found.append(package / "assets")  # installed wheel, or a PyInstaller bundle
    found.append(package.parent / "resources")  # source checkout (also an editable install)
    bundle = getattr(sys, "_MEIPASS", None)
    if bundle:
        found.append(Path(bundle) / "deskmail" / "assets")
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
