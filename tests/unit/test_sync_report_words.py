"""A folder a sync could not bring up to date reaches the person in plain words; the server's stay details."""

from __future__ import annotations

from deskmail.engine.imap.sync import FolderReport, SyncReport


def test_folder_errors_are_plain_sentences_and_keep_the_server_text_apart() -> None:
    report = SyncReport(folders=[FolderReport("INBOX"), FolderReport("Archive", error="BAD malformed FETCH item")])
    assert not report.ok
    [warning] = report.warnings
    assert "Archive" in warning and "next check" in warning
    assert "BAD" not in warning and "FETCH" not in warning
    data = report.to_json()
    assert data["warnings"] == [warning]
    archive = data["folders"][1]
    assert archive["error"] == "BAD malformed FETCH item"  # the field machines read, unchanged
    assert archive["message"] == warning and data["folders"][0]["message"] == ""
