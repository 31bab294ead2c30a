"""Restarting Deskmail: the same program starts again once this process has exited, without its requests."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from deskmail.ui.settings import restart

CHILD = """
import json, os, sys
from pathlib import Path
marker = Path(os.environ["RESTART_MARKER"])
if os.environ.get("RESTART_SECOND"):
    marker.write_text(json.dumps({"argv": sys.argv, "lang": os.environ.get("DESKMAIL_LANG")}))
else:
    os.environ["RESTART_SECOND"] = "1"
    from deskmail.ui.settings.restart import start_again_at_exit
    start_again_at_exit()
    Path(str(marker) + ".first").write_text("exiting")
"""


def test_the_new_process_starts_after_this_one_exits_with_the_same_launch(tmp_path: Path) -> None:
    script, marker = tmp_path / "app.py", tmp_path / "marker.json"
    script.write_text(CHILD)
    env = {**os.environ, "RESTART_MARKER": str(marker), "DESKMAIL_LANG": "en", "QT_QPA_PLATFORM": "offscreen"}
    root = Path(__file__).resolve().parents[2]
    env["PYTHONPATH"] = os.pathsep.join([str(root), env.get("PYTHONPATH", "")])
    first = subprocess.run(
        [sys.executable, str(script), "mailto:ben@example.test"], env=env, timeout=60, capture_output=True, text=True
    )
    assert first.returncode == 0 and "Traceback" not in first.stderr, first.stderr
    assert (tmp_path / "marker.json.first").exists()
    deadline = time.monotonic() + 30
    while not marker.exists() and time.monotonic() < deadline:
        time.sleep(0.1)
    second = json.loads(marker.read_text())
    assert second["argv"] == [str(script)]  # the mailto: it was opened with is not replayed
    assert second["lang"] is None  # DESKMAIL_LANG would overrule the language just chosen


def test_the_command_for_a_bundle_a_module_and_a_script(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    monkeypatch.setattr(sys, "executable", "/Applications/Deskmail.app/Contents/MacOS/Deskmail")
    assert restart.restart_command() == ("/Applications/Deskmail.app/Contents/MacOS/Deskmail", [])
    monkeypatch.setattr(sys, "frozen", False)
    monkeypatch.setattr(sys, "executable", "/usr/bin/python3")
    monkeypatch.setattr(sys, "argv", ["/src/deskmail/__main__.py", "mailto:ben@example.test"])
    monkeypatch.setattr(sys, "orig_argv", ["python3", "-X", "utf8", "-m", "deskmail", "mailto:ben@example.test"])
    assert restart.restart_command() == ("/usr/bin/python3", ["-X", "utf8", "-m", "deskmail"])
    monkeypatch.setattr(sys, "argv", ["/home/anna/.local/bin/deskmail"])
    monkeypatch.setattr(sys, "orig_argv", ["/usr/bin/python3", "/home/anna/.local/bin/deskmail"])
    assert restart.restart_command() == ("/usr/bin/python3", ["/home/anna/.local/bin/deskmail"])
