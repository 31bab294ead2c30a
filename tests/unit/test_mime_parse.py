"""Parsing real-world messages into the display model: headers, bodies, attachments, previews."""

from __future__ import annotations

import datetime as dt

import pytest

from deskmail.engine.mime import parse_message, render_message
from deskmail.engine.mime.decode import decode_bytes, decode_words, parse_address_header
from deskmail.engine.mime.filenames import clean_filename, is_executable
from deskmail.engine.mime.text import linkify, make_preview


def test_encoded_words_and_8bit_headers_are_decoded() -> None:
    raw = (
        b"From: =?iso-8859-1?q?J=F6rg_M=FCller?= <jm@example.test>\r\n"
        b'To: "M\xc3\xbcller, Anna" <anna@example.test>, bob@example.test\r\n'
        b"Subject: =?utf-8?b?R3LDvMOfZQ==?= aus =?utf-8?q?K=C3=B6ln?=\r\n"
        b"Date: Tue, 7 Apr 2026 10:00:01 +0200\r\n\r\nHallo\r\n"
    )
    msg = parse_message(raw)
    assert msg.subject == "Grüße aus Köln"
    assert msg.sender[0].name == "Jörg Müller" and msg.sender[0].email == "jm@example.test"
    assert [a.email for a in msg.to] == ["anna@example.test", "bob@example.test"]
    assert msg.to[0].name == "Müller, Anna"
    assert msg.date == dt.datetime(2026, 4, 7, 8, 0, 1, tzinfo=dt.UTC)
    assert msg.text.strip() == "Hallo"


def test_bogus_charsets_fall_back_without_errors() -> None:
    assert decode_bytes("café".encode(), "x-unknown") == "café"
    assert decode_bytes("café".encode("cp1252"), "fakescii") == "café"
    assert decode_bytes(b"abc", "base64") == "abc"  # not a text codec: never used on mail
    assert decode_words("=?bogus?q?caf=C3=A9?=") == "café"


def test_address_names_with_commas_are_kept_whole() -> None:
    [addr] = parse_address_header('"=?utf-8?q?Doe=2C_John?=" <john@example.test>')
    assert (addr.name, addr.email) == ("Doe, John", "john@example.test")


def test_alternative_prefers_html_for_display_and_keeps_the_real_text() -> None:
    raw = (
        b"Subject: alt\r\nMIME-Version: 1.0\r\nContent-Type: multipart/alternative; boundary=b\r\n\r\n"
        b"--b\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nplain version\r\n"
        b"--b\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<p>html <b>version</b></p>\r\n--b--\r\n"
    )
    msg = parse_message(raw)
    assert msg.text.strip() == "plain version"
    assert msg.html is not None and "<b>version</b>" in msg.html
    view = render_message(msg)
    assert view.is_html and "<b>version</b>" in view.body_html
    assert "plain version" in render_message(msg, prefer_plain=True).body_html


def test_attachments_inline_images_and_executables() -> None:
    raw = (
        b"Subject: files\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=m\r\n\r\n"
        b"--m\r\nContent-Type: multipart/related; boundary=r\r\n\r\n"
        b'--r\r\nContent-Type: text/html\r\n\r\n<img src="cid:logo@x">Hi\r\n'
        b"--r\r\nContent-Type: image/png\r\nContent-ID: <logo@x>\r\nContent-Transfer-Encoding: base64\r\n\r\n"
        b"iVBORw0KGgo=\r\n--r--\r\n"
        b'--m\r\nContent-Type: application/octet-stream; name="x.exe"\r\n'
        b'Content-Disposition: attachment; filename="..\\\\..\\\\Windows\\\\evil.exe"\r\n\r\nMZ\r\n'
        b"--m\r\nContent-Type: application/pdf\r\n"
        b"Content-Disposition: attachment; filename*=utf-8''Rechnung%20M%C3%A4rz.pdf\r\n\r\n%PDF\r\n--m--\r\n"
    )
    msg = parse_message(raw)
    names = {a.filename: a for a in msg.attachments}
    assert set(names) == {"attachment.png", "evil.exe", "Rechnung März.pdf"}
    assert names["attachment.png"].inline and names["attachment.png"].content_id == "logo@x"
    assert names["evil.exe"].executable and not names["Rechnung März.pdf"].executable
    assert msg.attachment_data(names["Rechnung März.pdf"].part_id) == b"%PDF"
    view = render_message(msg)
    assert "data:image/png;base64,iVBORw0KGgo=" in view.body_html
    assert [a.filename for a in view.attachments] == ["evil.exe", "Rechnung März.pdf"]


def test_forwarded_message_is_an_eml_attachment() -> None:
    raw = (
        b"Subject: fwd\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=m\r\n\r\n"
        b"--m\r\nContent-Type: text/plain\r\n\r\nsee below\r\n"
        b"--m\r\nContent-Type: message/rfc822\r\n\r\n"
        b"Subject: inner/one\r\nFrom: a@b.test\r\n\r\ninner body\r\n--m--\r\n"
    )
    msg = parse_message(raw)
    [att] = msg.attachments
    assert att.filename == "inner_one.eml" and att.content_type == "message/rfc822"
    assert b"inner body" in msg.attachment_data(att.part_id)


def test_broken_boundary_still_shows_text() -> None:
    raw = b"Subject: x\r\nContent-Type: multipart/mixed; boundary=nothere\r\n\r\nJust text, no parts.\r\n"
    assert "Just text" in parse_message(raw).text


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("../../etc/passwd", "passwd"),
        ("C:\\Users\\x\\report.doc", "report.doc"),
        ("CON.txt", "_CON.txt"),
        ("lpt1", "_lpt1"),
        ("invoice\u202egpj.exe", "invoicegpj.exe"),
        ("a\x00b\x1fc.txt", "abc.txt"),
        ('what?<>|*:".txt', "what_______.txt"),
        ("  trailing dots... ", "trailing dots"),
        ("", "attachment.bin"),
        (None, "attachment.bin"),
    ],
)
def test_clean_filename(name: str | None, expected: str) -> None:
    assert clean_filename(name) == expected


def test_long_filenames_keep_their_extension() -> None:
    name = clean_filename("ä" * 300 + ".pdf")
    assert name.endswith(".pdf") and len(name.encode()) <= 200


def test_executables_are_flagged() -> None:
    assert is_executable("setup.EXE") and is_executable("run.sh") and is_executable("x.bin", "application/x-msdownload")
    assert not is_executable("photo.jpg", "image/jpeg")


def test_plain_text_links_are_clickable_and_escaped() -> None:
    html = linkify("See https://example.com/a?b=1&c=2. Mail bob@example.test or www.example.org <script>")
    assert '<a href="https://example.com/a?b=1&amp;c=2">' in html
    assert '<a href="mailto:bob@example.test">' in html
    assert '<a href="https://www.example.org">' in html
    assert "&lt;script&gt;" in html


def test_preview_skips_quotes_and_signatures() -> None:
    text = "On Monday, Bob wrote:\n> old stuff\nNew   reply text\n-- \nsignature"
    assert make_preview(text) == "New reply text"  # the attribution line belongs to the quote


def test_html_charset_declared_only_in_a_meta_tag_is_used() -> None:
    html = '<html><head><meta http-equiv="Content-Type" content="text/html; charset=koi8-r"></head>Привет</html>'
    raw = b"Subject: x\r\nContent-Type: text/html\r\n\r\n" + html.encode("koi8-r")
    assert "Привет" in (parse_message(raw).html or "")


def test_bounce_reports_are_readable_in_the_body() -> None:
    raw = (
        b"Subject: Undelivered\r\nMIME-Version: 1.0\r\n"
        b"Content-Type: multipart/report; report-type=delivery-status; boundary=r\r\n\r\n"
        b"--r\r\nContent-Type: text/plain\r\n\r\nYour message could not be delivered.\r\n"
        b"--r\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx.example.test\r\n\r\n"
        b"Final-Recipient: rfc822; ghost@example.test\r\nStatus: 5.1.1\r\n"
        b"--r\r\nContent-Type: text/rfc822-headers\r\n\r\nSubject: original\r\n--r--\r\n"
    )
    msg = parse_message(raw)
    assert "could not be delivered" in msg.text and "Status: 5.1.1" in msg.text
    assert [a.filename for a in msg.attachments] == ["headers.txt"]


@pytest.mark.parametrize(
    ("ctype", "expected"),
    [("image/png", "attachment.png"), ("application/ms-tnef", "winmail.dat"), ("text/calendar", "invite.ics"),
     ("application/x-unknown-thing", "attachment.bin")],
)  # fmt: skip
def test_nameless_parts_get_names_from_their_type(ctype: str, expected: str) -> None:
    assert clean_filename(None, ctype) == expected
    assert not is_executable(expected, ctype)


def test_tnef_is_listed_not_interpreted() -> None:
    raw = (
        b"Subject: outlook\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=t\r\n\r\n"
        b"--t\r\nContent-Type: text/plain\r\n\r\nSee attached.\r\n"
        b"--t\r\nContent-Type: application/ms-tnef\r\nContent-Transfer-Encoding: base64\r\n\r\n"
        b"eJ8+IgAAAA==\r\n--t--\r\n"
    )
    msg = parse_message(raw)
    assert msg.text.strip() == "See attached."
    [tnef] = msg.attachments
    assert tnef.filename == "winmail.dat" and not tnef.executable


@pytest.mark.parametrize("depth", [300, 3000])
def test_absurd_nesting_does_not_break_parsing(depth: int) -> None:
    head = b"".join(b"Content-Type: multipart/mixed; boundary=b%d\r\n\r\n--b%d\r\n" % (i, i) for i in range(depth))
    tail = b"".join(b"\r\n--b%d--\r\n" % i for i in reversed(range(depth)))
    raw = b"Subject: deep\r\nMIME-Version: 1.0\r\n" + head + b"Content-Type: text/plain\r\n\r\ninnermost" + tail
    view = render_message(raw)  # the stdlib parser recurses per level: this used to raise RecursionError
    assert view.message.subject == "deep"
    assert "too many nested parts" in view.body_html


def test_attached_messages_are_shown_below_the_body_and_sanitised() -> None:
    inner = (
        b"From: Carol <carol@example.test>\r\nSubject: Original <news>\r\nContent-Type: text/html\r\n\r\n"
        b'<p>inner text</p><script>alert(1)</script><img src="https://t.example/pixel.gif">\r\n'
    )
    raw = (
        b"Subject: fwd\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=m\r\n\r\n"
        b"--m\r\nContent-Type: text/plain\r\n\r\nsee below\r\n"
        b"--m\r\nContent-Type: message/rfc822\r\n\r\n" + inner + b"--m--\r\n"
    )
    view = render_message(raw)
    assert "see below" in view.body_html and "<p>inner text</p>" in view.body_html
    assert "Original &lt;news&gt;" in view.body_html and "Carol" in view.body_html
    assert "<script" not in view.body_html and "t.example" not in view.body_html
    assert view.remote_blocked  # the attached message's tracker counts for the "Show remote content" bar
    assert [a.filename for a in view.attachments] == ["Original _news_.eml"]


def test_format_flowed_paragraphs_are_joined() -> None:
    raw = (
        b"Subject: flowed\r\nContent-Type: text/plain; charset=utf-8; format=flowed; delsp=no\r\n\r\n"
        b"This paragraph was wrapped \r\nby the sender's mail program.\r\n\r\n"
        b"> A quoted line that \r\n> goes on.\r\n>> Deeper \r\n>> quote.\r\n"
        b" >not a quote (space-stuffed)\r\n-- \r\nSignature\r\n"
    )
    assert parse_message(raw).text.splitlines() == [
        "This paragraph was wrapped by the sender's mail program.",
        "",
        "> A quoted line that goes on.",
        ">> Deeper quote.",
        ">not a quote (space-stuffed)",
        "-- ",
        "Signature",
    ]


def test_format_flowed_delsp_removes_the_soft_break_space() -> None:
    raw = b"Subject: x\r\nContent-Type: text/plain; format=flowed; delsp=yes\r\n\r\nJapa \r\nnese\r\n"
    assert parse_message(raw).text.strip() == "Japanese"


def test_absurd_headers_are_cut_before_decoding() -> None:
    raw = b"Subject: " + b"=?utf-8?q?ab?= " * 20000 + b"\r\nTo: " + b"a@b.test," * 20000 + b"\r\n\r\nbody\r\n"
    msg = parse_message(raw)  # used to take seconds in the stdlib decoders
    assert msg.subject.startswith("abab") and len(msg.subject) < 20_000
    assert 1000 < len(msg.to) < 10_000


def test_uuencoded_files_in_text_become_attachments() -> None:
    import binascii

    encoded = binascii.b2a_uu(b"hello uu world").decode()
    raw = (
        b"Subject: old style\r\n\r\nHere is the file:\r\n\r\nbegin 644 hello.txt\r\n"
        + encoded.encode().replace(b"\n", b"\r\n")
        + b"`\r\nend\r\n\r\nBye\r\n"
    )
    msg = parse_message(raw)
    [att] = msg.attachments
    assert (att.filename, att.content_type) == ("hello.txt", "text/plain")
    assert msg.attachment_data(att.part_id) == b"hello uu world"
    assert "[attachment: hello.txt]" in msg.text and "Bye" in msg.text and "begin 644" not in msg.text


def test_fuzzer_findings_do_not_raise() -> None:
    """Inputs a mutation fuzzer over the corpus found: NUL in a charset, a non-ASCII address in an attachment."""
    raw = (
        b"Subject: =?utf\x00-8?q?x?=\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=m\r\n\r\n"
        b'--m\r\nContent-Type: text/plain; charset="utf\x00"\r\n\r\nbody\r\n'
        b"--m\r\nContent-Type: message/rfc822\r\n\r\n"
        b"From: J\xc3\xb6rg <j\xc3\xb6rg@example.test>\r\nSubject: in\r\n\r\nx\r\n--m--\r\n"
    )
    view = render_message(raw)
    assert "body" in view.body_html and "jörg@example.test" in view.body_html
