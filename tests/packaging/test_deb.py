"""The Linux package end to end: build, install, validate, start from the menu entry, uninstall."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LINUX = ROOT / "packaging" / "linux"


def _cannot_install() -> str | None:
    """Why this machine cannot run the install test, or None."""
    if not sys.platform.startswith("linux") or shutil.which("dpkg") is None:
        return "needs a Debian-based Linux"
    if os.geteuid() != 0:
        return "installs a package: needs root"
    return None


@pytest.mark.slow
@pytest.mark.timeout(1200)
def test_deb_installs_starts_and_uninstalls_cleanly(tmp_path: Path) -> None:
    reason = _cannot_install()
    if reason is not None:
        if os.environ.get("CI"):
            pytest.fail(f"install test cannot run in CI: {reason}")
        pytest.skip(reason)
    # The interpreter running the tests has PySide6 and PyInstaller ("test" extra): build with it.
    env = {**os.environ, "PYTHON": sys.executable}
    env.pop("QT_QPA_PLATFORM", None)  # the installed app must find its own display (Xvfb)
    result = subprocess.run(
        [str(ROOT / "packaging" / "test-install")], env=env, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, f"{result.stdout}\n{result.stderr}"
    results = json.loads((ROOT / "build" / "install-test" / "results.json").read_text())
    assert results["window_title"], "the window has no title"
    assert (ROOT / "build" / "install-test" / "window.png").stat().st_size > 0


def test_desktop_file_registers_mailto_and_matches_the_window_class() -> None:
    desktop = (LINUX / "org.deskmail.Deskmail.desktop").read_text()
    assert "MimeType=x-scheme-handler/mailto;" in desktop
    assert "Categories=Network;Email;" in desktop
    assert "Exec=deskmail %u" in desktop
    # Qt on X11 names the window class after the program, first letter capitalised.
    assert "StartupWMClass=Deskmail" in desktop


def test_metainfo_lists_the_current_release() -> None:
    from deskmail import __version__

    metainfo = (LINUX / "org.deskmail.Deskmail.metainfo.xml").read_text()
    assert f'<release version="{__version__}"' in metainfo
