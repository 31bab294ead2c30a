"""The preview extractor and the BODYSTRUCTURE reader on cut-off, broken and hostile input."""

from __future__ import annotations

import base64
import email
import email.policy
from email.message import Message

import pytest

from deskmail.engine.imap.bodystructure import MAX_DEPTH, TextPart, parse_list, structure_items, text_part
from deskmail.engine.imap.wire import LITERAL_MARK, ImapError, Untagged
from deskmail.engine.mime.preview import charset_decode, part_preview, transfer_decode
from tests.integration.test_mime_corpus import _require_corpus, corpus_messages


def preview(data: bytes, subtype: str = "plain", charset: str | None = "utf-8", encoding: str | None = None) -> str:
    return part_preview(data, subtype=subtype, charset=charset, encoding=encoding, truncated=True)


def test_base64_cut_inside_a_group_and_a_utf8_sequence_loses_only_the_tail() -> None:
    encoded = base64.encodebytes("Grüße aus Köln und Düsseldorf, wir sehen uns".encode())
    assert preview(encoded[:41], encoding="base64") == "Grüße aus Köln und"


def test_broken_base64_gives_what_can_be_read_or_nothing() -> None:
    assert preview(b"!!!@@@###", encoding="base64") == ""
    assert preview(b"SGVsbG8gd29ybGQh\r\n%%%%AAAA====junk", encoding="Base64") == "Hello world!"
    whole = part_preview(b"SGVsbG8", subtype="plain", charset=None, encoding="base64", truncated=False)
    assert whole == "Hello"  # missing padding at the real end is forgiven


def test_quoted_printable_cut_in_an_escape() -> None:
    assert transfer_decode(b"caf=C3=A9 =\r\nnext=C", "quoted-printable", truncated=True) == "café next".encode()
    assert preview(b"caf=C3=A9 au lait=", encoding="quoted-printable") == "café au"


@pytest.mark.parametrize("charset", ["x-unknown", "fakescii", "base64", "rot13", "zlib", "utf-8*en", "a" * 500, ""])
def test_bogus_charsets_fall_back_without_raising(charset: str) -> None:
    assert charset_decode("naïve text".encode(), charset) == "naïve text"


def test_utf16_and_koi8_and_iso2022jp() -> None:
    assert preview("hello there".encode("utf-16"), charset="utf-16") == "hello"
    assert preview("Привет мир".encode("koi8-r") + b" ", charset="koi8-r") == "Привет мир"
    assert preview("こんにちは 世界 です".encode("iso-2022-jp"), charset="iso-2022-jp").startswith("こんにちは")


def test_html_head_styles_quotes_invisible_padding_and_a_cut_tag() -> None:
    markup = (
        b"<html><head><title>T</title><style>p {}</style></head><body>"
        b"<div style='display:none'>Sale&zwnj;&nbsp;&zwnj;&#8203;\xe2\x80\xae evil</div><p>Dear Ann,</p>"
        b"<blockquote>old text</blockquote><div class='gmail_quote'><div>On Mon</div>older</div>"
        b"<p>see you</p><img src='x' alt='pic"
    )
    assert preview(markup, subtype="html", charset=None) == "Sale evil Dear Ann, see you"


def test_unterminated_markup_and_control_characters() -> None:
    assert preview(b"<script>alert(1)", subtype="html") == ""
    assert preview(b"bell\x07and\x00nul\x1b[31m red", charset=None) == "bell and nul [31m"
    assert preview(b"\xff\xfe\xfa not utf8 at all", charset=None) == "ÿþú not utf8 at"


def test_huge_input_is_cut_and_one_long_word_is_kept() -> None:
    assert len(preview(b"x" * 10_000_000)) == 200
    assert preview(b"supercalifragilistic") == "supercalifragilistic"


def test_uuencoded_and_unknown_transfer_encodings_show_nothing() -> None:
    assert preview(b"begin 644 x\r\nM86)C\r\n", encoding="x-uuencode") == ""
    assert preview(b"plain enough", encoding="x-token") == ""


# --- BODYSTRUCTURE ---------------------------------------------------------------------------


def structure(text: bytes, literals: list[bytes] | None = None) -> TextPart | None:
    items = structure_items(Untagged(1, "FETCH", b"(UID 7 BODYSTRUCTURE " + text + b")", literals or []))
    assert items["UID"] == b"7"
    return text_part(items["BODYSTRUCTURE"])


PLAIN = b'("TEXT" "PLAIN" ("CHARSET" "utf-8") NIL NIL "7BIT" 12 1 NIL NIL NIL NIL)'
HTML = b'("text" "html" ("charset" "iso-8859-1") NIL NIL "quoted-printable" 300 9 NIL NIL NIL NIL)'
PDF = b'("APPLICATION" "PDF" ("NAME" "a.pdf") NIL NIL "BASE64" 5000 NIL ("ATTACHMENT" ("FILENAME" "a.pdf")) NIL NIL)'


def test_single_part_is_part_one() -> None:
    assert structure(PLAIN) == TextPart("1", "plain", "utf-8", "7bit", 12)


def test_alternative_prefers_plain_and_mixed_takes_the_first_text() -> None:
    alternative = b"(" + HTML + PLAIN + b' "ALTERNATIVE" ("BOUNDARY" "x") NIL NIL)'
    assert structure(b"(" + alternative + PDF + b' "MIXED" ("BOUNDARY" "y") NIL NIL)') == TextPart(
        "1.2", "plain", "utf-8", "7bit", 12
    )
    related = b"(" + HTML + b'("IMAGE" "PNG" NIL "<c>" NIL "BASE64" 10 NIL NIL NIL NIL) "RELATED")'
    expected = TextPart("2.1", "html", "iso-8859-1", "quoted-printable", 300)
    assert structure(b"(" + PDF + related + b' "MIXED")') == expected


def test_attached_text_files_and_attachment_only_messages_have_no_preview() -> None:
    attached = b'("TEXT" "PLAIN" ("CHARSET" "us-ascii" "NAME" "log.txt") NIL NIL "7BIT" 5 1 NIL NIL NIL NIL)'
    assert structure(b"(" + PDF + attached + b' "MIXED")') is None
    assert structure(b"(" + PDF + b' "MIXED")') is None
    inline_named = b'("TEXT" "PLAIN" ("NAME" "a.txt") NIL NIL "7BIT" 5 1 NIL ("INLINE" NIL) NIL NIL)'
    assert structure(inline_named) == TextPart("1", "plain", "", "7bit", 5)


def test_literals_and_odd_values_are_taken_as_data() -> None:
    text = b'("TEXT" "PLAIN" ("CHARSET" ' + LITERAL_MARK + b') NIL NIL NIL "big" 1 NIL NIL NIL NIL)'
    assert structure(text, [b"utf-8"]) == TextPart("1", "plain", "utf-8", "", 0)
    assert structure(b'("TEXT")') is None
    assert structure(b"NIL") is None
    assert structure(b'(("TEXT" "PLAIN") (NIL NIL) 5 "MIXED")') is None


def test_deep_or_broken_structures_are_refused() -> None:
    with pytest.raises(ImapError):
        parse_list(b"(" * (MAX_DEPTH + 2) + b")" * (MAX_DEPTH + 2), [])
    with pytest.raises(ImapError):
        parse_list(b'(("TEXT" "PLAIN")', [])
    with pytest.raises(ImapError):
        parse_list(b"(a))", [])
    with pytest.raises(ImapError):
        parse_list(b"(" + b"x " * 30_000 + b")", [])
    nested = PLAIN
    for _ in range(10):
        nested = b"(" + nested + b' "MIXED")'
    assert structure(nested) == TextPart("1.1.1.1.1.1.1.1.1.1", "plain", "utf-8", "7bit", 12)


# --- the corpus ------------------------------------------------------------------------------


def _text_leaves(msg: Message) -> list[Message]:
    return [p for p in msg.walk() if p.get_content_maintype() == "text" and not p.is_multipart()]


@pytest.mark.corpus
def test_every_corpus_text_part_goes_through_the_extractor() -> None:
    _require_corpus()
    parts = 0
    for name, raw in corpus_messages():
        msg = email.message_from_bytes(raw, policy=email.policy.compat32)
        for part in _text_leaves(msg):
            payload = part.get_payload(decode=False)
            data = payload.encode("utf-8", "surrogateescape") if isinstance(payload, str) else b""
            for size in (2048, 8192, 37):
                try:
                    result = part_preview(
                        data[:size],
                        subtype=part.get_content_subtype(),
                        charset=part.get_param("charset") if isinstance(part.get_param("charset"), str) else None,
                        encoding=str(part.get("Content-Transfer-Encoding", "")),
                        truncated=len(data) > size,
                    )
                except Exception as exc:  # pragma: no cover - the failure message names the file
                    raise AssertionError(f"{name}: {exc!r}") from exc
                assert len(result) <= 200 and "\n" not in result, name
            parts += 1
    assert parts > 300


def test_outlook_reply_headers_phone_signatures_and_uuencoded_files_end_the_preview() -> None:
    text = b"Fine by me.\r\n\r\n-----Original Message-----\r\nFrom: Ann\r\nSent: Monday\r\n\r\nold text\r\n"
    assert preview(text + b" ") == "Fine by me."
    assert preview(b"OK!\r\n\r\nSent from my iPhone\r\n ") == "OK!"
    assert preview(b"Two files below.\r\nbegin 644 up.gif\r\nM1TE&.#=A$P`3`*$``/__\r\n ") == "Two files below."
    wrapped = b"Agreed.\r\n\r\nOn Mon, 3 May 2024 at 10:00, Ann Lee <\r\nann@example.test> wrote:\r\n> old\r\n"
    assert preview(wrapped + b" ") == "Agreed."
