"""Conformance: every ISPDB file in the shared corpus parses, and matches a separate minimal reading."""

from __future__ import annotations

import os
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from deskmail.discovery.autoconfig import parse_config

CORPUS = Path(__file__).resolve().parents[3] / ".." / "shared" / "corpus" / "ispdb"
pytestmark = pytest.mark.corpus


def corpus_files() -> list[Path]:
    if not CORPUS.is_dir():
        if os.environ.get("CI"):
            pytest.fail(f"corpus missing: {CORPUS}")
        pytest.skip("corpus absent")
    files = sorted(CORPUS.glob("*.xml"))
    assert len(files) > 100
    return files


def minimal_reading(path: Path) -> tuple[list[tuple[str, ...]], list[tuple[str, ...]]]:
    """The servers as plain strings, read with the stdlib parser (trusted local files only)."""
    provider = ET.parse(path).getroot().find("emailProvider")  # noqa: S314 - our own corpus, not the network
    assert provider is not None

    def servers(tag: str, kinds: tuple[str, ...]) -> list[tuple[str, ...]]:
        out = []
        for element in provider.findall(tag):
            if element.get("type") in kinds:
                out.append(
                    (
                        str(element.get("type")),
                        (element.findtext("hostname") or "").strip().lower(),
                        (element.findtext("port") or "").strip(),
                        (element.findtext("socketType") or "").strip().lower(),
                        (element.findtext("username") or "").strip(),
                    )
                )
        return out

    return servers("incomingServer", ("imap", "pop3")), servers("outgoingServer", ("smtp",))


def test_every_corpus_file_parses_and_matches_the_file() -> None:
    pop3_only = 0
    for path in corpus_files():
        config = parse_config(path.read_bytes())
        incoming, outgoing = minimal_reading(path)
        ours_in = [(s.protocol, s.host.lower(), str(s.port), str(s.security), s.username) for s in config.incoming]
        ours_out = [(s.protocol, s.host.lower(), str(s.port), str(s.security), s.username) for s in config.outgoing]
        assert ours_in == incoming, path.name
        assert ours_out == outgoing, path.name
        assert config.problems == [], path.name
        has_imap = any(kind == "imap" for kind, *_ in incoming)
        assert config.pop3_only == (not has_imap), path.name
        pop3_only += config.pop3_only
    assert pop3_only == 43  # the corpus's SOURCE.md counts 43 POP3-only providers


def test_known_quirks_are_read_as_written() -> None:
    files = {path.name: path for path in corpus_files()}
    office = parse_config(files["office365.com.xml"].read_bytes())
    assert office.oauth_only and office.oauth2 is not None
    assert [s.protocol for s in office.incoming] == ["imap", "pop3"]  # ews/owa/graph/exchange ignored
    pdx = parse_config(files["pdx.edu.xml"].read_bytes())
    assert 587 in [s.port for s in pdx.imap]  # IMAP on 587: a real mistake, kept as written
    gmail = parse_config(files["googlemail.com.xml"].read_bytes())
    assert gmail.enable_url.startswith("https://mail.google.com/")  # <enable> outside <emailProvider>
