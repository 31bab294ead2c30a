"""Address syntax, international domains and typo hints."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from deskmail.discovery.address import AddressError, parse_address, typo_hint

CORPUS = Path(__file__).resolve().parents[3] / ".." / "shared" / "corpus" / "addresses" / "flanker"


def corpus_lines(name: str) -> list[str]:
    path = CORPUS / name
    if not path.exists():
        if os.environ.get("CI"):
            pytest.fail(f"corpus file missing: {path}")
        pytest.skip("corpus absent")
    lines = path.read_text(encoding="utf-8").splitlines()
    return [line for line in lines if line.strip() and not line.lstrip().startswith("#")]


@pytest.mark.parametrize(
    ("text", "local", "domain", "unicode_domain"),
    [
        ("alice@example.com", "alice", "example.com", "example.com"),
        ("  Alice@EXAMPLE.Com  ", "Alice", "example.com", "example.com"),
        ("mailto:bob@example.org", "bob", "example.org", "example.org"),
        ("jörg@Bücher.example", "jörg", "xn--bcher-kva.example", "bücher.example"),
        ("x@xn--bcher-kva.example", "x", "xn--bcher-kva.example", "bücher.example"),
        ("user@ß.de", "user", "xn--zca.de", "ß.de"),  # IDNA 2008 keeps ß (2003 mapped it to "ss")
        ('"a b"@example.com', '"a b"', "example.com", "example.com"),
        ("first.last+tag@sub.example.co.uk", "first.last+tag", "sub.example.co.uk", "sub.example.co.uk"),
        ("a@example.com.", "a", "example.com", "example.com"),
        ("Jane Doe <jane@example.com>", "jane", "example.com", "example.com"),
        ("jane@example.com (work)", "jane", "example.com", "example.com"),
    ],
)
def test_valid_addresses(text: str, local: str, domain: str, unicode_domain: str) -> None:
    address = parse_address(text)
    assert (address.local, address.domain, address.domain_unicode) == (local, domain, unicode_domain)


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("", "type your e-mail"),
        ("alice", "@ sign"),
        ("alice@", "after the @"),
        ("@example.com", "before the @"),
        ("a b@example.com", "spaces"),
        ("a@b@example.com", "only one @"),
        ("a..b@example.com", "two dots"),
        ("alice@localhost", "needs a dot"),
        ("alice@[127.0.0.1]", "domain name"),
        ("alice@1.2.3.4", "domain name"),
        ("alice@-bad-.com", "not a valid domain"),
        ("alice@exa_mple.com", "not a valid domain"),
        ("x" * 65 + "@example.com", "too long"),
    ],
)
def test_invalid_addresses_have_plain_messages(text: str, words: str) -> None:
    with pytest.raises(AddressError) as info:
        parse_address(text)
    assert words in info.value.message


@pytest.mark.corpus
def test_flanker_valid_mailboxes_with_a_real_domain_parse() -> None:
    rejected = []
    for line in corpus_lines("mailbox_valid.txt"):
        text = line.strip()
        domain = text.rstrip(">").rpartition("@")[2]
        # Valid RFC 5322 but no mail account: "admin@mailserver1", "x@192.168.0.1", "x@example.123";
        # "retired.Micr!osoft99.com" is no host name.
        if "." not in domain or domain.rpartition(".")[2].isdigit() or "!" in domain:
            continue
        try:
            parse_address(text)
        except AddressError:
            rejected.append(text)
    assert rejected == []


@pytest.mark.corpus
def test_flanker_invalid_mailboxes_are_rejected() -> None:
    accepted = []
    for line in corpus_lines("mailbox_invalid.txt"):
        text = line.split("  #")[0].strip()
        if text.endswith("."):
            continue  # we accept a trailing root dot ("example.com.") on purpose
        try:
            parse_address(text)
            accepted.append(text)
        except AddressError:
            pass
    assert accepted == []


@pytest.mark.corpus
def test_typo_hints_on_flanker_pairs() -> None:
    pairs = [line.split(",") for line in corpus_lines("domain_typos_valid.txt")]
    right = sum(typo_hint("x@" + typo) == correct for typo, correct in pairs)
    assert right / len(pairs) > 0.95  # measured: 174 of 178
    for domain in corpus_lines("domain_typos_invalid.txt"):
        assert typo_hint("x@" + domain.strip()) is None, domain


@pytest.mark.parametrize(
    ("text", "hint"),
    [
        ("a@gmial.com", "gmail.com"),
        ("a@gmail.con", "gmail.com"),
        ("a@gmailcom", "gmail.com"),
        ("a@hotmial.com", "hotmail.com"),
        ("a@yahooo.com", "yahoo.com"),
        ("a@outlok.com", "outlook.com"),
        ("a@gmail.com", None),
        ("a@hotmail.de", None),
        ("a@gmx.at", None),
        ("a@example.com", None),
    ],
)
def test_typo_hint(text: str, hint: str | None) -> None:
    assert typo_hint(text) == hint
    if "." in text:
        assert typo_hint(parse_address(text)) == hint
