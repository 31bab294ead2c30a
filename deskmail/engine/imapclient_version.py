"""imapclient's version found without importlib.metadata.

imapclient's package asks importlib.metadata for its own version when it is imported. Importing
that (email, zipfile, csv, importlib.resources...) and scanning sys.path for the distribution cost
every command that connects ~15 ms, a tenth of what a no-change `deskmail sync` adds to the
server's answer, for a version nothing in Deskmail reads. `install()` (engine/__init__.py) gives
imapclient a `imapclient.version` module whose version comes from the name of the distribution's
folder beside the package (imapclient-4.1.0.dist-info), the folder importlib.metadata reads it
from. Where there is no single such folder (a frozen app, an unusual install) or the version is
not three plain numbers, imapclient's own module is imported; any other name of that module is
taken from imapclient's own on first use.
"""

from __future__ import annotations

import importlib.machinery
import importlib.util
import os
import re
import sys
from collections.abc import Sequence
from types import ModuleType
from typing import TYPE_CHECKING, Any, cast

if TYPE_CHECKING:
    from importlib.abc import Loader  # not imported to run: importlib.abc imports importlib.resources

NAME = "imapclient.version"
# The distribution's folder: a wheel's dist-info, or an egg-info (Debian's python3-imapclient).
_FOLDER = r"imapclient-(\d+)\.(\d+)\.(\d+)(?:-py\d+(?:\.\d+)*)?\.(?:dist|egg)-info"


def install() -> None:
    """From now on, importing imapclient does not import importlib.metadata (where it can)."""
    if not any(isinstance(finder, _Finder) for finder in sys.meta_path):
        sys.meta_path.insert(0, _Finder())


def installed_version(packages: str) -> tuple[int, int, int] | None:
    """The version in the name of the one imapclient distribution folder in `packages`, if there is one."""
    try:
        names = os.listdir(packages)
    except OSError:
        return None
    found = {m.groups() for name in names if (m := re.fullmatch(_FOLDER, name, re.IGNORECASE))}
    if len(found) != 1:
        return None
    major, minor, micro = found.pop()
    return int(major), int(minor), int(micro)


class _Finder:
    """Finds `imapclient.version` only (the other modules are found as usual)."""

    def find_spec(
        self, name: str, path: Sequence[str] | None = None, target: ModuleType | None = None
    ) -> importlib.machinery.ModuleSpec | None:
        if name != NAME or not path:
            return None
        own = importlib.machinery.PathFinder.find_spec(name, path)
        if own is None or own.origin is None:
            return None
        version = installed_version(os.path.dirname(os.path.dirname(own.origin)))
        if version is None:
            return None  # imapclient's own module, importlib.metadata and all
        return importlib.machinery.ModuleSpec(name, cast("Loader", _Loader(version, own)), origin=own.origin)


class _Loader:
    def __init__(self, version: tuple[int, int, int], own: importlib.machinery.ModuleSpec) -> None:
        self._version = version
        self._own = own

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> None:
        return None  # the default module

    def exec_module(self, module: ModuleType) -> None:
        # What imapclient's own module defines (imapclient/version.py), from the folder's name.
        module.version = ".".join(map(str, self._version))  # type: ignore[attr-defined]
        module.version_info = (*self._version, "final")  # type: ignore[attr-defined]
        own = self._own
        loaded: list[ModuleType] = []

        def rest(name: str) -> Any:  # any other name: from imapclient's own module, loaded then
            if name.startswith("__"):
                raise AttributeError(name)
            if not loaded:
                real = importlib.util.module_from_spec(own)
                assert own.loader is not None
                own.loader.exec_module(real)
                loaded.append(real)
            return getattr(loaded[0], name)

        setattr(module, "__getattr__", rest)  # noqa: B010 (a module's own __getattr__, PEP 562)
