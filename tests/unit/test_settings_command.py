"""`deskmail settings`: the settings file read and changed from the command line (Undo Send's wait)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from deskmail.cli import main
from deskmail.core.settings import Settings
from deskmail.engine.paths import Paths
from deskmail.engine.prefs import AppSettings


def settings_of(home: Path) -> AppSettings:
    return AppSettings(Paths.from_settings(Settings(home=home)))


def test_undo_send_defaults_to_five_seconds_and_is_set_from_the_command_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DESKMAIL_HOME", str(tmp_path))
    assert main(["settings", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["settings"] == {"undo_send_seconds": 5, "language": ""}
    assert main(["settings", "set", "undo_send_seconds", "12"]) == 0
    assert settings_of(tmp_path).undo_send_seconds() == 12
    assert main(["settings", "set", "undo_send_seconds", "31"]) == 2  # 0 to 30 only
    assert main(["settings", "set", "undo_send_seconds", "soon"]) == 2
    assert main(["settings", "set", "colour", "blue"]) == 2
    assert "between 0 and 30" in capsys.readouterr().err
    assert settings_of(tmp_path).undo_send_seconds() == 12


@pytest.mark.parametrize(("text", "seconds"), [("{not json", 5), ('{"undo_send_seconds": 99}', 30),
                                               ('{"undo_send_seconds": -3}', 0), ('{"undo_send_seconds": true}', 5),
                                               ("[1, 2]", 5)])  # fmt: skip
def test_a_hand_edited_file_never_breaks_sending(tmp_path: Path, text: str, seconds: int) -> None:
    settings = settings_of(tmp_path)
    settings.path.parent.mkdir(parents=True)
    settings.path.write_text(text)
    assert settings.undo_send_seconds() == seconds


def test_the_language_is_chosen_from_the_command_line_and_a_wrong_one_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DESKMAIL_HOME", str(tmp_path))
    assert main(["settings", "set", "language", "pt_BR"]) == 0
    assert settings_of(tmp_path).language() == "pt_BR"
    assert main(["settings", "set", "language", "klingon"]) == 2
    assert "pt_BR" in capsys.readouterr().err  # the choices are listed
    assert main(["settings", "set", "language", ""]) == 0  # back to the system's
    assert settings_of(tmp_path).language() == ""
    settings_of(tmp_path).path.write_text('{"language": 42}')
    assert settings_of(tmp_path).language() == ""  # a hand-edited file never breaks start-up
