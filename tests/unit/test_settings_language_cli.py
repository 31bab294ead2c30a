"""`deskmail settings set language de`: the language chosen from the command line, as Settings chooses it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from deskmail.cli import main
from deskmail.core.settings import Settings
from deskmail.engine.paths import Paths
from deskmail.engine.prefs import AppSettings, use_chosen_language


def test_language_is_set_from_the_command_line_and_used_at_the_next_start(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DESKMAIL_HOME", str(tmp_path))
    assert main(["settings", "set", "language", "de"]) == 0
    paths = Paths.from_settings(Settings(home=tmp_path))
    assert json.loads(AppSettings(paths).path.read_text())["language"] == "de"
    capsys.readouterr()
    assert main(["settings", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["settings"]["language"] == "de"
    assert main(["settings", "set", "language", "xx"]) == 2  # not a shipped language
    assert AppSettings(paths).language() == "de"
    monkeypatch.delenv("DESKMAIL_LANG")  # tests speak English through it; a person's start has none
    assert use_chosen_language(paths) == "de"
    assert main(["settings", "set", "language", ""]) == 0  # back to the system's language
    assert AppSettings(paths).language() == ""
