"""A real Dovecot and SMTP server refuse a wrong password: the person reads why in their own language."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from deskmail.core.errors import ErrorKind
from tests.integration.test_check_testbed import bed_candidate, run
from tests.translated import use_language


def test_wrong_password_in_german(testbed: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    use_language("de", monkeypatch, tmp_path)
    report = run(testbed, bed_candidate(testbed), password="not-the-password")
    for check, server in ((report.incoming, testbed.mail), (report.outgoing, testbed.smtp)):
        assert check.error is not None
        assert check.error.kind is ErrorKind.AUTH_FAILED  # the kind stays an English identifier
        assert check.error.message == (
            f"{server.host} hat den Benutzernamen {testbed.user!r} mit diesem Passwort nicht angenommen."
        )
        assert check.error.fix == (
            "Prüfen Sie Ihr Passwort (und den Benutzernamen). Achten Sie auf Groß- und Kleinschreibung."
        )
        assert check.to_json()["error"]["kind"] == "auth_failed"
    assert "not-the-password" not in str(report.to_json())


def test_wrong_password_in_japanese_and_back_to_english(
    testbed: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    use_language("ja", monkeypatch, tmp_path)
    report = run(testbed, bed_candidate(testbed), password="not-the-password")
    assert report.incoming.error is not None
    assert report.incoming.error.message == (
        f"{testbed.mail.host} は、このパスワードでユーザー名 {testbed.user!r} を受け付けませんでした。"
    )
    use_language("en", monkeypatch, tmp_path)
    report = run(testbed, bed_candidate(testbed), password="not-the-password")
    assert report.incoming.error is not None
    assert report.incoming.error.message == (
        f"{testbed.mail.host} did not accept the user name {testbed.user!r} with this password."
    )
