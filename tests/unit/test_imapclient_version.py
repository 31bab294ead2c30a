"""imapclient imported without importlib.metadata (engine/imapclient_version.py), its version unchanged."""

from __future__ import annotations

import importlib.metadata
import json
import subprocess
import sys
from pathlib import Path

import pytest

from deskmail.engine.imapclient_version import installed_version

REPO = Path(__file__).resolve().parents[2]
PROBE = """
import json, sys
import deskmail.engine, imapclient
loaded = "importlib.metadata" in sys.modules
print(json.dumps({
    "metadata_loaded": loaded,
    "version": imapclient.__version__,
    "version_info": imapclient.version_info,
    "module": imapclient.version.__name__,
    "made": imapclient.version._make_version_info(),  # any other name: imapclient's own module
}))
"""


def probe(env: dict[str, str] | None = None) -> dict[str, object]:
    done = subprocess.run(
        [sys.executable, "-c", PROBE], capture_output=True, text=True, cwd=REPO, env=env, timeout=60, check=True
    )
    return dict(json.loads(done.stdout))


def test_imapclient_is_imported_without_importlib_metadata_and_knows_its_version() -> None:
    seen = probe()
    real = importlib.metadata.version("imapclient")
    assert seen["metadata_loaded"] is False
    assert seen["version"] == real
    assert seen["version_info"] == [*map(int, real.split(".")), "final"] == seen["made"]
    assert seen["module"] == "imapclient.version"


def test_without_a_distribution_folder_imapclients_own_module_answers(tmp_path: Path) -> None:
    """An install without the folder (a frozen app, a copied package): imported as imapclient wrote it."""
    package = tmp_path / "imapclient"
    package.mkdir()
    (package / "__init__.py").write_text("from .version import version as __version__, version_info\n")
    (package / "version.py").write_text(
        "version = '7.8.9'\nversion_info = (7, 8, 9, 'own')\ndef _make_version_info():\n    return version_info\n"
    )
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": f"{tmp_path}:{REPO}"}
    seen = probe(env)
    assert (seen["version"], seen["version_info"]) == ("7.8.9", [7, 8, 9, "own"])


@pytest.mark.parametrize(
    ("names", "version"),
    [
        (["imapclient-4.1.0.dist-info", "keyring-25.7.0.dist-info"], (4, 1, 0)),
        (["IMAPClient-3.0.1.dist-info"], (3, 0, 1)),
        (["IMAPClient-2.3.1.egg-info"], (2, 3, 1)),
        (["IMAPClient-2.1.0-py3.11.egg-info"], (2, 1, 0)),
        ([], None),
        (["imapclient-4.1.0.dist-info", "imapclient-3.0.1.dist-info"], None),  # which one is imported?
        (["imapclient-4.2.0.dev1.dist-info"], None),  # imapclient's own module would refuse it
        (["imapclient_extras-1.2.3.dist-info"], None),
    ],
)
def test_the_version_is_read_from_the_one_distribution_folder(
    tmp_path: Path, names: list[str], version: tuple[int, int, int] | None
) -> None:
    for name in names:
        (tmp_path / name).mkdir()
    assert installed_version(str(tmp_path)) == version
