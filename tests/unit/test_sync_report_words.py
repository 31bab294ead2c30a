"""The folders a sync could not bring up to date reach the person in plain words (a list in the JSON)."""

from __future__ import annotations

from deskmail.engine import failures
from deskmail.engine.imap.sync import FolderReport, SyncReport


def test_folder_errors_are_listed_as_warnings() -> None:
    report = SyncReport(folders=[FolderReport("INBOX"), FolderReport("Archive", error=failures.FOLDER_REFUSED)])
    assert not report.ok
    assert report.warnings == [failures.FOLDER_REFUSED]
    assert "BAD" not in failures.FOLDER_REFUSED and "next sync" in failures.FOLDER_REFUSED
    data = report.to_json()
    assert data["warnings"] == report.warnings and data["folders"][1]["error"] == failures.FOLDER_REFUSED
