"""Japanese mail decodes: ISO-2022-JP and the extensions Python's codec refuses (corpus and crafted bytes)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from deskmail.engine.mime.decode import decode_bytes, decode_words
from deskmail.engine.mime.jis import decode_jis
from deskmail.engine.mime.parse import parse_message

MESSAGES = Path(__file__).resolve().parents[2] / ".." / "shared" / "corpus" / "messages"


def corpus(name: str) -> bytes:
    path = MESSAGES / name
    if not path.is_file():
        if os.environ.get("CI"):
            pytest.fail(f"corpus missing at {path}")
        pytest.skip("corpus not present (../shared/corpus)")
    return path.read_bytes()


@pytest.mark.parametrize(
    ("name", "subject", "text"),
    [
        ("mimekit/messages/japanese.txt", "日本語メールテスト (testing Japanese emails)", "日本語が"),
        ("mikel-mail/multi_charset/japanese_iso_2022.eml", "まみむめも", "すみません。"),
        ("mikel-mail/rfc2822/example14.eml", "Re: TEST テストテスト", "Hello"),
        # "№" is an NEC extension character (CP50220): Python's iso2022_jp codec raises on it.
        ("php-mime-mail-parser/issue116", "ЖД№41 от 28.09.2016", "toto"),
    ],
)
def test_corpus_japanese_subjects_and_bodies_decode(name: str, subject: str, text: str) -> None:
    message = parse_message(corpus(name))
    assert message.subject == subject
    assert text in message.text
    assert "\x1b" not in message.subject + message.text


def test_a_sender_name_in_jis_c_6226_decodes() -> None:
    assert decode_words("Yutaka Sato =?ISO-2022-JP?B?GyRAOjRGI0stGyhK?=") == "Yutaka Sato 佐藤豊"


def jis(*parts: bytes) -> bytes:
    return b"".join(parts)


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (jis(b'\x1b$B-!-"\x1b(B'), "①②"),  # NEC row 13 (CP50220)
        (jis(b"\x1b$B-j\x1b(B"), "㈱"),
        (jis(b"\x1b(I1\x1b(B"), "ｱ"),  # half-width katakana by escape (ISO-2022-JP-ext, CP50220)
        (jis(b"A\x0e1\x0fB"), "AｱB"),  # half-width katakana by shift out/in (CP50221)
        (jis(b"\x1b$(D0!\x1b(B"), "丂"),  # JIS X 0212 (ISO-2022-JP-1)
        (jis(b"\x1b$(Q.!\x1b(B"), "俱"),  # JIS X 0213 plane 1 (ISO-2022-JP-2004)
        (jis(b"\x1b$B$3$s$K$A$O\x1b(B world"), "こんにちは world"),
        (jis(b"\x1b$B$\x1b(B"), "\ufffd"),  # a cut pair: replaced, never an exception
    ],
)
def test_extensions_pythons_codec_refuses(data: bytes, expected: str) -> None:
    assert decode_jis(data) == expected
    assert decode_bytes(data, "iso-2022-jp") == expected


@pytest.mark.parametrize(
    "label", ["ISO-2022-JP", "iso-2022-jp-1", "iso-2022-jp-2", "iso-2022-jp-3", "cp50220", "CP50221", "csISO2022JP"]
)
def test_every_label_of_the_family_decodes(label: str) -> None:
    assert decode_bytes(b"\x1b$B$3$s$K$A$O-!\x1b(B", label) == "こんにちは①"


def test_unlabelled_jis_in_a_body_and_a_raw_header() -> None:
    assert decode_bytes(b"\x1b$BF|K\\8l\x1b(B\n") == "日本語\n"
    assert decode_words("Re: \x1b$BF|K\\8l\x1b(B") == "Re: 日本語"


def test_encoded_word_with_nec_extension_in_a_subject() -> None:
    import base64

    word = base64.b64encode(b"\x1b$B2q5D-!\x1b(B").decode()
    assert decode_words(f"=?iso-2022-jp?B?{word}?=") == "会議①"
