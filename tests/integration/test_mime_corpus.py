"""Every message in the shared corpus parses and renders safely; a sample matches expected outputs."""

from __future__ import annotations

import json
import mailbox
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from deskmail.engine.mime import parse_message, render_message
from deskmail.engine.mime.bigfile import skeleton
from deskmail.engine.mime.filenames import clean_filename
from tests.unit.mime_checks import assert_safe_html

CORPUS = Path(__file__).resolve().parents[2] / ".." / "shared" / "corpus"
MESSAGES = CORPUS / "messages"
pytestmark = [pytest.mark.corpus, pytest.mark.timeout(600)]

# Files that describe or license the data, or record what another library produced.
_NOT_MESSAGES = {".md", ".xml", ".out", ".json", ".list", ".tnef", ".bin"}


def _require_corpus() -> None:
    if not MESSAGES.is_dir():
        if os.environ.get("CI"):
            pytest.fail(f"corpus missing at {CORPUS}")
        pytest.skip("corpus not present (../shared/corpus)")


def message_files() -> Iterator[Path]:
    """Message files only, per the corpus README: .eml/.msg/extensionless mails and mimekit .txt mails."""
    for path in sorted(MESSAGES.rglob("*")):
        name = path.name
        if (
            not path.is_file()
            or path.suffix in _NOT_MESSAGES
            or name.upper().startswith(("README", "LICENSE", "NOTICE", "ARTISTIC"))
        ):
            continue
        if "_decoded" in name or name.endswith("-summary.txt"):
            continue
        if path.suffix == ".txt" and path.parent.name != "messages" and not name.endswith(".mbox.txt"):
            continue
        yield path


def corpus_messages() -> Iterator[tuple[str, bytes]]:
    for path in message_files():
        rel = str(path.relative_to(MESSAGES))
        if path.name.endswith(".mbox.txt"):
            box = mailbox.mbox(str(path), create=False)
            try:
                messages = [msg.as_bytes() for msg in box]
            finally:
                box.close()
            for i, raw in enumerate(messages):
                yield f"{rel}#{i}", raw
        else:
            yield rel, path.read_bytes()


def test_every_corpus_message_parses_and_renders_safely() -> None:
    _require_corpus()
    seen = 0
    failures: list[str] = []
    for name, raw in corpus_messages():
        seen += 1
        try:
            for allow_remote in (False, True):
                view = render_message(raw, allow_remote=allow_remote)
                if not allow_remote:
                    assert_safe_html(view.body_html)
                for att in view.message.attachments:
                    view.message.attachment_data(att.part_id)
                    assert "/" not in att.filename and "\\" not in att.filename
            render_message(raw, prefer_plain=True)
        except Exception as exc:  # collect all failures so one run shows the whole picture
            failures.append(f"{name}: {type(exc).__name__}: {exc}"[:300])
    assert seen >= 370  # README: 373 message files + 39 mbox messages
    assert failures == []


def _expected_subject(data: dict[str, object]) -> str | None:
    headers = data["parts"][0]["headers"]  # type: ignore[index]
    for header in headers:  # type: ignore[attr-defined]
        if header["name"] == "subject" and isinstance(header["value"], dict) and "Text" in header["value"]:
            return str(header["value"]["Text"])
    return None


def test_subjects_match_stalwart_expected_output() -> None:
    _require_corpus()
    checked = 0
    for expected_file in sorted((MESSAGES / "stalwart-mail-parser").rglob("*.json")):
        expected = _expected_subject(json.loads(expected_file.read_text(encoding="utf-8")))
        if expected is None:
            continue
        got = parse_message(expected_file.with_suffix(".eml").read_bytes()).subject
        assert got == re.sub(r"\s+", " ", expected).strip(), expected_file.name
        checked += 1
    assert checked >= 20


def _expected_attachment_names(data: dict[str, Any]) -> set[str]:
    """File names stalwart found on its attachment parts (filename= or name=), cleaned like ours."""
    names: set[str] = set()
    for index in data["attachments"]:
        found: dict[str, str] = {}
        for header in data["parts"][index]["headers"]:
            value = header["value"]
            if isinstance(value, dict) and "ContentType" in value:
                for attr in value["ContentType"].get("attributes") or []:
                    found.setdefault(attr.get("name"), attr.get("value"))
        name = found.get("filename") or found.get("name")
        if name:
            names.add(clean_filename(name))
    return names


def test_attachment_names_match_stalwart_expected_output() -> None:
    _require_corpus()
    checked = 0
    for expected_file in sorted((MESSAGES / "stalwart-mail-parser").rglob("*.json")):
        expected = _expected_attachment_names(json.loads(expected_file.read_text(encoding="utf-8")))
        if not expected:
            continue
        got = {a.filename for a in parse_message(expected_file.with_suffix(".eml").read_bytes()).attachments}
        assert expected <= got, expected_file.name
        checked += 1
    assert checked >= 8


def test_parsing_from_a_file_with_offloaded_parts_gives_the_same_attachments() -> None:
    """Every binary attachment decodes the same whether parsed in memory or streamed from the file."""
    _require_corpus()
    checked = 0
    for path in message_files():
        if path.name.endswith(".mbox.txt"):
            continue
        in_memory = parse_message(path.read_bytes())
        raw, offload = skeleton(path, big_part=1000)  # tiny threshold: almost every part is offloaded
        from_file = parse_message(raw, _offload=offload)
        assert from_file.subject == in_memory.subject, path.name
        by_id = {a.part_id: a for a in from_file.attachments}
        for attachment in in_memory.attachments:
            if attachment.content_type.startswith(("text/", "message/")) or ".uu" in attachment.part_id:
                continue  # big text parts (and files uuencoded in them) become attachments when offloaded
            other = by_id[attachment.part_id]
            assert other.filename == attachment.filename, path.name
            assert from_file.attachment_data(other.part_id) == in_memory.attachment_data(attachment.part_id)
            checked += 1
    assert checked >= 150
